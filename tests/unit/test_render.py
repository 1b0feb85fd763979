"""Unit tests for feeds.render.feed: parse what is rendered (lxml, feedparser) and check values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from typing import Any

import feedparser
import pytest
from lxml import etree

from feeds.core.errors import RenderError
from feeds.core.media import Video
from feeds.core.model import Image, Provider, Record, RelatedItem
from feeds.render.entryhtml import content_html
from feeds.render.feed import GENERATOR, render_feed
from tests.helpers import AI_SPEC as SPEC
from tests.helpers import TRICKY_TITLE, make_record

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
UPDATED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def feed_url(fmt: str) -> str:
    return f"https://feeds.example.org/ai/{fmt}.xml"


FULL = make_record(
    1,
    title=TRICKY_TITLE,
    updated_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
    excerpt="<p>The excerpt\u2019s text</p>",
    body_html="<p>The body.</p>",
    topics=("AI", "Open Source"),
    provider=Provider("The Daily Paper", "paper.example"),
    images=(
        Image("https://img.example/first.jpg", 640, 480),
        Image("https://img.example/second.jpg", 10, 10),
    ),
    related=(
        RelatedItem("Other & take", "https://other.example/a", provider=Provider("Other <News>")),
        RelatedItem("No provider", "https://third.example/b"),
    ),
)
BARE = make_record(2)
RECORDS = (FULL, BARE, make_record(3))


def render(fmt: str, records: tuple[Record, ...] = RECORDS, **kwargs: Any) -> bytes:
    return render_feed(SPEC, fmt, records, feed_url=feed_url(fmt), updated=UPDATED, **kwargs)


def xml(fmt: str, records: tuple[Record, ...] = RECORDS) -> Any:
    return etree.fromstring(render(fmt, records))


def parsed(fmt: str, records: tuple[Record, ...] = RECORDS) -> Any:
    result = feedparser.parse(render(fmt, records))
    assert not result.bozo, result.get("bozo_exception")
    return result


def rss_items(root: Any) -> list[Any]:
    return list(root.findall("channel/item"))


def atom_entries(root: Any) -> list[Any]:
    return list(root.findall("atom:entry", NS))


# --- channel ---------------------------------------------------------------------------


def test_rss_channel() -> None:
    channel = xml("rss").find("channel")
    assert channel.findtext("title") == SPEC.title
    assert channel.findtext("link") == SPEC.site_url
    assert channel.findtext("description") == SPEC.description
    assert channel.findtext("language") == "en"
    assert channel.findtext("generator") == GENERATOR == "feeds"
    assert channel.findtext("lastBuildDate") == "Wed, 04 Mar 2026 05:06:07 +0000"
    assert channel.find("pubDate") is None
    (self_link,) = channel.findall("atom:link", NS)
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == feed_url("rss")


def test_atom_feed_head() -> None:
    root = xml("atom")
    assert root.findtext("atom:id", namespaces=NS) == feed_url("atom")
    assert root.findtext("atom:title", namespaces=NS) == SPEC.title
    assert root.findtext("atom:subtitle", namespaces=NS) == SPEC.description
    assert root.findtext("atom:updated", namespaces=NS) == "2026-03-04T05:06:07+00:00"
    assert root.findtext("atom:author/atom:name", namespaces=NS) == "Example News"
    generator = root.find("atom:generator", NS)
    assert generator.text == "feeds"
    assert generator.attrib == {}  # no version, no uri: golden files survive upgrades
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert links == {"self": feed_url("atom"), "alternate": SPEC.site_url}
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feedparser_reads_channel(fmt: str) -> None:
    feed = parsed(fmt).feed
    assert feed.title == SPEC.title
    assert feed.link == SPEC.site_url
    assert feed.generator == "feeds"
    assert feed.updated_parsed[:6] == UPDATED.timetuple()[:6]
    assert {link.rel: link.href for link in feed.links}["self"] == feed_url(fmt)


def test_channel_date_uses_updated_not_the_clock() -> None:
    other = datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    rss = etree.fromstring(render_feed(SPEC, "rss", RECORDS, feed_url="u", updated=other))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 03 Feb 2001 02:05:06 +0000"
    atom = etree.fromstring(render_feed(SPEC, "atom", RECORDS, feed_url="u", updated=other))
    assert atom.findtext("atom:updated", namespaces=NS) == "2001-02-03T02:05:06+00:00"


# --- entries -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_entries_keep_the_given_order(fmt: str) -> None:
    entries = parsed(fmt).entries
    assert [e.link for e in entries] == [r.url for r in RECORDS]
    reverse = parsed(fmt, tuple(reversed(RECORDS))).entries
    assert [e.link for e in reverse] == [r.url for r in reversed(RECORDS)]


def test_ids_are_canonical_urls_in_both_formats() -> None:
    guids = rss_items(xml("rss"))
    assert [g.find("guid").text for g in guids] == [r.canonical_url for r in RECORDS]
    assert {g.find("guid").get("isPermaLink") for g in guids} == {"false"}
    ids = [e.findtext("atom:id", namespaces=NS) for e in atom_entries(xml("atom"))]
    assert ids == [r.canonical_url for r in RECORDS]
    assert [e.id for e in parsed("rss").entries] == [e.id for e in parsed("atom").entries]


def test_entry_dates() -> None:
    item = rss_items(xml("rss"))[0]
    assert item.findtext("pubDate") == "Sat, 28 Feb 2026 00:00:00 +0000"
    entry = atom_entries(xml("atom"))[0]
    assert entry.findtext("atom:published", namespaces=NS) == "2026-02-28T00:00:00+00:00"
    assert entry.findtext("atom:updated", namespaces=NS) == "2026-03-02T12:00:00+00:00"
    # Never updated: Atom's required <updated> is the publication date, not the clock.
    bare = atom_entries(xml("atom"))[1]
    assert bare.findtext("atom:updated", namespaces=NS) == "2026-02-27T00:00:00+00:00"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_categories_one_per_topic(fmt: str) -> None:
    first, second, _ = parsed(fmt).entries
    assert [t.term for t in first.tags] == ["AI", "Open Source"]
    assert "tags" not in second


def test_rss_provider_attribution() -> None:
    item = rss_items(xml("rss"))[0]
    assert item.findtext("dc:creator", namespaces=NS) == "The Daily Paper"
    source = item.find("source")
    assert source.get("url") == "https://paper.example"
    assert source.text == "The Daily Paper"
    assert item.find("author") is None  # RSS <author> must be an email address
    entry = parsed("rss").entries[0]
    assert entry.author == "The Daily Paper"
    assert entry.source.href == "https://paper.example"


def test_atom_provider_attribution() -> None:
    entry = atom_entries(xml("atom"))[0]
    (author,) = entry.findall("atom:author", NS)
    assert author.findtext("atom:name", namespaces=NS) == "The Daily Paper"
    assert author.findtext("atom:uri", namespaces=NS) == "https://paper.example"
    assert entry.find("atom:source", NS) is None
    assert entry.find("dc:creator", NS) is None
    parsed_entry = parsed("atom").entries[0]
    assert parsed_entry.author_detail.name == "The Daily Paper"
    assert parsed_entry.author_detail.href == "https://paper.example"


def test_provider_without_domain() -> None:
    record = make_record(1, provider=Provider("Wire Service"))
    item = rss_items(xml("rss", (record,)))[0]
    assert item.findtext("dc:creator", namespaces=NS) == "Wire Service"
    assert item.find("source") is None
    entry = atom_entries(xml("atom", (record,)))[0]
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Wire Service"
    assert entry.find("atom:author/atom:uri", NS) is None


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_first_image_as_media_rss(fmt: str) -> None:
    root = xml(fmt)
    entry = rss_items(root)[0] if fmt == "rss" else atom_entries(root)[0]
    (content,) = entry.findall("media:content", NS)
    assert dict(content.attrib) == {
        "url": "https://img.example/first.jpg",
        "medium": "image",
        "width": "640",
        "height": "480",
    }
    (thumbnail,) = entry.findall("media:thumbnail", NS)
    assert dict(thumbnail.attrib) == {
        "url": "https://img.example/first.jpg",
        "width": "640",
        "height": "480",
    }
    assert not root.findall(".//media:group", NS)
    assert root.nsmap["media"] == NS["media"]


def test_image_without_size() -> None:
    record = make_record(1, images=(Image("https://img.example/x.png"),))
    entry = rss_items(xml("rss", (record,)))[0]
    assert dict(entry.find("media:content", NS).attrib) == {
        "url": "https://img.example/x.png",
        "medium": "image",
    }
    assert dict(entry.find("media:thumbnail", NS).attrib) == {"url": "https://img.example/x.png"}


def test_atom_related_links() -> None:
    entry = atom_entries(xml("atom"))[0]
    related = [
        (link.get("href"), link.get("title"))
        for link in entry.findall("atom:link", NS)
        if link.get("rel") == "related"
    ]
    assert related == [
        ("https://other.example/a", "Other & take"),
        ("https://third.example/b", "No provider"),
    ]
    links = parsed("atom").entries[0].links
    assert {"rel": "related", "href": "https://other.example/a", "title": "Other & take"} in [
        {k: link.get(k) for k in ("rel", "href", "title")} for link in links
    ]
    # The entry's own link stays the alternate one.
    assert parsed("atom").entries[0].link == FULL.url


def test_related_list_in_content() -> None:
    html = content_html(FULL)
    assert html == (
        "<p>The body.</p>\n<h3>Related coverage</h3><ul>"
        '<li><a href="https://other.example/a">Other &amp; take</a> — Other &lt;News&gt;</li>'
        '<li><a href="https://third.example/b">No provider</a></li></ul>'
    )
    assert content_html(BARE) is None
    assert content_html(make_record(1, body_html="<p>b</p>")) == "<p>b</p>"


def test_rss_description_and_content_encoded() -> None:
    items = rss_items(xml("rss"))
    assert items[0].findtext("description") == FULL.excerpt
    assert items[0].findtext("content:encoded", namespaces=NS) == content_html(FULL)
    entry = parsed("rss").entries[0]
    assert "Other &amp; take</a> — Other &lt;News&gt;" in entry.content[0].value
    # No excerpt: the content is the description, once.
    only_body = make_record(1, body_html="<p>Only body</p>")
    item = rss_items(xml("rss", (only_body,)))[0]
    assert item.findtext("description") == "<p>Only body</p>"
    assert item.find("content:encoded", NS) is None


def test_atom_summary_and_content() -> None:
    entry = atom_entries(xml("atom"))[0]
    summary = entry.find("atom:summary", NS)
    assert (summary.get("type"), summary.text) == ("html", FULL.excerpt)
    content = entry.find("atom:content", NS)
    assert (content.get("type"), content.text) == ("html", content_html(FULL))
    bare = atom_entries(xml("atom"))[1]
    assert bare.find("atom:content", NS) is None
    # No text at all: the title is the summary (the validator's MissingTextualContent).
    summary = bare.find("atom:summary", NS)
    assert (summary.get("type"), summary.text) == ("html", BARE.title)


VIDEO = Video(
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    None,
    "youtube",
)
RELATED = (RelatedItem("Elsewhere", "https://other.example/a"),)


@pytest.mark.parametrize(
    ("changes", "parts"),
    [
        # The story's text comes first: the excerpt when there is no body, else the body.
        ({"video": VIDEO}, ["The excerpt", "Watch"]),
        ({"related": RELATED}, ["The excerpt", "Related coverage"]),
        ({"video": VIDEO, "related": RELATED}, ["The excerpt", "Watch", "Related coverage"]),
        ({"body_html": "<p>The body</p>", "video": VIDEO}, ["The body", "Watch"]),
    ],
)
def test_content_is_the_text_then_the_video_then_related(
    changes: dict[str, Any], parts: list[str]
) -> None:
    record = make_record(1, excerpt="<p>The excerpt</p>", **changes)
    html = content_html(record)
    assert html is not None
    assert [html.index(part) for part in parts] == sorted(html.index(part) for part in parts)
    assert ("The excerpt" in html) == ("body_html" not in changes)
    for fmt in ("rss", "atom"):
        entry = parsed(fmt, (record,)).entries[0]
        assert entry.content[0].value == html
        assert entry.summary == "<p>The excerpt</p>"


def test_an_excerpt_alone_is_the_summary_not_repeated_as_content() -> None:
    record = make_record(1, excerpt="<p>The excerpt</p>")
    assert content_html(record) is None
    for fmt in ("rss", "atom"):
        entry = parsed(fmt, (record,)).entries[0]
        assert entry.summary == "<p>The excerpt</p>"
        assert "content" not in entry


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_an_entry_without_text_gets_its_title_as_summary(fmt: str) -> None:
    record = make_record(1, title=TRICKY_TITLE)
    entry = parsed(fmt, (record,)).entries[0]
    # HTML-escaped: the title is text, never markup, in the summary too.
    assert entry.summary == escape(TRICKY_TITLE, quote=False)
    assert "content" not in entry
    summary_only = render_feed(
        replace(SPEC, content="summary"),
        fmt,
        (make_record(1, body_html="<p>b</p>"),),
        feed_url=feed_url(fmt),
        updated=UPDATED,
    )
    assert feedparser.parse(summary_only).entries[0].summary == "Story 1"


def test_rss_plain_text_is_written_with_hexadecimal_references() -> None:
    # The W3C validator's CharacterData: "&" and "<" in plain text as &#x26; and &#x3C;.
    record = make_record(
        1,
        title="AT&T <b>x</b>",
        topics=("R&D",),
        provider=Provider("A & B <C>", "ab.example"),
        excerpt="<p>a &amp; b</p>",
    )
    spec = replace(SPEC, title="News & <Views>", description="All & <more>")
    data = render_feed(spec, "rss", (record,), feed_url=feed_url("rss"), updated=UPDATED)
    text = data.decode()
    for written in (
        "<title>News &#x26; &#x3C;Views&#x3E;</title>",
        "<description>All &#x26; &#x3C;more&#x3E;</description>",
        "<title>AT&#x26;T &#x3C;b&#x3E;x&#x3C;/b&#x3E;</title>",
        "<category>R&#x26;D</category>",
        "<dc:creator>A &#x26; B &#x3C;C&#x3E;</dc:creator>",
        '<source url="https://ab.example">A &#x26; B &#x3C;C&#x3E;</source>',
    ):
        assert written in text
    # An item's description is HTML: its markup stays escaped the usual way.
    assert "<description>&lt;p&gt;a &amp;amp; b&lt;/p&gt;</description>" in text
    # The same text as before, read back (feedparser reads the same either way).
    root = etree.fromstring(data)
    assert root.findtext("channel/title") == "News & <Views>"
    assert root.findtext("channel/description") == "All & <more>"
    item = root.find("channel/item")
    assert item.findtext("title") == "AT&T <b>x</b>"
    assert item.findtext("category") == "R&D"
    assert item.findtext("dc:creator", namespaces=NS) == item.findtext("source") == "A & B <C>"
    assert feedparser.parse(data).entries[0].tags[0].term == "R&D"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_bare_records_render(fmt: str) -> None:
    entries = parsed(fmt, (BARE,)).entries
    assert [(e.title, e.link) for e in entries] == [(BARE.title, BARE.url)]
    root = xml(fmt, (BARE,))
    assert not root.findall(".//media:content", NS)
    assert not root.findall(".//dc:creator", NS)


# --- text safety ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_title_round_trip(fmt: str) -> None:
    assert parsed(fmt).entries[0].title == TRICKY_TITLE


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_control_characters_removed(fmt: str) -> None:
    record = make_record(
        1,
        title="Bad\x00 \x08title\x1f\ud800\uffff",
        excerpt="<p>ex\x0bcerpt</p>",
        body_html="<p>bo\x0cdy</p>",
        topics=("A\x01I",),
        provider=Provider("Pro\x02vider", "p.example"),
        related=(RelatedItem("Re\x03lated", "https://r.example/\x04x"),),
    )
    data = render(fmt, (record,))
    etree.fromstring(data)  # strict: raises on anything XML 1.0 forbids
    entry = parsed(fmt, (record,)).entries[0]
    assert entry.title == "Bad title"
    assert [t.term for t in entry.tags] == ["AI"]
    assert entry.author == "Provider"


def test_two_renders_are_byte_identical() -> None:
    for fmt in ("rss", "atom"):
        assert render(fmt) == render(fmt)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_output_is_pretty_utf8_with_declaration(fmt: str) -> None:
    data = render(fmt)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert "🚀".encode() in data
    assert b"\n  " in data


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_empty_feed(fmt: str) -> None:
    result = parsed(fmt, ())
    assert result.entries == []
    assert result.feed.updated_parsed[:6] == UPDATED.timetuple()[:6]
    root = xml(fmt, ())
    if fmt == "rss":
        assert root.findtext("channel/lastBuildDate") == "Wed, 04 Mar 2026 05:06:07 +0000"
    else:
        assert root.findtext("atom:updated", namespaces=NS) == "2026-03-04T05:06:07+00:00"


# --- errors ----------------------------------------------------------------------------------


def test_unknown_format() -> None:
    with pytest.raises(RenderError, match=r"^ai/mrss\.xml: format: unknown feed format 'mrss'"):
        render("mrss")


def test_naive_dates_are_a_render_error() -> None:
    with pytest.raises(RenderError, match=r"^ai/atom\.xml: cannot render the feed: naive"):
        render_feed(SPEC, "atom", (), feed_url="u", updated=datetime(2026, 1, 1))  # noqa: DTZ001


def test_feedgen_value_error_becomes_render_error() -> None:
    # A title that is nothing but control characters is empty once cleaned; feedgen refuses it.
    record = make_record(1, title="\x00\x01")
    with pytest.raises(RenderError, match=r"^ai/atom\.xml: cannot render the feed: "):
        render("atom", (record,))
