"""The real powerapps corpus (674 records) from ../shared: nothing rejected, duplicates
found, every feed valid. Skipped only where ../shared is absent (a user's fresh clone)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree

from tests.helpers import CORPUS, run_feeds, write_config

NEWS = CORPUS / "_news"
pytestmark = pytest.mark.skipif(not NEWS.is_dir(), reason="../shared is not beside the project")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    root = tmp_path_factory.mktemp("corpus")
    config = write_config(
        root,
        "site: {title: Power Apps news, url: 'https://feeds.example.org/powerapps/'}\n"
        f"sources: ['{NEWS}']\noutput: ../public\nlimit: 50\n",
    )
    report = root / "report.json"
    result = run_feeds(
        "build", "--config", config, "--now", "2026-10-01T00:00:00Z", "--report", report
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return root / "public", json.loads(report.read_text(encoding="utf-8"))


def front_matter(path: Path) -> dict:  # type: ignore[type-arg]
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("\n---\n", 1)[0].removeprefix("---\n"), Loader=yaml.CSafeLoader)


def test_no_record_is_rejected_and_counts_add_up(built: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, report = built
    counts = report["records"]
    assert counts["rejected"] == 0 and report["rejected"] == []
    assert counts["read"] == len(list(NEWS.glob("*.md"))) == 674
    assert counts["read"] == sum(v for k, v in counts.items() if k != "read")
    assert counts["unpublished"] + counts["published"] + counts["duplicates"] >= 670


def test_duplicate_urls_of_the_corpus_are_reported(built: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, report = built
    records = {p.name: front_matter(p) for p in NEWS.glob("*.md")}
    urls = Counter(r.get("originalUrl") or r.get("webUrl") for r in records.values())
    repeated = {u for u, n in urls.items() if n > 1}
    assert len(repeated) == 4, "the corpus is known to repeat four story URLs"
    assert report["records"]["duplicates"] == len(report["duplicates"]) == 4
    for duplicate in report["duplicates"]:
        dropped = duplicate["path"].rsplit("/", 1)[-1].removesuffix(":1")
        kept = duplicate["kept"].rsplit("/", 1)[-1].removesuffix(":1")
        assert dropped != kept
        assert duplicate["url"] in repeated
        assert records[dropped].get("originalUrl") == records[kept].get("originalUrl")


def test_every_feed_parses_strictly_and_without_bozo(built: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, report = built
    assert {f["path"] for f in report["feeds"]} >= {"rss.xml", "atom.xml", "power-apps/rss.xml"}
    for feed in report["feeds"]:
        data = (out / feed["path"]).read_bytes()
        assert b"secured" not in data
        if feed["format"] == "json":
            assert len(json.loads(data)["items"]) == feed["entries"] <= 50
            continue
        etree.fromstring(data)
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (feed["path"], parsed.get("bozo_exception"))
        assert len(parsed.entries) == feed["entries"] <= 50
        dates = [e.published_parsed for e in parsed.entries]
        assert dates == sorted(dates, reverse=True)
        assert b"secured" not in data


def test_site_feed_holds_the_newest_published_records(built: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, _ = built
    records = [front_matter(p) for p in NEWS.glob("*.md")]
    published = [r for r in records if r.get("published", True) is not False]
    newest = max(r["publishedDateTime"] for r in published)
    parsed = feedparser.parse((out / "atom.xml").read_bytes())
    assert len(parsed.entries) == 50
    first = parsed.entries[0]
    assert first.published.startswith(newest.strftime("%Y-%m-%dT%H:%M:%S"))
    unpublished_titles = {r["title"] for r in records if r.get("published") is False} - {
        r["title"] for r in published
    }
    assert not unpublished_titles & {e.title for e in parsed.entries}
