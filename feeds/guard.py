"""Last good feed wins: hold back a feed that a run would empty or nearly empty; reads
the previous feed files, writes nothing.

A folder that is unmounted or half-synced reads as "few records", which would publish
near-empty feeds to every subscriber. A feed whose entries would fall below
``shrink_threshold`` of the previous file's is kept as it is and reported instead.
"""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

_ENTRY_TAGS = frozenset({"item", "{http://www.w3.org/2005/Atom}entry"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feed about to be written: where, and how many entries the new version has."""

    path: str
    """Relative to the output folder."""
    entries: int
    limit: int
    site_wide: bool


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A feed kept at its previous version, and why."""

    path: str
    previous: int
    entries: int
    reason: str = ""

    def message(self) -> str:
        """The line shown on stderr and in the report's warnings."""
        return (
            f"{self.path}: kept the previous feed ({self.previous} entries); this run would "
            f"leave {self.entries} ({self.reason}); check the sources, or run with --force "
            "to publish it"
        )


def previous_entries(path: Path) -> int | None:
    """How many entries the feed file at ``path`` (RSS, Atom or JSON Feed) holds; None
    when missing or unreadable."""
    if path.suffix == ".json":
        return _json_items(path)
    count = 0
    with contextlib.suppress(OSError, ElementTree.ParseError):
        for _, element in ElementTree.iterparse(path, events=("end",)):
            if element.tag in _ENTRY_TAGS:
                count += 1
                element.clear()
        return count
    return None


def _json_items(path: Path) -> int | None:
    try:
        feed = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    items = feed.get("items") if isinstance(feed, dict) else None
    return len(items) if isinstance(items, list) else None


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
    shrinking: list[HeldBack] = []
    for feed in feeds:
        if feed.entries >= feed.limit:
            continue
        previous = previous_entries(output / feed.path)
        if previous is not None and feed.entries < previous:
            shrinking.append(HeldBack(feed.path, previous, feed.entries))
    site_paths = {f.path for f in feeds if f.site_wide}
    # A source that failed with no copy to fall back on makes every shrinking feed suspect.
    collapsed = sources_failed or any(
        h.path in site_paths and h.entries < threshold * h.previous for h in shrinking
    )
    below = f"fewer than shrink_threshold {threshold:g} of them"
    return [
        replace(
            h,
            reason="a source failed, with no copy to stand in"
            if sources_failed
            else below
            if h.entries < threshold * h.previous
            else "the site-wide feed is held back too",
        )
        for h in shrinking
        if collapsed or h.entries < threshold * h.previous
    ]
