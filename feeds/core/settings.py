"""The validated configuration as frozen values: the site, feed defaults and filters, each
configured topic, and ``Config``, what the config stage hands the rest of a run; no I/O.

``config.check`` builds these from parsed YAML; every later stage only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from .location import SourceLocation

if TYPE_CHECKING:
    from .sources import RemoteSource


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

CONTENT_MODES: tuple[str, ...] = ("summary", "full")
"""``content:`` values: the excerpt only, or body and related list in the content (default)."""


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
    def filters_by_age(self) -> bool:
        """Whether some feed (or the defaults) filters by ``max_age_days``."""
        return any(o.filters.max_age_days is not None for o in self.options)
