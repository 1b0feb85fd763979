"""One build: find → read → validate → select → render → write; returns a Report.

Reading and writing go through ``sources``, ``records`` and ``publish``; everything
between works on values. Nothing is written until every feed has rendered. A run whose
inputs did not change (``speed.runstate``) stops before any stage is imported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from . import speed
from .core.report import Duplicate, RecordCounts, Report
from .core.settings import Config
from .sources.local import display_path
from .speed.batch import batch_mode

if TYPE_CHECKING:
    from .core.model import Record
    from .core.report import FeedResult
    from .publish.guard import HeldBack
    from .records.reading import Loaded
    from .render.documents import Parallel, Rendered, SideFile
    from .selection.classify import Classified
    from .selection.select import PlannedFeed
    from .sources.local import SourceFile
    from .speed.plain import Plain

Progress = Callable[[int, int], None]
"""Called with (done, in all): files while reading, feeds while rendering; the CLI draws
it on a terminal."""

Listed = tuple[list["SourceFile"], list[str]]
"""The record files found and the listing's warnings."""


@dataclass(frozen=True, slots=True)
class BuildRun:
    """What one build is asked to do, handed from step to step."""

    config: Config
    now: datetime
    force: bool = False
    """Publish feeds even when they would shrink (``--force``); skip no-change shortcuts."""
    reading: Progress | None = None
    rendering: Progress | None = None


def build(
    config: Config,
    *,
    now: datetime,
    progress: Progress | None = None,
    force: bool = False,
    rendering: Progress | None = None,
) -> Report:
    """Run one build and write the feeds whose bytes changed, then tell the WebSub hubs;
    ``progress`` follows the reading, ``rendering`` the feeds drawn.

    Rejected records are reported (ten a source and a count), not raised. Reading and
    rendering need no lock; only publishing takes the output folder's lock. A RenderError
    stops the run before any write; an OutputError stops it midway, and every file is
    then either its previous version or its complete new one. A failed ping is a warning:
    the exit code stays.
    """
    run = BuildRun(config, now, force, progress, rendering)
    # Every fast path (workers, parse cache, no-change shortcut, render memo) is behind
    # the session; with FEEDS_SPEED=off it does each step the plain way.
    with batch_mode(), speed.session(config, force=force) as fast:
        listing = fast.list_files()
        last = fast.unchanged(listing, now)
        if last is not None:
            return last
        listed = (listing.files, listing.warnings)
        del listing  # its paths and stat columns: 40 MB at 1,000,000 files
        report = _read_to_write(run, listed, fast)
        # Warnings about the session's own files (damaged, ignored), like ping warnings,
        # are this run's alone: not remembered, so a no-change rerun does not repeat them.
        return replace(report, warnings=(*fast.warnings(), *report.warnings))


def _read_to_write(run: BuildRun, listed: Listed, fast: Plain) -> Report:
    """The stages from reading the listed files to telling the hubs."""
    # Imported only now: a cron run with nothing to do never loads the stages (PyYAML's
    # record loader, nh3, markdown-it, feedgen, lxml, multiprocessing).
    from .publish.stage import notify_hubs
    from .records.reading import complete, load_records
    from .selection.classify import classify
    from .selection.select import plan_feeds

    config, now = run.config, run.now
    with fast.working():
        loaded = load_records(config, run.reading, listed, fast)
        classified = classify(loaded.records, now)
        plan = plan_feeds(config, classified.published, now=now, archives=True)
        planned = complete(config, plan, listed[0], fast)
        drawn = _render(run, planned, fast)
    published = _publish(run, planned, drawn.rendered, sources_failed=loaded.failed_sources > 0)
    report = _report(run, loaded, classified, drawn, published)
    due = min((r.published_at for r in classified.scheduled), default=None)
    fast.remember(report, now, due, published.written)
    # Ping warnings are this run's alone: a no-change rerun pings nothing and must not
    # repeat them (the shortcut repeats the remembered report).
    pinged = notify_hubs(config, published.results)
    return replace(report, warnings=(*report.warnings, *pinged))


