"""What subscribers get from `feeds build`: JSON Feed, OPML, subscribe pages, WebSub pings.

Real builds (the CLI as a subprocess) into a temporary folder, read back with real parsers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree, html

from tests.helpers import run_feeds, write_config, write_record
from tests.httpserver import running

NOW = "2026-10-01T00:00:00Z"
BASE = "https://feeds.example.org/"
SITE = f"site: {{title: Example, url: '{BASE}', language: en}}\nsources: [../records]\n"
TOPICS = (
    "topics:\n"
    "  - name: Tech\n"
    "  - name: AI\n    parent: Tech\n"
    "  - name: Space\n    formats: [atom, json]\n"
)


def story(folder: Path, n: int, topics: str, day: int = 1) -> None:
    write_record(
        folder / "records",
        f"s{n}.md",
        f"title: Story {n}\npublishedDateTime: 2026-09-{day:02d}T10:00:00Z\n"
        f"webUrl: https://news.example.com/{n}\ntopics: {topics}\n"
        "excerpt: <p>An <b>excerpt</b></p>\nprovider: {name: The Paper, domain: paper.example}\n"
        "images: [{url: 'https://img.example/1.jpg', width: 800, height: 600}]\n",
        f"Body of story {n}.\n",
    )


def build(folder: Path, extra: str = "", *args: str) -> Any:
    config = write_config(folder, SITE + "output: ../public\n" + TOPICS + extra)
    return run_feeds("build", "--config", config, "--now", NOW, *args)


def local(url: str, out: Path) -> Path:
    """The written file a public URL names (a folder URL means its index.html)."""
    assert url.startswith(BASE), url
    path = out / url[len(BASE) :]
    return path / "index.html" if url.endswith("/") else path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    story(tmp_path, 1, "[AI]", 1)
    story(tmp_path, 2, "[Tech, Space]", 2)
    story(tmp_path, 3, "[Space]", 3)
    result = build(tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    return tmp_path / "public"


# --- JSON Feed 1.1 ---------------------------------------------------------------------


def test_every_feed_has_a_json_feed_with_the_same_entries(site: Path) -> None:
    for folder in ("", "ai/", "tech/", "space/"):
        doc = json.loads((site / f"{folder}feed.json").read_bytes())
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(doc["title"], str) and doc["title"]
        assert doc["feed_url"] == f"{BASE}{folder}feed.json"
        assert doc["home_page_url"] == BASE + folder
        assert local(doc["home_page_url"], site).is_file()
        atom = feedparser.parse((site / f"{folder}atom.xml").read_bytes())
        assert [i["id"] for i in doc["items"]] == [e.id for e in atom.entries]
        for item in doc["items"]:
            assert isinstance(item["id"], str)
            assert "content_html" in item or "content_text" in item
            assert item["authors"] == [{"name": "The Paper", "url": "https://paper.example"}]
            assert item["image"] == "https://img.example/1.jpg"


def test_formats_option_limits_the_files(site: Path) -> None:
    assert sorted(p.name for p in (site / "space").iterdir()) == [
        "atom.xml",
        "feed.json",
        "index.html",
    ]


def test_report_lists_json_feeds(tmp_path: Path) -> None:
    story(tmp_path, 1, "[AI]")
    report = tmp_path / "report.json"
    assert build(tmp_path, "", "--report", str(report)).returncode == 0
    feeds = json.loads(report.read_text(encoding="utf-8"))["feeds"]
    (ai,) = [f for f in feeds if f["slug"] == "ai" and f["format"] == "json"]
    assert (ai["path"], ai["url"], ai["entries"]) == ("ai/feed.json", f"{BASE}ai/feed.json", 1)


# --- OPML ------------------------------------------------------------------------------


def test_opml_lists_every_feed_grouped_by_parent(site: Path) -> None:
    root = etree.fromstring((site / "feeds.opml").read_bytes())
    assert root.get("version") == "2.0"
    outlines = root.xpath("//outline[@xmlUrl]")
    # Three topics, one outline each; not the site-wide feed too (opml: topics).
    assert len(outlines) == 3
    assert f"{BASE}rss.xml" not in [o.get("xmlUrl") for o in outlines]
    for outline in outlines:
        assert outline.get("type") == "rss"
        assert outline.get("text") and outline.get("title")
        assert local(outline.get("xmlUrl"), site).is_file(), outline.get("xmlUrl")
        assert local(outline.get("htmlUrl"), site).is_file(), outline.get("htmlUrl")
    (folder,) = root.xpath("//outline[not(@xmlUrl)]")
    assert folder.get("text") == "Tech"
    assert [o.get("xmlUrl") for o in folder.iter("outline") if o.get("xmlUrl")] == [
        f"{BASE}tech/rss.xml",
        f"{BASE}ai/rss.xml",
    ]
    space = root.xpath("//outline[@title='Example: Space']")[0]
    assert space.get("xmlUrl") == f"{BASE}space/atom.xml"  # its first format


# --- subscribe pages -------------------------------------------------------------------


def page(path: Path) -> Any:
    return html.document_fromstring(path.read_bytes().decode("utf-8"))


def test_index_page_links_every_topic_and_its_feeds_resolve(site: Path) -> None:
    doc = page(site / "index.html")
    found = doc.xpath('//head/link[@rel="alternate"]')
    assert [link.get("href") for link in found] == [
        f"{BASE}rss.xml",
        f"{BASE}atom.xml",
        f"{BASE}feed.json",
    ]
    for link in [*found, *doc.xpath('//head/link[@rel="outline"]')]:
        assert local(link.get("href"), site).is_file()
    topics = [a.get("href") for a in doc.xpath("//section[@aria-labelledby='topics']//a")]
    assert sorted(topics) == [f"{BASE}{s}/" for s in ("ai", "space", "tech")]
    for href in topics:
        assert local(href, site).is_file()
    nested = doc.xpath("//section[@aria-labelledby='topics']//li//li//a")
    assert [a.get("href") for a in nested] == [f"{BASE}ai/"]  # AI sits under Tech
    assert not doc.xpath("//script")


def test_topic_page_autodiscovery_and_entries(site: Path) -> None:
    doc = page(site / "space" / "index.html")
    links = doc.xpath('//head/link[@rel="alternate"]')
    assert {link.get("type"): link.get("href") for link in links} == {
        "application/atom+xml": f"{BASE}space/atom.xml",
        "application/feed+json": f"{BASE}space/feed.json",
    }
    for link in links:
        assert local(link.get("href"), site).is_file()
    assert [a.text_content() for a in doc.xpath("//article/h3/a")] == ["Story 3", "Story 2"]
    assert doc.xpath("//img") and all(img.get("alt") == "" for img in doc.xpath("//img"))
    # The subscribe block: copyable addresses that resolve, the OPML list, no raw XML link.
    fields = doc.xpath("//section[@aria-labelledby='subscribe']//input/@value")
    assert fields == [f"{BASE}space/atom.xml", f"{BASE}space/feed.json"]
    (opml,) = doc.xpath("//section[@aria-labelledby='subscribe']//a[@type='text/x-opml']/@href")
    for url in [*fields, opml]:
        assert local(url, site).is_file(), url
    assert doc.xpath("//a[starts-with(@href, 'feed:')]/@href") == [f"feed:{BASE}space/atom.xml"]


def test_feeds_carry_no_stylesheet_and_the_pages_say_why(site: Path) -> None:
    # Browsers are removing XSLT, so no <?xml-stylesheet?>: the pages are the way in.
    for name in ("rss.xml", "atom.xml", "space/atom.xml", "feeds.opml"):
        assert b"<?xml-stylesheet" not in (site / name).read_bytes(), name
    text = page(site / "index.html").text_content()
    assert "How to subscribe" in text and "shows code rather than a page" in text


def test_pages_are_written_even_when_a_feed_is_held_back(tmp_path: Path) -> None:
    for n in range(10):
        story(tmp_path, n, "[AI]", n + 1)
    assert build(tmp_path).returncode == 0
    for n in range(1, 10):
        (tmp_path / "records" / f"s{n}.md").unlink()
    assert build(tmp_path, "", "-q").returncode == 5  # held back
    assert "Story 0" in (tmp_path / "public" / "ai" / "index.html").read_text(encoding="utf-8")
    items = json.loads((tmp_path / "public" / "ai" / "feed.json").read_bytes())["items"]
    assert len(items) == 10, "the JSON Feed is held back with its RSS and Atom siblings"


# --- WebSub ----------------------------------------------------------------------------


class Hub:
    """A WebSub hub endpoint on 127.0.0.1 that records every publish ping."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.status = 204
        self.lock = threading.Lock()
        self.url = ""


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            with state.lock:
                state.pings.append(form)
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    with running(server):
        yield state


