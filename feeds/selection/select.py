"""Select stage: dedupe stories, hold back unpublished and scheduled records, map records
to topics and pick each feed's newest entries; pure (the clock is a parameter)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Generic, TypeVar

from ..config.topics import TopicIndex
from ..core.model import FeedSpec, Story
from ..core.settings import Config, Filters
from ..core.slugs import topic_key
from .filters import FeedOptions, feed_options, record_filter, related_entries
from .specs import site_spec, topic_slugs, topic_spec

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_FILTERS = Filters()
"""The date of a feed with no entries: a constant, so an empty feed never churns."""


Entry = TypeVar("Entry", bound=Story, covariant=True)


@dataclass(frozen=True, slots=True)
class PlannedFeed(Generic[Entry]):
    """A feed to render: its spec, its entries (newest first) and its channel date.

    Selection plans feeds of stories (``PlannedFeed[Story]``); ``reading.complete`` reads
    them in full, and only feeds of records (``PlannedFeed[Record]``) are rendered."""

    spec: FeedSpec
    entries: tuple[Entry, ...]
    updated: datetime


def newest_first_key(record: Story) -> tuple[float, str]:
    """Sort key: newest ``published_at`` first, then canonical URL for a stable tie-break."""
    return (-record.published_at.timestamp(), record.canonical_url)


def sort_newest_first(records: Iterable[Story]) -> list[Story]:
    """All records, newest first."""
    return sorted(records, key=newest_first_key)


def newest(records: Iterable[Story], limit: int) -> list[Story]:
    """The ``limit`` newest records, newest first, without sorting all of them."""
    return heapq.nsmallest(limit, records, key=newest_first_key)


def feed_date(entries: Sequence[Story]) -> datetime:
    """The channel date: the newest change among the entries, or :data:`EPOCH` when empty."""
    return max((r.modified_at for r in entries), default=EPOCH)


def reference_time(published: Sequence[Story], now: datetime | None) -> datetime:
    """The moment ``max_age_days`` counts back from: ``now``, else the newest record's date
    (so a caller without a clock still gets a deterministic plan)."""
    if now is not None:
        return now
    return max((r.published_at for r in published), default=EPOCH)


def assign_topics(
    config: Config, published: Sequence[Story], *, now: datetime | None = None
) -> dict[str, list[Story]]:
    """Map each feed's topic name to its records (configured names first, then discovered).

    Configured topics match their name and aliases case-insensitively, plus the names in
    ``match``, and (unless ``include_children`` is false) every topic below those in the
    parent tree; then their filters apply. Other names get topics of their own only with
    ``discover``. Configured topics are present even if empty; records keep input order.
    """
    index = TopicIndex(config.topics)
    moment = reference_time(published, now)
    wanted, filters = _wanted(config, index)
    members: dict[str, list[Story]] = {name: [] for name in filters}
    discovered: dict[str, list[Story]] = {}
    spellings: dict[str, str] = {}
    # Records share their topic lists (the reader hands out one copy of each), so where a
    # list leads is worked out once per distinct list, not once per record.
    routes: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for record in published:
        route = routes.get(record.topics)
        if route is None:
            route = routes[record.topics] = _route(
                record.topics, index, wanted, config.discover, spellings
            )
        feeds, found = route
        for key in found:
            discovered.setdefault(key, []).append(record)
        for feed in feeds:
            members[feed].append(record)
    for name, records in members.items():
        members[name] = kept(records, filters[name], index, moment)
    if discovered:  # discovered topics take the site-wide feed's filters
        site_filters = feed_options(config, None).filters
        for key in sorted(discovered):
            members[spellings[key]] = kept(discovered[key], site_filters, index, moment)
    return members


def _wanted(config: Config, index: TopicIndex) -> tuple[dict[str, list[str]], dict[str, Filters]]:
    """Topic key → the configured feeds (by name) holding records that name it, and each
    configured feed's filters, in config order."""
    wanted: dict[str, list[str]] = {}
    filters: dict[str, Filters] = {}
    for topic in config.topics:
        options = feed_options(config, topic)
        names = [topic.name, *topic.match]
        for key in index.expand(names, children=options.include_children):
            wanted.setdefault(key, []).append(topic.name)
        filters[topic.name] = options.filters
    return wanted, filters


