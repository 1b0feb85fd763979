"""Network edge, part 2b: what a remote source's pages hold: strict JSON, a listing's
items and the URL of its next page; no I/O (the pages come from ``remote``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..core.sources import RemoteSource
from ..core.urls import server_url
from ..net.cachefiles import CacheEntry
from ..net.httpcache import FetchError
from ..records.frontmatter import kind_of
from ..records.jsonpos import item_spans

_PAGE_PATH = re.compile(r"(?:page/\d+/)?index\.json$")


def first_items(body: bytes, room: int) -> tuple[bytes, int]:
    """A listing page cut after its first ``room`` items, and how many items were cut.

    Cut in the text, before the records are parsed: a page of a million ``{}`` would
    otherwise make a million records first (and the lines of those kept stay right)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body, 0
    spans = item_spans(text, listing=True)
    if spans is None or len(spans) <= room:
        return body, 0
    if room <= 0:
        return b'{"value": []}', len(spans)
    return (text[: spans[room - 1][1]] + "]}").encode("utf-8"), len(spans) - room


def strict_json(entry: CacheEntry) -> Any:
    """The page's JSON: UTF-8, no NaN or Infinity, no repeated keys."""

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("a key is repeated in an object")
        return dict(pairs)

    try:
        text = entry.body.decode("utf-8")
        return json.loads(text, parse_constant=no_constant, object_pairs_hook=no_repeats)
    except UnicodeDecodeError:
        raise FetchError(entry.url, "invalid JSON: not UTF-8") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FetchError(entry.url, f"invalid JSON: {error.msg} ({where})") from None
    except (ValueError, RecursionError) as error:
        raise FetchError(entry.url, f"invalid JSON: {error or 'nested too deeply'}") from None


def listing_of(entry: CacheEntry) -> Mapping[str, Any]:
    """The page as a listing, or a FetchError saying why it is not one."""
    data = strict_json(entry)
    if not isinstance(data, dict) or not isinstance(data.get("value"), list) or "title" in data:
        found = kind_of(data) if not isinstance(data, dict) else "a mapping without a 'value' list"
        found = "a single record" if isinstance(data, dict) and "title" in data else found
        raise FetchError(entry.url, f'not a listing {{"value": [...]}} (found {found})')
    number = data.get("nextPage")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
        raise FetchError(entry.url, f"nextPage is {kind_of(number)}, not a page number")
    link = data.get("nextPageUrl")
    if link is not None and not isinstance(link, str):
        raise FetchError(entry.url, f"nextPageUrl is {kind_of(link)}, not a URL")
    return data


def next_url(source: RemoteSource, page_url: str, listing: Mapping[str, Any]) -> str | None:
    """The next page: ``nextPageUrl``, else page ``nextPage`` by template or by derivation."""
    link: str | None = listing.get("nextPageUrl")
    if link:
        url = server_url(page_url, link)
        if url is None:
            raise FetchError(page_url, f"nextPageUrl is not a usable http(s) URL ({link[:80]!r})")
        return url
    number = listing.get("nextPage")
    if number is None:
        return None
    if source.next_page_url is not None:
        return source.next_page_url.format(page=number)
    return page_url_of(source.url, number)


def page_url_of(listing_url: str, number: int) -> str:
    """Page ``number`` of a listing: ``…/index.json`` or ``…/page/K/index.json`` →
    ``…/page/N/index.json`` (query kept)."""
    parts = urlsplit(listing_url)
    path = _PAGE_PATH.sub("", parts.path) + f"page/{number}/index.json"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
