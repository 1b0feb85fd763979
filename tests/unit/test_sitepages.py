"""Unit tests for feeds.render.sitepages: the pages and OPML describe the feeds as published,
held-back ones by what their kept files hold; no disk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lxml import etree, html

from feeds.core.settings import Config, Site
from feeds.publish.guard import Previous
from feeds.render.documents import render_all
from feeds.render.sitepages import site_files
from feeds.selection.select import plan_feeds
from tests.helpers import make_record

SITE = Site(title="Example", url="https://feeds.example.org/")
CONFIG = Config(
    path=Path("/srv/feeds/config/feeds.yaml"),
    site=SITE,
    sources=(Path("/srv/feeds/records"),),
    output=Path("/srv/feeds/public"),
    discover=True,
)
NOW = datetime(2026, 4, 1, tzinfo=UTC)
NEWEST = datetime(2026, 3, 1, tzinfo=UTC)
KEPT = Previous(
    entries=7,
    newest=datetime(2026, 3, 20, tzinfo=UTC),
    updated=datetime(2026, 3, 21, 6, tzinfo=UTC),
)


def files(count: int, kept: dict[str, Previous] | None = None) -> dict[str, bytes]:
    records = [
        make_record(n, newest=NEWEST, topics=("AI" if n % 2 else "Space",)) for n in range(count)
    ]
    planned = plan_feeds(CONFIG, records, now=NOW)
    return {f.path: f.data for f in site_files(CONFIG, planned, render_all(CONFIG, planned), kept)}


def opml_date(data: bytes) -> str | None:
    date: str | None = etree.fromstring(data).findtext("head/dateModified")
    return date


def index_line(data: bytes, title: str) -> str:
    link = html.fromstring(data).xpath(f"//section[@aria-labelledby='topics']//a[.='{title}']")[0]
    count = link.getnext()
    return f"{count.text_content()} {count.xpath('string(time/@datetime)')}"


def test_without_held_feeds_every_page_is_drawn_from_the_input() -> None:
    drawn = files(4)
    assert sorted(drawn) == ["ai/index.html", "feeds.opml", "index.html", "space/index.html"]
    assert opml_date(drawn["feeds.opml"]) == "Sun, 01 Mar 2026 00:00:00 GMT"
    assert index_line(drawn["index.html"], "Example: AI").startswith("2 stories")


def test_a_held_back_topic_keeps_its_page_and_shows_its_kept_feed() -> None:
    drawn = files(4, {"ai/rss.xml": KEPT, "ai/atom.xml": KEPT, "ai/feed.json": KEPT})
    assert sorted(drawn) == ["feeds.opml", "index.html", "space/index.html"]
    line = index_line(drawn["index.html"], "Example: AI")
    assert line == "7 stories, newest 20 March 2026 2026-03-20T00:00:00Z"
    assert opml_date(drawn["feeds.opml"]) == "Sat, 21 Mar 2026 06:00:00 GMT"  # the kept date


def test_a_held_back_site_feed_keeps_the_index_and_opml() -> None:
    drawn = files(4, {"rss.xml": KEPT, "atom.xml": KEPT, "feed.json": KEPT})
    assert sorted(drawn) == ["ai/index.html", "space/index.html"]


def test_nothing_published_means_no_opml_date_rather_than_1970() -> None:
    drawn = files(0)
    assert "feeds.opml" in drawn
    assert opml_date(drawn["feeds.opml"]) is None
