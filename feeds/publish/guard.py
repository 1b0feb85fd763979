"""Last good feed wins: hold back a feed that a run would empty or nearly empty; reads
the previous feed files, writes nothing.

A folder that is unmounted or half-synced reads as "few records", which would publish
near-empty feeds to every subscriber. A feed whose entries would fall below
``shrink_threshold`` of the previous file's is kept as it is and reported instead, with
what the kept file holds (``Previous``): the pages and OPML describe the kept feed.
"""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..core.errors import plural

_ATOM = "{http://www.w3.org/2005/Atom}"
_ENTRY_TAGS = frozenset({"item", f"{_ATOM}entry"})
_PUBLISHED = {"item": "pubDate", f"{_ATOM}entry": f"{_ATOM}published"}
"""Where each entry's publication date sits (RSS, Atom)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feed about to be written: where, and how many entries the new version has."""

    path: str
    """Relative to the output folder."""
    entries: int
    limit: int
    site_wide: bool


@dataclass(frozen=True, slots=True)
class Previous:
    """What a feed file already published holds."""

    entries: int
    newest: datetime | None = None
    """The newest entry's publication date; ``None`` without entries (or dates)."""
    updated: datetime | None = None
    """The feed's own date (RSS ``lastBuildDate``, Atom ``updated``, JSON Feed: the newest
    item change)."""


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A feed kept at its previous version, and why."""

    path: str
    kept: Previous
    entries: int
    reason: str = ""

    @property
    def previous(self) -> int:
        """How many entries the kept file holds."""
        return self.kept.entries

    def message(self) -> str:
        """The line shown on stderr and in the report's warnings."""
        return (
            f"{self.path}: kept the previous feed ({plural(self.previous, 'entry', 'entries')}); "
            f"this run would leave {self.entries} ({self.reason}); check the sources, or run "
            "with --force to publish it"
        )


def read_previous(path: Path, *, dates: bool = True) -> Previous | None:
    """What the feed file at ``path`` (RSS, Atom or JSON Feed) holds; None when missing
    or unreadable. Dates that do not parse are left out rather than guessed; with
    ``dates=False`` none are parsed (the count alone)."""
    if path.suffix == ".json":
        return _json_feed(path, dates)
    count = 0
    newest: datetime | None = None
    root: ElementTree.Element | None = None
    with contextlib.suppress(OSError, ElementTree.ParseError):
        for event, element in ElementTree.iterparse(path, events=("start", "end")):
            if root is None:
                root = element
            if event == "end" and element.tag in _ENTRY_TAGS:
                count += 1
                if dates:
                    newest = _later(newest, _date(element.findtext(_PUBLISHED[element.tag])))
                element.clear()  # a kept feed may be large: entries are not held
        if root is None:
            return None
        if not dates:
            return Previous(count)
        head = root.find("channel") if root.tag == "rss" else root
        head = root if head is None else head
        updated = _date(head.findtext("lastBuildDate") or head.findtext(f"{_ATOM}updated"))
        return Previous(count, newest, updated)
    return None


def _json_feed(path: Path, dates: bool) -> Previous | None:
    try:
        feed = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        return None
    if not dates:
        return Previous(len(items))
    newest = updated = None
    for item in items:
        if isinstance(item, dict):
            published = _date(item.get("date_published"))
            newest = _later(newest, published)
            updated = _later(updated, _date(item.get("date_modified")) or published)
    return Previous(len(items), newest, updated)


def _date(text: object) -> datetime | None:
    """An RFC 822 (RSS) or RFC 3339 (Atom, JSON Feed) date as aware UTC; None if neither."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


def held_back(
    output: Path, feeds: Sequence[Candidate], threshold: float, *, sources_failed: bool = False
) -> list[HeldBack]:
    """The feeds to keep at their previous version.

    A feed is held back when it would keep fewer than ``threshold`` of its entries. When
    the site-wide feed is held back, the sources as a whole are suspect, so every feed
    that would lose entries is held back too. A full feed (``limit`` entries) never is.
    """
    if threshold <= 0:
        return []
    shrinking = _shrinking(output, feeds)
    site_paths = {f.path for f in feeds if f.site_wide}
    # A source that failed with no copy to fall back on makes every shrinking feed suspect.
    collapsed = sources_failed or any(
        h.path in site_paths and _too_small(h, threshold) for h in shrinking
    )
    return [
        replace(h, reason=_reason(h, threshold, sources_failed))
        for h in shrinking
        if collapsed or _too_small(h, threshold)
    ]


def _shrinking(output: Path, feeds: Sequence[Candidate]) -> list[HeldBack]:
    """The feeds that would hold fewer entries than their previous file (not yet held
    back: no reason). A full feed (``limit`` entries) never shrinks."""
    shrinking: list[HeldBack] = []
    for feed in feeds:
        if feed.entries >= feed.limit:
            continue
        path = output / feed.path
        counted = read_previous(path, dates=False)  # most feeds do not shrink: no dates
        if counted is None or feed.entries >= counted.entries:
            continue
        previous = read_previous(path)
        if previous is not None and feed.entries < previous.entries:
            shrinking.append(HeldBack(feed.path, previous, feed.entries))
    return shrinking


def _too_small(feed: HeldBack, threshold: float) -> bool:
    """Whether the feed would keep fewer than ``threshold`` of its previous entries."""
    return feed.entries < threshold * feed.previous


def _reason(feed: HeldBack, threshold: float, sources_failed: bool) -> str:
    """Why a shrinking feed is held back, as its message says it."""
    if sources_failed:
        return "a source failed, with no copy to stand in"
    if _too_small(feed, threshold):
        return f"fewer than shrink_threshold {threshold:g} of them"
    return "the site-wide feed is held back too"
