"""Read stage: one record file → raw records (a front-matter mapping and a body).

File I/O happens here and in ``sources``; every problem becomes a ``RecordError``, never
an exception escaping to the caller, so one bad file cannot stop a build.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import RecordError, tab_problem, utf8_text
from ..core.model import SourceLocation
from . import fastyaml
from .jsonpos import item_spans, lines_of

# libyaml builds the same objects several times faster; fall back when it is missing.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
RECORD_SUFFIXES = MARKDOWN_SUFFIXES | DATA_SUFFIXES

_FENCE = re.compile(r"(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# The same line after a newline: a literal to search for, several times faster than '^'.
_LATER_FENCE = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|$)")
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# Bytes that need no cleaning: printable ASCII, tab and newline. Deleting them (in C)
# leaves the non-ASCII text, if any, and anything that needs the careful path.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n"
_HIGH_BYTES = bytes(range(0x80, 0x100))


@dataclass(slots=True)
class RawRecord:
    """One record as read: plain data, its Markdown body and where it starts.

    ``line_of`` finds the line of a field only when asked (errors are rare), from the
    YAML node tree kept for that purpose.
    """

    data: Mapping[str, Any]
    body: str
    source: SourceLocation
    node: yaml.Node | None = field(default=None, repr=False)
    line_offset: int = 0
    """Added to node line numbers: the lines before the front matter in the file."""
    text: str | None = field(default=None, repr=False)
    """The YAML text when the fast path read it: its node tree is built only for errors."""

    def line_of(self, path: str) -> int | None:
        """The 1-based line of a field such as ``provider.name`` or ``related[2].webUrl``."""
        if self.node is None and self.text is not None:
            self.node = _compose_quietly(self.text)
        node = self.node
        if node is None:
            return self.source.line
        for name, index in _PATH_PART.findall(path):
            child = _child(node, name, int(index) if index else None)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1 + self.line_offset


def _child(node: yaml.Node, name: str, index: int | None) -> yaml.Node | None:
    if index is not None and isinstance(node, yaml.SequenceNode):
        return node.value[index] if 0 <= index < len(node.value) else None
    if name and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value  # type: ignore[no-any-return]
    return None


def read_record_file(
    path: Path | str, display: str, *, max_size: int
) -> tuple[list[RawRecord], list[RecordError]]:
    """Every record in one file, and a RecordError for each one that could not be read.

    ``path`` may be a str: listing gives str paths, and a Path per file costs more here
    than the reading does."""
    try:
        data = _read_bytes(path, display, max_size)
    except RecordError as error:
        return [], [error]
    suffix = os.path.splitext(path)[1]  # noqa: PTH122 - see above
    return parse_record_bytes(data, display, suffix, max_size=max_size)


def parse_record_bytes(
    data: bytes, display: str, suffix: str, *, max_size: int
) -> tuple[list[RawRecord], list[RecordError]]:
    """The records in one file's bytes (from disk or HTTP); ``suffix`` picks the format."""
    try:
        text = _decode(data, display, max_size)
        if suffix.lower() in MARKDOWN_SUFFIXES:
            return [_markdown_record(text, display)], []
        return _data_records(text, display, json_only=suffix.lower() == ".json")
    except RecordError as error:
        return [], [error]


def _read_bytes(path: Path | str, display: str, max_size: int) -> bytes:
    try:
        # os.read, not open(): no buffered file object (and its fstat) per record file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            return _read_to(fd, max_size + 1)  # one byte past the limit: files grow
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise RecordError(
            "file disappeared while reading; it is read on the next run", SourceLocation(display)
        ) from None
    except OSError as error:
        raise RecordError(
            f"cannot read file ({error.strerror}); check its permissions", SourceLocation(display)
        ) from None


def _read_to(fd: int, limit: int) -> bytes:
    """Bytes from ``fd`` until its end or ``limit`` of them."""
    first = os.read(fd, min(limit, _FIRST_READ))
    if not first or len(first) == limit:
        return first
    parts = [first]
    total = len(first)
    while total < limit and (more := os.read(fd, min(limit - total, 1 << 20))):
        parts.append(more)
        total += len(more)
    return b"".join(parts)


_FIRST_READ = 64 * 1024
"""Enough for nearly every record file in one read (the next one finds the end)."""