def kept(records: list[Story], filters: Filters, index: TopicIndex, now: datetime) -> list[Story]:
    """The records that pass ``filters`` (all of them, unlooked at, when none is set)."""
    if filters == NO_FILTERS:
        return records
    keep = record_filter(filters, index, now)
    return [r for r in records if keep(r)]


def _route(
    topics: tuple[str, ...],
    index: TopicIndex,
    wanted: dict[str, list[str]],
    discover: bool,
    spellings: dict[str, str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The configured feeds a record naming ``topics`` belongs to, and the keys of the
    discovered topics it names (their smallest spelling noted in ``spellings``)."""
    feeds: dict[str, None] = {}
    found: list[str] = []
    seen: set[str] = set()
    for name in topics:
        key = index.key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        feeds.update(dict.fromkeys(wanted.get(key, ())))
        if discover and index.configured(name) is None:
            found.append(key)
            # The same topic spelled differently across records: take the smallest
            # spelling so the feed's name does not depend on reading order.
            spelled = " ".join(name.split())
            if key not in spellings or spelled < spellings[key]:
                spellings[key] = spelled
    return tuple(feeds), tuple(found)


def topic_names(config: Config, members: Iterable[str]) -> dict[str, str]:
    """Each spelling's key → the name its feed goes by (configured names win over aliases)."""
    names = {topic_key(name): name for name in members}
    for topic in config.topics:
        for spelling in (topic.name, *topic.aliases):
            names[topic_key(spelling)] = topic.name
    return names


def with_topic_names(record: Story, names: dict[str, str]) -> Story:
    """The record with its topics spelled as their feeds are named (its categories)."""
    topics = tuple(
        dict.fromkeys(names.get(topic_key(t), " ".join(t.split())) for t in record.topics)
    )
    return record if topics == record.topics else replace(record, topics=topics)


def feed_entries(
    records: Sequence[Story],
    options: FeedOptions,
    now: datetime,
    *,
    archive: bool = False,
    presorted: bool = False,
) -> list[Story]:
    """A feed's entries, newest first: its records (related links kept, or dropped with
    ``related: none``) and, with ``related: entries``, their related items as well.

    With ``archive`` every entry is kept, not only the newest ``limit``: ``build`` splits
    them into the current feed and its archive documents. ``presorted`` says ``records``
    are already newest first (``sort_newest_first``)."""
    if options.related == "none":
        records = [replace(r, related=()) if r.related else r for r in records]
    elif options.related == "entries":
        records = [*records, *related_entries(records, options.filters, now)]
        presorted = False
    if presorted:
        return list(records) if archive else list(records[: options.limit])
    return sort_newest_first(records) if archive else newest(records, options.limit)


def plan_feeds(
    config: Config,
    published: Sequence[Story],
    *,
    now: datetime | None = None,
    archives: bool = False,
) -> list[PlannedFeed[Story]]:
    """Every feed of the build: the site-wide feed first, then topics by slug.

    With ``archives``, topics with ``archive: true`` get every entry (see ``feed_entries``).

    ``now`` anchors ``max_age_days`` and hides related items dated later; without it the
    newest record's date stands in.
    """
    moment = reference_time(published, now)
    # Sorted once here, every feed's records come out of assign_topics in order: each
    # feed then takes its first ``limit``, with no sorting (or sort keys) of its own.
    published = sort_newest_first(published)
    members = assign_topics(config, published, now=moment)
    names = topic_names(config, members)

    def named(records: Iterable[Story]) -> tuple[Story, ...]:
        # Categories read "AI" in every entry, whichever alias a record used.
        return tuple(with_topic_names(r, names) for r in records)

    configured = {t.name: t for t in config.topics}
    slugs = topic_slugs(config, members)
    index = TopicIndex(config.topics)
    site = site_spec(config)
    site_options = feed_options(config, None)
    everything = kept(published, site_options.filters, index, moment)
    site_entries = named(feed_entries(everything, site_options, moment, presorted=True))
    planned = [PlannedFeed(site, site_entries, feed_date(site_entries))]
    for name in sorted(members, key=lambda n: slugs[n]):
        topic = configured.get(name)
        options = feed_options(config, topic)
        spec = topic_spec(config, name, slugs[name], topic, options)
        entries = named(
            feed_entries(
                members[name],
                options,
                moment,
                archive=archives and spec.archive,
                presorted=True,
            )
        )
        planned.append(PlannedFeed(spec, entries, feed_date(entries[: spec.limit])))
    return planned
