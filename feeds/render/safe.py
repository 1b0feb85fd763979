"""Render-time guard: records are untrusted wherever they come from (the parse cache on
disk, a worker, a remote source), so before a feed or page draws them their HTML is
sanitized again and their links checked; no I/O.

Validation did the same when the record was read; for such records nothing changes and
the record itself is returned. What validation could never have produced is made safe
here instead of drawn: HTML reduced to the allow-list, a link that is not http(s) left
out, and an entry whose own link or id is not, left out of the feed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import replace

from ..core.media import Video
from ..core.model import Provider, Record, RelatedItem
from ..core.urls import is_host_name, url_problem
from ..records.sanitize import sanitize_html

_SANITIZER_CHANGES = re.compile("[<>&\r\xa0\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What ``sanitize_html`` could change in a fragment: markup, entities, a carriage return
(HTML parsing turns CR LF into LF), a no-break space and the characters XML forbids."""


def safe_html(fragment: str) -> str | None:
    """``fragment`` reduced to the allow-list (``sanitize_html``); None when nothing is left.

    Plain text (most excerpts) comes back as it is without the sanitizer: with none of
    ``_SANITIZER_CHANGES`` in it, ``sanitize_html`` returns it unchanged (a property test
    holds the two to that)."""
    if fragment.strip() and not _SANITIZER_CHANGES.search(fragment):
        return fragment
    return _sanitized(fragment)


@functools.lru_cache(maxsize=8192)  # a record's HTML is drawn in every feed and format it is in
def _sanitized(fragment: str) -> str | None:
    return sanitize_html(fragment) or None


def is_safe_link(url: str) -> bool:
    """Whether ``url`` may be a link in a feed or page: what validation lets through."""
    return url_problem(url) is None


def safe_entries(records: Sequence[Record]) -> Sequence[Record]:
    """The records as they may be drawn (see the module's docstring); ``records`` itself
    when every one already is."""
    checked = [safe_record(record) for record in records]
    if all(new is old for new, old in zip(checked, records, strict=True)):
        return records
    return tuple(record for record in checked if record is not None)


_CHECKED: dict[int, tuple[Record, Record | None]] = {}
"""``safe_record``'s answers by record: a record is drawn in every feed and format it is
in. The record is kept beside its answer, so its id cannot be another's."""
_CHECKED_LIMIT = 65536


def safe_record(record: Record) -> Record | None:
    """The record with its HTML sanitized and unsafe links left out; None when its own
    link or id is not an http(s) URL; the record itself when nothing needed changing."""
    found = _CHECKED.get(id(record))
    if found is not None and found[0] is record:
        return found[1]
    safe = _safe_record(record)
    if len(_CHECKED) >= _CHECKED_LIMIT:
        _CHECKED.clear()
    _CHECKED[id(record)] = (record, safe)
    return safe


def _safe_record(record: Record) -> Record | None:
    if not (is_safe_link(record.url) and is_safe_link(record.canonical_url)):
        return None
    excerpt = _html(record.excerpt)
    body = _html(record.body_html)
    images = tuple(i for i in record.images if is_safe_link(i.url))
    related = tuple(r for r in map(_related, record.related) if r is not None)
    provider = _provider(record.provider)
    video = record.video if record.video is None or _safe_video(record.video) else None
    if (
        excerpt is record.excerpt
        and body is record.body_html
        and len(images) == len(record.images)
        and all(new is old for new, old in zip(related, record.related, strict=False))
        and len(related) == len(record.related)
        and provider is record.provider
        and video is record.video
    ):
        return record
    return replace(
        record,
        excerpt=excerpt,
        body_html=body,
        images=images,
        related=related,
        provider=provider,
        video=video,
    )


def _html(fragment: str | None) -> str | None:
    """The fragment itself when it is sanitized already, else its sanitized form."""
    if fragment is None:
        return None
    safe = safe_html(fragment)
    return fragment if safe == fragment else safe


def _related(item: RelatedItem) -> RelatedItem | None:
    if not is_safe_link(item.url):
        return None
    excerpt = _html(item.excerpt)
    provider = _provider(item.provider)
    if excerpt is item.excerpt and provider is item.provider:
        return item
    return replace(item, excerpt=excerpt, provider=provider)


def _provider(provider: Provider | None) -> Provider | None:
    """The provider; without its domain (its link) when that is not a host name."""
    if provider is None or provider.domain is None or is_host_name(provider.domain):
        return provider
    return Provider(provider.name)


def _safe_video(video: Video) -> bool:
    links = (video.watch_url, video.player_url, video.thumbnail_url or video.watch_url)
    return all(is_safe_link(url) for url in links)
