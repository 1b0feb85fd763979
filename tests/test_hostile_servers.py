"""Hostile servers (issue #13) on 127.0.0.1: malformed values in answers, answers that drip
a byte at a time, and listings that flood a build with records. Each fails its own source
(or ping) with one warning; the run goes on and the last good copy stands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import pytest

from feeds.core.report import RecordCounts, Rejection, Report, source_of
from feeds.publish.notify import PingPolicy, ping_hub
from feeds.sources.remote import RemoteResult, RemoteSource, fetch, user_agent
from tests.helpers import run_feeds, write_config, write_record
from tests.httpserver import FixtureServer, local_session, running, serve

SITE = "https://feeds.example.org/"
NOW = "2026-10-01T00:00:00Z"
LISTING = "api/index.json"
PAGE_2 = "api/page/2/index.json"


def story(n: int) -> dict[str, Any]:
    return {
        "title": f"Remote story {n}",
        "publishedDateTime": f"2026-01-{n:02d}T00:00:00Z",
        "webUrl": f"https://news.example.org/remote-{n}",
    }


def write_json(root: Path, path: str, data: object) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    # Indented: a dripped page takes minutes, far past any bound under test.
    target.write_text(json.dumps(data, indent=8), encoding="utf-8")


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[FixtureServer]:
    """A two-page listing of three stories."""
    root = tmp_path / "site"
    write_json(root, LISTING, {"page": 1, "value": [story(1), story(2)], "nextPage": 2})
    write_json(root, PAGE_2, {"page": 2, "value": [story(3)]})
    with serve(root) as server:
        yield server


def fetch_once(server: FixtureServer, cache: Path, **options: Any) -> tuple[RemoteResult, float]:
    """One fetch of the listing and how long it took, in seconds."""
    options = {"timeout": (1.0, 1.0), "backoff": 0.01, "total_time": 2.0, **options}
    start = time.monotonic()
    with local_session() as session:
        result = fetch(
            RemoteSource(server.url(LISTING), **options),
            session=session,
            cache_dir=cache,
            user_agent=user_agent(SITE),
            max_size=1024 * 1024,
        )
    return result, time.monotonic() - start


def bad_next_page_url(server: FixtureServer) -> None:
    listing = {"page": 1, "value": [story(1)], "nextPageUrl": "http://[::1"}
    write_json(server.state.root, LISTING, listing)


MALFORMED: dict[str, Callable[[FixtureServer], None]] = {
    "redirect to http://[::1": lambda s: s.fail(PAGE_2, "redirect:http://[::1"),
    "nextPageUrl http://[::1": bad_next_page_url,
    "Retry-After: ²": lambda s: s.fail(LISTING, "429", retry_after="²"),
    "Content-Length: ²": lambda s: s.fail(PAGE_2, "length:²"),
}


@pytest.mark.parametrize("spoil", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_value_fails_the_source_and_the_cached_copy_stands(
    tmp_path: Path, origin: FixtureServer, spoil: Callable[[FixtureServer], None]
) -> None:
    first, _ = fetch_once(origin, tmp_path / "cache")
    assert first.ok and len(first.records) == 3 and first.warnings == []
    spoil(origin)
    result, _ = fetch_once(origin, tmp_path / "cache")
    assert result.ok and result.from_cache and len(result.records) == 3
    assert len(result.warnings) == 1 and "used the cached copy" in result.warnings[0]
    assert result.warnings[0].startswith(origin.base_url)


@pytest.mark.parametrize("spoil", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_value_in_a_build_is_one_warning_and_the_rest_is_published(
    tmp_path: Path, origin: FixtureServer, spoil: Callable[[FixtureServer], None]
) -> None:
    write_record(
        tmp_path / "records",
        "local.md",
        "title: Local story\npublishedDateTime: 2026-02-01T00:00:00Z\n"
        "webUrl: https://news.example.org/local\n",
    )
    config = write_config(
        tmp_path,
        f"site: {{title: T, url: '{SITE}'}}\noutput: ../public\nsources:\n  - ../records\n"
        f"  - {{url: '{origin.url(LISTING)}', timeout: 1, total_time: 3}}\n",
    )
    spoil(origin)
    result = run_feeds("build", "--config", config, "--now", NOW)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1 and origin.base_url in result.stderr
    feed = feedparser.parse((tmp_path / "public" / "atom.xml").read_bytes())
    assert not feed.bozo
    assert "Local story" in [e.title for e in feed.entries]


@pytest.mark.parametrize("mode", ["drip", "drip-head"])
def test_a_dripping_page_is_cut_off_at_total_time(
    tmp_path: Path, origin: FixtureServer, mode: str
) -> None:
    first, _ = fetch_once(origin, tmp_path / "cache")
    assert first.ok
    origin.fail(PAGE_2, mode)
    result, took = fetch_once(origin, tmp_path / "cache", total_time=1.5)
    assert took < 8  # the drip alone would take minutes; per-read timeouts never fire
    assert result.from_cache and len(result.records) == 3
    assert len(result.warnings) == 1 and "page/2/index.json" in result.warnings[0]
    assert "total_time" in result.warnings[0]


def test_a_dripping_source_in_a_build_ends_the_run_in_time(
    tmp_path: Path, origin: FixtureServer
) -> None:
    config = write_config(
        tmp_path,
        f"site: {{title: T, url: '{SITE}'}}\noutput: ../public\n"
        f"sources:\n  - {{url: '{origin.url(LISTING)}', timeout: 1, total_time: 2}}\n",
    )
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = (tmp_path / "public" / "atom.xml").read_bytes()
    origin.fail(LISTING, "drip")
    start = time.monotonic()
    result = run_feeds("build", "--config", config, "--now", NOW, "--force")
    assert time.monotonic() - start < 20
    assert result.returncode == 0, result.stderr
    assert "used the cached copy" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "public" / "atom.xml").read_bytes() == before


class DrippingHub(BaseHTTPRequestHandler):
    """A WebSub hub that accepts a ping and then answers a byte every 0.1 s (for 20 s)."""

    protocol_version = "HTTP/1.1"
    stop: threading.Event

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.close_connection = True
        for byte in b"HTTP/1.1 204 No Content\r\n" + b"X-Slow: " + b"z" * 200 + b"\r\n\r\n":
            if self.stop.wait(0.1):
                return
            try:
                self.wfile.write(bytes([byte]))
            except OSError:
                return

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_a_dripping_hub_is_cut_off() -> None:
    stop = threading.Event()
    handler = type("Hub", (DrippingHub,), {"stop": stop})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with running(server, on_stop=stop.set), local_session() as session:
        start = time.monotonic()
        problem = ping_hub(
            f"http://127.0.0.1:{server.server_address[1]}/",
            SITE + "atom.xml",
            session=session,
            policy=PingPolicy(timeout=(1, 1), retries=0),
        )
        assert time.monotonic() - start < 8  # connect + read timeout bound the whole ping
    assert problem is not None and "timed out" in problem


def test_a_hub_redirecting_to_a_malformed_url_is_a_warning() -> None:
    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(307)
            self.send_header("Location", "http://[::1")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    with running(server), local_session() as session:
        hub = f"http://127.0.0.1:{server.server_address[1]}/"
        problem = ping_hub(hub, SITE + "atom.xml", session=session, policy=PingPolicy(retries=0))
    assert problem is not None and "redirect" in problem


def test_max_records_caps_a_source_and_later_pages_are_not_read(
    tmp_path: Path, origin: FixtureServer
) -> None:
    write_json(origin.state.root, LISTING, {"value": [{}] * 50, "nextPage": 2})
    result, _ = fetch_once(origin, tmp_path / "cache", max_records=20)
    assert result.ok and len(result.records) == 20
    assert origin.count(PAGE_2) == 0
    assert len(result.warnings) == 1 and "max_records (20)" in result.warnings[0]


def test_a_flood_of_empty_records_is_capped_and_reported_briefly(
    tmp_path: Path, origin: FixtureServer
) -> None:
    # 1,000,000 records of two bytes each: 3 MB, under max_bytes.
    flood = b'{"value": [' + b",".join([b"{}"] * 1_000_000) + b"]}"
    (origin.state.root / LISTING).write_bytes(flood)
    for n in range(15):
        write_record(tmp_path / "records", f"bad-{n:02d}.md", "title: No date")
    write_record(
        tmp_path / "records",
        "good.md",
        "title: Good\npublishedDateTime: 2026-02-01T00:00:00Z\nwebUrl: https://e.org/good\n",
    )
    config = write_config(
        tmp_path,
        f"site: {{title: T, url: '{SITE}'}}\noutput: ../public\n"
        f"sources:\n  - ../records\n  - {{url: '{origin.url(LISTING)}', total_time: 60}}\n",
    )
    report_path = tmp_path / "report.json"
    result = run_feeds("build", "--config", config, "--now", NOW, "--report", report_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 10 + 1 + 10 + 1 + 1, lines  # 10 shown, "and … more" per source; cap
    assert sum("bad-" in line for line in lines) == 10
    records = str(tmp_path / "records")  # outside the working folder: shown absolute
    assert f"{records}: and 5 more rejected in this source" in lines
    assert f"{origin.url(LISTING)}: and 9,990 more rejected in this source" in lines
    assert sum("max_records (10000)" in line for line in lines) == 1
    assert report_path.stat().st_size < 100_000
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["records"]["rejected"] == 10_015
    assert len(report["rejected"]) == 20
    assert report["rejected_by_source"] == {records: 15, origin.url(LISTING): 10_000}
    assert "Good" in [e.title for e in feedparser.parse(tmp_path / "public" / "atom.xml").entries]


def test_rejections_are_capped_per_source_and_old_reports_still_load() -> None:
    local = [Rejection(f"articles/{n}.md", 2, "title", "missing") for n in range(12)]
    remote = [Rejection("https://e.org/api/page/2/index.json", 1, None, "bad")] * 3
    report = Report(RecordCounts(read=15, rejected=15), rejected=(*local, *remote))
    capped = report.capped(["articles", "https://e.org/api/index.json"])
    assert capped.rejected_by_source == (("articles", 12), ("https://e.org/api/index.json", 3))
    assert capped.rejected == (*local[:10], *remote)
    assert capped.capped(["articles"]) == capped  # the counts stay the true ones
    lines = list(capped.rejection_lines())
    assert lines[10] == "articles: and 2 more rejected in this source" and len(lines) == 14
    assert Report.from_json(capped.to_json()) == capped
    old = report.to_json()
    del old["rejected_by_source"]  # a report written before the key existed
    assert Report.from_json(old) == report
    assert source_of("news/x.md", ["."]) == "." and source_of("/elsewhere/x.md", ["."]) == (
        "/elsewhere/x.md"
    )
