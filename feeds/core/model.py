"""Frozen value types of what flows through the pipeline: records and where they came
from, feed specs and what a feed document carries besides its entries; no I/O.

Records come out of ``validate``, feed specs out of ``selection``; the configuration is
in ``settings``, a build's outcome in ``report``. Everything is immutable so stages cannot
reach back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .formats import FORMATS, file_name
from .location import SourceLocation

if TYPE_CHECKING:
    from .media import Enclosure, Video


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
class Story:
    """One validated article as selection sees it: what decides which feeds hold it and
    in what order. Every record is read this light first (``validate_record``'s
    ``light``); those that reach a feed are read again in full, as a ``Record``.

    There is deliberately no field for ``secured``: what the model lacks cannot leak.
    """

    source: SourceLocation
    canonical_url: str
    """``originalUrl`` or ``webUrl`` without tracking parameters; the entry id and dedupe key."""
    published_at: datetime
    """Aware, UTC."""
    updated_at: datetime | None = None
    """Aware, UTC; ``None`` when the record was never updated."""
    topics: tuple[str, ...] = ()
    """Topic names as written in the record (deduplicated, order kept)."""
    is_published: bool = True
    provider: Provider | None = None
    related: tuple[RelatedItem, ...] = ()
    """Read light, the items carry no excerpt, and only when a feed uses ``related: entries``."""
    category: str | None = None
    type: str | None = None
    quality: float | None = None
    heat: float | None = None

    @property
    def modified_at(self) -> datetime:
        """The newest of the record's dates: when it last changed."""
        if self.updated_at is not None and self.updated_at > self.published_at:
            return self.updated_at
        return self.published_at


@dataclass(frozen=True, slots=True, kw_only=True)
class Record(Story):
    """One validated article read in full: everything a feed entry may show, nothing more."""

    title: str
    """Plain text (never HTML)."""
    url: str
    """The entry's link: ``webUrl``, else ``originalUrl``."""
    excerpt: str | None = None
    """Sanitized HTML fragment."""
    body_html: str | None = None
    """The Markdown body rendered to sanitized HTML; ``None`` when the body is empty."""
    images: tuple[Image, ...] = ()
    video: Video | None = None
    """The video player the record features (``featuredContent``), shown as a plain link."""


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
