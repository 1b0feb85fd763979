"""Network edge, part 1: a polite conditional GET, and the cache folder it reads and fills.

Does I/O: HTTP through the ``requests.Session`` it is given, and one file per URL in the
cache folder (written through ``output.write_atomic``). What the bytes mean is ``remote``'s job.
"""

from __future__ import annotations

import hashlib
import http
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from ..core.errors import OutputError
from ..publish.output import write_atomic
from .limits import CutOff, Deadline, bounded, header_int, http_url

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


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A stored response body and the validators for the next conditional GET."""

    url: str
    body: bytes = field(repr=False)
    fetched_at: float
    """When the body was downloaded, in seconds since the epoch."""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class LastGood:
    """A source's last complete, successful fetch: when, and the URLs of its pages."""

    fetched_at: float
    pages: tuple[str, ...]


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


def _name(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def read_entry(cache_dir: Path, url: str, warnings: list[str]) -> CacheEntry | None:
    """The stored response for ``url``; a corrupt entry is reported and ignored."""
    meta, body = _read_file(cache_dir / f"{_name(url)}.http", url, warnings)
    if meta is None:
        return None
    return CacheEntry(url, body, meta["fetched_at"], meta["etag"], meta["last_modified"])


def write_entry(cache_dir: Path, entry: CacheEntry) -> None:
    """Store ``entry`` atomically; raises OutputError when the folder cannot be written."""
    extra = {
        "fetched_at": entry.fetched_at,
        "etag": entry.etag,
        "last_modified": entry.last_modified,
    }
    _write_file(cache_dir / f"{_name(entry.url)}.http", entry.url, entry.body, extra)


def read_last_good(cache_dir: Path, source_url: str, warnings: list[str]) -> LastGood | None:
    """The manifest of the source's last complete fetch, if one is stored and intact."""
    meta, _ = _read_file(cache_dir / f"{_name(source_url)}.good", source_url, warnings)
    if meta is None:
        return None
    pages = meta.get("pages")
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        warnings.append(f"{source_url}: the cache's last-good list is corrupt; ignored")
        return None
    return LastGood(meta["fetched_at"], tuple(pages))


def write_last_good(cache_dir: Path, source_url: str, last_good: LastGood) -> None:
    """Record the pages of a complete fetch; written after the pages themselves."""
    extra = {"fetched_at": last_good.fetched_at, "pages": list(last_good.pages)}
    _write_file(cache_dir / f"{_name(source_url)}.good", source_url, b"", extra)


def _write_file(path: Path, url: str, body: bytes, extra: Mapping[str, Any]) -> None:
    # One JSON line of metadata (with the body's size and hash), then the body as downloaded.
    meta = {"format": 1, "url": url, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    head = json.dumps({**extra, **meta}, sort_keys=True).encode("utf-8")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {path.parent}: {error.strerror}") from None
    write_atomic(path, head + b"\n" + body)


def _read_file(path: Path, url: str, warnings: list[str]) -> tuple[dict[str, Any] | None, bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, b""
    except OSError as error:
        warnings.append(f"{path}: cannot read cache file for {url} ({error.strerror}); ignored")
        return None, b""
    head, _, body = data.partition(b"\n")
    try:
        meta = json.loads(head)
        fine = (
            isinstance(meta, dict)
            and meta.get("format") == 1
            and meta.get("url") == url
            and meta.get("size") == len(body)
            and meta.get("sha256") == hashlib.sha256(body).hexdigest()
            and isinstance(meta.get("fetched_at"), int | float)
            and all(isinstance(meta.get(k), str | None) for k in ("etag", "last_modified"))
        )
    except ValueError:
        fine = False
    if not fine:
        warnings.append(f"{path}: corrupt cache file for {url}; ignored (it is rewritten)")
        return None, b""
    return meta, body


class _Retry(Exception):
    """A failure worth another try: connection trouble, a timeout, 5xx or 429."""

    def __init__(self, problem: str, after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.after = after


class Client:
    """One source's HTTP: common and private headers, a deadline, a request count."""

    def __init__(
        self,
        session: requests.Session,
        limits: Limits,
        headers: Mapping[str, str],
        private: Mapping[str, str],
        origin_url: str,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = bounded(session)
        self.limits = limits
        self.headers = dict(headers)
        self.private = dict(private)
        self.origin = _origin(origin_url)
        self.clock = clock
        self.sleep = sleep
        self.deadline = clock() + limits.total_time
        self.requests = 0

    def get(self, url: str, cached: CacheEntry | None) -> tuple[CacheEntry, bool]:
        """``url``'s entry, and whether it is new (``False``: a 304 confirmed ``cached``).

        Follows redirects itself so private headers go only to the source's own origin.
        """
        target, tries, hops = url, 0, 0
        while True:
            tries += 1
            try:
                result = self._request(url, target, cached)
            except _Retry as retry:
                if tries >= self.limits.tries:
                    raise FetchError(url, f"{retry.problem} ({tries} tries)") from None
                self._wait(url, retry, tries)
                continue
            if not isinstance(result, str):
                return result, result != cached
            hops += 1
            if hops > MAX_REDIRECTS:
                raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
            target, tries = result, 0

    def _wait(self, url: str, retry: _Retry, tries: int) -> None:
        limits = self.limits
        if retry.after is not None and retry.after > limits.retry_after_cap:
            raise FetchError(
                url,
                f"{retry.problem}; the server asks to retry after {retry.after:.0f} s, "
                f"longer than feeds waits ({limits.retry_after_cap:g} s)",
            )
        if retry.after is not None:
            delay = retry.after
        else:  # exponential backoff with jitter, so many clients do not retry in step
            step = min(limits.backoff_cap, limits.backoff * 2 ** (tries - 1))
            delay = step / 2 + random.uniform(0, step / 2)
        if self.clock() + delay >= self.deadline:
            raise FetchError(
                url, f"{retry.problem}; no time left for a retry ({limits.total_time:g} s budget)"
            )
        self.sleep(delay)

    def _request(self, url: str, target: str, cached: CacheEntry | None) -> CacheEntry | str:
        """One request: a CacheEntry, a redirect's target, or a raised _Retry/FetchError."""
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
            raise _Retry(_transport_problem(error, limits.timeout)) from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retry("the connection broke while reading the response") from None
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
            found = http_url(target, location)
            if found is None:
                raise FetchError(url, f"redirected to an unusable URL (found {location[:80]!r})")
            return found
        if status == 304 and cached is not None:
            return replace(
                cached, etag=etag or cached.etag, last_modified=modified or cached.last_modified
            )
        if status == 429 or status >= 500:
            after = response.headers.get("Retry-After") if status in (429, 503) else None
            raise _Retry(_status(status), _retry_after(after, self.clock()))
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
