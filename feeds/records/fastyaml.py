"""Parse stage, fast path: the narrow YAML subset of real front matter, without PyYAML.

No I/O. ``parse`` returns exactly what ``yaml.load(text, Loader=yaml.CSafeLoader)`` would,
or None when the text strays outside the subset (PyYAML then reads it, and reports errors).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from yaml.resolver import Resolver

__all__ = ["parse"]


class _Unsupported(Exception):
    """Raised inside the scanner for anything outside the subset: parse() returns None."""


# Anything but newline and the characters YAML accepts as printable is handed to PyYAML:
# tabs (indentation rules), CR/NEL/LS/PS (YAML line breaks), control characters, BOMs
# and surrogates (PyYAML rejects them). Spaces, ASCII and most of Unicode pass.
_UNSAFE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_SAFE_ASCII = b"\n" + bytes(range(0x20, 0x7F))

# A simple key: ASCII word characters (never a number, a date or '<<'), then ':' and a space
# or the end of the line. Anything fancier (quoted, spaced, '? ' keys) goes to PyYAML.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]{0,999}):(?: +|$)")
# The most common line of all: a simple key and a double-quoted value without escapes.
_QUOTED_LINE = re.compile(r'( *)(- +)?([A-Za-z_][A-Za-z0-9_.-]{0,999}): +"([^"\\]*)" *')
# Plain words YAML 1.1 turns into booleans or null: as keys they would not be strings.
_RESERVED_KEYS = frozenset(
    form
    for word in ("yes", "no", "true", "false", "on", "off", "null")
    for form in (word, word.capitalize(), word.upper())
)

# Characters that cannot start a plain scalar (or start something we do not handle).
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

# Lines seen before ("type: article", "  - Power Apps", "published: true"…) map to their
# token, whose value is immutable; quoted text and dates are nearly unique, so not kept.
_LINES: dict[str, tuple[Any, ...]] = {}
_LINES_LIMIT = 8192
# Typed plain scalars seen before: all immutable.
_PLAIN: dict[str, Any] = {}
_PLAIN_LIMIT = 4096

_EMPTY: Any = object()
"""A token's value when nothing follows the ':' or '-': null, or a nested block below."""
_NEW_LIST: Any = object()
_NEW_DICT: Any = object()
"""A token's value for "[]" and "{}": each record gets its own new, empty collection."""
_NESTED: Any = object()
"""A token's value for "- - x": its key slot holds the inner item's token."""
_SKIP: tuple[Any, ...] = ()
"""The token of a blank or comment line."""


def parse(text: str) -> dict[str, Any] | None:
    """The front matter mapping, or None when PyYAML must read ``text`` instead."""
    try:
        # Deleting printable ASCII (fast, in C) leaves the few characters worth a regex.
        odd = text.encode("utf-8").translate(None, _SAFE_ASCII)
        if odd and _UNSAFE.search(odd.decode("utf-8")) is not None:
            return None
        return _scan(text)
    except (_Unsupported, UnicodeEncodeError):  # surrogates cannot be encoded
        return None


def _scan(text: str) -> dict[str, Any] | None:
    # One pass over the lines. The innermost open collection is (top_indent, container,
    # is_mapping); ``stack`` holds the ones around it. ``pending`` is the key (or list
    # index) whose value was left empty on its line: a nested block may follow.
    root: dict[str, Any] = {}
    stack: list[tuple[int, Any, bool]] = []
    container: Any = root
    top_indent, is_mapping = -1, True
    pending: tuple[int, Any, Any, bool] | None = None
    lines = _LINES
    for raw in text.split("\n"):
        token = lines.get(raw)
        if token is None:
            quoted = _QUOTED_LINE.fullmatch(raw)
            if quoted is not None and quoted[3] not in _RESERVED_KEYS:
                # 'key: "text"' (or '- key: "text"'), no escapes: one regex match instead
                # of the general path; such lines are nearly unique, so none is kept.
                spaces, dash, key, value = quoted.groups()
                indent = len(spaces)
                column = indent + len(dash) if dash else indent
                token = (indent, dash is not None, key, value, column)
            else:
                token = _tokenize(raw)
                if len(lines) < _LINES_LIMIT and _worth_keeping(raw, token):
                    lines[raw] = token
        if not token:
            continue
        indent, item, key, value, column = token
        if pending is not None:
            owner_indent, parent, slot, in_mapping = pending
            pending = None
            if indent > owner_indent or (indent == owner_indent and item and in_mapping):
                # A nested block; at the key's own indentation only an "indentless"
                # sequence, YAML's one exception to nesting by indentation.
                block: Any = [] if item else {}
                parent[slot] = block
                stack.append((top_indent, container, is_mapping))
                top_indent, container, is_mapping = indent, block, not item
        elif top_indent < 0:
            top_indent = indent  # the first line sets the document's indentation
        while top_indent > indent or (top_indent == indent and not (is_mapping or item)):
            if not stack:
                raise _Unsupported  # less indented than the first line
            top_indent, container, is_mapping = stack.pop()
        if top_indent != indent or is_mapping == item:
            raise _Unsupported  # a continuation line, a stray item or a stray key
        if item:
            while value is _NESTED:
                # "- - x": a sequence whose first item shares the outer item's line.
                nested: list[Any] = []
                container.append(nested)
                stack.append((top_indent, container, is_mapping))
                top_indent, container, is_mapping = column, nested, False
                indent, item, key, value, column = key  # the inner item's token
            if key is None:
                if value is _EMPTY:
                    pending = (indent, container, len(container), False)
                    value = None
                elif value is _NEW_LIST or value is _NEW_DICT:
                    value = [] if value is _NEW_LIST else {}
                container.append(value)
                continue
            # "- key: value": a mapping whose first key shares the item's line.
            mapping: dict[str, Any] = {}
            container.append(mapping)
            stack.append((top_indent, container, is_mapping))
            top_indent, container, is_mapping = column, mapping, True
        if key in container:
            raise _Unsupported  # PyYAML keeps the last duplicate silently; flag it instead
        if value is _EMPTY:
            pending = (top_indent, container, key, True)
            value = None
        elif value is _NEW_LIST or value is _NEW_DICT:
            value = [] if value is _NEW_LIST else {}
        container[key] = value
    return root if top_indent >= 0 else None


