"""A remote source as configured: a JSON listing or one record file at a URL; no I/O.

Kept apart from ``remote`` (which needs requests) so reading a config stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import ConfigError
from ..sources.local import RECORD_SUFFIXES

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass(frozen=True, slots=True)
class RemoteSource:
    """A remote source as configured; raises ConfigError when a value cannot work."""

    url: str
    """A listing (ending in ``index.json``) or one record file (.md, .yaml, .json)."""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Extra request headers; ``${VAR}`` in a value is read from the environment at fetch
    time. Values are never shown, and are sent only to the source's own origin."""
    next_page_url: str | None = None
    """A template for page N's URL, with ``{page}``; default: ``…/page/{page}/index.json``."""
    max_pages: int = 100
    max_records: int = 10_000
    """Records read at most; a listing's later records and pages are left out (a warning)."""
    max_bytes: int = 5 * 1024 * 1024
    """Largest response body accepted, in bytes."""
    timeout: tuple[float, float] = (5.0, 20.0)
    """(connect, read) seconds for every request."""
    total_time: float = 120.0
    """Seconds the whole source may take, retries and waits included."""
    max_age: float = 7 * 24 * 3600.0
    """Seconds a cached copy may stand in for an origin that fails."""
    ca_bundle: Path | None = None
    """A CA bundle for a private CA; TLS is always verified."""
    tries: int = 3
    backoff: float = 0.5
    """First retry delay in seconds; doubled each try, with jitter, up to ``backoff_cap``."""
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0
    """A longer ``Retry-After`` is not waited for: the fetch fails instead."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        problem = _config_problem(self)
        if problem:
            raise ConfigError(f"remote source {_shown(self.url)}: {problem}")

    @property
    def is_listing(self) -> bool:
        """Whether the URL is a paged listing rather than one record file."""
        return self.next_page_url is not None or urlsplit(self.url).path.endswith("index.json")


def _config_problem(source: RemoteSource) -> str | None:
    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "url must be an absolute http(s) URL"
    if parts.username or parts.password:
        return "put credentials in headers (with ${VAR}), not in the URL"
    if not source.is_listing and _suffix(source.url) not in RECORD_SUFFIXES:
        return "url must end in index.json (a listing) or name a .md, .yaml or .json record file"
    if source.next_page_url is not None:
        try:
            example = source.next_page_url.format(page=2)
        except (KeyError, IndexError, ValueError):
            example = ""
        if "{page}" not in source.next_page_url or not example.startswith(("http:", "https:")):
            return "next_page_url must be an absolute http(s) URL with {page} in it"
    bad = [name for name in source.headers if not _TOKEN.match(name)]
    if bad:
        return f"header name {bad[0]!r} is not valid"
    if min(source.max_pages, source.max_records, source.max_bytes, source.tries) < 1:
        return "max_pages, max_records, max_bytes and tries must be at least 1"
    if min(*source.timeout, source.total_time) <= 0 or min(source.max_age, source.backoff) < 0:
        return "timeouts and total_time must be positive, max_age and backoff not negative"
    return None


def _suffix(url: str) -> str:
    return PurePosixPath(urlsplit(url).path).suffix.lower()


def _shown(url: str) -> str:
    """``url`` without credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
