"""Render stage: (FeedSpec, records) → JSON Feed 1.1 bytes; no I/O.

Same entries, ids, dates and authors as the RSS and Atom feeds (see ``render``), written
after https://jsonfeed.org/version/1.1 with keys in the spec's order so output is stable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser

from ..core.model import FeedExtras, FeedSpec, Provider, Record, RelatedItem
from ..records.sanitize import clean_text
from .entryhtml import content_html
from .jsontext import indented_json

VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION = "_feeds"
"""Our custom object (the spec reserves names starting with ``_``): the related coverage."""

JSONObject = dict[str, object]

_SPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment (entities decoded, tags dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Block boundaries become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
        self.parts.append(" ")


def plain_text(fragment: str) -> str:
    """The text of a sanitized HTML fragment, white space collapsed."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return _SPACE.sub(" ", "".join(collector.parts)).strip()


def rfc3339(when: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC, ``Z``-suffixed."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} (dates must carry a time zone)")
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _author(name: str, url: str | None) -> JSONObject:
    author: JSONObject = {"name": clean_text(name)}
    if url:
        author["url"] = clean_text(url)
    return author


def _provider(provider: Provider) -> JSONObject:
    return _author(provider.name, provider.url)


def _related(item: RelatedItem) -> JSONObject:
    out: JSONObject = {"title": clean_text(item.title), "url": clean_text(item.url)}
    if item.provider is not None:
        out["provider"] = _provider(item.provider)
    if item.published_at is not None:
        out["date_published"] = rfc3339(item.published_at)
    return out


def _item(record: Record, *, full: bool) -> JSONObject:
    item: JSONObject = {
        "id": clean_text(record.canonical_url),
        "url": clean_text(record.url),
        "title": clean_text(record.title),
    }
    # content_html is the full content as in Atom <content>; with ``content: summary``
    # (FeedSpec.content), or when it would only repeat the excerpt, the excerpt stands in.
    # The spec needs content_html or content_text: the title is the last resort, as text.
    full_html = content_html(record) if full else None
    html = full_html or (clean_text(record.excerpt) if record.excerpt else None)
    if html:
        item["content_html"] = html
    else:
        item["content_text"] = clean_text(record.title)
    summary = plain_text(clean_text(record.excerpt)) if record.excerpt else ""
    if summary:
        item["summary"] = summary
    if record.images:
        item["image"] = clean_text(record.images[0].url)
    item["date_published"] = rfc3339(record.published_at)
    item["date_modified"] = rfc3339(record.modified_at)
    if record.provider is not None:
        # Items without authors inherit the feed's (the site), as Atom entries do.
        item["authors"] = [_provider(record.provider)]
    if record.topics:
        item["tags"] = [clean_text(topic) for topic in record.topics]
    if record.related:
        item[EXTENSION] = {"related": [_related(r) for r in record.related]}
    return item


def render_json_feed(
    spec: FeedSpec,
    records: Sequence[Record],
    *,
    feed_url: str,
    home_page_url: str,
    hubs: Sequence[str] = (),
) -> bytes:
    """Render one JSON Feed 1.1 document: the records in the order given, as UTF-8 JSON."""
    title = clean_text(spec.title)
    feed: JSONObject = {
        "version": VERSION,
        "title": title,
        "home_page_url": clean_text(home_page_url),
        "feed_url": clean_text(feed_url),
        "description": clean_text(spec.description) or title,
        "authors": [_author(spec.author, spec.site_url)],
    }
    if spec.language:
        feed["language"] = clean_text(spec.language)
    if hubs:
        feed["hubs"] = [{"type": "WebSub", "url": clean_text(hub)} for hub in hubs]
    full = spec.content != "summary"
    feed["items"] = [_item(record, full=full) for record in records]
    text = indented_json(feed)
    return (text + "\n").encode("utf-8")


def json_feed_file(
    spec: FeedSpec,
    fmt: str,
    records: Sequence[Record],
    feed_url: str,
    updated: datetime,
    extras: FeedExtras,
) -> bytes:
    """``render_feed``'s renderer for JSON Feed (``fmt`` "json"). JSON Feed has no
    feed-level date, so ``updated`` goes unused: each item carries its own."""
    home = extras.home_page_url or spec.site_url
    return render_json_feed(spec, records, feed_url=feed_url, home_page_url=home, hubs=extras.hubs)
