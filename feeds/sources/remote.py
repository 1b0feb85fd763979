"""Network edge, part 2: remote record sources, read into raw records.

A source is a paged JSON listing (``{"page": 1, "value": [...], "nextPage": 2}``) followed
page by page, or one record file. Does I/O through ``httpcache``; when any page fails, the
source's last complete copy in the cache folder stands in, if it is younger than ``max_age``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from .. import __version__
from ..core.errors import OutputError, RecordError
from ..core.sources import RemoteSource, url_suffix
from ..net.cachefiles import (
    CacheEntry,
    LastGood,
    read_entry,
    read_last_good,
    write_entry,
    write_last_good,
)
from ..net.httpcache import Client, FetchError
from ..net.retry import REAL_TIME, Timing
from ..records.frontmatter import RawRecord, parse_record_bytes
from .remotepages import first_items, listing_of, next_url, strict_json

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ACCEPT = "application/json, text/markdown;q=0.9, application/yaml;q=0.9, */*;q=0.5"


def user_agent(site_url: str) -> str:
    """The User-Agent sent with every request: the tool, its version and the site."""
    return f"feeds/{__version__} (+{site_url})"


@dataclass(frozen=True, slots=True)
class RemoteResult:
    """What one remote source gave: raw records to validate, and what went wrong."""

    records: list[RawRecord]
    errors: list[RecordError]
    """Malformed records inside good pages, each rejected alone; path = the page's URL."""
    warnings: list[str]
    """One line each: a URL and its problem, and what was done about it."""
    requests: int
    """HTTP requests sent, retries and redirects included."""
    ok: bool
    """False when the source contributes nothing (it failed and no usable copy was cached)."""
    from_cache: bool = False
    """The records are the last good copy from the cache, not this run's download."""


def fetch(
    source: RemoteSource,
    *,
    session: requests.Session,
    cache_dir: Path,
    user_agent: str,
    max_size: int,
    timing: Timing = REAL_TIME,
) -> RemoteResult:
    """Read every page of ``source``; when one fails, its last good copy from ``cache_dir``.

    Never raises for network, data or cache trouble: it becomes a warning. ``max_size``
    limits a single record file, as for local files.
    """
    warnings: list[str] = []
    client: Client | None = None
    try:
        private = _expanded_headers(source)
        common = {"User-Agent": user_agent, "Accept": _ACCEPT}
        client = Client(session, source, common, private, source.url, timing)
        pages, new, more = _download(source, client, cache_dir, warnings)
    except FetchError as failure:
        sent = client.requests if client is not None else 0
        copy = _fall_back(source, failure, cache_dir, max_size, timing.clock(), warnings)
        if copy is None:
            return RemoteResult([], [], warnings, sent, ok=False)
        return RemoteResult(*copy, warnings, sent, ok=True, from_cache=True)
    try:
        for entry in new:
            write_entry(cache_dir, entry)
        fetched = LastGood(timing.clock(), tuple(p.url for p in pages))
        write_last_good(cache_dir, source.url, fetched)
    except OutputError as error:
        warnings.append(f"{source.url}: not cached ({error}); no copy to fall back on next time")
    records, errors = _parse(source, pages, max_size, warnings, more_pages=more)
    return RemoteResult(records, errors, warnings, client.requests, ok=True)


def _download(
    source: RemoteSource, client: Client, cache_dir: Path, warnings: list[str]
) -> tuple[list[CacheEntry], list[CacheEntry], bool]:
    """Every page of the source, those that are new since the cached copy, and whether
    later pages were left unread because the pages read hold ``max_records`` already."""
    pages: list[CacheEntry] = []
    new: list[CacheEntry] = []
    items = 0
    url: str | None = source.url
    while url is not None:
        if any(page.url == url for page in pages):
            raise FetchError(url, "the listing's next page leads back to a page already read")
        entry, is_new = client.get(url, read_entry(cache_dir, url, warnings))
        pages.append(entry)
        if is_new:
            new.append(entry)
        if not source.is_listing:
            if url_suffix(url) == ".json":
                strict_json(entry)
            break
        listing = listing_of(entry)
        items += len(listing["value"])
        url = next_url(source, url, listing)
        if url is not None and items >= source.max_records:
            return pages, new, True  # _parse says so, with the records it leaves out
        if url is not None and len(pages) >= source.max_pages:
            warnings.append(
                f"{source.url}: stopped after max_pages ({source.max_pages}) pages; "
                f"{url} and later pages were not read; raise max_pages to read them"
            )
            break
    return pages, new, False


