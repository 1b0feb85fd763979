"""Filter stage: which records a feed keeps, and related coverage turned into entries; pure.

Options come resolved (topic, then ``defaults``, then built-in); the clock is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from ..config.topics import TopicIndex
from ..core.formats import FORMATS
from ..core.model import Record, Story
from ..core.settings import Config, Filters, TopicConfig
from ..core.urls import canonical_url

T = TypeVar("T")

Keep = Callable[[Story], bool]
"""Whether a feed keeps a record."""


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """A feed's options after inheritance: the topic's, else ``defaults``, else built-in."""

    limit: int
    language: str | None
    image: str | None
    formats: tuple[str, ...]
    related: str
    content: str
    include_children: bool
    filters: Filters


def feed_options(config: Config, topic: TopicConfig | None) -> FeedOptions:
    """The options of ``topic``'s feeds, or of the site-wide feed and discovered topics."""
    d = config.defaults
    pick = _pick
    t = topic or TopicConfig(name="", slug="")
    return FeedOptions(
        limit=pick(t.limit, d.limit, config.limit),
        language=pick(t.language, d.language, config.site.language),
        image=pick(t.image, d.image, None),
        formats=pick(t.formats, d.formats, FORMATS),
        related=pick(t.related, d.related, "links"),
        content=pick(t.content, d.content, "full"),
        include_children=pick(t.include_children, d.include_children, True),
        filters=t.filters.over(d.filters),
    )


def _pick(mine: T | None, default: T | None, builtin: T) -> T:
    return mine if mine is not None else default if default is not None else builtin


def provider_matches(domain: str | None, listed: Iterable[str]) -> bool:
    """Whether ``domain`` is one of ``listed`` or a subdomain of one (``news.bbc.co.uk``
    matches ``bbc.co.uk``; ``notbbc.co.uk`` does not)."""
    if not domain:
        return False
    return any(domain == d or domain.endswith("." + d) for d in listed)


def _folded(values: Iterable[str]) -> frozenset[str]:
    return frozenset(" ".join(v.split()).casefold() for v in values)


def _matches(value: str | None, allowed: frozenset[str]) -> bool:
    return value is not None and " ".join(value.split()).casefold() in allowed


def record_filter(filters: Filters, index: TopicIndex, now: datetime) -> Keep:
    """A predicate applying every set filter; a record lacking a filtered value is dropped
    (no quality fails ``min_quality``, no type fails ``types``)."""
    types = _folded(filters.types) if filters.types else None
    categories = _folded(filters.categories) if filters.categories else None
    excluded = index.expand(filters.exclude_topics or ())
    oldest = now - timedelta(days=filters.max_age_days) if filters.max_age_days else None

    def keep(record: Story) -> bool:
        if filters.min_quality is not None and (
            record.quality is None or record.quality < filters.min_quality
        ):
            return False
        if filters.min_heat is not None and (record.heat is None or record.heat < filters.min_heat):
            return False
        if types is not None and not _matches(record.type, types):
            return False
        if categories is not None and not _matches(record.category, categories):
            return False
        return _keeps_source(filters, record, oldest) and not (
            excluded and any(index.key(name) in excluded for name in record.topics)
        )

    return keep


def _keeps_source(filters: Filters, record: Story, oldest: datetime | None) -> bool:
    """The filters that apply to related entries too: provider and age."""
    domain = record.provider.domain if record.provider else None
    if filters.providers and not provider_matches(domain, filters.providers):
        return False
    if filters.exclude_providers and provider_matches(domain, filters.exclude_providers):
        return False
    return oldest is None or record.published_at >= oldest


def related_entries(records: Sequence[Story], filters: Filters, now: datetime) -> list[Record]:
    """Each dated related item of ``records`` as an entry of its own.

    The entry is attributed to the item's provider, dated by the item's own publication
    date, and carries the topics of the record that links it. Items without a date or
    dated after ``now`` are skipped, and so is any story already among ``records`` or
    already made an entry (same canonical URL). Provider, age and type filters apply.
    """
    oldest = now - timedelta(days=filters.max_age_days) if filters.max_age_days else None
    types = _folded(filters.types) if filters.types else None
    seen = {record.canonical_url for record in records}
    entries: list[Record] = []
    # Newest linking record first, so which copy of a twice-linked item wins is stable.
    for record in sorted(records, key=lambda r: (-r.published_at.timestamp(), r.canonical_url)):
        for item in record.related:
            if item.published_at is None or item.published_at > now:
                continue
            canonical = canonical_url(item.url)
            if canonical in seen:
                continue
            seen.add(canonical)
            entry = Record(
                source=record.source,
                title=item.title,
                url=item.url,
                canonical_url=canonical,
                published_at=item.published_at,
                excerpt=item.excerpt,
                topics=record.topics,
                provider=item.provider,
                type=item.type,
            )
            if (types is None or _matches(entry.type, types)) and _keeps_source(
                filters, entry, oldest
            ):
                entries.append(entry)
    return entries
