"""A real HTTP server on 127.0.0.1, in a thread, serving files from a folder.

It counts requests and body bytes, answers conditional requests with 304, and can be told
to fail a path: ``500``, ``hang`` (no answer until stopped), ``truncate`` (half the JSON),
``429`` (with ``Retry-After``), ``redirect:<url>``, each for a number of requests or always.
Hostile modes: ``drip`` (the body a byte every 0.1 s), ``drip-head`` (the whole answer so,
status line first) and ``length:<value>`` (the body under a raw ``Content-Length``).
"""

from __future__ import annotations

import hashlib
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    status: int = 0
    body_bytes: int = 0


@dataclass
class Failure:
    mode: str
    times: int | None
    """How many requests fail; ``None``: all of them."""
    retry_after: str = "1"


@dataclass
class State:
    root: Path
    seen: list[Seen] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FixtureServer:
    """Handle on a running server: its base URL, what it saw, and failure switches."""

    def __init__(self, state: State, base_url: str) -> None:
        self.state = state
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def fail(self, path: str, mode: str, times: int | None = None, retry_after: str = "1") -> None:
        """Make requests for ``path`` fail in ``mode`` (``times`` of them, or all)."""
        with self.state.lock:
            self.state.failures["/" + path.lstrip("/")] = Failure(mode, times, retry_after)

    def heal(self) -> None:
        with self.state.lock:
            self.state.failures.clear()

    def reset(self) -> None:
        """Forget the requests seen so far."""
        with self.state.lock:
            self.state.seen.clear()

    @property
    def seen(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.seen)

    def count(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == "/" + path.lstrip("/"))

    @property
    def body_bytes(self) -> int:
        return sum(s.body_bytes for s in self.seen)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to each response
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet tests

    def do_GET(self) -> None:
        state = self.server.state
        seen = Seen(urlsplit(self.path).path, dict(self.headers.items()))
        with state.lock:
            state.seen.append(seen)
            failure = state.failures.get(seen.path)
            if failure is not None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del state.failures[seen.path]
        mode = failure.mode if failure else ""
        if mode == "hang":
            self.close_connection = True
            state.stop.wait(30)
            return
        if mode in ("500", "429"):
            extra = {"Retry-After": failure.retry_after} if failure and mode == "429" else {}
            self._send(seen, int(mode), b"failing on purpose\n", extra)
            return
        if mode.startswith("redirect:"):
            self._send(seen, 302, b"", {"Location": mode.removeprefix("redirect:")})
            return
        target = (state.root / seen.path.lstrip("/")).resolve()
        if not target.is_relative_to(state.root.resolve()) or not target.is_file():
            self._send(seen, 404, b"not found\n", {})
            return
        body = target.read_bytes()
        if mode.startswith(("drip", "length:")):  # conditional requests or not
            self._misbehave(seen, mode, body)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        mtime = target.stat().st_mtime
        validators = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if self._not_modified(etag, mtime):
            self._send(seen, 304, b"", validators)
            return
        if mode == "truncate":
            body = body[: len(body) // 2]
        self._send(seen, 200, body, {"Content-Type": "application/json", **validators})

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            return etag in [m.strip() for m in match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _misbehave(self, seen: Seen, mode: str, body: bytes) -> None:
        """A 200 answer sent as ``mode`` says: dripped, or with a raw Content-Length."""
        self.close_connection = True
        with self.server.state.lock:
            seen.status = 200
        length = mode.removeprefix("length:") if mode.startswith("length:") else len(body)
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n".encode("latin-1")
        if mode == "drip-head":
            dripped = head + body
        else:
            self.wfile.write(head + (b"" if mode == "drip" else body))
            dripped = body if mode == "drip" else b""
        for byte in dripped:
            if self.server.state.stop.wait(0.1):
                return
            try:
                self.wfile.write(bytes([byte]))
            except OSError:  # the client hung up: what a drip should make it do
                return

    def _send(self, seen: Seen, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
        with self.server.state.lock:
            seen.status = status
            seen.body_bytes = len(body) if status != 304 else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


S = TypeVar("S", bound=socketserver.BaseServer)


@contextmanager
def running(server: S, on_stop: Callable[[], None] | None = None) -> Iterator[S]:
    """``server`` answering in a thread until the block ends; then ``on_stop`` (to release
    handlers that wait), shutdown, close. Every test server here starts and stops so."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        if on_stop is not None:
            on_stop()
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def local_session() -> Iterator[requests.Session]:
    """A requests session that takes no proxy from the environment: tests reach
    127.0.0.1 only, directly."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@contextmanager
def serve(root: Path) -> Iterator[FixtureServer]:
    """Serve ``root`` on 127.0.0.1 (a free port) until the block ends."""
    server = _Server(State(root))
    with running(server, on_stop=server.state.stop.set):  # the event releases hung handlers
        yield FixtureServer(server.state, f"http://127.0.0.1:{server.server_address[1]}/")
