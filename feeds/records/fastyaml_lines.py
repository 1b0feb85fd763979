"""Parse stage, fast path: one line of front matter → a token (indent, whether it is a
list item, key, value, key column); no I/O. ``fastyaml`` nests the tokens into blocks.

Lines repeat across records ("type: article", "  - Power Apps"): their tokens are kept.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .fastyaml_scalars import Placeholder, Unsupported, quote_end, scalar

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

EMPTY = Placeholder(None)
"""A token's value when nothing follows the ':' or '-': null, or a nested block below."""
NESTED: Any = object()
"""A token's value for "- - x": its key slot holds the inner item's token."""
_SKIP: tuple[Any, ...] = ()
"""The token of a blank or comment line."""

# Lines seen before ("type: article", "  - Power Apps", "published: true"…) map to their
# token, whose value is immutable; quoted text and dates are nearly unique, so not kept.
LINES: dict[str, tuple[Any, ...]] = {}
_LINES_LIMIT = 8192


def line_token(raw: str) -> tuple[Any, ...]:
    """The token of a line not seen before; kept when such lines repeat."""
    quoted = _QUOTED_LINE.fullmatch(raw)
    if quoted is not None and quoted[3] not in _RESERVED_KEYS:
        # 'key: "text"' (or '- key: "text"'), no escapes: one regex match instead of the
        # general path; such lines are nearly unique, so none is kept.
        spaces, dash, key, value = quoted.groups()
        indent = len(spaces)
        return (indent, dash is not None, key, value, indent + len(dash) if dash else indent)
    token = _tokenize(raw)
    if len(LINES) < _LINES_LIMIT and _worth_keeping(raw, token):
        LINES[raw] = token
    return token


def _tokenize(raw: str) -> tuple[Any, ...]:
    """(indent, is_item, key or None, value or a marker, key column) of one line."""
    content = raw.lstrip(" ")
    if not content or content[0] == "#":
        return _SKIP
    indent = len(raw) - len(content)
    if indent == 0 and content.startswith(("---", "...")):
        raise Unsupported  # a document marker: more than one document
    item = content[0] == "-" and (len(content) == 1 or content[1] == " ")
    rest = content[1:].lstrip(" ") if item else content.rstrip(" ")
    if not rest:
        return (indent, True, None, EMPTY, indent)
    if item and rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
        # "- - x": the inner item is the line with the outer "- " blanked out.
        column = len(raw) - len(rest)
        return (indent, True, _tokenize(" " * column + rest), NESTED, column)
    pair = _split_key(rest)
    if pair is None:
        if not item:
            raise Unsupported  # not "key: value": a multi-line scalar, or an error
        return (indent, True, None, scalar(rest.rstrip(" ")), indent)
    key, text = pair
    value = scalar(text) if text else EMPTY
    return (indent, item, key, value, len(raw) - len(rest) if item else indent)


def _split_key(content: str) -> tuple[str, str] | None:
    """The key and the value text of a "key: value" line, None if it is not one."""
    match = _KEY.match(content)
    if match is not None:  # the usual case: a word
        key = match.group(1)
        if key in _RESERVED_KEYS:
            raise Unsupported  # a boolean or null key
        return key, content[match.end() :].rstrip(" ")
    first = content[0]
    if first == '"' or first == "'":
        end = quote_end(content)
        if end > 1000 or not content.startswith(":", end):
            return None  # a quoted value (its tail is checked there), or too long a key
        value = content[end + 1 :]
        if value and value[0] != " ":
            raise Unsupported
        return scalar(content[:end]), value.strip(" ")
    colon = content.find(": ")
    if colon == -1:
        if content[-1] != ":":
            return None
        colon = len(content) - 1
    key = content[:colon]
    if not key or len(key) > 1000 or key[-1] == " " or " #" in key:
        raise Unsupported
    if type(scalar(key)) is not str:
        raise Unsupported  # a number, boolean, null or date as a key
    return key, content[colon + 1 :].strip(" ")


def _worth_keeping(raw: str, token: tuple[Any, ...]) -> bool:
    if not token:
        return len(raw) < 80
    value = token[3]
    if isinstance(value, date):  # datetimes too: nearly unique
        return False
    if isinstance(value, str):  # short plain words repeat; quoted text rarely does
        return len(raw) < 80 and not raw.rstrip(" ").endswith(("'", '"'))
    return True
