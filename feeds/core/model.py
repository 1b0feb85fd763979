"""Frozen value types shared by every stage of the pipeline; no I/O.

Records come out of ``validate``, feed specs out of ``config``/``selection``; a build's
outcome is in ``report``. Everything is immutable so stages cannot reach back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .formats import FORMATS as FORMATS  # re-exported for config; the table is formats
from .formats import file_name

if TYPE_CHECKING:
    from ..config.remotes import RemoteSource
    from ..net.enclosures import Enclosure
    from ..records.video import Video


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a record (or a config value) came from."""

    path: str
    """The file as the user named it (relative to the working folder when possible)."""
    line: int | None = None
    """1-based line in that file, when known."""

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Provider:
    """The publication a story comes from; rendered as the entry's author/source."""

    name: str
    domain: str | None = None
    """Bare host name such as ``theguardian.com``."""

    @property
    def url(self) -> str | None:
        """The provider's home page, ``https://{domain}``."""
        return f"https://{self.domain}" if self.domain else None


@dataclass(frozen=True, slots=True)
class Image:
    """A picture of the story; the first one becomes the Media RSS thumbnail."""

    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """Other coverage of the same story, linked from the entry."""

    title: str
    url: str
    excerpt: str | None = None
    """Sanitized HTML fragment."""
    published_at: datetime | None = None
    provider: Provider | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One validated article: everything a feed entry may show, nothing more.

    There is deliberately no field for ``secured``: what the model lacks cannot leak.
    """

    source: SourceLocation
    title: str
    """Plain text (never HTML)."""
    url: str
    """The entry's link: ``webUrl``, else ``originalUrl``."""
    canonical_url: str
    """``originalUrl`` or ``webUrl`` without tracking parameters; the entry id and dedupe key."""
    published_at: datetime
    """Aware, UTC."""
    updated_at: datetime | None = None
    """Aware, UTC; ``None`` when the record was never updated."""
    excerpt: str | None = None
    """Sanitized HTML fragment."""
    body_html: str | None = None
    """The Markdown body rendered to sanitized HTML; ``None`` when the body is empty."""
    topics: tuple[str, ...] = ()
    """Topic names as written in the record (deduplicated, order kept)."""
    is_published: bool = True
    provider: Provider | None = None
    images: tuple[Image, ...] = ()
    related: tuple[RelatedItem, ...] = ()
    category: str | None = None
    type: str | None = None
    quality: float | None = None
    heat: float | None = None
    video: Video | None = None
    """The video player the record features (``featuredContent``), shown as a plain link."""

    @property
    def is_light(self) -> bool:
        """Read light (``validate_record``): no title, link or HTML until completed."""
        return not self.title

    @property
    def modified_at(self) -> datetime:
        """The newest of the record's dates: when it last changed."""
        if self.updated_at is not None and self.updated_at > self.published_at:
            return self.updated_at
        return self.published_at


@dataclass(frozen=True, slots=True)
class Site:
    """Channel-level facts shared by every feed."""

    title: str
    url: str
    """Absolute base URL where the output folder is served; always ends with ``/``."""
    description: str = ""
    language: str | None = None


RELATED_MODES: tuple[str, ...] = ("links", "entries", "none")
"""``related:`` values: links inside each entry (default), also entries of their own, or neither."""

OPML_MODES: tuple[str, ...] = ("topics", "site", "both")
"""``opml:`` values: feeds.opml lists the topic feeds (default), the site-wide feed, or both."""

CONTENT_MODES: tuple[str, ...] = ("full", "summary")
"""``content:`` values: body and related list in the content (default), or the excerpt only."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which records a feed keeps; ``None`` means "not set here" (inherit from ``defaults``)."""

    min_quality: float | None = None
    """Keep records whose ``quality`` is at least this (records without one are dropped)."""
    min_heat: float | None = None
    """Keep records whose ``heat`` is at least this (records without one are dropped)."""
    types: tuple[str, ...] | None = None
    """Keep records whose ``type`` is one of these (case-insensitive); empty: any."""
    categories: tuple[str, ...] | None = None
    """Keep records whose ``category`` is one of these (case-insensitive); empty: any."""
    providers: tuple[str, ...] | None = None
    """Keep records whose provider domain is one of these or below one; empty: any."""
    exclude_providers: tuple[str, ...] | None = None
    """Drop records whose provider domain is one of these or below one."""
    max_age_days: int | None = None
    """Keep records published at most this many days before the build's ``now``."""
    exclude_topics: tuple[str, ...] | None = None
    """Drop records naming one of these topics (or their descendants)."""

    def over(self, defaults: Filters) -> Filters:
        """These filters, each unset one taken from ``defaults``."""
        values = {}
        for item in fields(self):
            mine = getattr(self, item.name)
            values[item.name] = mine if mine is not None else getattr(defaults, item.name)
        return Filters(**values)


@dataclass(frozen=True, slots=True)
class Defaults:
    """The top-level ``defaults:`` block: feed options every feed inherits unless it sets them."""

    image: str | None = None
    language: str | None = None
    limit: int | None = None
    formats: tuple[str, ...] | None = None
    related: str | None = None
    content: str | None = None
    include_children: bool | None = None
    max_bytes: int | None = None
    filters: Filters = Filters()


