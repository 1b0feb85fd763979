"""Network edge: the HTTP cache folder, one file per URL (a response body and the
validators for the next conditional GET) and one per source (its last complete fetch).

Does I/O in the cache folder only, writing through ``output.write_atomic``; the requests
that fill it are ``httpcache``'s.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import OutputError
from ..publish.output import write_atomic


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
