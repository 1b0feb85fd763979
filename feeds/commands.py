"""The publishers' commands (check, topics, preview): read records, return values.

Records are read with ``reading.load_records``; nothing here writes or prints
(``commandline.runs`` does).
``feeds init`` lives in ``starter``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from .config.starter import placeholders
from .config.topics import TopicIndex, parents
from .core.errors import RenderError, UsageError, closest
from .core.model import Record, Story
from .core.settings import Config
from .core.slugs import topic_key
from .records.reading import complete, load_records
from .render.feed import render_feed
from .selection.classify import Classified, classify
from .selection.select import PlannedFeed, assign_topics, plan_feeds

Planned = TypeVar("Planned", bound=PlannedFeed[Story])
"""A planned feed, of stories or (completed) of records."""


def _uncached(config: Config) -> Config:
    """No parse cache: these commands must not write anything, not even a cache."""
    return replace(config, cache=None)


def _read(config: Config, now: datetime) -> tuple[Classified, tuple[str, ...], int]:
    """Every record classified at ``now``, the problems met reading them, and how many."""
    loaded = load_records(_uncached(config))
    problems = tuple(str(r) for r in loaded.rejected) + loaded.warnings
    return classify(loaded.records, now), problems, loaded.read


# --- feeds check ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What ``feeds check`` found: every problem as one ``path:line: …`` line."""

    records: int
    feeds: int
    problems: tuple[str, ...]


def check(config: Config, now: datetime) -> CheckResult:
    """Read and validate every record and render every feed in memory; write nothing."""
    classified, problems, read = _read(config, now)
    planned = complete(_uncached(config), plan_feeds(config, classified.published, now=now))
    found = [*placeholders(config), *problems]
    files = 0
    for feed in planned:
        for fmt in feed.spec.formats:
            files += 1
            try:
                url = feed.spec.feed_url(fmt, config.site.url)
                render_feed(feed.spec, fmt, feed.entries, feed_url=url, updated=feed.updated)
            except RenderError as error:
                found.append(str(error))
    return CheckResult(read, files, tuple(found))


# --- feeds topics --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicRow:
    """One topic as ``feeds topics`` lists it."""

    name: str
    slug: str | None
    """``None`` when the topic gets no feed (unconfigured with ``discover: false``)."""
    parent: str | None
    configured: bool
    published: int
    unpublished: int
    scheduled: int
    newest: datetime | None
    """The newest published record's date."""
    feed_urls: tuple[str, ...]
    similar: tuple[str, ...]
    """Other topics spelled almost the same ("AI" and "A.I.", "Power Apps" and "PowerApps")."""

    @property
    def note(self) -> str:
        """What the table's last column says."""
        notes = []
        if not self.configured:
            notes.append("not configured" + ("" if self.slug else ", no feed"))
        if self.similar:
            notes.append("similar to " + ", ".join(repr(s) for s in self.similar))
        return "; ".join(notes)

    def to_json(self) -> dict[str, object]:
        """The row in ``--format json``."""
        return {
            "name": self.name,
            "slug": self.slug,
            "parent": self.parent,
            "configured": self.configured,
            "records": {
                "published": self.published,
                "unpublished": self.unpublished,
                "scheduled": self.scheduled,
            },
            "newest": self.newest.isoformat().replace("+00:00", "Z") if self.newest else None,
            "feeds": list(self.feed_urls),
            "similar": list(self.similar),
        }


def loose_key(name: str) -> str:
    """A topic name with case, spaces and punctuation gone: "A.I." → "ai"."""
    return re.sub(r"[\W_]+", "", name.casefold())


