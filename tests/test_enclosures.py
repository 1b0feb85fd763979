"""feeds.enclosures against a real HTTP server on 127.0.0.1: one HEAD per URL, ever."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network
from pathlib import Path

import pytest

from feeds.core.media import Enclosure
from feeds.net.enclosures import CACHE_FILE, EnclosureCache, LookupLimits
from feeds.net.guard import Reach
from tests.httpserver import running

UA = "feeds/test (+https://feeds.example.org/)"
LOOPBACK = Reach(networks=(ip_network("127.0.0.0/8"),))
"""The test servers listen on 127.0.0.1: let lookups reach loopback, nothing else private."""

# path → (status, headers)
ROUTES: dict[str, tuple[int, dict[str, str]]] = {
    "/a.jpg": (200, {"Content-Type": "image/jpeg", "Content-Length": "1234"}),
    "/b.png": (200, {"Content-Type": "image/PNG; charset=binary", "Content-Length": "99"}),
    "/page.html": (200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": "500"}),
    "/svg-script": (200, {"Content-Type": "image/svg+xml", "Content-Length": "10"}),
    "/nolength.jpg": (200, {"Content-Type": "image/jpeg"}),
    "/zero.jpg": (200, {"Content-Type": "image/jpeg", "Content-Length": "0"}),
    "/badlength.jpg": (200, {"Content-Type": "image/jpeg", "Content-Length": "12abc"}),
    "/notype.jpg": (200, {"Content-Length": "12"}),
    "/missing.jpg": (404, {}),
    "/error.jpg": (500, {}),
    "/redirect.jpg": (301, {"Location": "/a.jpg"}),
    "/loop.jpg": (302, {"Location": "/loop.jpg"}),
    "/away.jpg": (302, {"Location": "javascript:alert(1)"}),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        with self.server.lock:
            self.server.heads[self.path] += 1
            self.server.agents.add(self.headers.get("User-Agent", ""))
        if self.path == "/slow.jpg":
            time.sleep(1.0)
        status, headers = ROUTES.get(self.path.split("?", 1)[0], (404, {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def do_GET(self) -> None:  # enclosures must never download an image
        with self.server.lock:
            self.server.gets += 1
        self.send_error(405)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.heads: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.gets = 0
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.heads.values())


@pytest.fixture
def server() -> Iterator[_Server]:
    with running(_Server()) as httpd:
        yield httpd


def lookup(
    folder: Path, urls: list[str], **options: object
) -> tuple[dict[str, Enclosure | None], EnclosureCache]:
    cache = EnclosureCache(folder)
    limits = LookupLimits(**options)  # type: ignore[arg-type]
    found = cache.lookup(urls, user_agent=UA, limits=limits, reach=LOOPBACK)
    return found, cache


def test_one_head_per_url_ever(tmp_path: Path, server: _Server) -> None:
    paths = list(ROUTES)
    urls = [server.url(p) for p in paths]
    first, cache = lookup(tmp_path, [*urls, *urls])  # duplicates asked once
    # A malformed value from the server is worth a line; a 404 or no Content-Length is not.
    assert cache.warnings == [
        f"{server.url('/zero.jpg')}: no enclosure: no usable Content-Length",
        f"{server.url('/badlength.jpg')}: no enclosure: no usable Content-Length",
        f"{server.url('/away.jpg')}: no enclosure: redirected to an unusable URL",
    ]
    assert first == {
        server.url("/a.jpg"): Enclosure(server.url("/a.jpg"), "image/jpeg", 1234),
        server.url("/b.png"): Enclosure(server.url("/b.png"), "image/png", 99),
        server.url("/page.html"): None,
        server.url("/svg-script"): Enclosure(server.url("/svg-script"), "image/svg+xml", 10),
        server.url("/nolength.jpg"): None,
        server.url("/zero.jpg"): None,
        server.url("/badlength.jpg"): None,
        server.url("/notype.jpg"): None,
        server.url("/missing.jpg"): None,
        server.url("/error.jpg"): None,
        # The enclosure keeps the URL the record gave; type and length are the target's.
        server.url("/redirect.jpg"): Enclosure(server.url("/redirect.jpg"), "image/jpeg", 1234),
        server.url("/loop.jpg"): None,
        server.url("/away.jpg"): None,
    }
    assert server.heads["/loop.jpg"] == 4  # the first request and three redirects
    assert server.heads["/a.jpg"] == 2  # asked itself, and as /redirect.jpg's target
    assert all(n == 1 for p, n in server.heads.items() if p not in ("/loop.jpg", "/a.jpg"))
    assert cache.sent == server.total
    assert server.gets == 0
    assert server.agents == {UA}
    stored = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))
    assert stored["entries"][server.url("/missing.jpg")] == {"problem": "HTTP 404"}
    assert stored["entries"][server.url("/page.html")] == {"problem": "not an image (text/html)"}

    before = server.total
    again, cache = lookup(tmp_path, urls)
    assert again == {url: first[url] for url in urls}
    assert server.total == before  # the second run asks nothing, failures included
    assert cache.sent == 0


def test_nothing_learned_nothing_written(tmp_path: Path, server: _Server) -> None:
    lookup(tmp_path, [server.url("/a.jpg")])
    stamp = (tmp_path / CACHE_FILE).stat().st_mtime_ns
    time.sleep(0.01)
    lookup(tmp_path, [server.url("/a.jpg")])
    assert (tmp_path / CACHE_FILE).stat().st_mtime_ns == stamp
    lookup(tmp_path / "empty", [])
    assert not (tmp_path / "empty" / CACHE_FILE).exists()


def test_a_timeout_is_a_cached_failure(tmp_path: Path, server: _Server) -> None:
    url = server.url("/slow.jpg")
    started = time.monotonic()
    found, _ = lookup(tmp_path, [url], timeout=(1, 0.2))
    assert found == {url: None}
    assert time.monotonic() - started < 0.9
    found, _ = lookup(tmp_path, [url], timeout=(1, 0.2))
    assert found == {url: None}
    assert server.heads["/slow.jpg"] == 1


def test_connection_refused_is_a_cached_failure(tmp_path: Path) -> None:
    with _Server() as idle:  # bound, then closed: nothing listens on its port any more
        url = idle.url("/a.jpg")
    found, _ = lookup(tmp_path, [url])
    assert found == {url: None}
    stored = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))
    assert stored["entries"][url]["problem"].startswith("request failed")


def test_at_most_max_new_heads_per_run(tmp_path: Path, server: _Server) -> None:
    urls = [server.url(f"/a.jpg?{n}") for n in range(5)]
    found, cache = lookup(tmp_path, urls, max_new=2)
    assert [found[u] is not None for u in urls] == [True, True, False, False, False]
    assert (server.total, cache.skipped) == (2, 3)
    found, cache = lookup(tmp_path, urls, max_new=2)
    assert [found[u] is not None for u in urls] == [True, True, True, True, False]
    assert (server.total, cache.skipped) == (4, 1)


def test_time_budget_stops_asking(tmp_path: Path, server: _Server) -> None:
    ticks = iter(range(100))
    urls = [server.url(f"/a.jpg?{n}") for n in range(5)]
    cache = EnclosureCache(tmp_path)
    found = cache.lookup(
        urls,
        user_agent=UA,
        reach=LOOPBACK,
        limits=LookupLimits(budget=4.5),  # two ticks a URL asked: its turn, its deadline
        clock=lambda: float(next(ticks)),
    )
    assert sum(v is not None for v in found.values()) == 2
    assert cache.skipped == 3


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 99, "entries": {}}',
        '{"version": 1, "entries": []}',
    ],
)
def test_a_broken_cache_file_is_a_warning_and_refilled(
    text: str, tmp_path: Path, server: _Server
) -> None:
    (tmp_path / CACHE_FILE).write_text(text, encoding="utf-8")
    url = server.url("/a.jpg")
    found, cache = lookup(tmp_path, [url])
    assert found[url] == Enclosure(url, "image/jpeg", 1234)
    assert len(cache.warnings) == 1
    assert "enclosure cache" in cache.warnings[0]
    assert EnclosureCache(tmp_path).warnings == []


def test_unusable_entries_are_asked_again(tmp_path: Path, server: _Server) -> None:
    good, bad = server.url("/b.png"), server.url("/a.jpg")
    entries = {
        good: {"type": "image/png", "length": 7},
        bad: {"type": "text/html", "length": True},
    }
    (tmp_path / CACHE_FILE).write_text(json.dumps({"version": 1, "entries": entries}), "utf-8")
    found, _ = lookup(tmp_path, [good, bad])
    assert found == {good: Enclosure(good, "image/png", 7), bad: Enclosure(bad, "image/jpeg", 1234)}
    assert dict(server.heads) == {"/a.jpg": 1}


def test_an_unwritable_cache_is_a_warning(tmp_path: Path, server: _Server) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    url = server.url("/a.jpg")
    found, cache = lookup(blocker, [url])
    assert found[url] == Enclosure(url, "image/jpeg", 1234)
    assert any("cannot save the enclosure cache" in w for w in cache.warnings)


# --- wired into `feeds build` (images: enclosure) -------------------------------------


def test_build_adds_rss_enclosures_asked_once(tmp_path: Path, server: _Server) -> None:
    import feedparser

    from feeds import build
    from feeds.config.load import read_config
    from tests.helpers import write_config, write_record

    for n, image in enumerate(["/a.jpg", "/missing.jpg"]):
        write_record(
            tmp_path / "records",
            f"s{n}.md",
            f"title: Story {n}\npublishedDateTime: 2026-09-0{n + 1}T10:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\nimages: [{{url: '{server.url(image)}'}}]\n",
        )
    path = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\nsources: [../records]\n"
        "output: ../public\nimages: enclosure\nprivate_images: true\n",  # images on 127.0.0.1
    )
    now = datetime(2026, 10, 1, tzinfo=UTC)
    report = build.build(read_config(path), now=now)
    assert report.warnings == ()
    data = (tmp_path / "public" / "rss.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    missing, found = parsed.entries  # newest first: Story 1 has the missing image
    assert missing.enclosures == []  # 404: Media RSS only
    (enclosure,) = found.enclosures
    assert (enclosure.href, enclosure.type, enclosure.length) == (
        server.url("/a.jpg"),
        "image/jpeg",
        "1234",
    )
    assert b"<media:content" in data
    atom = (tmp_path / "public" / "atom.xml").read_bytes()
    assert b"enclosure" not in atom  # RSS only: Atom keeps Media RSS
    assert server.total == 2
    (tmp_path / "public" / "rss.xml").unlink()
    build.build(read_config(path), now=now)  # a full run again: the answers are cached
    assert server.total == 2 and server.gets == 0
    assert (tmp_path / "public" / "rss.xml").read_bytes() == data
