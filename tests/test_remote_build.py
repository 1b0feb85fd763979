"""`feeds build` reading remote JSON listings from a real server on 127.0.0.1 (a copy of
../shared/corpus/powerapps/api/news): the same records, dedupe and guarantees as local
files, conditional requests on later runs, and the cached copy when the origin fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from tests.helpers import CORPUS, run_feeds, write_config, write_record
from tests.httpserver import FixtureServer, serve

NEWS = CORPUS / "api" / "news"
pytestmark = pytest.mark.skipif(not NEWS.is_dir(), reason="../shared is not beside the project")
NOW = "2026-10-01T00:00:00Z"
SECRET = "tok-7f3e9a1b-secret"


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[FixtureServer]:
    root = tmp_path / "site"
    for file in NEWS.rglob("*.json"):
        target = root / "api" / "news" / file.relative_to(NEWS)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.read_bytes())
    with serve(root) as server:
        yield server


def configure(tmp_path: Path, origin: FixtureServer, local: bool = False) -> Path:
    sources = [
        f"  - url: {origin.url('api/news/index.json')}\n"
        "    headers: {Authorization: 'Bearer ${FEEDS_TEST_TOKEN}'}\n"
        "    timeout: 1\n    total_time: 30\n"
    ]
    if local:
        sources.append("  - ../records\n")
    return write_config(
        tmp_path,
        "site: {title: Power Apps news, url: 'https://feeds.example.org/'}\n"
        "sources:\n" + "".join(sources) + "output: ../public\n",
    )


def build(config: Path, *extra: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    report = config.parent / "report.json"
    result = run_feeds(
        "build",
        "--config",
        config,
        "--now",
        NOW,
        "--report",
        report,
        *extra,
        env={"FEEDS_TEST_TOKEN": SECRET},
    )
    assert "Traceback" not in result.stderr
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return result.returncode, result.stderr, data


def test_remote_listing_builds_like_local_records(tmp_path: Path, origin: FixtureServer) -> None:
    config = configure(tmp_path, origin)
    code, stderr, report = build(config)
    assert (code, stderr) == (0, "")
    counts = report["records"]
    assert counts["read"] == 428 and counts["rejected"] == 0
    assert counts["published"] + counts["duplicates"] == 428
    assert origin.count("api/news/page/18/index.json") == 1
    assert all(s.headers.get("Authorization") == f"Bearer {SECRET}" for s in origin.seen)
    site = feedparser.parse((tmp_path / "public" / "atom.xml").read_bytes())
    assert not site.bozo and len(site.entries) == 50
    for path in (tmp_path / "public").rglob("*.xml"):
        assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in json.dumps(report)


def test_second_build_asks_conditionally_and_downloads_nothing(
    tmp_path: Path, origin: FixtureServer
) -> None:
    config = configure(tmp_path, origin)
    assert build(config)[0] == 0
    origin.reset()
    code, stderr, report = build(config)
    assert (code, stderr) == (0, "")
    assert len(origin.seen) == 18 and origin.body_bytes == 0
    assert all(
        "If-None-Match" in s.headers or "If-Modified-Since" in s.headers for s in origin.seen
    )
    assert not any(f["changed"] for f in report["feeds"])


def test_origin_down_uses_the_cached_copy_and_keeps_the_feeds(
    tmp_path: Path, origin: FixtureServer
) -> None:
    config = configure(tmp_path, origin)
    assert build(config)[0] == 0
    before = {p: p.read_bytes() for p in (tmp_path / "public").rglob("*.xml")}
    origin.fail("api/news/page/7/index.json", "500")
    code, stderr, report = build(config)
    assert code == 0
    assert "page/7/index.json" in stderr and "cached copy" in stderr
    assert stderr.count("\n") == 1 and SECRET not in stderr
    assert report["records"]["read"] == 428
    assert {p: p.read_bytes() for p in before} == before


def test_origin_down_without_a_cache_holds_every_feed_back(
    tmp_path: Path, origin: FixtureServer
) -> None:
    config = configure(tmp_path, origin)
    assert build(config)[0] == 0
    before = {p: p.read_bytes() for p in (tmp_path / "public").rglob("*.xml")}
    origin.fail("api/news/index.json", "500")
    code, stderr, _ = build(config, "--no-cache", "-v")  # -v: a line per held-back file
    assert code == 5  # nothing to stand in: the last good feeds win
    assert "api/news/index.json" in stderr
    assert "kept the previous feed" in stderr and "a source failed" in stderr
    assert {p: p.read_bytes() for p in before} == before


def test_the_same_story_from_a_folder_and_a_url_is_one_entry(
    tmp_path: Path, origin: FixtureServer
) -> None:
    first = json.loads((NEWS / "index.json").read_text(encoding="utf-8"))["value"][0]
    write_record(
        tmp_path / "records",
        "local-copy.md",
        f"title: Local copy\npublishedDateTime: {first['publishedDateTime']}\n"
        f"webUrl: {first.get('webUrl') or first['originalUrl']}\n"
        f"originalUrl: {first['originalUrl']}\n",
    )
    code, _, report = build(configure(tmp_path, origin, local=True))
    assert code == 0
    assert report["records"]["read"] == 429
    kept_or_dropped = [d for d in report["duplicates"] if "local-copy.md" in d["path"] + d["kept"]]
    assert len(kept_or_dropped) == 1
