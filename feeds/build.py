"""One build: find → read → validate → select → render → write; returns a Report.

Reading and writing go through ``sources``, ``frontmatter`` and ``output``; everything
between works on values. Nothing is written until every feed has rendered. The stages
live in ``reading``, ``selection``, ``documents`` and ``publish``; a run whose inputs did
not change (``runstate``) stops before any of them is imported.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .core.report import Duplicate, RecordCounts, Report
from .core.settings import Config
from .sources.local import display_path, list_record_files
from .speed import runstate

if TYPE_CHECKING:
    from .records.reading import Loaded
    from .render.documents import Parallel
    from .selection.classify import Classified
    from .sources.local import SourceFile
    from .speed.workers import Prefetch, Workers

SPLIT_LISTING_FROM = 20000
"""From this many files listed on, a helper process reads most of the other files' stats."""

Progress = Callable[[int, int], None]
"""Called with (done, in all): files while reading, feeds while rendering; the CLI draws
it on a terminal."""


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


@contextlib.contextmanager
def _batch_mode() -> Iterator[None]:
    """Run as the batch job a build is: the cyclic garbage collector paused (a build
    makes millions of small acyclic objects, which reference counting frees, and the
    collector would walk them all again and again: a fifth of a large build's time).
    Forked workers inherit it, and ``_keep_freed_memory`` once records are to be read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
"""glibc's mallopt parameters (malloc.h)."""


@functools.cache  # once a process: a build that starts workers asks before forking them
def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory instead of returning it to the system at
    once. Reading a record allocates and frees a few kilobytes of text; with the default
    thresholds the top of the heap is trimmed and faulted in again over and over (17,000
    page faults per 8,000 records, which took 60% longer). Elsewhere nothing changes.
    Called once records are to be read: a run with nothing to do never loads ctypes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): leave it
        pass


def build(
    config: Config,
    *,
    now: datetime,
    progress: Progress | None = None,
    force: bool = False,
    rendering: Progress | None = None,
) -> Report:
    """Run one build (see ``_build``) in batch mode (see ``_batch_mode``); ``progress``
    follows the reading, ``rendering`` the feeds drawn."""
    with _batch_mode():
        return _build(config, now=now, progress=(progress, rendering), force=force)


def _build(
    config: Config,
    *,
    now: datetime,
    progress: tuple[Progress | None, Progress | None],
    force: bool,
) -> Report:
    """Run one build and write the feeds whose bytes changed, then tell the WebSub hubs.

    Rejected records are reported (ten a source and a count), not raised. Reading and
    rendering need no lock; only publishing takes the output folder's lock. A RenderError
    stops the run before any write; an OutputError stops it midway, and every file is
    then either its previous version or its complete new one. A failed ping is a warning:
    the exit code stays.
    """
    with contextlib.ExitStack() as stack:
        workers = prefetch = None
        if force or not runstate.may_skip(config):
            # Records will be read: start the parser processes before listing, while this
            # process is small (a forked worker's resident memory counts it again); with
            # no parse cache to consult, they read each file as soon as it is listed.
            from .speed.cache import ParseCache
            from .speed.workers import Prefetch, Workers

            _keep_freed_memory()
            workers = stack.enter_context(Workers())
            if workers.count > 1:
                workers.start()
            if workers.started and (config.cache is None or not ParseCache.exists(config.cache)):
                prefetch = Prefetch(workers, config.max_file_size, config.related_entries)
        # Without workers reading as it goes, a large listing is split in two processes.
        listing = list_record_files(
            config.sources,
            prefetch.add if prefetch else None,
            split_from=None if workers and workers.started else SPLIT_LISTING_FROM,
        )
        key = runstate.fingerprint(config, listing)
        last, damaged = (None, None) if force else runstate.unchanged_report(config, key, now)
        if last is not None:
            return last
        listed = (listing.files, listing.warnings)
        del listing  # its paths and stat columns: 40 MB at 1,000,000 files
        run = _run(config, now, progress, force, listed, key, workers, prefetch)
        return replace(run, warnings=(damaged, *run.warnings)) if damaged else run