def _fall_back(
    source: RemoteSource,
    failure: FetchError,
    cache_dir: Path,
    max_size: int,
    now: float,
    warnings: list[str],
) -> tuple[list[RawRecord], list[RecordError]] | None:
    """The records of the source's last complete copy, or None when there is none young
    and whole enough; one warning says which and why."""
    head = f"{failure.url}: {failure.problem}"
    of = "" if failure.url == source.url else f" of {source.url}"
    nothing = f"so {source.url} adds no records this run"
    good = read_last_good(cache_dir, source.url, warnings)
    pages = [read_entry(cache_dir, url, warnings) for url in good.pages] if good else []
    if good is None:
        warnings.append(f"{head}; no cached copy{of} to fall back on, {nothing}")
    elif now - good.fetched_at > source.max_age:
        warnings.append(
            f"{head}; the cached copy{of} from {_utc(good.fetched_at)} is older than "
            f"max_age ({source.max_age / 86400:g} days), {nothing}"
        )
    elif not all(pages):
        warnings.append(f"{head}; the cached copy{of} is incomplete, {nothing}")
    else:
        warnings.append(f"{head}; used the cached copy{of} from {_utc(good.fetched_at)}")
        return _parse(source, [p for p in pages if p], max_size, warnings)
    return None


def _parse(
    source: RemoteSource,
    pages: list[CacheEntry],
    max_size: int,
    warnings: list[str],
    *,
    more_pages: bool = False,
) -> tuple[list[RawRecord], list[RecordError]]:
    """Raw records from the pages, ``max_records`` at most (a warning says how many more
    were left out); each record's path is its page's URL."""
    records: list[RawRecord] = []
    errors: list[RecordError] = []
    left_out = 0
    for page in pages:
        room = source.max_records - len(records) - len(errors)
        if source.is_listing:  # already checked against max_bytes, and it is JSON
            body, cut = first_items(page.body, room)
            raws, bad = parse_record_bytes(body, page.url, ".json", max_size=source.max_bytes)
            left_out += cut
        else:
            raws, bad = parse_record_bytes(
                page.body, page.url, url_suffix(page.url), max_size=max_size
            )
        over = max(0, len(raws) + len(bad) - room)
        if over:  # a record file's list, or a page jsonpos could not cut
            left_out += over
            raws = raws[:room]
            bad = bad[: room - len(raws)]
        records += raws
        errors += bad
    if left_out or more_pages:
        later = ", and later pages were not read" if more_pages else ""
        warnings.append(
            f"{source.url}: stopped at max_records ({source.max_records}): {left_out:,} more "
            f"records in the pages read were left out{later}; raise max_records to read them"
        )
    return records, errors


def _expanded_headers(source: RemoteSource) -> dict[str, str]:
    """Header values with ``${VAR}`` read from the environment; messages name, never show."""
    headers: dict[str, str] = {}
    for name, template in source.headers.items():
        missing = [var for var in _ENV.findall(template) if var not in os.environ]
        if missing:
            raise FetchError(
                source.url, f"header {name}: environment variable {missing[0]} is not set"
            )
        value = _ENV.sub(lambda m: os.environ[m.group(1)], template)
        if any(ord(c) < 32 or ord(c) > 255 or c == "\x7f" for c in value.replace("\t", " ")):
            raise FetchError(source.url, f"header {name}: value holds a control character")
        headers[name] = value
    return headers


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
