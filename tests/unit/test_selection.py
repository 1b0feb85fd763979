"""Dedupe, classify, topic assignment and feed planning (feeds/selection/select.py)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.core.location import SourceLocation
from feeds.core.model import Record
from feeds.core.settings import Config, Site, TopicConfig
from feeds.core.slugs import MAX_SLUG_LENGTH, is_valid_slug
from feeds.selection.classify import classify, dedupe
from feeds.selection.select import (
    EPOCH,
    assign_topics,
    feed_date,
    newest,
    plan_feeds,
    sort_newest_first,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SITE = Site(title="Daily News", url="https://news.example.com/", description="All the news")


def rec(
    url: str = "a",
    *,
    path: str | None = None,
    line: int | None = None,
    published: datetime = T0,
    updated: datetime | None = None,
    topics: tuple[str, ...] = (),
    is_published: bool = True,
) -> Record:
    full = f"https://example.com/{url}"
    return Record(
        source=SourceLocation(path or f"records/{url}.md", line),
        title=f"Story {url}",
        url=full,
        canonical_url=full,
        published_at=published,
        updated_at=updated,
        topics=topics,
        is_published=is_published,
    )


def config(
    *topics: TopicConfig, discover: bool = True, limit: int = 50, site: Site = SITE
) -> Config:
    return Config(
        path=Path("/srv/feeds/config/feeds.yaml"),
        site=site,
        sources=(Path("/srv/feeds/records"),),
        output=Path("/srv/feeds/public"),
        limit=limit,
        discover=discover,
        topics=topics,
    )


def urls(records: list[Record] | tuple[Record, ...]) -> list[str]:
    return [r.canonical_url.rsplit("/", 1)[1] for r in records]


# --- dedupe ---------------------------------------------------------------------------


def test_dedupe_keeps_distinct_urls() -> None:
    records = [rec("a"), rec("b"), rec("c")]
    kept, dropped = dedupe(records)
    assert kept == records
    assert dropped == []


def test_dedupe_keeps_the_most_recently_updated() -> None:
    old = rec("a", path="one.md", updated=T0 + timedelta(hours=1))
    new = rec("a", path="two.md", updated=T0 + timedelta(hours=2))
    for order in ([old, new], [new, old]):
        kept, dropped = dedupe(order)
        assert kept == [new]
        assert dropped == [(old, new)]


def test_dedupe_update_beats_a_later_publication_date() -> None:
    # modified_at counts first: a record updated at 15:00 beats one published at 14:00.
    updated = rec("a", path="one.md", published=T0, updated=T0 + timedelta(hours=3))
    later = rec("a", path="two.md", published=T0 + timedelta(hours=2))
    kept, _ = dedupe([later, updated])
    assert kept == [updated]


def test_dedupe_same_modification_then_published_decides() -> None:
    # Both last changed at 14:00; the one also published then is the newer story.
    a = rec("a", path="one.md", published=T0, updated=T0 + timedelta(hours=2))
    b = rec("a", path="two.md", published=T0 + timedelta(hours=2))
    for order in ([a, b], [b, a]):
        kept, dropped = dedupe(order)
        assert kept == [b]
        assert dropped == [(a, b)]


def test_dedupe_update_older_than_publication_is_ignored() -> None:
    # updated_at before published_at does not make a record newer than its publication.
    a = rec("a", path="one.md", published=T0 + timedelta(hours=1), updated=T0)
    b = rec("a", path="two.md", published=T0 + timedelta(hours=1))
    kept, _ = dedupe([b, a])
    assert kept == [a]  # a full tie: the first source path wins


def test_dedupe_tie_goes_to_the_first_source_path() -> None:
    a = rec("a", path="a.md")
    b = rec("a", path="b.md")
    c = rec("a", path="c.md")
    for order in itertools.permutations([a, b, c]):
        kept, dropped = dedupe(order)
        assert kept == [a]
        assert dropped == [(b, a), (c, a)]


def test_dedupe_tie_on_path_goes_to_the_first_line() -> None:
    a = rec("a", path="list.yaml", line=3)
    b = rec("a", path="list.yaml", line=10)
    for order in ([a, b], [b, a]):
        kept, dropped = dedupe(order)
        assert kept == [a]
        assert dropped == [(b, a)]


def test_dedupe_reports_every_dropped_record_against_the_final_winner() -> None:
    first = rec("a", path="1.md", published=T0)
    second = rec("a", path="2.md", published=T0 + timedelta(hours=1))
    third = rec("a", path="3.md", published=T0 + timedelta(hours=2))
    other = rec("b", path="0.md")
    other_dup = rec("b", path="9.md")
    kept, dropped = dedupe([first, other_dup, second, other, third])
    assert set(kept) == {third, other}
    assert dropped == [(first, third), (second, third), (other_dup, other)]


def test_dedupe_is_independent_of_input_order() -> None:
    records = [
        rec("a", path=f"{i}.md", published=T0 + timedelta(hours=i % 3)) for i in range(6)
    ] + [rec("b", path=f"b{i}.md") for i in range(3)]
    expected_kept, expected_dropped = dedupe(records)
    rng = random.Random(1)
    for _ in range(20):
        shuffled = records[:]
        rng.shuffle(shuffled)
        kept, dropped = dedupe(shuffled)
        assert set(kept) == set(expected_kept)
        assert dropped == expected_dropped


# --- classify -------------------------------------------------------------------------


def test_classify_splits_by_status() -> None:
    now = T0
    published = rec("p", published=now - timedelta(days=1))
    exactly_now = rec("n", published=now)
    scheduled = rec("s", published=now + timedelta(seconds=1))
    unpublished = rec("u", is_published=False)
    future_unpublished = rec("fu", published=now + timedelta(days=1), is_published=False)
    result = classify([published, exactly_now, scheduled, unpublished, future_unpublished], now)
    assert result.published == (published, exactly_now)
    assert result.scheduled == (scheduled,)
    assert result.unpublished == (unpublished, future_unpublished)
    assert result.duplicates == ()


def test_classify_dedupes_first() -> None:
    old = rec("a", path="a.md", published=T0 - timedelta(days=2))
    new = rec("a", path="b.md", published=T0 - timedelta(days=1))
    result = classify([old, new], T0)
    assert result.published == (new,)
    assert result.duplicates == ((old, new),)


def test_classify_newer_scheduled_copy_wins_the_dedupe() -> None:
    live = rec("a", path="a.md", published=T0 - timedelta(days=1))
    future = rec("a", path="b.md", published=T0 + timedelta(days=1))
    result = classify([live, future], T0)
    assert result.published == ()
    assert result.scheduled == (future,)
    assert result.duplicates == ((live, future),)


# --- newest / feed_date ---------------------------------------------------------------


def many_records() -> list[Record]:
    # 30 records on 7 distinct dates, so many share published_at.
    return [rec(f"r{i:02d}", published=T0 - timedelta(hours=i % 7)) for i in range(30)]


@pytest.mark.parametrize("limit", [0, 1, 5, 7, 29, 30, 100])
def test_newest_equals_sorting_then_slicing(limit: int) -> None:
    records = many_records()
    expected = sort_newest_first(records)[:limit]
    rng = random.Random(limit)
    for _ in range(5):
        rng.shuffle(records)
        assert newest(records, limit) == expected


def test_sort_newest_first_breaks_ties_by_canonical_url() -> None:
    c, a, b = rec("c"), rec("a"), rec("b")
    older = rec("0", published=T0 - timedelta(seconds=1))
    for order in itertools.permutations([c, a, older, b]):
        assert urls(sort_newest_first(order)) == ["a", "b", "c", "0"]
        assert urls(newest(order, 2)) == ["a", "b"]


def test_newest_compares_instants_not_wall_clock() -> None:
    from datetime import timezone

    east = T0.astimezone(timezone(timedelta(hours=5)))  # same instant, different offset
    a = rec("a", published=east)
    b = rec("b", published=T0 - timedelta(minutes=1))
    assert newest([b, a], 1) == [a]


def test_newest_accepts_a_generator() -> None:
    records = many_records()
    assert newest(iter(records), 3) == sort_newest_first(records)[:3]


def test_feed_date_of_no_entries_is_the_epoch() -> None:
    assert feed_date([]) == EPOCH
    assert feed_date(()) == datetime(1970, 1, 1, tzinfo=UTC)


def test_feed_date_is_the_newest_modification() -> None:
    a = rec("a", published=T0)
    b = rec("b", published=T0 - timedelta(days=3), updated=T0 + timedelta(hours=5))
    c = rec("c", published=T0 + timedelta(hours=1))
    assert feed_date([a, b, c]) == T0 + timedelta(hours=5)
    assert feed_date([a, c]) == T0 + timedelta(hours=1)


# --- assign_topics --------------------------------------------------------------------

POWER = TopicConfig(name="Power Apps", slug="power-apps", aliases=("PowerApps", "Canvas apps"))
AI = TopicConfig(name="AI", slug="ai", aliases=("Artificial Intelligence",))


def test_assign_matches_names_and_aliases_case_insensitively() -> None:
    r1 = rec("1", topics=("power apps",))
    r2 = rec("2", topics=("POWERAPPS",))
    r3 = rec("3", topics=("  Canvas\t  Apps ",))
    r4 = rec("4", topics=("artificial   intelligence",))
    r5 = rec("5", topics=("Power Apps",))
    members = assign_topics(config(POWER, AI), [r1, r2, r3, r4, r5])
    assert members == {"Power Apps": [r1, r2, r3, r5], "AI": [r4]}


def test_record_naming_a_topic_twice_appears_once() -> None:
    r = rec("1", topics=("PowerApps", "Power Apps", "power  apps", "canvas apps"))
    members = assign_topics(config(POWER), [r])
    assert members["Power Apps"] == [r]


def test_record_naming_a_discovered_topic_twice_appears_once() -> None:
    r = rec("1", topics=("Copilot", "copilot ", "COPILOT"))
    members = assign_topics(config(), [r])
    assert members == {"Copilot": [r]}


def test_configured_topics_are_present_even_when_empty() -> None:
    members = assign_topics(config(POWER, AI), [])
    assert members == {"Power Apps": [], "AI": []}


def test_configured_topics_come_first_then_discovered_in_key_order() -> None:
    r = rec("1", topics=("zebra", "Apple", "AI", "mango"))
    members = assign_topics(config(POWER, AI), [r])
    assert list(members) == ["Power Apps", "AI", "Apple", "mango", "zebra"]


def test_discover_false_drops_unconfigured_topics() -> None:
    r1 = rec("1", topics=("Power Apps", "Copilot"))
    r2 = rec("2", topics=("Copilot",))
    members = assign_topics(config(POWER, discover=False), [r1, r2])
    assert members == {"Power Apps": [r1]}


def test_discover_true_creates_topics_for_unconfigured_names() -> None:
    r1 = rec("1", topics=("Power Apps", "Copilot"))
    r2 = rec("2", topics=("copilot",))
    members = assign_topics(config(POWER), [r1, r2])
    assert members == {"Power Apps": [r1], "Copilot": [r1, r2]}


def test_blank_topic_names_are_ignored() -> None:
    r = rec("1", topics=("", "   ", "\t"))
    assert assign_topics(config(), [r]) == {}


@pytest.mark.parametrize("seed", range(5))
def test_discovered_spelling_is_independent_of_input_order(seed: int) -> None:
    records = [
        rec("1", topics=("copilot",)),
        rec("2", topics=("Copilot",)),
        rec("3", topics=("  COPILOT ",)),
        rec("4", topics=("CoPilot",)),
    ]
    rng = random.Random(seed)
    rng.shuffle(records)
    members = assign_topics(config(), records)
    assert list(members) == ["COPILOT"]  # the smallest spelling, trimmed
    assert {r.canonical_url for r in members["COPILOT"]} == {r.canonical_url for r in records}


def test_records_keep_their_input_order_within_a_topic() -> None:
    records = [rec(str(i), topics=("AI",)) for i in range(5)]
    members = assign_topics(config(AI), list(reversed(records)))
    assert members["AI"] == list(reversed(records))


# --- plan_feeds -----------------------------------------------------------------------


def test_site_feed_comes_first() -> None:
    r = rec("1", topics=("AI",))
    planned = plan_feeds(config(AI), [r])
    site = planned[0]
    assert site.spec.topic is None
    assert site.spec.slug is None
    assert site.spec.title == "Daily News"
    assert site.spec.description == "All the news"
    assert site.spec.site_url == "https://news.example.com/"
    assert site.spec.author == "Daily News"
    assert site.spec.path("rss") == "rss.xml"
    assert site.entries == (r,)
    assert site.updated == T0


def test_site_description_defaults_to_the_title() -> None:
    site = Site(title="Daily News", url="https://news.example.com/")
    planned = plan_feeds(config(site=site), [])
    assert planned[0].spec.description == "Daily News"


def test_site_feed_holds_every_published_record_up_to_the_limit() -> None:
    records = many_records()
    planned = plan_feeds(config(limit=10), records)
    assert list(planned[0].entries) == sort_newest_first(records)[:10]


def test_configured_topics_are_planned_even_when_empty() -> None:
    planned = plan_feeds(config(POWER, AI), [])
    assert [(p.spec.topic, p.spec.slug) for p in planned] == [
        (None, None),
        ("AI", "ai"),
        ("Power Apps", "power-apps"),
    ]
    for feed in planned:
        assert feed.entries == ()
        assert feed.updated == EPOCH


def test_topic_feeds_are_ordered_by_slug() -> None:
    r = rec("1", topics=("Zebra", "apple", "Power Apps", "mango"))
    planned = plan_feeds(config(POWER), [r])
    slugs = [p.spec.slug for p in planned[1:]]
    assert slugs == ["apple", "mango", "power-apps", "zebra"]


def test_default_topic_titles_and_descriptions() -> None:
    r = rec("1", topics=("AI", "Copilot"))
    planned = {p.spec.topic: p.spec for p in plan_feeds(config(AI), [r])}
    for name in ("AI", "Copilot"):
        spec = planned[name]
        assert spec.title == f"Daily News: {name}"
        assert spec.description == f"Latest {name} stories from Daily News"
        assert spec.site_url == SITE.url
        assert spec.author == "Daily News"
        assert spec.limit == 50


def test_configured_title_description_and_limit_are_used() -> None:
    topic = TopicConfig(
        name="AI", slug="machines", title="Robots", description="Beep boop", limit=2
    )
    records = [rec(str(i), published=T0 - timedelta(hours=i), topics=("ai",)) for i in range(5)]
    planned = plan_feeds(config(topic, limit=4), records)
    site, ai = planned
    assert ai.spec.title == "Robots"
    assert ai.spec.description == "Beep boop"
    assert ai.spec.slug == "machines"
    assert ai.spec.path("atom") == "machines/atom.xml"
    assert ai.spec.limit == 2
    assert urls(ai.entries) == ["0", "1"]
    assert ai.updated == T0
    assert site.spec.limit == 4
    assert urls(site.entries) == ["0", "1", "2", "3"]


def test_topic_limit_defaults_to_the_config_limit() -> None:
    records = [rec(str(i), published=T0 - timedelta(hours=i), topics=("AI",)) for i in range(5)]
    planned = plan_feeds(config(AI, limit=3), records)
    assert urls(planned[1].entries) == ["0", "1", "2"]


def test_topic_feed_date_is_its_newest_change() -> None:
    a = rec("a", published=T0, topics=("AI",))
    b = rec("b", published=T0 + timedelta(days=1), topics=("Other",))
    planned = {p.spec.topic: p for p in plan_feeds(config(AI), [a, b])}
    assert planned["AI"].updated == T0
    assert planned[None].updated == T0 + timedelta(days=1)


def test_discovered_slug_collisions_get_a_number() -> None:
    # "C plus plus", "C++" and "c-plus-plus" all slugify to c-plus-plus.
    r = rec("1", topics=("C++", "C plus plus", "c-plus-plus"))
    planned = plan_feeds(config(), [r])
    by_topic = {p.spec.topic: p.spec.slug for p in planned[1:]}
    # Numbers follow the topic keys' sort order, not the order names were read.
    assert by_topic == {
        "C plus plus": "c-plus-plus",
        "C++": "c-plus-plus-2",
        "c-plus-plus": "c-plus-plus-3",
    }
    reordered = plan_feeds(config(), [rec("1", topics=("c-plus-plus", "C++", "C plus plus"))])
    assert {p.spec.topic: p.spec.slug for p in reordered[1:]} == by_topic


def test_discovered_slug_never_takes_a_configured_slug() -> None:
    topic = TopicConfig(name="Python", slug="py")
    r = rec("1", topics=("Py", "python"))
    planned = plan_feeds(config(topic), [r])
    assert [(p.spec.topic, p.spec.slug) for p in planned[1:]] == [
        ("Python", "py"),
        ("Py", "py-2"),
    ]
    assert [e.canonical_url for e in planned[1].entries] == [r.canonical_url]
    assert planned[1].entries[0].topics == ("Py", "Python")


def test_discovered_numbered_slug_skips_taken_numbers() -> None:
    r = rec("1", topics=("foo", "foo 2", "foo!"))
    planned = plan_feeds(config(), [r])
    assert sorted(p.spec.slug or "" for p in planned[1:]) == ["foo", "foo-2", "foo-3"]


def test_planned_slugs_are_unique() -> None:
    names = ("C++", "c plus plus", "C#", "c sharp", "🎉", "R&D", "r and d", "Café", "cafe!")
    planned = plan_feeds(config(), [rec("1", topics=names)])
    slugs = [p.spec.slug for p in planned[1:]]
    assert len(slugs) == len(set(slugs)) == len(names)


def test_numbered_slugs_of_long_names_stay_valid() -> None:
    long = "a" * 70
    r = rec("1", topics=(long, long + "?", long + "!"))
    planned = plan_feeds(config(), [r])
    for feed in planned[1:]:
        assert feed.spec.slug is not None
        assert len(feed.spec.slug) <= MAX_SLUG_LENGTH
        assert is_valid_slug(feed.spec.slug)