def pinged(hub: Hub) -> list[str]:
    with hub.lock:
        found = [p["hub.url"][0] for p in hub.pings if p.get("hub.mode") == ["publish"]]
        hub.pings.clear()
    return sorted(found)


def test_hubs_are_advertised_in_every_format(tmp_path: Path, hub: Hub) -> None:
    story(tmp_path, 1, "[AI]")
    assert build(tmp_path, f"websub: {{hubs: ['{hub.url}']}}\n").returncode == 0
    out = tmp_path / "public"
    atom = etree.fromstring((out / "ai" / "atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.xpath("a:link[@rel='hub']/@href", namespaces=ns) == [hub.url]
    rss = etree.fromstring((out / "ai" / "rss.xml").read_bytes())
    assert rss.xpath("channel/a:link[@rel='hub']/@href", namespaces=ns) == [hub.url]
    # The channel <link> is still the web page, not the hub.
    assert rss.findtext("channel/link") == BASE + "ai/"  # the topic page, not a hub
    assert feedparser.parse((out / "ai" / "rss.xml").read_bytes()).feed.link == BASE + "ai/"
    doc = json.loads((out / "ai" / "feed.json").read_bytes())
    assert doc["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_hubs_are_pinged_for_exactly_the_changed_feeds(tmp_path: Path, hub: Hub) -> None:
    websub = f"websub: {{hubs: ['{hub.url}']}}\n"
    story(tmp_path, 1, "[AI]")
    story(tmp_path, 2, "[Space]", 2)
    assert build(tmp_path, websub).returncode == 0
    first = pinged(hub)
    assert len(first) == 3 * 3 + 2  # site, AI, Tech: 3 formats; Space: atom and json
    assert f"{BASE}ai/rss.xml" in first and f"{BASE}space/feed.json" in first

    story(tmp_path, 3, "[Space]", 3)  # Space and the site-wide feed change; AI and Tech do not
    assert build(tmp_path, websub).returncode == 0
    assert pinged(hub) == sorted(
        [f"{BASE}{name}" for name in ("rss.xml", "atom.xml", "feed.json")]
        + [f"{BASE}space/atom.xml", f"{BASE}space/feed.json"]
    )

    result = build(tmp_path, websub)  # nothing changed: nobody is told anything
    assert (result.returncode, result.stderr) == (0, "")
    assert pinged(hub) == []


def test_a_failed_ping_is_a_warning_and_keeps_the_exit_code(tmp_path: Path, hub: Hub) -> None:
    hub.status = 403  # not retried: the hub refuses
    story(tmp_path, 1, "[AI]")
    result = build(tmp_path, f"websub: {{hubs: ['{hub.url}']}}\n")
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 11  # site, AI and Tech in three formats; the empty Space in two
    assert f"websub: hub {hub.url} was not told about {BASE}rss.xml: HTTP 403 Forbidden" in lines
    again = build(tmp_path, f"websub: {{hubs: ['{hub.url}']}}\n")
    assert (again.returncode, again.stderr) == (0, ""), "a no-change run repeats no ping warning"
