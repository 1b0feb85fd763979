"""Render stage for a whole build: every feed file (trimmed to ``max_bytes``, split into
RFC 5005 archives), the OPML list and the subscribe pages, as bytes in memory; no I/O.

``build`` decides what may be written; nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from .archive import ArchivePlan, PageKey, archive_links, archive_path, dump_sealed, plan_archive
from .model import Config, FeedExtras, FeedSpec, Record
from .rendermemo import RenderMemo, signature
from .selection import PlannedFeed, feed_date
from .sizing import fit

if TYPE_CHECKING:
    from .enclosures import Enclosure

ARCHIVE_FORMATS = ("rss", "atom")
"""RFC 5005 archives exist for the XML formats; JSON Feed has no such notion."""
OPML_FILE = "feeds.opml"
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

    feed: PlannedFeed
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


def render_all(
    config: Config,
    planned: Sequence[PlannedFeed],
    *,
    sealed: Mapping[str, Sequence[PageKey]] | None = None,
    extras: FeedExtras | None = None,
    memo: RenderMemo | None = None,
) -> Rendered:
    """Render every feed file of the build; raises RenderError before anything is written.

    ``sealed`` holds each archived feed's sealed page keys from the last run (by
    ``state_path``); ``extras`` carries what applies to every feed (enclosures).
    """

    base = config.site.url
    enclosures = extras.enclosures if extras is not None else ()
    feeds: list[RenderedFeed] = []
    files: list[SideFile] = []
    warnings: list[str] = []
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
            rendered = _sized(feed, fmt, entries, spec.feed_url(fmt, base), options, memo)
            feeds.append(rendered)
            if rendered.entries < rendered.wanted:
                warnings.append(_trimmed(rendered))
        first = spec.path(spec.formats[0])
        current[first] = entries
        if plan is not None:
            files.extend(_archive_files(config, spec, plan, enclosures))
            if plan.pages:
                xml = [f for f in spec.formats if f in ARCHIVE_FORMATS]
                if xml:
                    archives[first] = base + archive_path(spec.slug, plan.pages[-1].number, xml[0])
    return Rendered(tuple(feeds), tuple(files), tuple(warnings), current, archives)


def _sized(
    feed: PlannedFeed,
    fmt: str,
    entries: Sequence[Record],
    url: str,
    extras: FeedExtras,
    memo: RenderMemo | None = None,
) -> RenderedFeed:
    """One subscription feed file, its oldest entries left out when over ``max_bytes``;
    read back from disk when ``memo`` knows it was made from exactly these inputs."""
    from .render import render_feed

    spec = feed.spec
    path = spec.path(fmt)
    sig = ""
    if memo is not None:
        sig = signature(spec, fmt, url, feed.updated.isoformat(), extras, entries)
        reused = memo.reuse(path, sig)
        if reused is not None:
            data, kept = reused
            memo.rendered(path, sig, kept)
            return RenderedFeed(feed, fmt, path, url, data, kept, len(entries))

    def draw(chosen: Sequence[Record]) -> bytes:
        return render_feed(spec, fmt, chosen, feed_url=url, updated=feed.updated, extras=extras)

    if spec.max_bytes is None:
        data, dropped = draw(entries), 0
    else:
        data, dropped = fit(entries, draw, spec.max_bytes)
    if memo is not None:
        memo.rendered(path, sig, len(entries) - dropped)
    return RenderedFeed(feed, fmt, path, url, data, len(entries) - dropped, len(entries))


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
    from .render import render_feed

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


def site_files(
    config: Config, planned: Sequence[PlannedFeed], rendered: Rendered, *, updated: datetime
) -> list[SideFile]:
    """``feeds.opml``, the root ``index.html`` and each topic's ``<slug>/index.html``."""
    from .opml import OpmlFeed, render_opml
    from .pages import FeedLink, TopicPage, render_index_page, render_topic_page
    from .topictree import parents

    site = config.site
    above = parents(config.topics)
    pages: list[tuple[TopicPage, tuple[Record, ...]]] = []
    outlines: list[OpmlFeed] = []
    for feed in planned:
        spec = feed.spec
        first = spec.path(spec.formats[0])
        entries = rendered.current.get(first, feed.entries)
        parent = above.get(spec.topic) if spec.topic is not None else None
        home = page_url(spec, site.url)
        page = TopicPage(
            topic=spec.topic,
            title=spec.title,
            description=spec.description,
            url=home,
            feeds=tuple(FeedLink(fmt, spec.feed_url(fmt, site.url)) for fmt in spec.formats),
            parent=parent,
            entries=len(entries),
            newest=max((r.published_at for r in entries), default=None),
            archive_url=rendered.archives.get(first),
        )
        pages.append((page, entries))
        # One outline per topic (its first format): importing three formats of one feed
        # would subscribe a reader to every story three times.
        url = spec.feed_url(spec.formats[0], site.url)
        outlines.append(
            OpmlFeed(spec.title, spec.title, url, home, parent=parent, topic=spec.topic)
        )
    files = [SideFile(OPML_FILE, render_opml(site, outlines, updated=updated))]
    topics = [page for page, _ in pages]
    files.append(
        SideFile(INDEX_FILE, render_index_page(site, topics, opml_url=site.url + OPML_FILE))
    )
    for page, entries in pages:
        if page.topic is not None:
            slug = page.url[len(site.url) :].rstrip("/")
            files.append(SideFile(f"{slug}/{INDEX_FILE}", render_topic_page(site, page, entries)))
    return files
