"""Unit tests for feeds.render.pages: parse the HTML with lxml.html, check what a reader finds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import html

from feeds.core.model import Image, Provider, Record
from feeds.core.settings import Site
from feeds.render.pages import FeedLink, TopicPage, render_index_page, render_topic_page
from tests.helpers import make_record

BASE = "https://feeds.example.org/"
SITE = Site(title="Example <News>", url=BASE, description="Stories & more", language="en-GB")
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
NEWEST = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def links(slug: str) -> tuple[FeedLink, ...]:
    prefix = BASE + (f"{slug}/" if slug else "")
    return (
        FeedLink("rss", prefix + "rss.xml"),
        FeedLink("atom", prefix + "atom.xml"),
        FeedLink("json", prefix + "feed.json"),
    )


def page(topic: str | None, slug: str, parent: str | None = None, **kw: Any) -> TopicPage:
    values: dict[str, Any] = {
        "topic": topic,
        "title": f"Example: {topic}" if topic else SITE.title,
        "description": f"Latest {topic} stories",
        "url": BASE + (f"{slug}/" if slug else ""),
        "feeds": links(slug),
        "parent": parent,
        "entries": 3,
        "newest": NEWEST,
    }
    values.update(kw)
    return TopicPage(**values)


TOPICS = (
    page(None, ""),
    page("AI", "ai", parent="Technology"),
    page("Climate", "climate", entries=1),
    page("Technology", "technology"),
    page("Soccer", "soccer", parent="Sports", entries=0, newest=None),
)


def record(n: int, **changes: Any) -> Record:
    defaults: dict[str, Any] = {
        "excerpt": f"<p>Excerpt <b>{n}</b></p>",
        "provider": Provider("The Paper", "paper.example"),
    }
    return make_record(n, newest=NEWEST, **{**defaults, **changes})


RECORDS = (
    record(1, images=(Image("https://img.example/1.jpg", 800, 600),)),
    record(2, title=HOSTILE, provider=Provider(HOSTILE), images=(Image("https://img.example/2"),)),
    record(3, provider=None, excerpt=None),
)


def parse(data: bytes) -> Any:
    assert data.startswith(b"<!DOCTYPE html>\n")
    return html.document_fromstring(data.decode("utf-8"))


def alternates(doc: Any) -> dict[str, str]:
    return {
        link.get("type"): link.get("href") for link in doc.xpath('//head/link[@rel="alternate"]')
    }


def check_common(doc: Any) -> None:
    assert doc.get("lang") == "en-GB"
    assert doc.xpath("//meta[@name='viewport']")
    assert doc.xpath("//meta[@charset='utf-8']")
    assert not doc.xpath("//script"), "no JavaScript"
    assert not doc.xpath("//@*[starts-with(name(), 'on')]"), "no event handlers"
    assert len(doc.xpath("//h1")) == 1
    for img in doc.xpath("//img"):
        # Thumbnails illustrate the linked title beside them: decorative, so alt="" (a
        # screen reader would otherwise read every title twice).
        assert img.get("alt") == "", "a thumbnail's alt does not repeat the title"
        assert int(img.get("width")) > 0 and int(img.get("height")) > 0


# --- the topic page --------------------------------------------------------------------


def topic_doc(opml_url: str | None = None, **kw: Any) -> Any:
    return parse(render_topic_page(SITE, page("AI", "ai", **kw), RECORDS, opml_url=opml_url))


def test_topic_autodiscovery() -> None:
    doc = topic_doc()
    check_common(doc)
    assert alternates(doc) == {
        "application/rss+xml": BASE + "ai/rss.xml",
        "application/atom+xml": BASE + "ai/atom.xml",
        "application/feed+json": BASE + "ai/feed.json",
    }
    titles = doc.xpath('//head/link[@rel="alternate"]/@title')
    assert titles == ["Example: AI (RSS)", "Example: AI (Atom)", "Example: AI (JSON Feed)"]


def addresses(doc: Any) -> dict[str, str]:
    """The subscribe block's copyable feed addresses, by their label."""
    (block,) = doc.xpath("//section[@aria-labelledby='subscribe']")
    found = {}
    for field in block.xpath(".//input"):
        assert field.get("readonly") is not None and field.get("type") == "text"
        (label,) = block.xpath(f".//label[@for='{field.get('id')}']")
        found[label.text_content()] = field.get("value")
    return found


def test_topic_subscribe_block_has_copyable_addresses_and_archive() -> None:
    doc = topic_doc(archive_url=BASE + "ai/archive/1.xml")
    assert doc.xpath("string(//h2[@id='subscribe'])") == "How to subscribe"
    assert addresses(doc) == {
        "RSS": BASE + "ai/rss.xml",
        "Atom": BASE + "ai/atom.xml",
        "JSON Feed": BASE + "ai/feed.json",
        "Archive of older stories": BASE + "ai/archive/1.xml",
    }
    assert "Archive" not in topic_doc().text_content()


@pytest.mark.parametrize("which", ["topic", "index"])
def test_no_link_opens_a_feed_file_in_the_browser(which: str) -> None:
    # A click on "RSS" showed raw XML: addresses are fields to copy, and the one link to a
    # feed uses the feed: scheme, which hands it to an installed reader app.
    opml = BASE + "feeds.opml"
    doc = topic_doc(opml_url=opml) if which == "topic" else index_doc(opml_url=opml)
    hrefs = doc.xpath("//body//a/@href")
    opened = [h for h in hrefs if h.endswith((".xml", ".json")) and not h.startswith("feed:")]
    assert not opened, hrefs
    feed_links = [h for h in hrefs if h.startswith("feed:")]
    first = BASE + ("ai/" if which == "topic" else "") + "rss.xml"
    assert feed_links == ["feed:" + first]
    steps = doc.xpath("string(//section[@aria-labelledby='subscribe']//ol)")
    assert "Copy" in steps and "feed reader" in steps and "OPML" in steps
    assert doc.xpath("//section[@aria-labelledby='subscribe']//a[@type='text/x-opml']/@href") == [
        opml
    ]


