"""Render stage: (FeedSpec, records) → RSS 2.0 or Atom 1.0 bytes; no I/O.

The only module importing feedgen; its traps are worked around here, each where it bites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from ..core.errors import RenderError
from ..core.formats import ATOM, BY_KEY, JSON_FEED, RSS
from ..core.location import SourceLocation
from ..core.media import Video
from ..core.model import FeedExtras, FeedSpec, Image, Record
from ..records.sanitize import clean_text, hex_references
from .entryhtml import content_html, summary_html
from .jsonfeed import json_feed_file
from .safe import safe_entries

GENERATOR = "feeds"
"""Written without version or uri so golden files survive upgrades."""

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
FH_NS = "http://purl.org/syndication/history/1.0"

_Element = Any
"""An lxml element as feedgen hands it over (feedgen is untyped)."""


class _FeedExtension(BaseExtension):
    """Channel-level elements feedgen cannot write, and the namespaces entries need
    (feedgen takes namespaces from feed extensions only).

    - ``rel="hub"`` and RFC 5005 links: in RSS they are ``atom:link`` elements, which
      feedgen writes for ``rel="self"`` alone; added here for Atom too, so the channel's
      ``link()`` order (self first, web page last) stays as it is.
    - ``sy:updatePeriod``/``sy:updateFrequency`` and ``fh:archive``.
    """

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []
        """(rel, href), already cleaned."""
        self.period: tuple[str, int] | None = None
        self.archived = False

    def extend_ns(self) -> dict[str, str]:
        spaces = {"media": MEDIA_NS}
        if self.period is not None:
            spaces["sy"] = SY_NS
        if self.archived:
            spaces["fh"] = FH_NS
        return spaces

    def _extend(self, parent: _Element) -> None:
        for rel, href in self.links:
            xml_elem(f"{{{ATOM_NS}}}link", parent, rel=rel, href=href)
        if self.archived:
            xml_elem(f"{{{FH_NS}}}archive", parent)

    def extend_rss(self, rss: _Element) -> _Element:
        channel = rss[0]
        self._extend(channel)
        if self.period is not None:
            xml_elem(f"{{{SY_NS}}}updatePeriod", channel).text = self.period[0]
            xml_elem(f"{{{SY_NS}}}updateFrequency", channel).text = str(self.period[1])
        return rss

    def extend_atom(self, feed: _Element) -> _Element:
        self._extend(feed)
        return feed


def update_period(minutes: int) -> tuple[str, int]:
    """``sy:updatePeriod`` and ``sy:updateFrequency`` (times per period) for a refresh interval."""
    for period, length in (("hourly", 60), ("daily", 1440), ("weekly", 10080)):
        if minutes <= length:
            return period, max(1, round(length / minutes))
    return "monthly", 1


class _EntryExtension(BaseEntryExtension):
    """What feedgen cannot write for an entry.

    - Media RSS without ``media:group``: feedgen's media extension always wraps in one.
    - Atom ``<link rel="related">``: feedgen drops ``rel`` on Atom entry links
      (https://github.com/lkiesow/python-feedgen/issues/135).
    - RSS ``<source url>``: feedgen's ``entry.source()`` also writes an Atom ``<source>``, which
      describes a source *feed*; in Atom the provider is the entry's author instead.
    """

    def __init__(self) -> None:
        self.image: Image | None = None
        self.related: list[tuple[str, str]] = []
        """(href, title) pairs, already cleaned."""
        self.source: tuple[str, str] | None = None
        """(url, name) of the provider, already cleaned."""
        self.video: tuple[Video, str] | None = None
        """The featured video and the entry's (cleaned) title."""
        self.enclosure: tuple[str, str, int] | None = None
        """(url, type, length) of the image, for RSS ``<enclosure>``."""

    def _add_video(self, parent: _Element) -> None:
        if self.video is None:
            return
        video, title = self.video
        sizes = {
            name: str(value)
            for name, value in (("width", video.width), ("height", video.height))
            if value is not None
        }
        # No url: the spec then requires media:player (https://www.rssboard.org/media-rss).
        content = xml_elem(f"{{{MEDIA_NS}}}content", parent, medium="video", **sizes)
        xml_elem(f"{{{MEDIA_NS}}}player", content, url=video.player_url, **sizes)
        if video.thumbnail_url:
            xml_elem(f"{{{MEDIA_NS}}}thumbnail", content, url=video.thumbnail_url)
        xml_elem(f"{{{MEDIA_NS}}}title", content, type="plain").text = title

    def _add_media(self, parent: _Element) -> None:
        self._add_video(parent)
        if self.image is None:
            return
        sizes = {
            name: str(value)
            for name, value in (("width", self.image.width), ("height", self.image.height))
            if value is not None
        }
        url = clean_text(self.image.url)
        xml_elem(f"{{{MEDIA_NS}}}content", parent, url=url, medium="image", **sizes)
        xml_elem(f"{{{MEDIA_NS}}}thumbnail", parent, url=url, **sizes)

    def extend_rss(self, item: _Element) -> _Element:
        self._add_media(item)
        if self.enclosure is not None:
            url, kind, length = self.enclosure
            xml_elem("enclosure", item, url=url, length=str(length), type=kind)
        if self.source is not None:
            url, name = self.source
            xml_elem("source", item, url=url).text = name
        return item

    def extend_atom(self, entry: _Element) -> _Element:
        self._add_media(entry)
        for href, title in self.related:
            link = xml_elem("link", entry, rel="related", href=href)
            if title:
                link.attrib["title"] = title
        return entry


def _utc(when: datetime) -> datetime:
    # A naive datetime would make astimezone() read the machine's zone: refuse it instead.
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} (dates must carry a time zone)")
    return when.astimezone(UTC)


