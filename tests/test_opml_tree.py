"""feeds.opml on real builds: nested as the topic tree, each story's feed listed once where
the tree allows, and nothing outside OPML 2.0 (checked with lxml).

The real corpus (`../shared/corpus/powerapps`: every story names Power Apps, six topics
have it as parent) and the golden cases, built as subprocesses.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from lxml import etree

from tests.helpers import CORPUS, ROOT, run_feeds, write_config

NOW = "2026-10-01T00:00:00Z"
BASE = "https://feeds.example.org/"
HEAD = {"title", "dateCreated", "dateModified", "ownerName", "ownerEmail"}
"""OPML 2.0 head elements the W3C validator accepts (it rejects <docs>)."""
OUTLINE_ATTRIBUTES = {"text", "type", "title", "xmlUrl", "htmlUrl"}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared is not present")


@pytest.fixture(scope="module")
def corpus_topics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site's topic files, copied once."""
    topics = tmp_path_factory.mktemp("corpus") / "topics"
    shutil.copytree(CORPUS / "_data" / "topics", topics)
    return topics


def build_corpus(tmp_path: Path, topics: Path, extra: str = "") -> Path:
    shutil.copytree(topics, tmp_path / "config" / "topics", copy_function=os.link)
    config = write_config(
        tmp_path,
        f"site: {{title: Everyday Power Apps, url: '{BASE}'}}\n"
        f"sources: [{CORPUS / '_news'}]\noutput: ../public\nlimit: 1000\ndiscover: false\n" + extra,
    )
    result = run_feeds("build", "--config", config, "--now", NOW)
    assert (result.returncode, result.stderr.count("Traceback")) == (0, 0), result.stderr
    return tmp_path / "public"


def check_spec(data: bytes) -> Any:
    """Parse an OPML document and fail on anything outside OPML 2.0 as this list uses it."""
    root = etree.fromstring(data)
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    assert [child.tag for child in root] == ["head", "body"]
    head = root.find("head")
    assert {e.tag for e in head} <= HEAD, [e.tag for e in head]
    assert head.findtext("title")
    for element in root.find("body").iter():
        if element.tag == "body":
            continue
        assert element.tag == "outline", element.tag
        assert set(element.attrib) <= OUTLINE_ATTRIBUTES, dict(element.attrib)
        assert element.get("text"), "OPML 2.0 requires text on every outline"
        if element.get("xmlUrl") is not None:
            assert element.get("type") == "rss"
            assert len(element) == 0, "a feed outline holds no outlines (readers drop them)"
        else:
            assert element.get("type") is None and len(element) > 0, "a folder holds feeds"
    return root


def feed_ids(url: str, out: Path) -> frozenset[str]:
    parsed = feedparser.parse((out / url[len(BASE) :]).read_bytes())
    assert not parsed.bozo, url
    return frozenset(entry.id for entry in parsed.entries)


def folders(outline: Any) -> list[str]:
    """The folder names an outline sits in, outermost first."""
    return [o.get("text") for o in reversed(list(outline.iterancestors("outline")))]


def test_real_corpus_opml_nests_as_the_topic_tree_and_lists_each_feed_once(
    tmp_path: Path, corpus_topics: Path
) -> None:
    out = build_corpus(tmp_path, corpus_topics)
    root = check_spec((out / "feeds.opml").read_bytes())
    feeds = root.xpath("//outline[@xmlUrl]")
    urls = [o.get("xmlUrl") for o in feeds]
    # Topic feeds, not the site-wide feed too (it held the same 425 stories as Power Apps).
    assert f"{BASE}rss.xml" not in urls
    assert len(urls) == len(set(urls)) == 7
    parents = {
        data["name"]: data.get("parent")
        for data in (yaml.safe_load(p.read_text("utf-8")) for p in corpus_topics.glob("*.yaml"))
    }
    for outline in feeds:
        name = outline.get("htmlUrl")[len(BASE) :].strip("/")
        topic = next(t for t in parents if t.lower().replace(" ", "-") == name or name in t)
        chain = []
        up = parents[topic] if topic != "Power Apps" else None
        while up is not None:
            chain.insert(0, up)
            up = parents.get(up)
        assert folders(outline) == (chain or (["Power Apps"] if topic == "Power Apps" else []))
    ids = {url: feed_ids(url, out) for url in urls}
    assert len(set(ids.values())) == len(ids), "two listed feeds hold the same stories"
    # Nothing is lost by leaving out the site-wide feed, and no story arrives through it:
    # a story reaches a reader once per listed topic it belongs to (Power Apps and, for 113
    # of them, one or two child topics), where the site-wide feed added one more for all 425.
    counts = Counter(i for found in ids.values() for i in found)
    assert set(counts) == feed_ids(f"{BASE}rss.xml", out)
    assert counts.most_common(1)[0][1] <= 3


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("site", [f"{BASE}rss.xml"]),
        # Both: the site-wide feed equals Power Apps's, so Power Apps (more specific) stays.
        ("both", [f"{BASE}power-apps/rss.xml"]),
    ],
)
def test_real_corpus_opml_modes(
    tmp_path: Path, corpus_topics: Path, mode: str, expected: list[str]
) -> None:
    out = build_corpus(tmp_path, corpus_topics, f"opml: {mode}\n")
    root = check_spec((out / "feeds.opml").read_bytes())
    top = [o.get("xmlUrl") for o in root.xpath("/opml/body/outline[@xmlUrl]")]
    assert top == [] if mode == "both" else expected
    listed = root.xpath("//outline[@xmlUrl]/@xmlUrl")
    assert set(expected) <= set(listed)
    if mode == "both":
        assert f"{BASE}rss.xml" not in listed and len(listed) == 7


def test_an_unknown_opml_mode_is_one_line(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, f"site: {{title: X, url: '{BASE}'}}\nsources: [../records]\nopml: all\n"
    )
    (tmp_path / "records").mkdir()
    result = run_feeds("check", "--config", config)
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert "opml" in line and "topics, site or both" in line and "all" in line, line


@pytest.mark.parametrize("case", ["sample", "edge"])
def test_golden_opml_keeps_to_the_spec(case: str) -> None:
    check_spec((ROOT / "tests" / "golden" / case / "expected" / "feeds.opml").read_bytes())