def test_open_in_reader_only_for_http_addresses() -> None:
    odd = page("AI", "ai", feeds=(FeedLink("rss", "javascript:alert(1)"),))
    doc = parse(render_topic_page(SITE, odd, RECORDS))
    assert not [h for h in doc.xpath("//a/@href") if "javascript" in h.lower()]


def test_topic_entries() -> None:
    doc = topic_doc()
    articles = doc.xpath("//article")
    assert len(articles) == 3
    first = articles[0]
    assert first.xpath("h3/a/@href") == ["https://news.example.org/story-1"]
    assert first.xpath("string(h3/a)") == "Story 1"
    assert "The Paper" in first.xpath("string(p[@class='meta'])")
    (time,) = first.xpath(".//time")
    assert time.get("datetime") == "2026-02-28T09:30:00Z"
    assert time.text == "28 February 2026"
    (img,) = first.xpath("img")
    assert (img.get("src"), img.get("alt")) == ("https://img.example/1.jpg", "")
    assert (img.get("width"), img.get("height")) == ("160", "120")
    assert first.xpath("string(div[@class='excerpt'])") == "Excerpt 1"
    assert first.xpath("div[@class='excerpt']/p/b")  # sanitized HTML kept as markup
    # Unknown image size: a 16:9 box.
    assert articles[1].xpath("img/@height") == ["90"]
    assert not articles[2].xpath("img") and not articles[2].xpath("div")


def test_hostile_text_is_escaped() -> None:
    data = render_topic_page(SITE, page(HOSTILE, "x", title=HOSTILE, description=HOSTILE), RECORDS)
    assert b"<script>" not in data
    doc = parse(data)
    check_common(doc)
    assert doc.findtext(".//title") == HOSTILE
    assert doc.xpath("string(//h1)") == HOSTILE
    article = doc.xpath("//article")[1]
    assert article.xpath("string(h3/a)") == HOSTILE
    assert article.xpath("img/@alt") == [""]
    assert HOSTILE in article.xpath("string(p[@class='meta'])")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:x", "java\tscript:x", "data:text/html,x"]
)
def test_script_urls_are_not_links(url: str) -> None:
    doc = parse(render_topic_page(SITE, page("AI", "ai"), (record(1, url=url),)))
    assert doc.xpath("//article/h3/a/@href") == ["#"]


def test_empty_topic() -> None:
    doc = parse(render_topic_page(SITE, page("AI", "ai", entries=0, newest=None), ()))
    assert "No stories yet." in doc.text_content()
    assert doc.xpath("//nav/a/@href") == [BASE]


def test_headings_hierarchy() -> None:
    doc = topic_doc()
    levels = [int(h.tag[1]) for h in doc.xpath("//h1|//h2|//h3")]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


# --- the index page --------------------------------------------------------------------


def index_doc(**kw: Any) -> Any:
    return parse(render_index_page(SITE, TOPICS, **kw))


def test_index_autodiscovery_is_the_site_feed() -> None:
    doc = index_doc(opml_url=BASE + "feeds.opml")
    check_common(doc)
    assert alternates(doc) == {
        "application/rss+xml": BASE + "rss.xml",
        "application/atom+xml": BASE + "atom.xml",
        "application/feed+json": BASE + "feed.json",
    }
    assert doc.xpath('//head/link[@rel="outline"]/@href') == [BASE + "feeds.opml"]
    assert doc.xpath("//a[@type='text/x-opml']/@href") == [BASE + "feeds.opml"]
    assert addresses(doc) == {
        "RSS": BASE + "rss.xml",
        "Atom": BASE + "atom.xml",
        "JSON Feed": BASE + "feed.json",
    }


def test_index_tree() -> None:
    doc = index_doc()
    (tree,) = doc.xpath("//section[h2[@id='topics']]/ul")

    def shape(ul: Any) -> list[Any]:
        out = []
        for li in ul.xpath("li"):
            label = li.xpath("string(a)") or (li.text or "").strip()
            nested = li.xpath("ul")
            out.append((label, shape(nested[0])) if nested else label)
        return out

    assert shape(tree) == [
        "Example: Climate",
        ("Example: Technology", ["Example: AI"]),
        ("Sports", ["Example: Soccer"]),
    ]
    assert doc.xpath("//a[.='Example: AI']/@href") == [BASE + "ai/"]


def test_index_counts_and_dates() -> None:
    doc = index_doc()
    counts = [c.text_content() for c in doc.xpath("//section[h2[@id='topics']]//*[@class='count']")]
    assert counts == [
        "1 story, newest 1 March 2026",
        "3 stories, newest 1 March 2026",
        "3 stories, newest 1 March 2026",
        "0 stories",
    ]
    assert doc.xpath("//section[h2[@id='topics']]//time/@datetime")[0] == "2026-03-01T09:30:00Z"


def test_index_without_topics_or_site_feed() -> None:
    doc = parse(render_index_page(Site("S", BASE), ()))
    assert doc.get("lang") == "en"
    assert "No topics yet." in doc.text_content()
    assert alternates(doc) == {}


def test_deterministic() -> None:
    assert render_index_page(SITE, TOPICS) == render_index_page(SITE, TOPICS)
    assert render_topic_page(SITE, TOPICS[1], RECORDS) == render_topic_page(
        SITE, TOPICS[1], RECORDS
    )
