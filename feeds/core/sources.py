"""Frozen values for the source stage: which file suffixes hold records, and a remote source
as configured (a JSON listing or one record file at a URL); no I/O.

Here at the bottom because the config (``Config.remote``), the local listing walk and the
remote fetch all use them, and kept apart from ``sources.remote`` (which needs requests) so
reading a config stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError
from .urls import config_url

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
"""Record files with a front matter block and a Markdown body."""
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
"""Record files that are one YAML or JSON document."""
RECORD_SUFFIXES = MARKDOWN_SUFFIXES | DATA_SUFFIXES
"""Every suffix (lowercase) a record file may have; other files are not records."""
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
    """The first setting of ``source`` that cannot work, worded; None when all can."""
    return _url_problem(source) or _page_url_problem(source.next_page_url) or _limit_problem(source)


def _url_problem(source: RemoteSource) -> str | None:
    parts = config_url(source.url)
    if parts is None:
        return "url must be an absolute http(s) URL"
    if parts.username or parts.password:
        return "put credentials in headers (with ${VAR}), not in the URL"
    if not source.is_listing and url_suffix(source.url) not in RECORD_SUFFIXES:
        return "url must end in index.json (a listing) or name a .md, .yaml or .json record file"
    return None


def _page_url_problem(template: str | None) -> str | None:
    if template is None:
        return None
    try:
        example = template.format(page=2)
    except (KeyError, IndexError, ValueError):
        example = ""
    if "{page}" not in template or not example.startswith(("http:", "https:")):
        return "next_page_url must be an absolute http(s) URL with {page} in it"
    return None


def _limit_problem(source: RemoteSource) -> str | None:
    bad = [name for name in source.headers if not _TOKEN.match(name)]
    if bad:
        return f"header name {bad[0]!r} is not valid"
    if min(source.max_pages, source.max_records, source.max_bytes, source.tries) < 1:
        return "max_pages, max_records, max_bytes and tries must be at least 1"
    if min(*source.timeout, source.total_time) <= 0 or min(source.max_age, source.backoff) < 0:
        return "timeouts and total_time must be positive, max_age and backoff not negative"
    return None


def url_suffix(url: str) -> str:
    """The lowercased suffix of the URL's path: ``.json`` for ``…/a.JSON?x=1``."""
    return PurePosixPath(urlsplit(url).path).suffix.lower()


def _shown(url: str) -> str:
    """``url`` without credentials, for messages; also one that cannot be split (an
    unclosed IPv6 bracket, a port that is no number), whose problem the message names."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return _USERINFO.sub("", url.partition("#")[0])
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


_USERINFO = re.compile(r"(?<=//)[^/?#]*@")
"""The ``user:password@`` of a URL's authority."""