@dataclass(frozen=True, slots=True)
class TopicConfig:
    """A topic as the publisher configured it; ``None`` options inherit from ``defaults``."""

    name: str
    slug: str
    aliases: tuple[str, ...] = ()
    title: str | None = None
    description: str | None = None
    limit: int | None = None
    location: SourceLocation | None = None
    shortname: str | None = None
    """A short title (``_data/topics`` files carry one): the default feed title uses it."""
    parent: str | None = None
    """The name (or alias) of the configured topic this one sits under."""
    include_children: bool | None = None
    """Whether the feed also holds its descendants' records (default: true)."""
    match: tuple[str, ...] = ()
    """Further topic names (and their descendants) whose records this feed holds."""
    image: str | None = None
    """The channel image's URL."""
    language: str | None = None
    formats: tuple[str, ...] | None = None
    related: str | None = None
    """One of :data:`RELATED_MODES`."""
    content: str | None = None
    """One of :data:`CONTENT_MODES`."""
    previous_slugs: tuple[str, ...] = ()
    """Slugs the topic had before: their feed URLs redirect to the current ones."""
    max_bytes: int | None = None
    """The largest feed file; older entries are dropped until it fits."""
    archive: bool | None = None
    """Keep every entry: those past ``limit`` go into RFC 5005 archive documents."""
    filters: Filters = Filters()


@dataclass(frozen=True, slots=True)
class Config:
    """A validated configuration; paths are absolute."""

    path: Path
    site: Site
    sources: tuple[Path, ...]
    """Local record folders and files."""
    output: Path
    limit: int = 50
    discover: bool = True
    topics: tuple[TopicConfig, ...] = ()
    max_file_size: int = 1024 * 1024
    cache: Path | None = None
    """The parse cache folder; ``None`` runs without one (``--no-cache``)."""
    remote: tuple[RemoteSource, ...] = ()
    """Records fetched over HTTP (JSON listings or record files)."""
    lock_timeout: float = 60.0
    """Seconds to wait for another run holding the output folder's lock."""
    shrink_threshold: float = 0.5
    """A feed that would keep fewer than this share of its entries is held back."""
    defaults: Defaults = Defaults()
    """Feed options every feed inherits (the site-wide one included) unless it sets them."""
    topic_files: Path | None = None
    """The folder of one-topic YAML files merged with ``topics``; ``None``: none."""
    hubs: tuple[str, ...] = ()
    """WebSub hubs every feed advertises and that are told which feeds changed."""
    refresh_minutes: int | None = None
    """How often the feeds may change: RSS ``ttl``/``sy:*`` and serve-config's max-age."""
    images: str = "media"
    """"media": images as Media RSS only; "enclosure": also an RSS ``<enclosure>``."""
    private_images: bool = False
    """Image lookups may reach loopback, private and link-local addresses too."""
    opml: str = "topics"
    """Which feeds ``feeds.opml`` offers: one of ``OPML_MODES``."""

    @property
    def options(self) -> tuple[Defaults | TopicConfig, ...]:
        """Every place feed options are set: the ``defaults`` block and each topic."""
        return (self.defaults, *self.topics)

    @property
    def related_entries(self) -> bool:
        """Whether some feed (or the defaults) uses ``related: entries``."""
        return any(o.related == "entries" for o in self.options)

    @property
    def max_age(self) -> bool:
        """Whether some feed (or the defaults) filters by ``max_age_days``."""
        return any(o.filters.max_age_days is not None for o in self.options)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to publish: a topic (or the whole site) in one or more formats."""

    topic: str | None
    """The topic's configured or discovered name; ``None`` for the site-wide feed."""
    slug: str | None
    """Folder under the output; ``None`` for the site-wide feed at the root."""
    title: str
    description: str
    site_url: str
    """The web page the feed belongs to (the channel ``<link>``)."""
    language: str | None
    author: str
    """Feed-level author (the site title): Atom needs one for entries without a provider."""
    limit: int
    formats: tuple[str, ...] = FORMATS
    image: str | None = None
    """The channel image's URL."""
    content: str = "full"
    """"full": body and related list in the entry content; "summary": the excerpt only."""
    previous_slugs: tuple[str, ...] = ()
    """Former slugs whose feed URLs redirect here (see ``redirects``)."""
    max_bytes: int | None = None
    """The largest file allowed; entries are dropped from the oldest end to fit."""
    archive: bool = False
    """Entries past ``limit`` go into archive documents (RFC 5005) instead of vanishing."""

    def path(self, fmt: str) -> str:
        """The feed file's path relative to the output folder, with ``/`` separators."""
        name = file_name(fmt)
        return name if self.slug is None else f"{self.slug}/{name}"

    def feed_url(self, fmt: str, base_url: str) -> str:
        """The feed's public URL under ``base_url`` (which ends with ``/``)."""
        return base_url + self.path(fmt)


@dataclass(frozen=True, slots=True)
class FeedExtras:
    """What a feed document carries besides its spec and entries."""

    home_page_url: str | None = None
    """JSON Feed ``home_page_url``; ``None``: the spec's ``site_url``."""
    hubs: tuple[str, ...] = ()
    """WebSub hubs to advertise."""
    ttl_minutes: int | None = None
    """Polling hint: RSS ``ttl`` and ``sy:updatePeriod``/``sy:updateFrequency``."""
    links: tuple[tuple[str, str], ...] = ()
    """(rel, href) feed links: RFC 5005 ``current``, ``prev-archive``, ``next-archive``."""
    archived: bool = False
    """An archive document: marked ``<fh:archive/>``."""
    enclosures: tuple[Enclosure, ...] = ()
    """Known image types and lengths, by image URL: RSS ``<enclosure>``."""
