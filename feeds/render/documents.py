"""Render stage for a whole build: every feed file (trimmed to ``max_bytes``, split into
RFC 5005 archives), as bytes in memory; no I/O. The pages and OPML are ``sitepages``.

``build`` decides what may be written; nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core.formats import ARCHIVE_FORMATS
from ..core.model import FeedExtras, FeedSpec, Record
from ..core.settings import Config
from ..selection.select import PlannedFeed, feed_date
from ..speed.rendermemo import RenderMemo
from .archive import ArchivePlan, PageKey, archive_links, archive_path, dump_sealed, plan_archive
from .sizing import fit

if TYPE_CHECKING:
    from ..core.media import Enclosure

INDEX_FILE = "index.html"


def state_path(slug: str | None) -> str:
    """Where a topic's sealed archive pages are remembered, beside its archive documents."""
    return "archive/state.json" if slug is None else f"{slug}/archive/state.json"


def page_url(spec: FeedSpec, site_url: str) -> str:
    """The subscribe page of a feed: ``<slug>/`` (its ``index.html``), or the site's root."""
    return site_url if spec.slug is None else f"{site_url}{spec.slug}/"


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    """One subscription feed file's bytes, ready to write."""

    feed: PlannedFeed[Record]
    format: str
    path: str
    url: str
    data: bytes
    entries: int
    """Entries in the file."""
    wanted: int
    """Entries before ``max_bytes`` trimming: what the shrink guard compares."""


