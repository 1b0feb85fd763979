"""Select stage, first step: one record per story (the newest copy wins), then split by
status at a given moment (published, unpublished, scheduled); pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..core.model import Story


@dataclass(frozen=True, slots=True)
class Classified:
    """Unique records split by status at a given moment."""

    published: tuple[Story, ...]
    unpublished: tuple[Story, ...]
    scheduled: tuple[Story, ...]
    duplicates: tuple[tuple[Story, Story], ...]
    """(dropped, kept) pairs: records that lost to a newer copy of the same story."""


def _freshness(record: Story) -> tuple[datetime, datetime]:
    return (record.modified_at, record.published_at)


def _source_order(record: Story) -> tuple[str, int]:
    return (record.source.path, record.source.line or 0)


def dedupe(records: Iterable[Story]) -> tuple[list[Story], list[tuple[Story, Story]]]:
    """Keep one record per canonical URL: the newest by update, then publication date.

    Ties go to the first source path, so the choice never depends on reading order.
    Returns the kept records and (dropped, kept) pairs.
    """
    best: dict[str, Story] = {}
    losers: dict[str, list[Story]] = {}
    for record in records:
        key = record.canonical_url
        current = best.get(key)
        if current is None:
            best[key] = record
            continue
        if _beats(record, current):
            best[key] = record
            losers.setdefault(key, []).append(current)
        else:
            losers.setdefault(key, []).append(record)
    dropped = [
        (loser, best[key])
        for key in sorted(losers)
        for loser in sorted(losers[key], key=_source_order)
    ]
    return list(best.values()), dropped


def _beats(challenger: Story, holder: Story) -> bool:
    a, b = _freshness(challenger), _freshness(holder)
    if a != b:
        return a > b
    return _source_order(challenger) < _source_order(holder)


def classify(records: Iterable[Story], now: datetime) -> Classified:
    """Dedupe, then split into published, unpublished and scheduled (dated after ``now``)."""
    unique, duplicates = dedupe(records)
    published: list[Story] = []
    unpublished: list[Story] = []
    scheduled: list[Story] = []
    for record in unique:
        if not record.is_published:
            unpublished.append(record)
        elif record.published_at > now:
            scheduled.append(record)
        else:
            published.append(record)
    return Classified(tuple(published), tuple(unpublished), tuple(scheduled), tuple(duplicates))