def similar_names(names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each name → the other names that look like a different spelling of it."""
    keys = {name: loose_key(name) for name in names}
    found: dict[str, tuple[str, ...]] = {}
    for name in names:
        a = keys[name]
        found[name] = tuple(
            other
            for other in names
            if other != name
            and a
            and (
                keys[other] == a
                or (
                    min(len(a), len(keys[other])) >= 5
                    and difflib.SequenceMatcher(None, a, keys[other]).ratio() >= 0.9
                )
            )
        )
    return found


def topics(config: Config, now: datetime) -> list[TopicRow]:
    """Every topic, configured and found in records, with its counts and feeds."""
    classified, _, _ = _read(config, now)
    everything = replace(config, discover=True)  # list unconfigured topics too
    configured = {topic_key(t.name): t for t in config.topics}
    names: dict[str, str] = {key: t.name for key, t in configured.items()}
    groups: dict[str, dict[str, list[Story]]] = {}
    for status in ("published", "unpublished", "scheduled"):
        members = assign_topics(everything, getattr(classified, status), now=now)
        groups[status] = {topic_key(name): records for name, records in members.items()}
        for name in members:
            names.setdefault(topic_key(name), name)
    planned = {
        topic_key(p.spec.topic): p
        for p in plan_feeds(config, classified.published, now=now)
        if p.spec.topic
    }
    parent_of = parents(config.topics)
    similar = similar_names(list(names.values()))
    rows = []
    for key, name in names.items():
        feed = planned.get(key)
        published = groups["published"].get(key, [])
        rows.append(
            TopicRow(
                name=name,
                slug=feed.spec.slug if feed else None,
                parent=parent_of.get(name),
                configured=key in configured,
                published=len(published),
                unpublished=len(groups["unpublished"].get(key, [])),
                scheduled=len(groups["scheduled"].get(key, [])),
                newest=max((r.published_at for r in published), default=None),
                feed_urls=tuple(feed.spec.feed_url(f, config.site.url) for f in feed.spec.formats)
                if feed
                else (),
                similar=similar[name],
            )
        )
    return rows


# --- feeds preview -------------------------------------------------------------------------


SITE_NAMES = ("site", "all")
"""What ``feeds preview`` calls the site-wide feed (besides its title and file names)."""


def find_feed(config: Config, planned: Sequence[Planned], wanted: str) -> Planned:
    """The feed ``wanted`` names: a topic's name, alias, shortname or slug, a feed file's
    path (``ai/rss.xml``), or the site-wide feed as "site", "all" or its title. A topic
    comes first: a topic named "All" is previewed as that topic."""
    found = (
        _topic_feed(config, planned, wanted)
        or _feed_at(config, planned, wanted)
        or _loosely_named(planned, wanted)
    )
    if found is not None:
        return found
    names = [f.spec.topic for f in planned if f.spec.topic is not None]
    close = closest(wanted, names, cutoff=0.5)
    advice = (
        f"did you mean {close!r}?"
        if close
        else "run 'feeds topics' to list them ('site' is the site-wide feed)"
    )
    raise UsageError(f"preview: no feed for topic {wanted!r}; {advice}")


def _topic_feed(config: Config, planned: Sequence[Planned], wanted: str) -> Planned | None:
    """The feed of the topic ``wanted`` names by name, alias, shortname or slug."""
    index = TopicIndex(config.topics)
    shortnames = {topic_key(t.shortname): t for t in config.topics if t.shortname}
    configured = index.configured(wanted) or shortnames.get(topic_key(wanted))
    key = topic_key(configured.name if configured else wanted)
    return next(
        (
            feed
            for feed in planned
            if feed.spec.topic is not None and key in (topic_key(feed.spec.topic), feed.spec.slug)
        ),
        None,
    )


def _feed_at(config: Config, planned: Sequence[Planned], wanted: str) -> Planned | None:
    """The feed with a file at the path ``wanted``, or the site-wide feed it names."""
    for feed in planned:
        spec = feed.spec
        paths = {spec.path(fmt) for fmt in spec.formats}
        if wanted.strip("/") in paths or (spec.topic is None and _names_site(config, wanted)):
            return feed
    return None


def _loosely_named(planned: Sequence[Planned], wanted: str) -> Planned | None:
    """The one topic feed ``wanted`` names but for case, spaces and punctuation
    ("powerapps" for "Power Apps"); none when several match."""
    loose = [f for f in planned if f.spec.topic and loose_key(f.spec.topic) == loose_key(wanted)]
    return loose[0] if len(loose) == 1 else None


def _names_site(config: Config, wanted: str) -> bool:
    """Whether ``wanted`` names the site-wide feed: "site", "all", "/" or the site's title."""
    said = wanted.strip().casefold()
    return said in (*SITE_NAMES, "/", "") or said == config.site.title.strip().casefold()


def preview(config: Config, wanted: str, now: datetime) -> PlannedFeed[Record]:
    """The feed of topic ``wanted`` as a build at ``now`` would write it."""
    classified, _, _ = _read(config, now)
    feed = find_feed(config, plan_feeds(config, classified.published, now=now), wanted)
    return complete(_uncached(config), [feed])[0]


def preview_line(record: Record) -> str:
    """One entry: date, title, provider and URL, separated by two spaces."""
    provider = record.provider.name if record.provider else "-"
    title = " ".join(record.title.split())
    return f"{record.published_at:%Y-%m-%d %H:%M}  {title}  ({provider})  {record.url}"
