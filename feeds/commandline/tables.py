"""``feeds topics``' rows as text: an aligned table cut to a width, or JSON; no I/O."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..commands import TopicRow


def topics_json(rows: Sequence[TopicRow]) -> str:
    """``feeds topics --format json``."""
    return json.dumps([row.to_json() for row in rows], indent=2, ensure_ascii=False)


_WIDE = ("TOPIC", "SLUG", "PARENT", "PUBLISHED", "UNPUBLISHED", "SCHEDULED", "NEWEST", "FEEDS")
_NARROW = ("TOPIC", "SLUG", "PARENT", "PUB", "UNPUB", "SCHED", "NEWEST")
_CUT_FIRST = ("NOTES", "PARENT", "TOPIC", "SLUG")
"""The columns cut to fit a width, in this order, none below ``_CUT_TO`` characters."""
_CUT_TO = 12


def topics_table(rows: Sequence[TopicRow], width: int | None = None) -> str:
    """``feeds topics`` as an aligned plain-text table: cut to ``width`` characters a line
    (without the feed URLs, cells cut with "…"), or whole when ``width`` is None."""
    header = (*(_WIDE if width is None else _NARROW), "NOTES")
    lines = [header] + [
        (
            row.name,
            row.slug or "-",
            row.parent or "-",
            str(row.published),
            str(row.unpublished),
            str(row.scheduled),
            f"{row.newest:%Y-%m-%d}" if row.newest else "-",
            *([" ".join(row.feed_urls) or "-"] if width is None else []),
            row.note,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    if width is not None:
        _fit(widths, [header.index(name) for name in _CUT_FIRST], width)
    return "\n".join(
        "  ".join(
            _cut(cell, size).ljust(size) for cell, size in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    )


def _fit(widths: list[int], order: Sequence[int], width: int) -> None:
    """Narrow the columns in ``order``, each in turn, until a line fits ``width``."""
    for column in order:
        over = sum(widths) + 2 * (len(widths) - 1) - width
        if over <= 0:
            return
        widths[column] = max(min(widths[column], _CUT_TO), widths[column] - over)


def _cut(cell: str, size: int) -> str:
    return cell if len(cell) <= size else cell[: size - 1] + "…"
