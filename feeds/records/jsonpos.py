"""Where each record of a JSON file starts, for line numbers; pure.

A JSON record file holds a record, a list of them or a listing ``{"value": [...]}``.
Its data comes from ``json.loads``; this finds each item's span in the text with the
json module's own scanner, which costs about as much again, instead of building YAML's
node tree of the whole file (ten times the time, and a node per value in memory).
Anything unexpected gives None and the caller falls back to the node tree.
"""

from __future__ import annotations

import json
import re

Span = tuple[int, int]
"""An item's start and end offsets in the text."""

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def item_spans(text: str, *, listing: bool) -> list[Span] | None:
    """The span of each item of the top-level list, or (``listing``) of the list under
    the top-level object's last ``"value"`` key, as ``json.loads`` reads it; None when
    the text is not shaped so."""
    try:
        return _listing_spans(text) if listing else _array_spans(text, _skip(text, 0))[0]
    except (ValueError, IndexError, RecursionError):
        return None


def _skip(text: str, pos: int) -> int:
    found = _SPACE.match(text, pos)
    return found.end() if found is not None else pos


def _array_spans(text: str, pos: int) -> tuple[list[Span], int]:
    """The spans of the array starting at ``pos`` and the offset after it."""
    if text[pos] != "[":
        raise ValueError("not an array")
    spans: list[Span] = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return spans, pos + 1
    while True:
        _, end = _DECODER.raw_decode(text, pos)
        spans.append((pos, end))
        pos = _skip(text, end)
        if text[pos] == "]":
            return spans, pos + 1
        if text[pos] != ",":
            raise ValueError("expected ',' or ']'")
        pos = _skip(text, pos + 1)


def _listing_spans(text: str) -> list[Span] | None:
    pos = _skip(text, 0)
    if text[pos] != "{":
        raise ValueError("not an object")
    spans: list[Span] | None = None
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        return None
    while True:
        if text[pos] != '"':
            raise ValueError("expected a key")
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise ValueError("expected ':'")
        pos = _skip(text, pos + 1)
        if key == "value" and text[pos] == "[":
            spans, pos = _array_spans(text, pos)  # json.loads keeps the last "value"
        else:
            if key == "value":
                spans = None
            _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] == "}":
            return spans
        if text[pos] != ",":
            raise ValueError("expected ',' or '}'")
        pos = _skip(text, pos + 1)


def lines_of(text: str, spans: list[Span]) -> list[int]:
    """The 1-based line each span starts on (lines end with a line feed)."""
    lines: list[int] = []
    line, last = 1, 0
    for start, _ in spans:
        line += text.count("\n", last, start)
        last = start
        lines.append(line)
    return lines
