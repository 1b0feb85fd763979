"""feeds.notify against a real WebSub hub endpoint on 127.0.0.1 (http.server in a thread)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests

from feeds.publish.notify import PingPolicy, ping_hub, ping_hubs
from tests.httpserver import local_session, running

FEEDS = ["https://feeds.example.org/ai/rss.xml", "https://feeds.example.org/ai/atom.xml"]


class Hub:
    """A hub whose answers are scripted per path: a list of status codes, last one repeats."""

    def __init__(self) -> None:
        self.pings: list[tuple[str, dict[str, list[str]], str]] = []
        self.script: dict[str, list[int]] = {}
        self.delay = 0.0
        self.lock = threading.Lock()

    def answer(self, path: str) -> int:
        with self.lock:
            codes = self.script.get(path, [204])
            return codes.pop(0) if len(codes) > 1 else codes[0]


@pytest.fixture
def hub() -> Iterator[tuple[Hub, str]]:
    state = Hub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            with state.lock:
                state.pings.append((self.path, form, self.headers.get("Content-Type", "")))
            if state.delay and self.path == "/slow":
                time.sleep(state.delay)
            self.send_response(state.answer(self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with running(server):
        yield state, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with local_session() as s:
        yield s


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_one_ping_per_hub_and_feed(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    warnings = ping_hubs([f"{url}/a", f"{url}/b"], FEEDS, session=session)
    assert warnings == []
    assert len(state.pings) == 4
    assert [(p, f["hub.url"][0]) for p, f, _ in state.pings] == [
        ("/a", FEEDS[0]),
        ("/a", FEEDS[1]),
        ("/b", FEEDS[0]),
        ("/b", FEEDS[1]),
    ]
    for _, form, content_type in state.pings:
        assert form["hub.mode"] == ["publish"]
        assert content_type == "application/x-www-form-urlencoded"


def test_nothing_changed_nothing_sent(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    assert ping_hubs([url], [], session=session) == []
    assert ping_hubs([], FEEDS, session=session) == []
    assert state.pings == []


def test_duplicates_are_pinged_once(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    assert ping_hubs([url, url], [FEEDS[0], FEEDS[0]], session=session) == []
    assert len(state.pings) == 1


def test_5xx_is_retried_with_backoff(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    state.script["/flaky"] = [500, 503, 204]
    slept: list[float] = []
    warnings = ping_hubs([f"{url}/flaky"], FEEDS[:1], session=session, sleep=slept.append)
    assert warnings == []
    assert len(state.pings) == 3
    assert slept == [0.5, 1.0]


def test_persistent_5xx_gives_one_warning(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    state.script["/down"] = [502]
    slept: list[float] = []
    warnings = ping_hubs(
        [f"{url}/down"],
        FEEDS[:1],
        session=session,
        policy=PingPolicy(retries=2),
        sleep=slept.append,
    )
    assert warnings == [
        f"websub: hub {url}/down was not told about {FEEDS[0]}: "
        "HTTP 502 Bad Gateway (after 3 tries)"
    ]
    assert len(state.pings) == 3
    assert slept == [0.5, 1.0]


def test_4xx_is_not_retried(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    state.script["/no"] = [400]
    problem = ping_hub(f"{url}/no", FEEDS[0], session=session, sleep=lambda _: None)
    assert problem == "HTTP 400 Bad Request"
    assert len(state.pings) == 1


def test_dead_hub_warns_quickly(session: requests.Session) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/"
    slept: list[float] = []
    started = time.monotonic()
    warnings = ping_hubs(
        [dead], FEEDS, session=session, policy=PingPolicy(timeout=(0.5, 0.5)), sleep=slept.append
    )
    assert time.monotonic() - started < 5
    assert len(warnings) == 2
    assert warnings[0].startswith(f"websub: hub {dead} was not told about {FEEDS[0]}: ")
    assert "cannot connect" in warnings[0] and "after 4 tries" in warnings[0]
    # The second feed is not tried again against a hub that never answered.
    assert "not tried: the hub did not answer" in warnings[1]
    assert slept == [0.5, 1.0, 2.0]


def test_slow_hub_times_out(hub: tuple[Hub, str], session: requests.Session) -> None:
    state, url = hub
    state.delay = 1.0
    problem = ping_hub(
        f"{url}/slow",
        FEEDS[0],
        session=session,
        policy=PingPolicy(timeout=(1, 0.2), retries=0),
        sleep=lambda _: None,
    )
    assert problem == "timed out (after 1 try)"


def test_bad_hub_url_never_raises(session: requests.Session) -> None:
    warnings = ping_hubs(["not a url"], FEEDS[:1], session=session, sleep=lambda _: None)
    assert len(warnings) == 1
    assert "not a url" in warnings[0]


def test_a_dead_hub_does_not_stop_the_others(
    hub: tuple[Hub, str], session: requests.Session
) -> None:
    state, url = hub
    dead = f"http://127.0.0.1:{closed_port()}/"
    warnings = ping_hubs([dead, url], FEEDS, session=session, sleep=lambda _: None)
    assert len(warnings) == 2
    assert len(state.pings) == 2
