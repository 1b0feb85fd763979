"""Image lookups (``images: enclosure``) against hostile servers, all on 127.0.0.1/127.0.0.2:
malformed values, a server that drips one byte at a time, and addresses that must never be
reached, however spelled or redirected to."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path

import pytest

from feeds.core.media import Enclosure
from feeds.net.enclosures import CACHE_FILE, EnclosureCache, LookupLimits
from feeds.net.guard import Reach, address_problem, literal_address
from tests.helpers import run_feeds, write_config, write_record
from tests.httpserver import running

UA = "feeds/test (+https://feeds.example.org/)"
GOOD = {"Content-Type": "image/png", "Content-Length": "5"}

# path → (status, headers); every value but /good's is one a server should not send
ROUTES: dict[str, tuple[int, dict[str, str]]] = {
    "/good.png": (200, GOOD),
    "/bad-location": (302, {"Location": "http://[::1"}),
    "/bad-port": (302, {"Location": "http://images.example.org:99999/a.png"}),
    "/bad-length": (200, {"Content-Type": "image/png", "Content-Length": "\u00b2"}),
    "/float-length": (200, {"Content-Type": "image/png", "Content-Length": "1e3"}),
    "/bad-retry": (503, {"Retry-After": "\u00b2"}),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.heads[path] += 1
        if path == "/drip":  # the status line and headers, a byte every 0.2 s, forever
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Drip: " + b"a" * 10_000:
                if self.server.stop.wait(0.2):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            return
        if path == "/to":  # /to?<URL>: a redirect there
            status, headers = 302, {"Location": self.path.split("?", 1)[1]}
        else:
            status, headers = ROUTES.get(path, (404, {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.heads: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.server_address[0]!s}:{self.server_address[1]}{path}"


def _serve(host: str = "127.0.0.1") -> Iterator[_Server]:
    server = _Server(host)
    with running(server, on_stop=server.stop.set):
        yield server


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve()


@pytest.fixture
def other() -> Iterator[_Server]:
    """A second server, on 127.0.0.2."""
    yield from _serve("127.0.0.2")


def only(*networks: str) -> Reach:
    return Reach(networks=tuple(ip_network(n) for n in networks))


# --- which addresses are refused: every spelling, no network needed ------------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_literal_address_reads_what_resolvers_read(host: str, address: str) -> None:
    assert literal_address(host) == ip_address(address)


@pytest.mark.parametrize(
    "host", ["example.org", "1.2.3.4.5", "256.0.0.1", "0x", "08.0.0.1", "127.0.0.1.", "١٢٧.1"]
)
def test_names_are_not_literals(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a unique-local address"),
        ("fd12:3456::1", "a unique-local address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "a link-local address"),
        ("2002:7f00:1::", "a loopback address"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "a private address"),  # NAT64 around 10.0.0.1
        ("100.64.0.1", "a reserved address"),  # carrier-grade NAT
        ("240.0.0.1", "a reserved address"),
    ],
)
def test_non_public_addresses_are_refused(address: str, problem: str) -> None:
    assert address_problem(ip_address(address)) == problem


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    parsed = ip_address(address)
    assert isinstance(parsed, IPv4Address | IPv6Address)
    assert address_problem(parsed) is None


# --- against servers ------------------------------------------------------------------


def test_loopback_in_any_spelling_is_never_connected_to(tmp_path: Path, server: _Server) -> None:
    urls = [
        server.url("/good.png", host)
        for host in (
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "127.1",
            "0",
            "[::ffff:127.0.0.1]",
            "localhost",  # a name: refused once resolved, before any connection
        )
    ]
    cache = EnclosureCache(tmp_path)
    assert cache.lookup(urls, user_agent=UA) == dict.fromkeys(urls)
    assert server.heads == {}
    assert cache.sent == 0
    assert len(cache.warnings) == len(urls)
    assert "localhost (resolved to 127.0.0.1) is a loopback address" in cache.warnings[-1]
    assert all("set private_images: true" in w for w in cache.warnings)
    assert not (tmp_path / CACHE_FILE).exists()  # refusals are asked again next run


def test_each_redirect_hop_is_checked(tmp_path: Path, server: _Server, other: _Server) -> None:
    # Only 127.0.0.2 (``other``) may be reached; ``server`` on 127.0.0.1 must see nothing.
    port = server.server_address[1]
    targets = [
        server.url("/good.png"),
        server.url("/good.png", "2130706433"),
        server.url("/good.png", "0x7f000001"),
        server.url("/good.png", "127.1"),
        server.url("/good.png", "localhost"),
        f"http://[::1]:{port}/good.png",
        f"//localhost:{port}/good.png",  # scheme-relative
    ]
    urls = [other.url(f"/to?{target}") for target in targets]
    allowed = other.url("/to?" + other.url("/good.png"))
    cache = EnclosureCache(tmp_path)
    found = cache.lookup([*urls, allowed], user_agent=UA, reach=only("127.0.0.2/32"))
    assert found == {**dict.fromkeys(urls), allowed: Enclosure(allowed, "image/png", 5)}
    assert server.heads == {}
    assert other.heads == {"/to": len(urls) + 1, "/good.png": 1}
    assert len(cache.warnings) == len(urls)
    assert all("no enclosure: redirected" in w or "is a loopback" in w for w in cache.warnings)


def test_malformed_values_fail_one_image_each(tmp_path: Path, server: _Server) -> None:
    known = "https://images.example.org/kept.png"
    entries = {known: {"type": "image/jpeg", "length": 77}}
    (tmp_path / CACHE_FILE).write_text(json.dumps({"version": 1, "entries": entries}), "utf-8")
    urls = [server.url(path) for path in ROUTES]
    cache = EnclosureCache(tmp_path)
    found = cache.lookup([known, *urls], user_agent=UA, reach=only("127.0.0.1/32"))
    good = server.url("/good.png")
    assert found == {
        **dict.fromkeys(urls),
        known: Enclosure(known, "image/jpeg", 77),  # the last good answer stands
        good: Enclosure(good, "image/png", 5),
    }
    assert sorted(cache.warnings) == sorted(
        [
            f"{server.url('/bad-location')}: no enclosure: redirected to an unusable URL",
            f"{server.url('/bad-port')}: no enclosure: redirected to an unusable URL",
            f"{server.url('/bad-length')}: no enclosure: no usable Content-Length",
            f"{server.url('/float-length')}: no enclosure: no usable Content-Length",
        ]
    )
    stored = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))["entries"]
    assert stored[known] == entries[known]
    assert stored[server.url("/bad-retry")] == {"problem": "HTTP 503"}


def test_malformed_values_do_not_stop_a_build(tmp_path: Path, server: _Server) -> None:
    for n, path in enumerate(["/bad-location", "/bad-length", "/good.png"]):
        write_record(
            tmp_path / "records",
            f"s{n}.md",
            f"title: Story {n}\npublishedDateTime: 2026-09-0{n + 1}T10:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\nimages: [{{url: '{server.url(path)}'}}]\n",
        )
    config = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\nsources: [../records]\n"
        "output: ../public\nimages: enclosure\nprivate_images: true\n",
    )
    result = run_feeds("build", "--config", config, "--now", "2026-10-01T00:00:00Z")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{server.url('/bad-location')}: no enclosure: redirected" in result.stderr
    assert f"{server.url('/bad-length')}: no enclosure: no usable Content-Length" in result.stderr
    rss = (tmp_path / "public" / "rss.xml").read_text(encoding="utf-8")
    assert rss.count("<enclosure ") == 1
    assert f'<enclosure url="{server.url("/good.png")}" length="5" type="image/png"' in rss


def test_a_dripping_server_is_cut_off(tmp_path: Path, server: _Server) -> None:
    url = server.url("/drip")
    cache = EnclosureCache(tmp_path)
    started = time.monotonic()
    found = cache.lookup(
        [url], user_agent=UA, reach=only("127.0.0.1/32"), limits=LookupLimits(request_time=1.0)
    )
    assert time.monotonic() - started < 5  # the read timeout (5 s) never fires on a drip
    assert found == {url: None}
    assert cache.warnings == [f"{url}: no enclosure: took longer than 1 s; cut off"]
    stored = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))["entries"]
    assert stored[url] == {"problem": "took longer than 1 s; cut off"}


def test_the_phase_budget_bounds_a_drip_too(tmp_path: Path, server: _Server) -> None:
    urls = [server.url(f"/drip?{n}") for n in range(3)]
    cache = EnclosureCache(tmp_path)
    started = time.monotonic()
    found = cache.lookup(
        urls, user_agent=UA, reach=only("127.0.0.1/32"), limits=LookupLimits(budget=1.0)
    )
    assert time.monotonic() - started < 5  # request_time is 10 s: the budget cut it
    assert found == dict.fromkeys(urls)
    assert server.heads["/drip"] == 1
    assert cache.skipped == 2
    # Cut off by the budget, not for its own sake: not remembered, asked next run.
    assert not (tmp_path / CACHE_FILE).exists()


def test_private_images_setting(tmp_path: Path) -> None:
    from feeds.config.load import read_config

    base = "site: {title: T, url: 'https://feeds.example.org/'}\nsources: [.]\n"
    assert read_config(write_config(tmp_path, base)).private_images is False
    assert read_config(write_config(tmp_path, base + "private_images: true\n")).private_images
