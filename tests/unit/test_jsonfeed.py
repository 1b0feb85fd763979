"""Unit tests for feeds.render.jsonfeed: each document checked against the JSON Feed 1.1 spec."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from feeds.core.media import Video
from feeds.core.model import Image, Provider, Record, RelatedItem
from feeds.render.jsonfeed import EXTENSION, VERSION, plain_text, render_json_feed, rfc3339
from tests.helpers import AI_SPEC as SPEC
from tests.helpers import TRICKY_TITLE, make_record

FEED_URL = "https://feeds.example.org/ai/feed.json"
HOME = "https://feeds.example.org/ai/"


FULL = make_record(
    1,
    title=TRICKY_TITLE,
    updated_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
    excerpt="<p>The excerpt\u2019s <b>text</b> &amp; more</p><p>Second</p>",
    body_html="<p>The body.</p>",
    topics=("AI", "Open Source"),
    provider=Provider("The Daily Paper", "paper.example"),
    images=(Image("https://img.example/first.jpg", 640, 480), Image("https://img.example/2.jpg")),
    related=(
        RelatedItem(
            "Other & take",
            "https://other.example/a",
            provider=Provider("Other <News>", "other.example"),
            published_at=datetime(2026, 2, 27, 8, 30, tzinfo=UTC),
        ),
        RelatedItem("No provider", "https://third.example/b"),
    ),
)
EXCERPT_ONLY = make_record(2, excerpt="<p>Only an excerpt</p>", provider=Provider("Bare"))
BARE = make_record(3)
RECORDS = (FULL, EXCERPT_ONLY, BARE)


def render(records: tuple[Record, ...] = RECORDS, **kwargs: Any) -> bytes:
    return render_json_feed(SPEC, records, feed_url=FEED_URL, home_page_url=HOME, **kwargs)


def load(data: bytes) -> dict[str, Any]:
    doc = json.loads(data.decode("utf-8"))
    check_json_feed(doc)
    return doc  # type: ignore[no-any-return]


# --- a checker for https://jsonfeed.org/version/1.1 ------------------------------------

TOP_LEVEL: dict[str, type] = {
    "version": str,
    "title": str,
    "home_page_url": str,
    "feed_url": str,
    "description": str,
    "user_comment": str,
    "next_url": str,
    "icon": str,
    "favicon": str,
    "authors": list,
    "language": str,
    "expired": bool,
    "hubs": list,
    "items": list,
}
ITEM: dict[str, type] = {
    "id": str,
    "url": str,
    "external_url": str,
    "title": str,
    "content_html": str,
    "content_text": str,
    "summary": str,
    "image": str,
    "banner_image": str,
    "date_published": str,
    "date_modified": str,
    "authors": list,
    "tags": list,
    "language": str,
    "attachments": list,
}
URL_FIELDS = {"home_page_url", "feed_url", "next_url", "icon", "favicon", "url", "image"}


def check_keys(obj: dict[str, Any], known: dict[str, type], where: str) -> None:
    for key, value in obj.items():
        if key.startswith("_"):
            # Custom objects: "_" followed by a letter, and an object.
            assert key[1:2].isalpha(), f"{where}.{key}"
            assert isinstance(value, dict), f"{where}.{key}"
            continue
        assert key in known, f"{where}: unknown key {key!r}"
        assert isinstance(value, known[key]), f"{where}.{key}: {type(value).__name__}"
        if key in URL_FIELDS:
            assert value.startswith(("https://", "http://")), f"{where}.{key}: {value}"


def check_authors(authors: list[Any], where: str) -> None:
    assert authors, f"{where}.authors is empty"
    for author in authors:
        assert isinstance(author, dict)
        assert set(author) <= {"name", "url", "avatar"}
        assert author, f"{where}: an author needs name, url or avatar"
        assert all(isinstance(v, str) for v in author.values())


def check_date(value: str) -> None:
    # RFC 3339: full date, "T", time, and a zone ("Z" or an offset).
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    assert value[10] == "T"
    assert value.endswith("Z") or value[-6] in "+-"


def check_json_feed(doc: dict[str, Any]) -> None:
    check_keys(doc, TOP_LEVEL, "feed")
    assert doc["version"] == VERSION
    assert doc["title"]
    assert isinstance(doc["items"], list)
    if "authors" in doc:
        check_authors(doc["authors"], "feed")
    for hub in doc.get("hubs", []):
        assert set(hub) == {"type", "url"}
        assert isinstance(hub["type"], str) and isinstance(hub["url"], str)
    ids = [item["id"] for item in doc["items"]]
    assert len(ids) == len(set(ids)), "item ids must be unique"
    for n, item in enumerate(doc["items"]):
        where = f"items[{n}]"
        check_keys(item, ITEM, where)
        assert item["id"], where
        assert "content_html" in item or "content_text" in item, where
        for key in ("date_published", "date_modified"):
            if key in item:
                check_date(item[key])
        if "authors" in item:
            check_authors(item["authors"], where)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


# --- tests -----------------------------------------------------------------------------


def test_feed_level_fields() -> None:
    doc = load(render())
    assert list(doc)[:2] == ["version", "title"]
    assert doc["title"] == SPEC.title
    assert doc["home_page_url"] == HOME
    assert doc["feed_url"] == FEED_URL
    assert doc["description"] == SPEC.description
    assert doc["language"] == "en"
    assert doc["authors"] == [{"name": "Example News", "url": "https://news.example.org/"}]
    assert "hubs" not in doc


def test_full_item() -> None:
    item = load(render())["items"][0]
    assert item["id"] == FULL.canonical_url
    assert item["url"] == FULL.url
    assert item["title"] == TRICKY_TITLE
    assert item["content_html"].startswith("<p>The body.</p>")
    assert "Related coverage" in item["content_html"]
    assert item["summary"] == "The excerpt\u2019s text & more Second"
    assert item["image"] == "https://img.example/first.jpg"
    assert item["date_published"] == "2026-02-28T00:00:00Z"
    assert item["date_modified"] == "2026-03-02T12:00:00Z"
    assert item["authors"] == [{"name": "The Daily Paper", "url": "https://paper.example"}]
    assert item["tags"] == ["AI", "Open Source"]
    assert item[EXTENSION] == {
        "related": [
            {
                "title": "Other & take",
                "url": "https://other.example/a",
                "provider": {"name": "Other <News>", "url": "https://other.example"},
                "date_published": "2026-02-27T08:30:00Z",
            },
            {"title": "No provider", "url": "https://third.example/b"},
        ]
    }


def test_excerpt_stands_in_for_content() -> None:
    item = load(render())["items"][1]
    assert item["content_html"] == "<p>Only an excerpt</p>"
    assert item["summary"] == "Only an excerpt"
    assert item["authors"] == [{"name": "Bare"}]


def test_content_html_opens_with_the_excerpt_before_video_and_related() -> None:
    video = Video("https://vimeo.com/1", "https://player.vimeo.com/video/1", None, "vimeo")
    related = (RelatedItem("Elsewhere", "https://other.example/a"),)
    record = make_record(1, excerpt="<p>Story text</p>", video=video, related=related)
    item = load(render((record,)))["items"][0]
    html = item["content_html"]
    assert html.startswith("<p>Story text</p>\n")
    assert html.index("Story text") < html.index("Watch") < html.index("Related coverage")
    assert item["summary"] == "Story text"


def test_bare_item_has_content_text_and_no_optional_keys() -> None:
    item = load(render())["items"][2]
    assert "content_html" not in item
    assert item["content_text"] == "Story 3"
    for key in ("summary", "image", "authors", "tags", EXTENSION):
        assert key not in item
    assert item["date_modified"] == item["date_published"]


def test_summary_content_mode_keeps_the_excerpt_only() -> None:
    from dataclasses import replace

    spec = replace(SPEC, content="summary")
    data = render_json_feed(spec, RECORDS, feed_url=FEED_URL, home_page_url=HOME)
    items = load(data)["items"]
    assert items[0]["content_html"] == FULL.excerpt
    assert "Related coverage" not in items[0]["content_html"]
    assert EXTENSION in items[0]  # related links stay available as data
    assert items[2]["content_text"] == "Story 3"


def test_order_is_kept() -> None:
    reversed_records = tuple(reversed(RECORDS))
    ids = [i["id"] for i in load(render(reversed_records))["items"]]
    assert ids == [r.canonical_url for r in reversed_records]


def test_hubs() -> None:
    doc = load(render(hubs=["https://hub.example/", "https://other-hub.example/"]))
    assert doc["hubs"] == [
        {"type": "WebSub", "url": "https://hub.example/"},
        {"type": "WebSub", "url": "https://other-hub.example/"},
    ]


def test_empty_feed_is_valid() -> None:
    assert load(render(()))["items"] == []


def test_bytes_are_deterministic_utf8_with_trailing_newline() -> None:
    data = render()
    assert data == render()
    assert data.endswith(b"}\n")
    assert "🚀".encode() in data  # ensure_ascii=False: characters, not \\u escapes
    assert b'\n  "items": [' in data  # indented by 2


def test_forbidden_characters_are_removed() -> None:
    # A lone surrogate cannot be encoded as UTF-8; control characters are dropped as in XML.
    record = make_record(4, title="bad\ud800 \x00title\x1b")
    item = load(render((record,)))["items"][0]
    assert item["title"] == "bad title"


def test_no_language_no_key() -> None:
    from dataclasses import replace

    spec = replace(SPEC, language=None, description="")
    doc = json.loads(render_json_feed(spec, (), feed_url=FEED_URL, home_page_url=HOME))
    check_json_feed(doc)
    assert "language" not in doc
    assert doc["description"] == SPEC.title


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-02T01:04:05Z",
        ),
        (datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC), "2026-01-02T03:04:05.000600Z"),
    ],
)
def test_rfc3339(when: datetime, expected: str) -> None:
    assert rfc3339(when) == expected


def test_rfc3339_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        rfc3339(datetime(2026, 1, 2))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>a</p><p>b</p>", "a b"),
        ("x &lt;y&gt; &amp; z", "x <y> & z"),
        ("  <ul><li>one</li>\n<li>two</li></ul> ", "one two"),
        ("", ""),
    ],
)
def test_plain_text(fragment: str, text: str) -> None:
    assert plain_text(fragment) == text


def test_same_entries_ids_and_dates_as_atom() -> None:
    import feedparser

    from feeds.render.feed import render_feed

    atom = feedparser.parse(
        render_feed(
            SPEC, "atom", RECORDS, feed_url=FEED_URL, updated=datetime(2026, 3, 3, tzinfo=UTC)
        )
    )
    assert not atom.bozo
    items = load(render())["items"]
    assert [i["id"] for i in items] == [e.id for e in atom.entries]
    for item, entry in zip(items, atom.entries, strict=True):
        published = datetime.fromisoformat(item["date_published"])
        assert published.timetuple()[:6] == entry.published_parsed[:6]
        modified = datetime.fromisoformat(item["date_modified"])
        assert modified.timetuple()[:6] == entry.updated_parsed[:6]
        assert item["title"] == entry.title
