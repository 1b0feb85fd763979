"""Network edge, part 0: what a server's answer can do to a run, bounded. Starts a watchdog
thread per bounded request; reads and writes nothing itself.

Per-read timeouts never end an answer that sends a byte a second: a ``Deadline`` bounds a
request's whole exchange (status line, headers and body) by shutting its connection down
when time is up. Values read from answers are untrusted: ``header_int`` gives None for a
malformed number instead of raising (links: ``core.urls.server_url``). Shared by every
HTTP client of feeds (remote sources, WebSub pings, image lookups).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_DIGITS = re.compile(r"[0-9]{1,18}")
_SHUT_AGAIN = 0.05
"""Seconds between shutdowns once the deadline passed: a connection opened meanwhile
(connect timeouts still run) is shut down too."""


def header_int(value: str | None) -> int | None:
    """A header's value as a non-negative integer (``Content-Length``, ``Retry-After``
    seconds); None when absent or not plain ASCII digits. ``str.isdigit()`` accepts
    ``²``, which ``int()`` refuses: check with this, never with ``isdigit``."""
    if value is None:
        return None
    value = value.strip()
    return int(value) if _DIGITS.fullmatch(value) else None


class CutOff(Exception):
    """A ``Deadline`` passed: the connections were shut down, and whatever was read by then
    (it may look complete) is not the server's answer."""


class Deadline:
    """A bound on the requests this thread makes in a ``with`` block, through a ``bounded``
    session: ``seconds`` in all. When time runs out the connections are shut down and the
    block ends in ``CutOff``, whatever it raised or returned meanwhile."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="feeds-deadline", daemon=True)
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_current, "deadline", None)
        _current.deadline = self
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        _current.deadline = self._outer
        self._done.set()
        self._thread.join()
        if self.fired:
            raise CutOff(self.seconds) from None

    def watch(self, connection: HTTPConnection) -> None:
        """Shut ``connection`` down when the deadline passes (at once if it has)."""
        with self._lock:
            self._connections.append(connection)
        if self.fired:
            self._shut_all()

    def _watch(self) -> None:
        if self._done.wait(max(0.0, self.seconds)):
            return
        self.fired = True
        while True:
            self._shut_all()
            if self._done.wait(_SHUT_AGAIN):
                return

    def _shut_all(self) -> None:
        with self._lock:
            sockets = [c.sock for c in self._connections if c.sock is not None]
        for sock in sockets:
            # shutdown, not close: it wakes a recv blocked in another thread. The plain
            # socket's method, so a TLS socket's state is left to the reading thread.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()


def _watched(connection: Any) -> Any:
    bound = getattr(_current, "deadline", None)
    if bound is not None and isinstance(connection, HTTPConnection):
        bound.watch(connection)
    return connection


class BoundedPool(HTTPConnectionPool):
    """A pool that tells the running ``Deadline`` of each connection it hands out."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _watched(super()._get_conn(timeout))


class BoundedTLSPool(HTTPSConnectionPool):
    """``BoundedPool`` for https."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _watched(super()._get_conn(timeout))


class BoundedAdapter(HTTPAdapter):
    """requests' adapter, with pools that tell the running ``Deadline`` of each connection.
    A subclass may name its own pools (subclasses of the two above)."""

    pools: ClassVar[Mapping[str, type[HTTPConnectionPool]]] = {
        "http": BoundedPool,
        "https": BoundedTLSPool,
    }

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self.pools)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if manager.pool_classes_by_scheme is poolmanager.pool_classes_by_scheme:
            # not SOCKS proxies: theirs are their own
            manager.pool_classes_by_scheme = dict(self.pools)
        return manager


def bounded(session: requests.Session) -> requests.Session:
    """``session`` with http(s) adapters that a ``Deadline`` can cut off; idempotent."""
    for prefix in ("http://", "https://"):
        if not isinstance(session.get_adapter(prefix), BoundedAdapter):
            session.mount(prefix, BoundedAdapter())
    return session
