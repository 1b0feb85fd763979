"""Parse stage, fast path: one single-line YAML scalar (quoted or plain) → the value
PyYAML would build for it; no I/O.

Anything outside the narrow subset raises ``Unsupported``: ``fastyaml.parse`` then steps
aside and PyYAML reads the whole front matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from yaml.resolver import Resolver


class Unsupported(Exception):
    """Raised for anything outside the subset: ``fastyaml.parse`` returns None."""


class Placeholder:
    """A value standing for one built per record: a new empty list or mapping ("[]",
    "{}"), or nothing yet (``fresh`` None: null, unless a nested block follows)."""

    __slots__ = ("fresh",)

    def __init__(self, fresh: Callable[[], Any] | None) -> None:
        self.fresh = fresh


NEW_LIST = Placeholder(list)
NEW_DICT = Placeholder(dict)
"""A scalar's value for "[]" and "{}": each record gets its own new, empty collection."""

_INDICATORS = frozenset("[]{},#&*!|>%@`")

_ESCAPE = re.compile(
    r"\\(?:([0abtnvfre \"/\\N_LP])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|)"
)
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}

# Plain scalars are typed with PyYAML's own implicit resolver table (the C loader uses it
# too), so the tag chosen here is the one PyYAML chooses. Only the common spellings of each
# type are constructed; the rest (0x1F, 1_000, 1:20, .inf, …) go to PyYAML.
_RESOLVERS: dict[str | None, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_TAG = "tag:yaml.org,2002:"
_SIMPLE_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,30})")
_SIMPLE_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
_UTC_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]| +)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?"
    r" *(?:(Z)|([-+])([0-9]{1,2})(?::([0-9]{2}))?)?)?"
)
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}

# Typed plain scalars seen before: all immutable.
_PLAIN: dict[str, Any] = {}
_PLAIN_LIMIT = 4096


def quote_end(text: str) -> int:
    """The index just past the quoted scalar that opens ``text``."""
    quote = text[0]
    end = text.find(quote, 1)
    if quote == "'":
        while end != -1 and text.startswith("'", end + 1):
            end = text.find("'", end + 2)
    else:
        while end != -1:
            before = end - 1
            while text[before] == "\\":
                before -= 1
            if (end - 1 - before) % 2 == 0:
                break  # an even number of backslashes: this quote is not escaped
            end = text.find('"', end + 1)
    if end == -1:
        raise Unsupported  # it continues on the next line
    return end + 1


def scalar(text: str) -> Any:
    """One single-line scalar (quoted or plain), typed as PyYAML types it."""
    first = text[0]
    if first == '"' or first == "'":
        end = quote_end(text)
        if end < len(text) and not (text[end] == " " and text[end:].lstrip(" ")[0] == "#"):
            raise Unsupported  # only a comment may follow the closing quote
        body = text[1 : end - 1]
        if first == "'":
            return body.replace("''", "'")
        return _ESCAPE.sub(_unescape, body) if "\\" in body else body
    if first in _INDICATORS or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        if text == "[]" or text == "{}":
            return NEW_LIST if text == "[]" else NEW_DICT
        raise Unsupported
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment].rstrip(" ")
    if ": " in text or text[-1] == ":":
        raise Unsupported
    return _plain(text)


def _unescape(match: re.Match[str]) -> str:
    simple, *codes = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    for code in codes:
        if code is not None:
            point = int(code, 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise Unsupported  # PyYAML refuses these escapes
            return chr(point)
    raise Unsupported  # an escape PyYAML may not know, or a line-continuation backslash


def _plain(text: str) -> Any:
    cached = _PLAIN.get(text, _PLAIN)
    if cached is not _PLAIN:
        return cached
    if _UTC_STAMP.fullmatch(text):
        try:  # the usual 2019-08-19T21:00:10Z: one C call instead of three regexes
            return datetime.fromisoformat(text)
        except ValueError:
            raise Unsupported from None
    tag = "str"
    for full_tag, pattern in _RESOLVERS.get(text[0], ()):
        if pattern.match(text):
            tag = full_tag.removeprefix(_TAG)
            break
    value: Any
    if tag == "str":
        value = text
    elif tag == "bool":
        value = _BOOLS[text.lower()]
    elif tag == "null":
        value = None
    elif tag == "int" and _SIMPLE_INT.fullmatch(text):
        value = int(text)
    elif tag == "float" and _SIMPLE_FLOAT.fullmatch(text):
        value = float(text)
    elif tag == "timestamp":
        return _timestamp(text)  # nearly unique: not worth caching
    else:
        raise Unsupported  # octal, hex, sexagesimal, underscores, .inf, merge keys…
    if len(_PLAIN) < _PLAIN_LIMIT:
        _PLAIN[text] = value
    return value


def _timestamp(text: str) -> date | datetime:
    """A YAML 1.1 timestamp as PyYAML builds it: a date, or a datetime (aware with a zone)."""
    try:
        match = _TIMESTAMP.fullmatch(text)
        if match is None:
            raise Unsupported
        year, month, day, hour, minute, second, fraction, utc, sign, tz_hour, tz_minute = (
            match.groups()
        )
        if hour is None:
            return date(int(year), int(month), int(day))
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
        zone: timezone | None = None
        if sign is not None:
            offset = timedelta(hours=int(tz_hour), minutes=int(tz_minute or 0))
            zone = timezone(-offset if sign == "-" else offset)
        elif utc is not None:
            zone = UTC
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone
        )
    except ValueError:
        raise Unsupported from None  # 2019-02-30: PyYAML raises, let it