class _Drawn(NamedTuple):
    """The render step's outcome: every file's bytes, and what it learnt on the way. (Step
    outcomes are named tuples: a frozen dataclass costs half a millisecond of import, which
    a run with nothing to do would pay for nothing.)"""

    rendered: Rendered
    warnings: tuple[str, ...]
    """Sealed archive pages and enclosure lookups that went wrong."""


def _render(run: BuildRun, planned: Sequence[PlannedFeed[Record]], fast: Plain) -> _Drawn:
    """Every planned feed, page and archive drawn, by the session's workers when they
    run, unchanged feed files read back when its render memo knows them."""
    from .publish.stage import learn_enclosures, read_sealed
    from .render.documents import render_all

    config = run.config
    sealed, sealed_warnings = read_sealed(config, planned)
    extras, found = learn_enclosures(config, planned)
    memo = fast.render_memo()
    parallel = fast.parallel()
    if run.rendering is not None:
        parallel = _counted(parallel, run.rendering)
    rendered = render_all(
        config, planned, sealed=sealed, extras=extras, memo=memo, parallel=parallel
    )
    return _Drawn(rendered, (*sealed_warnings, *found))


def _counted(parallel: Parallel | None, progress: Progress) -> Parallel:
    """``parallel`` (or, without it, ``map`` here) telling ``progress`` of each task done."""

    def run(function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        for done, result in enumerate((parallel or map)(function, tasks), 1):
            progress(done, len(tasks))
            yield result

    return run


class _Published(NamedTuple):
    """The write step's outcome."""

    results: list[FeedResult]
    held: list[HeldBack]
    """Feeds kept at their previous version: they would have shrunk."""
    written: list[str]
    """The side files' and pages' paths (the feeds' are in ``results``)."""


def _publish(
    run: BuildRun,
    planned: Sequence[PlannedFeed[Record]],
    rendered: Rendered,
    *,
    sources_failed: bool,
) -> _Published:
    """Write the feeds, side files, redirect maps and pages under the output lock."""
    from .publish.stage import publish, redirect_maps
    from .render.sitepages import site_files

    config = run.config
    side: list[SideFile] = [*rendered.files, *redirect_maps(config, planned)]
    results, held, pages = publish(
        config,
        rendered.feeds,
        force=run.force,
        extra=side,
        pages=functools.partial(site_files, config, planned, rendered),
        sources_failed=sources_failed,
    )
    return _Published(results, held, [file.path for file in (*side, *pages)])


def _report(
    run: BuildRun, loaded: Loaded, classified: Classified, drawn: _Drawn, published: _Published
) -> Report:
    """The run's report, as shown and remembered: ten rejections a source and a count (a
    listing of a million bad records must not print a million lines nor make a huge state
    file, and a no-change run repeats exactly what this one printed)."""
    kept = {h.path: h.previous for h in published.held}  # what each held-back file holds
    return Report(
        counts=count_records(loaded, classified),
        rejected=loaded.rejected,
        feeds=tuple(
            replace(r, previous=kept[r.path]) if r.path in kept else r for r in published.results
        ),
        duplicates=tuple(
            Duplicate(str(dropped.source), dropped.canonical_url, str(first.source))
            for dropped, first in classified.duplicates
        ),
        warnings=loaded.warnings
        + (*drawn.warnings, *drawn.rendered.warnings)
        + tuple(h.message() for h in published.held),
    ).capped(shown_sources(run.config))


def shown_sources(config: Config) -> list[str]:
    """The sources as the report names them (``Report.capped``): folders and files as
    shown, then remote source URLs."""
    return [display_path(path) for path in config.sources] + [s.url for s in config.remote]


def count_records(loaded: Loaded, classified: Classified) -> RecordCounts:
    """The report's record counts; ``read`` equals the sum of the others."""
    return RecordCounts(
        read=loaded.read,
        published=len(classified.published),
        unpublished=len(classified.unpublished),
        scheduled=len(classified.scheduled),
        duplicates=len(classified.duplicates),
        rejected=len(loaded.rejected),
    )
