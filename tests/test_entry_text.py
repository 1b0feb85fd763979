"""What subscribers read in each entry (issue #14, items 1 and 3), checked on real builds.

On the real corpus (../shared), the bundled sample and the edge records: every element is
one its format defines, every link in an entry's HTML is absolute, every entry has text,
and the content a reader shows (content over summary) holds the story's excerpt. Plain-text
RSS elements write "&" and "<" as hexadecimal character references, as the W3C feed
validator recommends (its CharacterData warning).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from lxml import etree, html

from tests.helpers import CORPUS, ROOT, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
NEWS = CORPUS / "_news"
GOLDEN_EDGE = ROOT / "tests" / "golden" / "edge" / "config" / "feeds.yaml"

RSS_CHANNEL = {
    "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
    "pubDate", "lastBuildDate", "category", "generator", "docs", "cloud", "ttl", "image",
    "rating", "textInput", "skipHours", "skipDays", "item",
}  # fmt: skip
RSS_ITEM = {
    "title", "link", "description", "author", "category", "comments", "enclosure", "guid",
    "pubDate", "source",
}  # fmt: skip
ATOM_FEED = {
    "author", "category", "contributor", "generator", "icon", "id", "link", "logo", "rights",
    "subtitle", "title", "updated", "entry",
}  # fmt: skip
ATOM_ENTRY = {
    "author", "category", "content", "contributor", "id", "link", "published", "rights",
    "source", "summary", "title", "updated",
}  # fmt: skip
JSON_FEED = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment",
    "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
JSON_ITEM = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "tags", "language",
    "attachments",
}  # fmt: skip
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "fh": "http://purl.org/syndication/history/1.0",
}
EXTENSIONS = {
    "rss channel": {"atom:link", "sy:updatePeriod", "sy:updateFrequency", "fh:archive"},
    "rss item": {"content:encoded", "dc:creator", "media:content", "media:thumbnail"},
    "atom feed": {"fh:archive"},
    "atom entry": {"media:content", "media:thumbnail"},
}
PLAIN_RSS = ("title", "category", f"{{{NS['dc']}}}creator", "source", f"{{{NS['media']}}}title")
"""RSS elements holding plain text (the validator's ``nonhtml``), besides the channel's
description."""


def words(fragment: str) -> str:
    """The text of an HTML fragment, white space collapsed."""
    if not fragment.strip():
        return ""
    text = html.fragment_fromstring(fragment, create_parent="div").text_content()
    return " ".join(text.split())


def build(config: Path, out: Path) -> Path:
    result = run_feeds("build", "--config", config, "--output", out, "--now", NOW, "--no-cache")
    assert result.returncode in (0, 1), result.stderr  # 1: the edge case rejects a record
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not NEWS.is_dir():
        pytest.skip("../shared is not beside the project")
    root = tmp_path_factory.mktemp("corpus")
    # A limit above the corpus size: every story is in the site-wide feeds.
    config = write_config(
        root,
        "site: {title: Power Apps news, url: 'https://feeds.example.org/'}\n"
        f"sources: ['{NEWS}']\noutput: ../public\nlimit: 1000\n",
    )
    return build(config, root / "public")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ROOT / "config" / "feeds.yaml", tmp_path_factory.mktemp("sample") / "public")


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(GOLDEN_EDGE, tmp_path_factory.mktemp("edge") / "public")


def feeds_in(out: Path, fmt: str) -> list[Path]:
    name = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}[fmt]
    found = sorted(out.rglob(name))
    assert found, f"no {name} under {out}"
    return found


def entries(out: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(feed, entry link, {part: HTML}) for every entry of every feed; parts are
    ``content`` and ``summary`` (plain-text JSON parts are escaped to HTML)."""
    for fmt in ("rss", "atom"):
        for path in feeds_in(out, fmt):
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            for entry in parsed.entries:
                parts = {"summary": entry.get("summary", "")}
                if entry.get("content"):
                    parts["content"] = entry.content[0].value
                yield str(path.relative_to(out)), entry.link, parts
    for path in feeds_in(out, "json"):
        for item in json.loads(path.read_bytes())["items"]:
            text = item.get("content_text", "")
            content = item.get("content_html") or (escape(text) if text else "")
            parts = {"content": content, "summary": escape(item.get("summary", ""))}
            yield str(path.relative_to(out)), item["url"], parts


# --- item 1: the story's text is in the content ---------------------------------------------


def corpus_excerpts() -> dict[str, set[str]]:
    """Each story link of the corpus → the excerpt texts of the records naming it."""
    found: dict[str, set[str]] = {}
    for path in NEWS.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        url = data.get("webUrl") or data.get("originalUrl")
        found.setdefault(url, set()).add(words(data.get("excerpt") or ""))
    return found


def test_every_corpus_entry_shows_its_excerpt(corpus: Path) -> None:
    excerpts = corpus_excerpts()
    seen = 0
    for feed, link, parts in entries(corpus):
        shown = words(parts.get("content") or parts["summary"])
        assert any(text in shown for text in excerpts[link]), (feed, link, shown[:200])
        seen += 1
    assert seen > 2000


def test_featured_videos_follow_the_excerpt(corpus: Path) -> None:
    excerpts = corpus_excerpts()
    featured = 0
    for _, link, parts in entries(corpus):
        content = parts.get("content", "")
        if "Watch “" not in content:
            continue
        featured += 1
        text = words(content)
        (excerpt,) = excerpts[link]
        assert excerpt and text.index(excerpt) < text.index("Watch “")
    # 13 records feature a video, in RSS, Atom and JSON; the site-wide feeds hold them all.
    assert featured >= 13 * 3


# --- item 3: links, text, characters ----------------------------------------------------------


def relative_links(fragment: str) -> list[str]:
    if not fragment.strip():
        return []
    doc = html.fragment_fromstring(fragment, create_parent="div")
    found = [el.get(name) for el in doc.iter() for name in ("href", "src") if el.get(name)]
    return [url for url in found if not re.match(r"(https?://[^/]|mailto:)", url)]


def tag(element: Any) -> str:
    name = etree.QName(element)
    prefix = {uri: p for p, uri in NS.items()}.get(name.namespace or "")
    return f"{prefix}:{name.localname}" if prefix else name.localname


def spec_problems(out: Path) -> list[str]:
    problems = []
    for path in feeds_in(out, "rss"):
        channel = etree.fromstring(path.read_bytes()).find("channel")
        allowed = RSS_CHANNEL | EXTENSIONS["rss channel"]
        problems += [f"{path}: channel/{tag(e)}" for e in channel if tag(e) not in allowed]
        for item in channel.iterfind("item"):
            allowed = RSS_ITEM | EXTENSIONS["rss item"]
            problems += [f"{path}: item/{tag(e)}" for e in item if tag(e) not in allowed]
            if item.find("title") is None and item.find("description") is None:
                problems.append(f"{path}: an item without title and description")
    for path in feeds_in(out, "atom"):
        feed = etree.fromstring(path.read_bytes())
        allowed = {f"atom:{n}" for n in ATOM_FEED} | EXTENSIONS["atom feed"]
        problems += [f"{path}: feed/{tag(e)}" for e in feed if tag(e) not in allowed]
        for entry in feed.iterfind("atom:entry", NS):
            allowed = {f"atom:{n}" for n in ATOM_ENTRY} | EXTENSIONS["atom entry"]
            problems += [f"{path}: entry/{tag(e)}" for e in entry if tag(e) not in allowed]
    for path in feeds_in(out, "json"):
        doc = json.loads(path.read_bytes())
        problems += [f"{path}: {k}" for k in doc if k not in JSON_FEED]
        for item in doc["items"]:
            keys = [k for k in item if k not in JSON_ITEM and not k.startswith("_")]
            problems += [f"{path}: items[].{k}" for k in keys]
    return problems


def character_data_problems(out: Path) -> list[str]:
    """Plain-text RSS elements whose "&", "<" or ">" is written as a named entity (the
    validator wants ``&#x26;``, ``&#x3C;``, ``&#x3E;``), with their text as read back."""
    problems = []
    for path in feeds_in(out, "rss"):
        data = path.read_text(encoding="utf-8")
        root = etree.fromstring(path.read_bytes())
        channel = root.find("channel")
        plain = [e for name in PLAIN_RSS for e in root.iter(name)]
        plain += channel.findall("description")
        for element in plain:
            text = element.text or ""
            if not re.search("[&<>]", text):
                continue
            # How the element's text was written: its line in the pretty-printed file.
            lines = [line for line in data.splitlines() if f">{_hex(text)}</" in line]
            if not lines:
                problems.append(f"{path}: {tag(element)} {text!r}")
    return problems


def _hex(text: str) -> str:
    return text.replace("&", "&#x26;").replace("<", "&#x3C;").replace(">", "&#x3E;")


@pytest.mark.parametrize("case", ["corpus", "sample", "edge"])
def test_feeds_meet_the_specs_and_the_validator(case: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(case)
    assert spec_problems(out) == []
    assert character_data_problems(out) == []
    for feed, link, parts in entries(out):
        for part, fragment in parts.items():
            assert relative_links(fragment) == [], (feed, link, part)
        assert any(words(fragment) for fragment in parts.values()), (feed, link)


def test_the_edge_case_has_what_the_checks_look_for(edge: Path) -> None:
    # Titles with markup and an entry with nothing but a title: the checks above are real.
    rss = (edge / "rss.xml").read_text(encoding="utf-8")
    assert "&#x3C;b&#x3E;bold&#x3C;/b&#x3E;" in rss
    atom = feedparser.parse((edge / "atom.xml").read_bytes())
    bare = [e for e in atom.entries if e.link == "https://edge.example.com/a"]
    assert bare and bare[0].summary == bare[0].title


# --- relative links, resolved at validation ---------------------------------------------------

RELATIVE = (
    "title: Relative\npublishedDateTime: 2026-09-01T10:00:00Z\n"
    "webUrl: https://news.example.com/2026/story.html\ntopics: [AI]\n"
    'excerpt: \'<p><a href="/about">About</a> <img src="img/a.png" alt="a">'
    ' <a href="#part">part</a> <a href="//cdn.example.com/x">cdn</a>'
    ' <a href="mailto:desk@news.example.com">mail</a></p>\'\n'
    "related:\n  - title: Elsewhere\n    webUrl: https://other.example.org/a/b\n"
    "    publishedDateTime: 2026-08-30T10:00:00Z\n    excerpt: '<a href=\"c\">c</a>'\n"
)
RELATIVE_URLS = [
    "https://news.example.com/about",
    "https://news.example.com/2026/img/a.png",
    "https://news.example.com/2026/story.html#part",
    "https://cdn.example.com/x",
    "mailto:desk@news.example.com",
]


def test_relative_links_are_made_absolute_against_the_record(tmp_path: Path) -> None:
    write_record(tmp_path / "records", "r.md", RELATIVE, "See [the notes](notes/1) too.\n")
    write_record(tmp_path / "records", "e.md", RELATIVE.replace("/story.html", "/e.html"))
    config = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\nsources: [../records]\n"
        "output: ../public\ntopics:\n  - name: AI\n    related: entries\n",
    )
    out = build(config, tmp_path / "public")
    for feed, link, parts in entries(out):
        for part, fragment in parts.items():
            assert relative_links(fragment) == [], (feed, link, part)
    content = json.loads((out / "feed.json").read_bytes())["items"]
    by_url = {item["url"]: item["content_html"] for item in content}
    story = by_url["https://news.example.com/2026/story.html"]
    assert 'href="https://news.example.com/2026/notes/1"' in story
    excerpt_only = by_url["https://news.example.com/2026/e.html"]
    for url in RELATIVE_URLS:
        assert url.replace("2026/story", "2026/e") in excerpt_only