def _tokenize(raw: str) -> tuple[Any, ...]:
    """(indent, is_item, key or None, value or a marker, key column) of one line."""
    content = raw.lstrip(" ")
    if not content or content[0] == "#":
        return _SKIP
    indent = len(raw) - len(content)
    if indent == 0 and content.startswith(("---", "...")):
        raise _Unsupported  # a document marker: more than one document
    item = content[0] == "-" and (len(content) == 1 or content[1] == " ")
    rest = content[1:].lstrip(" ") if item else content.rstrip(" ")
    if not rest:
        return (indent, True, None, _EMPTY, indent)
    if item and rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
        # "- - x": the inner item is the line with the outer "- " blanked out.
        column = len(raw) - len(rest)
        return (indent, True, _tokenize(" " * column + rest), _NESTED, column)
    pair = _split_key(rest)
    if pair is None:
        if not item:
            raise _Unsupported  # not "key: value": a multi-line scalar, or an error
        return (indent, True, None, _scalar(rest.rstrip(" ")), indent)
    key, text = pair
    value = _scalar(text) if text else _EMPTY
    return (indent, item, key, value, len(raw) - len(rest) if item else indent)


def _split_key(content: str) -> tuple[str, str] | None:
    """The key and the value text of a "key: value" line, None if it is not one."""
    match = _KEY.match(content)
    if match is not None:  # the usual case: a word
        key = match.group(1)
        if key in _RESERVED_KEYS:
            raise _Unsupported  # a boolean or null key
        return key, content[match.end() :].rstrip(" ")
    first = content[0]
    if first == '"' or first == "'":
        end = _quote_end(content)
        if end > 1000 or not content.startswith(":", end):
            return None  # a quoted value (its tail is checked there), or too long a key
        value = content[end + 1 :]
        if value and value[0] != " ":
            raise _Unsupported
        return _scalar(content[:end]), value.strip(" ")
    colon = content.find(": ")
    if colon == -1:
        if content[-1] != ":":
            return None
        colon = len(content) - 1
    key = content[:colon]
    if not key or len(key) > 1000 or key[-1] == " " or " #" in key:
        raise _Unsupported
    if type(_scalar(key)) is not str:
        raise _Unsupported  # a number, boolean, null or date as a key
    return key, content[colon + 1 :].strip(" ")


def _quote_end(text: str) -> int:
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
        raise _Unsupported  # it continues on the next line
    return end + 1


def _worth_keeping(raw: str, token: tuple[Any, ...]) -> bool:
    if not token:
        return len(raw) < 80
    value = token[3]
    if isinstance(value, date):  # datetimes too: nearly unique
        return False
    if isinstance(value, str):  # short plain words repeat; quoted text rarely does
        return len(raw) < 80 and not raw.rstrip(" ").endswith(("'", '"'))
    return True


def _scalar(text: str) -> Any:
    """One single-line scalar (quoted or plain), typed as PyYAML types it."""
    first = text[0]
    if first == '"' or first == "'":
        end = _quote_end(text)
        if end < len(text) and not (text[end] == " " and text[end:].lstrip(" ")[0] == "#"):
            raise _Unsupported  # only a comment may follow the closing quote
        body = text[1 : end - 1]
        if first == "'":
            return body.replace("''", "'")
        return _ESCAPE.sub(_unescape, body) if "\\" in body else body
    if first in _INDICATORS or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        if text == "[]" or text == "{}":
            return _NEW_LIST if text == "[]" else _NEW_DICT
        raise _Unsupported
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment].rstrip(" ")
    if ": " in text or text[-1] == ":":
        raise _Unsupported
    return _plain(text)


def _unescape(match: re.Match[str]) -> str:
    simple, *codes = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    for code in codes:
        if code is not None:
            point = int(code, 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise _Unsupported  # PyYAML refuses these escapes
            return chr(point)
    raise _Unsupported  # an escape PyYAML may not know, or a line-continuation backslash


def _plain(text: str) -> Any:
    cached = _PLAIN.get(text, _PLAIN)
    if cached is not _PLAIN:
        return cached
    if _UTC_STAMP.fullmatch(text):
        try:  # the usual 2019-08-19T21:00:10Z: one C call instead of three regexes
            return datetime.fromisoformat(text)
        except ValueError:
            raise _Unsupported from None
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
        raise _Unsupported  # octal, hex, sexagesimal, underscores, .inf, merge keys…
    if len(_PLAIN) < _PLAIN_LIMIT:
        _PLAIN[text] = value
    return value


def _timestamp(text: str) -> date | datetime:
    """A YAML 1.1 timestamp as PyYAML builds it: a date, or a datetime (aware with a zone)."""
    try:
        match = _TIMESTAMP.fullmatch(text)
        if match is None:
            raise _Unsupported
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
        raise _Unsupported from None  # 2019-02-30: PyYAML raises, let it
