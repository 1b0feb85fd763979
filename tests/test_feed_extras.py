"""Feed options wired into `feeds build`: max_bytes, featured videos, RFC 5005 archives.

Real builds (the CLI as a subprocess) into a temporary folder, read back with real parsers.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from tests.helpers import CORPUS, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
BASE = "https://feeds.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
NS = {"a": ATOM[1:-1], "fh": "http://purl.org/syndication/history/1.0"}


def config(folder: Path, extra: str = "") -> Path:
    return write_config(
        folder,
        f"site: {{title: Example, url: '{BASE}'}}\nsources: [../records]\noutput: ../public\n"
        + extra,
    )


def story(folder: Path, n: int, topics: str = "[AI]", body: str = "Body.\n") -> None:
    write_record(
        folder / "records",
        f"s{n:02d}.md",
        f"title: Story {n}\npublishedDateTime: 2026-09-{n + 1:02d}T10:00:00Z\n"
        f"webUrl: https://news.example.com/{n}\ntopics: {topics}\n",
        body,
    )


def build(folder: Path, extra: str = "", *args: str) -> tuple[int, list[str]]:
    result = run_feeds("build", "--config", config(folder, extra), "--now", NOW, *args)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.splitlines()


# --- max_bytes -------------------------------------------------------------------------


def test_max_bytes_drops_the_oldest_entries_and_says_so(tmp_path: Path) -> None:
    for n in range(10):
        story(tmp_path, n, body="Long words. " * 200 + "\n")
    code, lines = build(tmp_path, "topics:\n  - name: AI\n    max_bytes: 12000\n")
    assert code == 0
    out = tmp_path / "public" / "ai"
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert len((out / name).read_bytes()) <= 12000, name
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    kept = [e.title for e in rss.entries]
    assert 0 < len(kept) < 10
    assert kept == [f"Story {n}" for n in range(9, 9 - len(kept), -1)], "the newest stay"
    assert f"ai/rss.xml: left out the {10 - len(kept)} oldest of 10 entries to stay under " in (
        "\n".join(lines)
    )
    assert all(line.startswith("ai/") for line in lines), "the site-wide feed has no limit"
    assert len(json.loads((out / "feed.json").read_bytes())["items"]) < 10


def test_trimming_to_max_bytes_is_not_a_shrink(tmp_path: Path) -> None:
    for n in range(10):
        story(tmp_path, n, body="Long words. " * 200 + "\n")
    assert build(tmp_path)[0] == 0  # ten entries, no size limit
    code, lines = build(tmp_path, "defaults:\n  max_bytes: 6000\n")
    assert code == 0, lines  # not held back, though far fewer entries remain
    assert not any("kept the previous feed" in line for line in lines)
    assert len((tmp_path / "public" / "rss.xml").read_bytes()) <= 6000


# --- featured video --------------------------------------------------------------------

NEWS = CORPUS / "_news"


def featured_corpus_records() -> list[Path]:
    if not NEWS.is_dir():
        return []
    return [p for p in sorted(NEWS.glob("*.md")) if 'featuredContent: "<iframe' in p.read_text()]


@pytest.mark.skipif(not NEWS.is_dir(), reason="the shared corpus is not present")
def test_corpus_videos_become_links_and_media_players(tmp_path: Path) -> None:
    records = featured_corpus_records()
    assert records, "the corpus is known to embed YouTube players"
    (tmp_path / "records").mkdir()
    for path in records:
        shutil.copy(path, tmp_path / "records" / path.name)
    code, lines = build(tmp_path, "discover: false\nlimit: 100\n")
    assert code == 0, lines
    out = tmp_path / "public"
    rss = etree.fromstring((out / "rss.xml").read_bytes())
    items = rss.findall("channel/item")
    assert len(items) == len(records)
    for item in items:
        encoded = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
        assert "<iframe" not in encoded
        match = re.search(r'href="https://www\.youtube\.com/watch\?v=([\w-]{11})"', encoded)
        assert match, item.findtext("title")
        (video,) = [c for c in item.iter(f"{MEDIA}content") if c.get("medium") == "video"]
        player = video.find(f"{MEDIA}player")
        assert player is not None
        assert player.get("url") == f"https://www.youtube-nocookie.com/embed/{match.group(1)}"
        assert video.get("url") is None  # media:player stands in for it
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert not atom.bozo
    assert all("youtube.com/watch" in e.content[0].value for e in atom.entries)
    doc = json.loads((out / "feed.json").read_bytes())
    assert all("<iframe" not in i["content_html"] for i in doc["items"])
    # The parse cache carries videos: a rebuild read from it gives the same bytes.
    before = (out / "rss.xml").read_bytes()
    shutil.rmtree(out)
    assert build(tmp_path, "discover: false\nlimit: 100\n")[0] == 0
    assert (out / "rss.xml").read_bytes() == before


def test_a_record_url_on_youtube_is_a_video_too(tmp_path: Path) -> None:
    write_record(
        tmp_path / "records",
        "v.md",
        "title: Watch this\npublishedDateTime: 2026-09-01T10:00:00Z\n"
        "webUrl: https://youtu.be/dQw4w9WgXcQ\nfeaturedContent: '<p>not a player</p>'\n",
    )
    assert build(tmp_path)[0] == 0
    data = (tmp_path / "public" / "rss.xml").read_bytes()
    assert b"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" in data
    assert b"not a player" not in data


# --- archives (RFC 5005) ---------------------------------------------------------------

ARCHIVED = "topics:\n  - name: AI\n    limit: 3\n    archive: true\n"


def links(path: Path) -> dict[str, str]:
    root = etree.fromstring(path.read_bytes())
    found = root.xpath("//a:link[@rel!='self' and @rel!='alternate']", namespaces=NS)
    return {link.get("rel"): link.get("href") for link in found}


def is_archive(path: Path) -> bool:
    return bool(etree.fromstring(path.read_bytes()).xpath("//fh:archive", namespaces=NS))


def test_archive_pages_keep_every_entry_and_link_each_other(tmp_path: Path) -> None:
    for n in range(8):
        story(tmp_path, n)
    assert build(tmp_path, ARCHIVED)[0] == 0
    ai = tmp_path / "public" / "ai"
    for fmt in ("atom", "rss"):
        current = ai / f"{fmt}.xml"
        assert links(current) == {"prev-archive": f"{BASE}ai/archive/2/{fmt}.xml"}
        assert not is_archive(current)
        assert links(ai / "archive" / "2" / f"{fmt}.xml") == {
            "current": f"{BASE}ai/{fmt}.xml",
            "prev-archive": f"{BASE}ai/archive/1/{fmt}.xml",
        }
        assert links(ai / "archive" / "1" / f"{fmt}.xml") == {
            "current": f"{BASE}ai/{fmt}.xml",
            "next-archive": f"{BASE}ai/archive/2/{fmt}.xml",
        }
        assert is_archive(ai / "archive" / "1" / f"{fmt}.xml")
    titles = [
        e.title
        for doc in ("atom.xml", "archive/2/atom.xml", "archive/1/atom.xml")
        for e in feedparser.parse((ai / doc).read_bytes()).entries
    ]
    assert titles == [f"Story {n}" for n in range(7, -1, -1)], "each entry exactly once"
    assert len(json.loads((ai / "feed.json").read_bytes())["items"]) == 3
    assert (ai / "archive" / "state.json").is_file()
    # The topic page leads a person to the newest archive page as it does to the feeds
    # (877e324): an address in a read-only field to copy, never a link that opens XML in
    # the browser, and not an autodiscovery <link>, which would offer a page that never
    # gets new stories as a subscription. Readers find it from the feed's prev-archive.
    page = html.document_fromstring((ai / "index.html").read_bytes().decode("utf-8"))
    newest = f"{BASE}ai/archive/2/rss.xml"
    (field,) = page.xpath("//section[@aria-labelledby='subscribe']//input[@id='feed-archive']")
    assert field.get("readonly") is not None and field.get("value") == newest
    assert page.xpath("string(//label[@for='feed-archive'])") == "Archive of older stories"
    assert not [h for h in page.xpath("//@href") if "/archive/" in h]
    assert links(ai / "rss.xml")["prev-archive"] == newest
    assert "archive" not in (tmp_path / "public" / "rss.xml").read_text(encoding="utf-8")


def test_a_full_archive_page_never_changes(tmp_path: Path) -> None:
    for n in range(9):
        story(tmp_path, n)
    assert build(tmp_path, ARCHIVED)[0] == 0
    sealed = tmp_path / "public" / "ai" / "archive" / "1" / "atom.xml"
    before = sealed.read_bytes()
    for n in range(9, 14):
        story(tmp_path, n)  # new entries push older ones into the archive
    (tmp_path / "records" / "s04.md").unlink()  # and one archived story is removed
    assert build(tmp_path, ARCHIVED)[0] == 0
    assert sealed.read_bytes() == before
    ai = tmp_path / "public" / "ai"
    titles = [
        e.title
        for page in sorted((ai / "archive").glob("*/atom.xml"))
        for e in feedparser.parse(page.read_bytes()).entries
    ]
    assert sorted(titles) == sorted(f"Story {n}" for n in range(11) if n != 4)


# --- related: entries ------------------------------------------------------------------


def test_related_entries_keep_their_summaries_in_cold_and_warm_builds(tmp_path: Path) -> None:
    write_record(
        tmp_path / "records",
        "linking.md",
        "title: Linking story\npublishedDateTime: 2026-09-20T10:00:00Z\n"
        "webUrl: https://news.example.com/linking\ntopics: [AI]\n"
        "excerpt: <p>The linking story.</p>\n"
        "related:\n"
        "  - title: Coverage elsewhere\n"
        "    webUrl: https://other.example.org/coverage\n"
        "    publishedDateTime: 2026-09-19T08:00:00Z\n"
        "    excerpt: <p>What the <b>other</b> site wrote.</p>\n"
        "    provider: {name: Other, domain: other.example.org}\n",
    )
    extra = "defaults: {related: entries}\n"
    for run in ("cold", "warm"):
        assert build(tmp_path, extra)[0] == 0, run
        for name in ("atom.xml", "rss.xml"):
            parsed = feedparser.parse(tmp_path / "public" / "ai" / name)
            entries = {e.link: e for e in parsed.entries}
            related = entries["https://other.example.org/coverage"]
            assert related.title == "Coverage elsewhere"
            assert "What the <b>other</b> site wrote." in related.summary, (run, name)
            assert "The linking story." in entries["https://news.example.com/linking"].summary