def _counted(parallel: Parallel | None, progress: Progress) -> Parallel:
    """``parallel`` (or, without it, ``map`` here) telling ``progress`` of each task done."""

    def run(function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        for done, result in enumerate((parallel or map)(function, tasks), 1):
            progress(done, len(tasks))
            yield result

    return run


def _run(
    config: Config,
    now: datetime,
    progress: tuple[Progress | None, Progress | None],
    force: bool,
    listed: tuple[list[SourceFile], list[str]],
    key: str,
    started: Workers | None,
    prefetch: Prefetch | None,
) -> Report:
    # Imported only now: a cron run with nothing to do never loads the stages (PyYAML's
    # record loader, nh3, markdown-it, feedgen, lxml, multiprocessing).
    from .publish.stage import learn_enclosures, notify_hubs, publish, read_sealed, redirect_maps
    from .records.reading import complete, load_records
    from .render.documents import render_all
    from .render.sitepages import site_files
    from .selection.classify import classify
    from .selection.select import plan_feeds
    from .speed.rendermemo import RenderMemo
    from .speed.workers import Workers

    _keep_freed_memory()
    with started or Workers() as workers:
        loaded = load_records(config, progress[0], listed, workers, prefetch)
        classified = classify(loaded.records, now)
        plan = plan_feeds(config, classified.published, now=now, archives=True)
        planned = complete(config, plan, listed[0], workers)
        sealed, warnings = read_sealed(config, planned)
        extras, found = learn_enclosures(config, planned)
        memo = RenderMemo.load(config.output, config.cache) if not force else None
        # Workers started while this process was small draw the feeds too; none are
        # started for it now (each would count this process's memory again).
        parallel: Parallel | None = workers.map if workers.started else None
        if progress[1] is not None:
            parallel = _counted(parallel, progress[1])
        rendered = render_all(
            config, planned, sealed=sealed, extras=extras, memo=memo, parallel=parallel
        )
    side = [*rendered.files, *redirect_maps(config, planned)]
    results, held, pages = publish(
        config,
        rendered.feeds,
        force=force,
        extra=side,
        pages=functools.partial(site_files, config, planned, rendered),
        sources_failed=loaded.failed_sources > 0,
    )
    kept = {h.path: h.previous for h in held}  # what each held-back feed's file holds
    # Ten rejections a source and a count, as shown and remembered: a listing of a million
    # bad records must not print a million lines nor make a huge state file, and a
    # no-change run repeats exactly what this one printed.
    report = Report(
        counts=count_records(loaded, classified),
        rejected=loaded.rejected,
        feeds=tuple(replace(r, previous=kept[r.path]) if r.path in kept else r for r in results),
        duplicates=tuple(
            Duplicate(str(dropped.source), dropped.canonical_url, str(kept.source))
            for dropped, kept in classified.duplicates
        ),
        warnings=loaded.warnings
        + (*warnings, *found, *rendered.warnings)
        + tuple(h.message() for h in held),
    ).capped(shown_sources(config))
    due = min((r.published_at for r in classified.scheduled), default=None)
    if memo is not None:
        memo.save(results)
    # Warnings about the cache's own files (damaged, ignored), like ping warnings, are
    # this run's alone: not remembered, so a no-change rerun does not repeat them.
    own = (memo.warning,) if memo is not None and memo.warning else ()
    # Ping warnings are this run's alone: a no-change rerun pings nothing and must not
    # repeat them (runstate repeats the remembered report).
    written = [file.path for file in (*side, *pages)]
    runstate.remember(config, key, now, due, report, written)
    pinged = notify_hubs(config, results)
    return replace(report, warnings=(*own, *report.warnings, *pinged))
