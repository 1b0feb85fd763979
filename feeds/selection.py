"""Select stage: dedupe stories, hold back unpublished and scheduled records, map records
to topics and pick each feed's newest entries; pure (the clock is a parameter)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from .model import Config, FeedSpec, Record, TopicConfig
from .slugs import numbered, slugify, topic_key

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The date of a feed with no entries: a constant, so an empty feed never churns."""


@dataclass(frozen=True, slots=True)
class Classified:
    """Unique records split by status at a given moment."""

    published: tuple[Record, ...]
    unpublished: tuple[Record, ...]
    scheduled: tuple[Record, ...]
    duplicates: tuple[tuple[Record, Record], ...]
    """(dropped, kept) pairs: records that lost to a newer copy of the same story."""


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """A feed to render: its spec, its entries (newest first) and its channel date."""

    spec: FeedSpec
    entries: tuple[Record, ...]
    updated: datetime


def _freshness(record: Record) -> tuple[datetime, datetime]:
    return (record.modified_at, record.published_at)


def _source_order(record: Record) -> tuple[str, int]:
    return (record.source.path, record.source.line or 0)


def dedupe(records: Iterable[Record]) -> tuple[list[Record], list[tuple[Record, Record]]]:
    """Keep one record per canonical URL: the newest by update, then publication date.

    Ties go to the first source path, so the choice never depends on reading order.
    Returns the kept records and (dropped, kept) pairs.
    """
    best: dict[str, Record] = {}
    losers: dict[str, list[Record]] = {}
    for record in records:
        key = record.canonical_url
        current = best.get(key)
        if current is None:
            best[key] = record
            continue
        if _beats(record, current):
            best[key] = record
            losers.setdefault(key, []).append(current)
        else:
            losers.setdefault(key, []).append(record)
    dropped = [
        (loser, best[key])
        for key in sorted(losers)
        for loser in sorted(losers[key], key=_source_order)
    ]
    return list(best.values()), dropped


def _beats(challenger: Record, holder: Record) -> bool:
    a, b = _freshness(challenger), _freshness(holder)
    if a != b:
        return a > b
    return _source_order(challenger) < _source_order(holder)


def classify(records: Iterable[Record], now: datetime) -> Classified:
    """Dedupe, then split into published, unpublished and scheduled (dated after ``now``)."""
    unique, duplicates = dedupe(records)
    published: list[Record] = []
    unpublished: list[Record] = []
    scheduled: list[Record] = []
    for record in unique:
        if not record.is_published:
            unpublished.append(record)
        elif record.published_at > now:
            scheduled.append(record)
        else:
            published.append(record)
    return Classified(tuple(published), tuple(unpublished), tuple(scheduled), tuple(duplicates))


def newest_first_key(record: Record) -> tuple[float, str]:
    """Sort key: newest ``published_at`` first, then canonical URL for a stable tie-break."""
    return (-record.published_at.timestamp(), record.canonical_url)


def sort_newest_first(records: Iterable[Record]) -> list[Record]:
    """All records, newest first."""
    return sorted(records, key=newest_first_key)


def newest(records: Iterable[Record], limit: int) -> list[Record]:
    """The ``limit`` newest records, newest first, without sorting all of them."""
    return heapq.nsmallest(limit, records, key=newest_first_key)


def feed_date(entries: Sequence[Record]) -> datetime:
    """The channel date: the newest change among the entries, or :data:`EPOCH` when empty."""
    return max((r.modified_at for r in entries), default=EPOCH)


def _topic_spec(config: Config, name: str, slug: str, topic: TopicConfig | None) -> FeedSpec:
    site = config.site
    title = (topic.title if topic else None) or f"{site.title}: {name}"
    description = (
        topic.description if topic else None
    ) or f"Latest {name} stories from {site.title}"
    return FeedSpec(
        topic=name,
        slug=slug,
        title=title,
        description=description,
        site_url=site.url,
        language=site.language,
        author=site.title,
        limit=(topic.limit if topic and topic.limit else None) or config.limit,
    )


def site_spec(config: Config) -> FeedSpec:
    """The site-wide feed of every published record."""
    site = config.site
    return FeedSpec(
        topic=None,
        slug=None,
        title=site.title,
        description=site.description or site.title,
        site_url=site.url,
        language=site.language,
        author=site.title,
        limit=config.limit,
    )


def assign_topics(config: Config, published: Sequence[Record]) -> dict[str, list[Record]]:
    """Map each feed's topic name to its records (configured names first, then discovered).

    Configured topics match their name and aliases case-insensitively; other names get
    topics of their own only with ``discover``. Configured topics are present even if empty.
    """
    by_key: dict[str, TopicConfig] = {}
    for topic in config.topics:
        for spelling in (topic.name, *topic.aliases):
            by_key[topic_key(spelling)] = topic
    members: dict[str, list[Record]] = {t.name: [] for t in config.topics}
    discovered: dict[str, list[Record]] = {}
    spellings: dict[str, str] = {}
    for record in published:
        seen: set[str] = set()
        for name in record.topics:
            key = topic_key(name)
            if not key:
                continue
            configured = by_key.get(key)
            if configured is not None:
                if configured.name not in seen:
                    seen.add(configured.name)
                    members[configured.name].append(record)
            elif config.discover and key not in seen:
                seen.add(key)
                discovered.setdefault(key, []).append(record)
                # The same topic spelled differently across records: take the smallest
                # spelling so the feed's name does not depend on reading order.
                spelled = " ".join(name.split())
                if key not in spellings or spelled < spellings[key]:
                    spellings[key] = spelled
    for key in sorted(discovered):
        members[spellings[key]] = discovered[key]
    return members


def topic_names(config: Config, members: Iterable[str]) -> dict[str, str]:
    """Each spelling's key → the name its feed goes by (configured names win over aliases)."""
    names = {topic_key(name): name for name in members}
    for topic in config.topics:
        for spelling in (topic.name, *topic.aliases):
            names[topic_key(spelling)] = topic.name
    return names


def with_topic_names(record: Record, names: dict[str, str]) -> Record:
    """The record with its topics spelled as their feeds are named (its categories)."""
    topics = tuple(
        dict.fromkeys(names.get(topic_key(t), " ".join(t.split())) for t in record.topics)
    )
    return record if topics == record.topics else replace(record, topics=topics)


def plan_feeds(config: Config, published: Sequence[Record]) -> list[PlannedFeed]:
    """Every feed of the build: the site-wide feed first, then topics by slug."""
    members = assign_topics(config, published)
    names = topic_names(config, members)

    def named(records: Iterable[Record]) -> tuple[Record, ...]:
        # Categories read "AI" in every entry, whichever alias a record used.
        return tuple(with_topic_names(r, names) for r in records)

    configured = {t.name: t for t in config.topics}
    taken = {t.slug for t in config.topics}
    slugs: dict[str, str] = {t.name: t.slug for t in config.topics}
    for name in members:
        if name in slugs:
            continue
        base = slugify(name)
        slug, n = base, 2
        while slug in taken:
            slug, n = numbered(base, n), n + 1
        taken.add(slug)
        slugs[name] = slug
    site = site_spec(config)
    site_entries = named(newest(published, site.limit))
    planned = [PlannedFeed(site, site_entries, feed_date(site_entries))]
    for name in sorted(members, key=lambda n: slugs[n]):
        spec = _topic_spec(config, name, slugs[name], configured.get(name))
        entries = named(newest(members[name], spec.limit))
        planned.append(PlannedFeed(spec, entries, feed_date(entries)))
    return planned
