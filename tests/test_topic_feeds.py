"""What topic options do to feeds: the parent tree, match, filters, defaults, related modes."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from feeds.config.load import read_config
from feeds.core.location import SourceLocation
from feeds.core.model import Provider, Record, RelatedItem
from feeds.core.settings import Config, Defaults, Filters, Site, TopicConfig
from feeds.records.reading import load_records
from feeds.render.feed import render_feed
from feeds.selection.classify import classify
from feeds.selection.select import PlannedFeed, assign_topics, plan_feeds
from tests.helpers import CORPUS, SHARED, write_config

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SITE = Site(title="Daily", url="https://news.example.com/")
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


def rec(
    name: str,
    *topics: str,
    days: float = 0,
    domain: str | None = None,
    related: tuple[RelatedItem, ...] = (),
    **fields: object,
) -> Record:
    url = f"https://example.com/{name}"
    provider = Provider(domain or "Someone", domain) if domain else None
    return Record(
        source=SourceLocation(f"records/{name}.md", 1),
        title=name,
        url=url,
        canonical_url=url,
        published_at=T0 - timedelta(days=days),
        topics=topics,
        provider=provider,
        related=related,
        **fields,  # type: ignore[arg-type]
    )


def topic(name: str, **options: object) -> TopicConfig:
    return TopicConfig(name=name, slug=name.lower().replace(" ", "-"), **options)  # type: ignore[arg-type]


def config(*topics: TopicConfig, discover: bool = False, **options: object) -> Config:
    return Config(
        path=Path("/srv/config/feeds.yaml"),
        site=SITE,
        sources=(),
        output=Path("/srv/public"),
        topics=topics,
        discover=discover,
        **options,  # type: ignore[arg-type]
    )


def titles(records: list[Record] | tuple[Record, ...]) -> list[str]:
    return [r.title for r in records]


def feed(planned: list[PlannedFeed], name: str | None) -> PlannedFeed:
    return next(p for p in planned if p.spec.topic == name)


TREE = (
    topic("Power Apps"),
    topic("Canvas apps", parent="Power Apps"),
    topic("Controls", parent="canvas apps"),
    topic("Portals", parent="Power Apps", include_children=False),
    topic("Portal themes", parent="Portals"),
)


def test_parent_feeds_hold_every_descendant_unless_opted_out() -> None:
    records = [
        rec("a", "Power Apps"),
        rec("b", "Canvas apps"),
        rec("c", "controls"),
        rec("d", "Portals"),
        rec("e", "Portal themes"),
    ]
    members = assign_topics(config(*TREE), records)
    assert {name: titles(rs) for name, rs in members.items()} == {
        "Power Apps": ["a", "b", "c", "d", "e"],
        "Canvas apps": ["b", "c"],
        "Controls": ["c"],
        "Portals": ["d"],
        "Portal themes": ["e"],
    }


def test_include_children_false_in_defaults_and_back_on_per_topic() -> None:
    tree = (topic("Power Apps", include_children=True), topic("Canvas", parent="Power Apps"))
    cfg = config(*tree, defaults=Defaults(include_children=False))
    records = [rec("a", "Canvas")]
    assert titles(assign_topics(cfg, records)["Power Apps"]) == ["a"]
    cfg = config(topic("Power Apps"), topic("Canvas", parent="Power Apps"), defaults=cfg.defaults)
    assert titles(assign_topics(cfg, records)["Power Apps"]) == []


def test_match_combines_topics_and_their_descendants() -> None:
    low_code = topic("Low code", match=("power apps", "Power Automate"))
    records = [
        rec("a", "Controls"),
        rec("b", "Power Automate"),
        rec("c", "Low code"),
        rec("d", "Other"),
        rec("e", "Power Automate", "Power Apps"),
    ]
    members = assign_topics(config(*TREE, low_code), records)
    assert titles(members["Low code"]) == ["a", "b", "c", "e"]


FILTERS = [
    pytest.param(Filters(min_quality=50), ["hi"], id="min_quality"),
    pytest.param(Filters(min_heat=5), ["hot"], id="min_heat"),
    pytest.param(Filters(types=("Article",)), ["hi", "hot"], id="types"),
    pytest.param(Filters(categories=("news",)), ["hot"], id="categories"),
    pytest.param(Filters(providers=("bbc.co.uk",)), ["hi", "sub"], id="providers"),
    pytest.param(Filters(exclude_providers=("bbc.co.uk",)), ["hot", "old", "none"], id="exclude"),
    pytest.param(Filters(max_age_days=10), ["hi", "hot", "sub", "none"], id="max_age_days"),
    pytest.param(
        Filters(exclude_topics=("Canvas apps",)), ["hi", "hot", "old", "none"], id="exclude_topics"
    ),
]

FILTERED = [
    rec("hi", "Power Apps", quality=90.0, type="article", domain="bbc.co.uk"),
    rec("hot", "Power Apps", heat=9.0, type="article", category="News", domain="cnn.com"),
    rec("sub", "Controls", quality=10.0, type="video", domain="news.bbc.co.uk"),
    rec("old", "Power Apps", days=30, domain="notbbc.co.uk"),
    rec("none", "Power Apps"),
]


@pytest.mark.parametrize(("filters", "kept"), FILTERS)
def test_each_filter(filters: Filters, kept: list[str]) -> None:
    cfg = config(*TREE[:3])
    planned = plan_feeds(
        dataclasses.replace(
            cfg, topics=(dataclasses.replace(TREE[0], filters=filters), *TREE[1:3])
        ),
        FILTERED,
        now=T0,
    )
    assert sorted(titles(feed(planned, "Power Apps").entries)) == sorted(kept)
    # The same filter as a default applies to the site-wide feed too.
    planned = plan_feeds(
        dataclasses.replace(cfg, defaults=Defaults(filters=filters)), FILTERED, now=T0
    )
    assert sorted(titles(feed(planned, None).entries)) == sorted(kept)


def test_topic_filters_override_defaults_key_by_key() -> None:
    defaults = Defaults(filters=Filters(min_quality=50, types=("video",)))
    cfg = config(topic("Power Apps", filters=Filters(types=())), defaults=defaults)
    members = assign_topics(cfg, FILTERED)
    assert titles(members["Power Apps"]) == ["hi"]  # min_quality inherited, types cleared


def test_max_age_counts_from_now_or_the_newest_record() -> None:
    cfg = config(topic("Power Apps", filters=Filters(max_age_days=20)))
    assert "old" not in titles(assign_topics(cfg, FILTERED)["Power Apps"])
    assert "hi" in titles(assign_topics(cfg, FILTERED)["Power Apps"])
    assert "old" in titles(assign_topics(cfg, FILTERED, now=T0 - timedelta(days=15))["Power Apps"])


def test_options_reach_the_feed_spec() -> None:
    cfg = config(
        topic("Power Apps", shortname="PA", image="https://x.org/i.png", formats=("atom",)),
        topic("Portals", limit=1, content="summary", previous_slugs=("pages",)),
        defaults=Defaults(language="fr", limit=7, content="full"),
    )
    planned = plan_feeds(cfg, [rec("a", "Portals"), rec("b", "Portals", days=1)])
    site, portals, power = planned
    assert (site.spec.limit, site.spec.language, site.spec.formats) == (
        7,
        "fr",
        ("rss", "atom", "json"),
    )
    assert (power.spec.title, power.spec.image, power.spec.formats) == (
        "Daily: PA",
        "https://x.org/i.png",
        ("atom",),
    )
    assert (portals.spec.limit, portals.spec.content, portals.spec.previous_slugs) == (
        1,
        "summary",
        ("pages",),
    )
    assert titles(portals.entries) == ["a"]


def test_discovered_topics_never_take_a_previous_slug() -> None:
    cfg = config(topic("Portals", previous_slugs=("pages",)), discover=True)
    planned = plan_feeds(cfg, [rec("a", "Pages")])
    assert feed(planned, "Pages").spec.slug == "pages-2"


# --- related: links | entries | none ------------------------------------------------------


def item(name: str, days: float | None, domain: str = "other.org") -> RelatedItem:
    return RelatedItem(
        title=f"rel {name}",
        url=f"https://example.com/{name}?utm_source=x",
        published_at=None if days is None else T0 - timedelta(days=days),
        provider=Provider(domain.title(), domain),
        type="article",
    )


RELATED = (
    rec("a", "AI", related=(item("r1", 1), item("b", 1), item("undated", None))),
    rec("b", "AI", days=2, related=(item("r1", 3), item("future", -1), item("r2", 5, "spam.io"))),
)


def test_related_entries_are_dated_attributed_and_never_duplicates() -> None:
    cfg = config(topic("AI", related="entries", filters=Filters(exclude_providers=("spam.io",))))
    entries = feed(plan_feeds(cfg, RELATED, now=T0), "AI").entries
    assert titles(entries) == ["a", "rel r1", "b"]
    r1 = entries[1]
    assert r1.canonical_url == "https://example.com/r1"
    assert r1.published_at == T0 - timedelta(days=1)  # a's item: the newest linking record
    assert r1.provider == Provider("Other.Org", "other.org")
    assert r1.topics == ("AI",)
    assert entries[0].related == RELATED[0].related  # the links stay


def test_related_none_drops_links_and_links_keeps_them() -> None:
    planned = plan_feeds(config(topic("AI", related="none")), RELATED, now=T0)
    assert all(r.related == () for r in feed(planned, "AI").entries)
    assert feed(planned, None).entries[0].related == RELATED[0].related
    planned = plan_feeds(config(topic("AI")), RELATED, now=T0)
    assert titles(feed(planned, "AI").entries) == ["a", "b"]


def test_related_entries_render_with_their_provider() -> None:
    cfg = config(topic("AI", related="entries"))
    ai = feed(plan_feeds(cfg, RELATED, now=T0), "AI")
    data = render_feed(
        ai.spec, "atom", ai.entries, feed_url="https://x/ai/atom.xml", updated=ai.updated
    )
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    rel = parsed.entries[1]
    assert (rel.title, rel.id, rel.author) == ("rel r1", "https://example.com/r1", "Other.Org")


def test_content_summary_leaves_the_content_out() -> None:
    record = dataclasses.replace(RELATED[0], excerpt="<p>Short</p>", body_html="<p>Long body</p>")
    for mode, has_body in (("full", True), ("summary", False)):
        spec = feed(plan_feeds(config(topic("AI", content=mode)), [record]), "AI").spec
        for fmt in ("rss", "atom"):
            data = render_feed(spec, fmt, [record], feed_url="https://x/f", updated=T0)
            assert (b"Long body" in data) is has_body
            assert b"Short" in data


# --- the real _data/topics ----------------------------------------------------------------


@needs_shared
def test_real_topics_parent_feed_holds_its_childrens_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(CORPUS / "_data" / "topics", tmp_path / "config" / "topics")
    body = (
        "site:\n  title: Everyday Power Apps\n  url: https://example.org/\n"
        f"sources: [{CORPUS / '_news'}]\nlimit: 1000\ndiscover: false\n"
    )
    cfg = read_config(write_config(tmp_path, body))
    published = classify(load_records(cfg).records, datetime(2030, 1, 1, tzinfo=UTC)).published
    # Every real record names Power Apps; drop that name so only the tree can put the
    # children's records into the parent's feed.
    children_only = [
        dataclasses.replace(r, topics=tuple(t for t in r.topics if t != "Power Apps"))
        for r in published
    ]
    planned = plan_feeds(cfg, children_only)
    parent = {r.canonical_url for r in feed(planned, "Power Apps").entries}
    children = [feed(planned, t.name) for t in cfg.topics if t.parent == "Power Apps"]
    assert {c.spec.slug for c in children} >= {"portals", "canvas-apps", "ai-builder"}
    child_urls = {r.canonical_url for c in children for r in c.entries}
    assert len(child_urls) > 100
    assert parent == child_urls
    assert feed(planned, "Common Data Service").spec.title == "Everyday Power Apps: CDS"
