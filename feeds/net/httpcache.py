"""Network edge, part 1: a polite conditional GET of one source's URLs, from and for the
entries of its cache folder (``cachefiles``).

Does I/O: HTTP through the ``requests.Session`` it is given, retried by ``retry``. What the
bytes mean is ``remote``'s job.
"""

from __future__ import annotations

import http
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from ..core.urls import server_url
from .cachefiles import CacheEntry
from .limits import CutOff, Deadline, bounded, header_int
from .retry import REAL_TIME, Again, Backoff, GaveUp, Timing, retried

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL could not be fetched or used; ``problem`` is a short phrase without the URL.

    Messages are built from fixed phrases, never from request headers or exception text,
    so configured header values (secrets) cannot end up in them.
    """

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


class Limits(Protocol):
    """How long and how hard one source may be fetched (``remote.RemoteSource`` is one)."""

    @property
    def timeout(self) -> tuple[float, float]: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def total_time(self) -> float: ...
    @property
    def tries(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def backoff_cap(self) -> float: ...
    @property
    def retry_after_cap(self) -> float: ...
    @property
    def ca_bundle(self) -> Path | None: ...


class Client:
    """One source's HTTP: common and private headers, a deadline, a request count."""

    def __init__(
        self,
        session: requests.Session,
        limits: Limits,
        headers: Mapping[str, str],
        private: Mapping[str, str],
        origin_url: str,
        timing: Timing = REAL_TIME,
    ) -> None:
        self.session = bounded(session)
        self.limits = limits
        self.headers = dict(headers)
        self.private = dict(private)
        self.origin = _origin(origin_url)
        self.timing = timing
        self.clock = timing.clock
        self.deadline = self.clock() + limits.total_time
        self.requests = 0
        self.backoff = Backoff(
            limits.tries,
            limits.backoff,
            cap=limits.backoff_cap,
            jitter=True,  # so that many clients do not retry in step
            retry_after_cap=limits.retry_after_cap,
        )

    def get(self, url: str, cached: CacheEntry | None) -> tuple[CacheEntry, bool]:
        """``url``'s entry, and whether it is new (``False``: a 304 confirmed ``cached``).

        Follows redirects itself so private headers go only to the source's own origin.
        """
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            result = self._tried(url, target, cached)
            if not isinstance(result, str):
                return result, result != cached
            target = result
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _tried(self, url: str, target: str, cached: CacheEntry | None) -> CacheEntry | str:
        """``_request``, tried again on a failure worth it while tries and time allow."""
        try:
            return retried(
                lambda: self._request(url, target, cached),
                self.backoff,
                self.timing,
                deadline=self.deadline,
            )
        except GaveUp as end:
            raise FetchError(url, self._gave_up(end)) from None

    def _gave_up(self, end: GaveUp) -> str:
        limits = self.limits
        if end.why == "retry_after":
            return (
                f"{end.problem}; the server asks to retry after {end.after:.0f} s, "
                f"longer than feeds waits ({limits.retry_after_cap:g} s)"
            )
        if end.why == "deadline":
            return f"{end.problem}; no time left for a retry ({limits.total_time:g} s budget)"
        return f"{end.problem} ({end.tries} tries)"

    def _request(self, url: str, target: str, cached: CacheEntry | None) -> CacheEntry | str:
        """One request: a CacheEntry, a redirect's target, or a raised Again/FetchError."""
        left = self.deadline - self.clock()
        if left <= 0:
            raise self._out_of_time(url)
        headers = dict(self.headers)
        if _origin(target) == self.origin:
            headers.update(self.private)
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        self.requests += 1
        # The whole exchange, body included, ends with the source's time: a server that
        # drips a byte a second passes every per-read timeout.
        try:
            with Deadline(left):
                return self._exchange(url, target, cached, headers, left)
        except CutOff:
            raise self._out_of_time(url) from None

    def _out_of_time(self, url: str) -> FetchError:
        return FetchError(url, f"time budget used up (total_time {self.limits.total_time:g} s)")

    def _exchange(
        self,
        url: str,
        target: str,
        cached: CacheEntry | None,
        headers: Mapping[str, str],
        left: float,
    ) -> CacheEntry | str:
        limits = self.limits
        connect, read = limits.timeout
        try:
            with self.session.get(
                target,
                headers=headers,
                timeout=(min(connect, left), min(read, left)),
                stream=True,
                allow_redirects=False,
                verify=str(limits.ca_bundle) if limits.ca_bundle else True,  # never off
            ) as response:
                return self._handle(url, target, cached, response)
        except requests.exceptions.SSLError:
            raise FetchError(
                url, "TLS verification failed; for a private CA set the source's ca_bundle"
            ) from None
        except (requests.ConnectionError, requests.Timeout) as error:
            raise Again(_transport_problem(error, limits.timeout)) from None
        except requests.exceptions.ChunkedEncodingError:
            raise Again("the connection broke while reading the response") from None
        except requests.RequestException as error:
            # Never the exception's text: InvalidHeader, for one, quotes the header value.
            raise FetchError(url, f"request failed ({type(error).__name__})") from None
        except ValueError:  # requests parses a redirect's Location even when not following
            raise FetchError(url, "redirected to an unusable URL") from None

    def _handle(
        self, url: str, target: str, cached: CacheEntry | None, response: requests.Response
    ) -> CacheEntry | str:
        status = response.status_code
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        location = response.headers.get("Location")
        if status in _REDIRECTS and location:
            found = server_url(target, location)
            if found is None:
                raise FetchError(url, f"redirected to an unusable URL (found {location[:80]!r})")
            return found
        if status == 304 and cached is not None:
            return replace(
                cached, etag=etag or cached.etag, last_modified=modified or cached.last_modified
            )
        if status == 429 or status >= 500:
            after = response.headers.get("Retry-After") if status in (429, 503) else None
            raise Again(_status(status), _retry_after(after, self.clock()))
        if status != 200:
            raise FetchError(url, _status(status))
        return CacheEntry(url, self._read(url, response), self.clock(), etag, modified)

    def _read(self, url: str, response: requests.Response) -> bytes:
        # Stream, so an oversized body is refused before it is all in memory.
        limit = self.limits.max_bytes
        declared = response.headers.get("Content-Length")
        size = header_int(declared)
        if declared is not None and size is None:
            raise FetchError(url, f"Content-Length is not a number (found {declared[:40]!r})")
        if size is not None and size > limit:
            raise FetchError(url, f"response is {size} bytes, over max_bytes ({limit})")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"response is over max_bytes ({limit}); stopped reading")
            if self.clock() > self.deadline:
                raise self._out_of_time(url)
            chunks.append(chunk)
        return b"".join(chunks)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _status(code: int) -> str:
    try:
        return f"HTTP {code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number or an HTTP date."""
    if not value:
        return None
    seconds = header_int(value)
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _transport_problem(error: BaseException, timeout: tuple[float, float]) -> str:
    """A fixed phrase for a connection failure, with the OS's reason when there is one."""
    causes = list(_causes(error))
    if any(isinstance(c, requests.Timeout | ReadTimeoutError | TimeoutError) for c in causes):
        return f"timed out (connect {timeout[0]:g} s, read {timeout[1]:g} s)"
    reasons = [c.strerror for c in causes if isinstance(c, OSError) and c.strerror]
    return f"connection failed ({reasons[0]})" if reasons else "connection failed"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it wraps (causes, contexts, urllib3 reasons, arguments)."""
    seen: set[int] = set()
    todo: list[object] = [error]
    while todo:
        item = todo.pop(0)
        if isinstance(item, BaseException) and id(item) not in seen:
            seen.add(id(item))
            yield item
            todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
