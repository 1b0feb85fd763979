"""Unit tests for feeds.opml: parse the OPML with lxml and check the tree and attributes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree

from feeds.core.settings import Site
from feeds.render.opml import (
    HEAD_ELEMENTS,
    OpmlFeed,
    TreeNode,
    choose_feeds,
    parent_tree,
    render_opml,
)

SITE = Site(title="Example & <News>", url="https://feeds.example.org/")
BASE = SITE.url


def feed(topic: str | None, parent: str | None = None, fmt: str = "rss") -> OpmlFeed:
    slug = "" if topic is None else topic.lower().replace(" ", "-") + "/"
    title = SITE.title if topic is None else f"Example: {topic}"
    return OpmlFeed(
        title=title,
        text=title,
        xml_url=f"{BASE}{slug}{fmt}.xml",
        html_url=f"{BASE}{slug}",
        parent=parent,
        topic=topic,
    )


FEEDS = (
    feed(None),
    feed("AI", parent="Technology"),
    feed("Climate"),
    feed("Technology"),
    feed("Robots", parent="AI"),
    feed("Soccer", parent="Sports"),  # Sports has no feed of its own
)


def parse(data: bytes) -> Any:
    return etree.fromstring(data)


def shape(element: Any) -> list[Any]:
    """The outline tree as nested (text, xmlUrl or children) pairs."""
    out: list[Any] = []
    for outline in element.findall("outline"):
        if outline.get("xmlUrl") is not None:
            out.append(outline.get("text"))
        else:
            out.append((outline.get("text"), shape(outline)))
    return out


def test_document_head() -> None:
    root = parse(render_opml(SITE, FEEDS))
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Example & <News>"
    assert root.find("head/dateModified") is None  # no clock
    # The W3C validator rejects <docs> (UndefinedElement): the head keeps to its five.
    assert root.find("head/docs") is None
    assert {e.tag for e in root.find("head")} <= set(HEAD_ELEMENTS)
    assert set(HEAD_ELEMENTS) == {
        "title", "dateCreated", "dateModified", "ownerName", "ownerEmail"
    }  # fmt: skip


def test_grouped_by_parent() -> None:
    body = parse(render_opml(SITE, FEEDS)).find("body")
    assert shape(body) == [
        "Example & <News>",
        "Example: Climate",
        ("Technology", ["Example: Technology", ("AI", ["Example: AI", "Example: Robots"])]),
        ("Sports", ["Example: Soccer"]),
    ]


def test_feed_outline_attributes() -> None:
    body = parse(render_opml(SITE, FEEDS)).find("body")
    outlines = [o for o in body.iter("outline") if o.get("xmlUrl") is not None]
    assert len(outlines) == len(FEEDS)
    climate = next(o for o in outlines if o.get("text") == "Example: Climate")
    assert dict(climate.attrib) == {
        "type": "rss",
        "text": "Example: Climate",
        "title": "Example: Climate",
        "xmlUrl": f"{BASE}climate/rss.xml",
        "htmlUrl": f"{BASE}climate/",
    }
    for outline in body.iter("outline"):
        assert outline.get("text"), "OPML 2.0 requires text on every outline"


def test_several_formats_of_one_topic_stay_together() -> None:
    feeds = (feed("AI", fmt="rss"), feed("AI", fmt="atom"), feed("Robots", parent="AI"))
    body = parse(render_opml(SITE, feeds)).find("body")
    (folder,) = body.findall("outline")
    assert [o.get("xmlUrl") for o in folder.findall("outline")] == [
        f"{BASE}ai/rss.xml",
        f"{BASE}ai/atom.xml",
        f"{BASE}robots/rss.xml",
    ]


def test_updated_becomes_date_modified() -> None:
    when = datetime(2026, 3, 4, 7, 6, 7, tzinfo=timezone(timedelta(hours=2)))
    root = parse(render_opml(SITE, FEEDS, updated=when))
    assert root.findtext("head/dateModified") == "Wed, 04 Mar 2026 05:06:07 GMT"


def test_naive_updated_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        render_opml(SITE, FEEDS, updated=datetime(2026, 1, 1))  # noqa: DTZ001


def test_hostile_text_is_escaped_and_cleaned() -> None:
    hostile = OpmlFeed(
        title='"><script>x</script>\x00',
        text="a & b\nc",
        xml_url="https://x.example/?a=1&b=2",
        html_url="https://x.example/",
        topic="x",
    )
    data = render_opml(SITE, (hostile,))
    assert b"<script>" not in data
    outline = parse(data).find("body/outline")
    assert outline.get("title") == '"><script>x</script>'
    assert outline.get("text") == "a & b\nc"
    assert outline.get("xmlUrl") == "https://x.example/?a=1&b=2"


def test_deterministic_and_declared_utf8() -> None:
    data = render_opml(SITE, FEEDS)
    assert data == render_opml(SITE, FEEDS)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert data.endswith(b"</opml>\n")


def test_empty_list() -> None:
    root = parse(render_opml(SITE, ()))
    assert root.find("body") is not None
    assert list(root.find("body")) == []


def names(nodes: list[TreeNode[str]]) -> list[Any]:
    return [(n.name, list(n.items), names(list(n.children))) for n in nodes]


def test_parent_tree_breaks_loops() -> None:
    items = [("A", "B"), ("B", "A"), ("C", "C")]
    tree = parent_tree(items, lambda i: i[0], lambda i: i[1])
    flat = names(tree)  # type: ignore[arg-type]
    assert flat == [
        ("C", [("C", "C")], []),
        ("A", [("A", "B")], [("B", [("B", "A")], [])]),
    ]


def test_parent_tree_first_parent_wins() -> None:
    items = [("A", None), ("A", "P"), ("A", "Q")]
    tree = parent_tree(items, lambda i: i[0], lambda i: i[1])
    assert [n.name for n in tree] == ["P"]
    assert [c.name for c in tree[0].children] == ["A"]


def test_parent_tree_keeps_dates_out() -> None:
    # A smoke check that items are kept as given (no copies, no sorting).
    item = (datetime(2026, 1, 1, tzinfo=UTC), "x")
    tree = parent_tree([item], lambda i: i[1], lambda i: None)
    assert tree[0].items == (item,)


# --- which feeds the list offers --------------------------------------------------------


def with_ids(item: OpmlFeed, *ids: str | None) -> OpmlFeed:
    known = None if ids == (None,) else frozenset(str(i) for i in ids)
    return OpmlFeed(
        item.title, item.text, item.xml_url, item.html_url,
        parent=item.parent, topic=item.topic, ids=known,
    )  # fmt: skip


def topics_of(feeds: list[OpmlFeed]) -> list[str | None]:
    return [f.topic for f in feeds]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("topics", ["AI", "Climate", "Technology", "Robots", "Soccer"]),
        ("site", [None]),
        ("both", [None, "AI", "Climate", "Technology", "Robots", "Soccer"]),
    ],
)
def test_site_or_topics_never_both_unless_asked(mode: str, expected: list[str | None]) -> None:
    chosen = choose_feeds([with_ids(f, f.xml_url) for f in FEEDS], mode)
    assert topics_of(chosen) == expected


def test_without_topics_the_site_feed_is_listed_and_the_reverse() -> None:
    assert topics_of(choose_feeds([feed(None)], "topics")) == [None]
    assert topics_of(choose_feeds([feed("AI")], "site")) == ["AI"]


def test_feeds_with_the_same_entries_are_listed_once_as_the_most_specific() -> None:
    # The site-wide feed, Technology and AI hold the same stories; Robots (below AI) too.
    same = ("a", "b")
    feeds = [
        with_ids(feed(None), *same),
        with_ids(feed("Technology"), *same),
        with_ids(feed("AI", parent="Technology"), *same),
        with_ids(feed("Robots", parent="AI"), "a"),
        with_ids(feed("Climate"), "c"),
    ]
    assert topics_of(choose_feeds(feeds, "both")) == ["AI", "Robots", "Climate"]
    assert topics_of(choose_feeds(feeds, "topics")) == ["AI", "Robots", "Climate"]
    # The folders stay: AI still sits in Technology, though Technology's feed is not listed.
    body = parse(render_opml(SITE, choose_feeds(feeds, "topics"))).find("body")
    assert shape(body) == [
        ("Technology", [("AI", ["Example: AI", "Example: Robots"])]),
        "Example: Climate",
    ]


def test_equal_siblings_keep_the_first_and_unknown_or_empty_feeds_are_never_merged() -> None:
    feeds = [
        with_ids(feed("AI"), "a"),
        with_ids(feed("ML"), "a"),
        with_ids(feed("Held"), None),
        with_ids(feed("Kept"), None),
        with_ids(feed("Empty")),
        with_ids(feed("Void")),
    ]
    assert topics_of(choose_feeds(feeds, "topics")) == ["AI", "Held", "Kept", "Empty", "Void"]


def test_choose_feeds_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="opml"):
        choose_feeds(FEEDS, "all")