@dataclass(frozen=True, slots=True)
class SideFile:
    """A file besides the subscription feeds: an archive page, a page, OPML, a redirect map."""

    path: str
    data: bytes
    owner: FeedSpec | None = None
    """The feed it belongs to: not written when that feed is held back."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """Everything a build renders."""

    feeds: tuple[RenderedFeed, ...]
    files: tuple[SideFile, ...]
    warnings: tuple[str, ...]
    current: Mapping[str, tuple[Record, ...]]
    """Each feed's subscription entries (after archiving), by its first format's path."""
    archives: Mapping[str, str]
    """The newest archive page's URL of each archived feed, by its first format's path."""


def _extras(config: Config, spec: FeedSpec, **changes: object) -> FeedExtras:
    extras = FeedExtras(
        home_page_url=page_url(spec, config.site.url),
        hubs=config.hubs,
        ttl_minutes=config.refresh_minutes,
    )
    return replace(extras, **changes)  # type: ignore[arg-type]


Parallel = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]
"""A map over worker processes (``workers.Workers.map``): results in order."""


@dataclass(frozen=True, slots=True)
class _Job:
    """One subscription feed file to render."""

    feed: PlannedFeed[Record]
    fmt: str
    entries: tuple[Record, ...]
    url: str
    extras: FeedExtras


def render_all(
    config: Config,
    planned: Sequence[PlannedFeed[Record]],
    *,
    sealed: Mapping[str, Sequence[PageKey]] | None = None,
    extras: FeedExtras | None = None,
    memo: RenderMemo | None = None,
    parallel: Parallel | None = None,
) -> Rendered:
    """Render every feed file of the build; raises RenderError before anything is written.

    ``sealed`` holds each archived feed's sealed page keys from the last run (by
    ``state_path``); ``extras`` carries what applies to every feed (enclosures). With
    ``parallel``, the feeds' files are drawn in worker processes, a feed per task.
    """

    base = config.site.url
    enclosures = extras.enclosures if extras is not None else ()
    jobs: list[_Job] = []
    files: list[SideFile] = []
    current: dict[str, tuple[Record, ...]] = {}
    archives: dict[str, str] = {}
    for feed in planned:
        spec = feed.spec
        plan: ArchivePlan | None = None
        entries = feed.entries
        if spec.archive:
            plan = plan_archive(
                entries, spec.limit, sealed=(sealed or {}).get(state_path(spec.slug), ())
            )
            entries = plan.current
        for fmt in spec.formats:
            links = (
                archive_links(plan, None, base_url=base, slug=spec.slug, fmt=fmt)
                if plan and fmt in ARCHIVE_FORMATS
                else {}
            )
            options = _extras(config, spec, links=tuple(links.items()), enclosures=enclosures)
            jobs.append(_Job(feed, fmt, tuple(entries), spec.feed_url(fmt, base), options))
        first = spec.path(spec.formats[0])
        current[first] = entries
        if plan is not None:
            files.extend(_archive_files(config, spec, plan, enclosures))
            if plan.pages:
                xml = [f for f in spec.formats if f in ARCHIVE_FORMATS]
                if xml:
                    archives[first] = base + archive_path(spec.slug, plan.pages[-1].number, xml[0])
    feeds = _draw_all(jobs, memo, parallel)
    warnings = tuple(_trimmed(r) for r in feeds if r.entries < r.wanted)
    return Rendered(tuple(feeds), tuple(files), warnings, current, archives)


def _draw_all(
    jobs: Sequence[_Job], memo: RenderMemo | None, parallel: Parallel | None
) -> list[RenderedFeed]:
    """Each job's file: read back from disk when ``memo`` knows it was made from exactly
    these inputs, else drawn (here, or by ``parallel`` a feed's files per task)."""
    done: dict[int, RenderedFeed] = {}
    if memo is not None:
        files = [(job.feed.spec.path(job.fmt), _task(job)) for job in jobs]
        for index, (data, kept) in memo.reused(files).items():
            done[index] = _rendered(jobs[index], data, kept)
    done.update(_drawn(jobs, done, parallel))
    if memo is not None:
        for rendered in done.values():
            memo.rendered(rendered.path, rendered.entries)
    return [done[index] for index in range(len(jobs))]


def _drawn(
    jobs: Sequence[_Job], done: Mapping[int, RenderedFeed], parallel: Parallel | None
) -> dict[int, RenderedFeed]:
    """The jobs not ``done``, drawn, by index: the files of one feed travel together, as
    one task."""
    groups: dict[int, list[int]] = {}
    for index, job in enumerate(jobs):
        if index not in done:
            groups.setdefault(id(job.feed), []).append(index)
    tasks = [[_task(jobs[i]) for i in group] for group in groups.values()]
    results = parallel(draw_files, tasks) if parallel and len(tasks) > 1 else map(draw_files, tasks)
    return {
        index: _rendered(jobs[index], data, kept)
        for group, drawn in zip(groups.values(), results, strict=True)
        for index, (data, kept) in zip(group, drawn, strict=True)
    }


def _rendered(job: _Job, data: bytes, kept: int) -> RenderedFeed:
    path = job.feed.spec.path(job.fmt)
    return RenderedFeed(job.feed, job.fmt, path, job.url, data, kept, len(job.entries))


Task = tuple[FeedSpec, str, tuple[Record, ...], str, datetime, FeedExtras]


def _task(job: _Job) -> Task:
    return (job.feed.spec, job.fmt, job.entries, job.url, job.feed.updated, job.extras)


def draw_files(tasks: Sequence[Task]) -> list[tuple[bytes, int]]:
    """Each task's file and how many entries it kept (see ``_draw``). Runs in a worker
    process too: tasks and results are plain values."""
    return [_draw(*task) for task in tasks]


def _draw(
    spec: FeedSpec,
    fmt: str,
    entries: tuple[Record, ...],
    url: str,
    updated: datetime,
    extras: FeedExtras,
) -> tuple[bytes, int]:
    """One feed file, its oldest entries left out when it would exceed ``max_bytes``."""
    from .feed import render_feed

    def draw(chosen: Sequence[Record]) -> bytes:
        return render_feed(spec, fmt, chosen, feed_url=url, updated=updated, extras=extras)

    if spec.max_bytes is None:
        return draw(entries), len(entries)
    data, dropped = fit(entries, draw, spec.max_bytes)
    return data, len(entries) - dropped


def _trimmed(feed: RenderedFeed) -> str:
    """The report's line about a feed trimmed to ``max_bytes``."""
    limit = feed.feed.spec.max_bytes or 0
    line = (
        f"{feed.path}: left out the {feed.wanted - feed.entries} oldest of {feed.wanted} "
        f"entries to stay under max_bytes {limit} ({len(feed.data)} bytes)"
    )
    if len(feed.data) > limit:
        line += "; not even a feed without entries fits: raise max_bytes"
    return line


def _archive_files(
    config: Config, spec: FeedSpec, plan: ArchivePlan, enclosures: tuple[Enclosure, ...]
) -> list[SideFile]:
    """The archive documents of one feed and its sealed-page state; no hubs or polling
    hints: an archive page is not subscribed to, and a full one never changes."""
    from .feed import render_feed

    base = config.site.url
    files = []
    for page in plan.pages:
        for fmt in (f for f in spec.formats if f in ARCHIVE_FORMATS):
            path = archive_path(spec.slug, page.number, fmt)
            links = archive_links(plan, page.number, base_url=base, slug=spec.slug, fmt=fmt)
            options = FeedExtras(links=tuple(links.items()), archived=True, enclosures=enclosures)
            data = render_feed(
                spec,
                fmt,
                page.entries,
                feed_url=base + path,
                updated=feed_date(page.entries),
                extras=options,
            )
            files.append(SideFile(path, data, spec))
    state = (dump_sealed(plan.sealed) + "\n").encode("utf-8")
    files.append(SideFile(state_path(spec.slug), state, spec))
    return files