def _add_entry(
    feed: Any, record: Record, *, full: bool = True, enclosures: dict[str, tuple[str, int]]
) -> None:
    entry = feed.add_entry(order="append")  # feedgen prepends by default; records come sorted
    entry.title(clean_text(record.title))
    entry.link(href=clean_text(record.url))
    # The id is the canonical URL, never a position; RSS gets it as guid isPermaLink="false".
    entry.id(clean_text(record.canonical_url))
    entry.published(_utc(record.published_at))
    # Explicit, or feedgen stamps every Atom entry with the clock.
    entry.updated(_utc(record.modified_at))
    # Atom: summary = the excerpt, content = the text (body or excerpt), video, related list.
    # RSS has one description: the excerpt, with the full content in content:encoded; without
    # an excerpt feedgen puts the content in description alone (rather than twice).
    # ``content: summary`` (FeedSpec.content) leaves the content out: the excerpt only.
    # An entry with neither gets its title as summary: never an entry without text.
    content = content_html(record) if full else None
    if record.excerpt or content is None:
        entry.summary(summary_html(record), type="html")
    if content is not None:
        entry.content(content, type="html")
    for topic in record.topics:
        entry.category(term=clean_text(topic))

    extra: _EntryExtension = entry.extra
    extra.image = record.images[0] if record.images else None
    if extra.image is not None and extra.image.url in enclosures:
        kind, length = enclosures[extra.image.url]
        extra.enclosure = (clean_text(extra.image.url), kind, length)
    if record.video is not None:
        extra.video = (record.video, clean_text(record.title))
    extra.related = [(clean_text(r.url), clean_text(r.title)) for r in record.related]
    provider = record.provider
    if provider is not None:
        name = clean_text(provider.name)
        url = clean_text(provider.url) if provider.url else None
        # RSS <author> must be an email address, which providers lack: dc:creator instead.
        entry.dc.dc_creator(name)
        entry.author({"name": name, "uri": url} if url else {"name": name})
        extra.source = (url, name) if url else None


def _build(
    spec: FeedSpec,
    fmt: str,
    records: Sequence[Record],
    feed_url: str,
    updated: datetime,
    extras: FeedExtras,
) -> bytes:
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # Atom names providers in <author>
    feed.register_extension("extra", _FeedExtension, _EntryExtension)
    channel: _FeedExtension = feed.extra
    channel.links = [("hub", clean_text(hub)) for hub in extras.hubs]
    channel.links += [(rel, clean_text(href)) for rel, href in extras.links]
    channel.archived = extras.archived
    if extras.ttl_minutes is not None:
        feed.ttl(extras.ttl_minutes)  # RSS only; Atom has no polling hint
        channel.period = update_period(extras.ttl_minutes)

    title = clean_text(spec.title)
    feed.title(title)
    feed.id(clean_text(feed_url))
    # The RSS channel <link> is the *last* link added: self first, the web page second.
    feed.link(href=clean_text(feed_url), rel="self", type=BY_KEY[fmt].media_type)
    # The web page of this feed: the topic's subscribe page, or the site's.
    home = clean_text(extras.home_page_url or spec.site_url)
    feed.link(href=home, rel="alternate")
    # RSS requires a description; Atom calls it subtitle.
    feed.description(clean_text(spec.description) or title)
    if spec.language:
        feed.language(clean_text(spec.language))
    feed.author(name=clean_text(spec.author))  # Atom entries without a provider fall back on it
    feed.generator(GENERATOR)
    if spec.image:
        # RSS <image> needs the channel's title and link beside the URL; Atom has <logo>.
        feed.image(url=clean_text(spec.image), title=title, link=home)
        feed.logo(clean_text(spec.image))
    # lastBuildDate / <updated> come from the caller, never the clock; no channel pubDate.
    feed.updated(_utc(updated))

    enclosures = {e.url: (e.type, e.length) for e in extras.enclosures}
    for record in records:
        _add_entry(feed, record, full=spec.content != "summary", enclosures=enclosures)

    if fmt == RSS.key:
        data = hex_references(feed.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))
    else:
        data = feed.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return bytes(data)


Renderer = Callable[[FeedSpec, str, Sequence[Record], str, datetime, FeedExtras], bytes]
"""(spec, format key, records, feed URL, updated, extras) → the feed file's bytes."""

RENDERERS: dict[str, Renderer] = {RSS.key: _build, ATOM.key: _build, JSON_FEED.key: json_feed_file}
"""Which function renders each format of ``core.formats``, by its key."""


def render_feed(
    spec: FeedSpec,
    fmt: str,
    records: Sequence[Record],
    *,
    feed_url: str,
    updated: datetime,
    extras: FeedExtras | None = None,
) -> bytes:
    """Render one feed file ("rss", "atom" or "json"): the records in the order given,
    their HTML sanitized and their links checked again (``rendersafe``)."""
    extras = extras or FeedExtras()
    records = safe_entries(records)  # cached records are untrusted input too
    where = SourceLocation(spec.path(fmt))
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        known = ", ".join(RENDERERS)
        raise RenderError(f"unknown feed format {fmt!r}; use one of {known}", where, "format")
    try:
        return renderer(spec, fmt, records, feed_url, updated, extras)
    # feedgen and lxml raise bare ValueErrors (missing field, bad character, naive date) that
    # name no feed; TypeError covers a value of the wrong type reaching lxml.
    except (ValueError, TypeError) as error:
        raise RenderError(
            f"cannot render the feed: {error}; check the records of this feed", where
        ) from error
