"""Read stage: the text of a JSON or YAML record file → its raw records: one mapping, a
list of them, or a listing ``{"value": [...]}``; each item's line kept for messages. No I/O.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from ..core.errors import RecordError
from ..core.location import SourceLocation
from .jsonpos import item_spans, lines_of
from .raw import RawRecord, child_node, compose_quietly, kind_of, load_yaml


def data_records(
    text: str, display: str, *, json_only: bool
) -> tuple[list[RawRecord], list[RecordError]]:
    node: yaml.Node | None = None
    if json_only:
        data = _load_json(text, display)
    else:
        data, node = load_yaml(text, display, offset=0)
    # A listing {"page": 1, "value": [...], "nextPage": 2}, a list, or one record.
    listing = isinstance(data, dict) and isinstance(data.get("value"), list) and "title" not in data
    if isinstance(data, dict) and not listing:
        # JSON keeps its text: the node tree for a field's line is built only on error.
        where = SourceLocation(display, 1)
        return [RawRecord(data, "", where, node, text=text if json_only else None)], []
    if not listing and not isinstance(data, list):
        raise RecordError(
            f"file holds {kind_of(data)}; a record file holds a mapping, a list of them "
            'or a listing {"value": [...]}',
            SourceLocation(display, 1),
        )
    items: list[Any] = data["value"] if listing else data
    places = _json_places(text, items, listing) if json_only else None
    if places is None:
        if json_only:
            node = compose_quietly(text)
        places = _node_places(node, items, listing)
    records: list[RawRecord] = []
    errors: list[RecordError] = []
    for number, (item, (line, item_node, offset, own_text)) in enumerate(
        zip(items, places, strict=True), 1
    ):
        where = SourceLocation(display, line)
        if isinstance(item, dict):
            body = item.get("body") if isinstance(item.get("body"), str) else ""
            records.append(RawRecord(item, body or "", where, item_node, offset, own_text))
        else:
            errors.append(
                RecordError(f"item {number} is {kind_of(item)}, not a record mapping", where)
            )
    return records, errors


_Place = tuple[int | None, yaml.Node | None, int, str | None]
"""Where an item of a data file starts: its line, and its node tree or its own text
(with the lines before it) for the line of a field."""


def _json_places(text: str, items: list[Any], listing: bool) -> list[_Place] | None:
    """Each item's line found by ``jsonpos``, keeping the item's text; None when the
    scanner does not find the items ``json.loads`` read."""
    spans = item_spans(text, listing=listing)
    if spans is None or len(spans) != len(items):
        return None
    lines = lines_of(text, spans)
    return [
        (line, None, line - 1, text[start:end])
        for line, (start, end) in zip(lines, spans, strict=True)
    ]


def _node_places(node: yaml.Node | None, items: list[Any], listing: bool) -> list[_Place]:
    """Each item's line and node from the file's node tree (no line without one)."""
    if listing and node is not None:
        node = child_node(node, "value", None)
    nodes = node.value if isinstance(node, yaml.SequenceNode) else []
    if len(nodes) != len(items):
        return [(None, None, 0, None)] * len(items)
    return [(n.start_mark.line + 1, n, 0, None) for n in nodes]


def _load_json(text: str, display: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(
            f"JSON syntax error: {error.msg} (column {error.colno}); fix the JSON at this line",
            SourceLocation(display, error.lineno),
        ) from None
    except RecursionError:
        raise RecordError(
            "JSON is nested too deeply; records are at most a few levels deep",
            SourceLocation(display, 1),
        ) from None
