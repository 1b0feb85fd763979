"""Read stage: one record file → raw records; a Markdown file's front matter and body
here, JSON and YAML files in ``datafiles``.

File I/O happens here and in ``sources``; every problem becomes a ``RecordError``, never
an exception escaping to the caller, so one bad file cannot stop a build.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from ..core.errors import RecordError, utf8_text
from ..core.location import SourceLocation
from ..core.sources import MARKDOWN_SUFFIXES
from . import fastyaml
from .datafiles import data_records
from .raw import RawRecord, kind_of, load_yaml

__all__ = [
    "RawRecord",
    "decode_carefully",
    "kind_of",
    "parse_record_bytes",
    "plain_text",
    "read_record_file",
]

_FENCE = re.compile(r"(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# The same line after a newline: a literal to search for, several times faster than '^'.
_LATER_FENCE = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|$)")
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# Bytes that need no cleaning: printable ASCII, tab and newline. Deleting them (in C)
# leaves the non-ASCII text, if any, and anything that needs the careful path.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n"
_HIGH_BYTES = bytes(range(0x80, 0x100))


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
        return data_records(text, display, json_only=suffix.lower() == ".json")
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
    data, node = load_yaml(front, display, offset=1)
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