def _decode(data: bytes, display: str, max_size: int) -> str:
    where = SourceLocation(display)
    if len(data) > max_size:
        raise RecordError(
            f"file is larger than max_file_size ({max_size} bytes); "
            "split it or raise max_file_size in the config",
            where,
        )
    if not data.strip():
        raise RecordError("empty file; add a record or delete the file", where)
    return plain_text(data) or decode_carefully(data, display)


def plain_text(data: bytes) -> str | None:
    """``data`` as text when it needs no cleaning (nearly every file), else None."""
    odd = data.translate(None, _PLAIN_BYTES)
    if odd.translate(None, _HIGH_BYTES) or data.startswith(codecs.BOM_UTF8):
        return None  # a control character, CR, NUL or a byte-order mark
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Valid UTF-8 needs no change unless its non-ASCII part holds what _CONTROLS removes.
    return text if not odd or _CONTROLS.search(odd.decode("utf-8")) is None else None


def decode_carefully(data: bytes, display: str) -> str:
    """Non-empty ``data`` as text: decoded, line breaks made '\\n', control characters
    dropped, or a RecordError naming the trouble."""
    where = SourceLocation(display)
    if b"\0" in data:
        raise RecordError("binary file (contains NUL bytes); records are UTF-8 text", where)
    text = utf8_text(data, display, RecordError)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # YAML refuses control characters (DEL, C1, a stray ESC) that scraped text often
    # carries; feeds could not show them either, so they go before parsing.
    return _CONTROLS.sub("", text)


def _markdown_record(text: str, display: str) -> RawRecord:
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        raise RecordError(
            "no front matter; start the file with a '---' line, the YAML fields, then '---'",
            SourceLocation(display, 1),
        )
    close = _FENCE.match(rest) or _LATER_FENCE.search(rest)
    if close is None:
        raise RecordError(
            "front matter is not closed; add a '---' line after the YAML fields",
            SourceLocation(display, 1),
        )
    front = rest[: close.start() + (rest[close.start()] == "\n")]
    body = rest[close.end() + 1 :]
    fast = fastyaml.parse(front)
    if fast is not None:
        return RawRecord(fast, body, SourceLocation(display, 1), line_offset=1, text=front)
    data, node = _load_yaml(front, display, offset=1)
    if data is None:
        raise RecordError(
            "front matter is empty; add the record's fields", SourceLocation(display, 1)
        )
    if not isinstance(data, dict):
        raise RecordError(
            f"front matter is {kind_of(data)}, not a mapping; write one 'field: value' per line",
            SourceLocation(display, 2),
        )
    return RawRecord(data, body, SourceLocation(display, 1), node, line_offset=1)


def _data_records(
    text: str, display: str, *, json_only: bool
) -> tuple[list[RawRecord], list[RecordError]]:
    node: yaml.Node | None = None
    if json_only:
        data = _load_json(text, display)
    else:
        data, node = _load_yaml(text, display, offset=0)
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
            node = _compose_quietly(text)
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
        node = _child(node, "value", None)
    nodes = node.value if isinstance(node, yaml.SequenceNode) else []
    if len(nodes) != len(items):
        return [(None, None, 0, None)] * len(items)
    return [(n.start_mark.line + 1, n, 0, None) for n in nodes]


def _load_yaml(text: str, display: str, *, offset: int) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 + offset if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        if isinstance(error, yaml.constructor.ConstructorError) and "tag" in problem:
            tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
            message = f"YAML tag {tag} is not allowed; records hold plain text, numbers and lists"
        else:
            started = error.context_mark
            if error.context and started is not None and started is not mark:
                problem += f" ({error.context} started on line {started.line + 1 + offset})"
            message = f"YAML syntax error: {problem}; fix the YAML there"
            if mark is not None:
                message = tab_problem(text, mark.line, mark.column, problem) or message
        raise RecordError(message, SourceLocation(display, line)) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as error:
        # e.g. a timestamp like 2024-13-45 (ValueError) or nesting too deep to build.
        detail = str(error)[:80] if isinstance(error, ValueError) else type(error).__name__
        raise RecordError(
            f"a YAML value could not be read ({detail}); fix or quote it",
            SourceLocation(display, 1 + offset),
        ) from None
    finally:
        loader.dispose()
    return data, node


def _compose_quietly(text: str) -> yaml.Node | None:
    """JSON's node tree for line numbers, when YAML can read it (nearly always)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


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


def kind_of(value: object) -> str:
    """How a wrong-typed value is named in messages: 'a list', 'a number', …"""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
