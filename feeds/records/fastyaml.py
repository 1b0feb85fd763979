"""Parse stage, fast path: the narrow YAML subset of real front matter, without PyYAML.

No I/O. ``parse`` returns exactly what ``yaml.load(text, Loader=yaml.CSafeLoader)`` would,
or None when the text strays outside the subset (PyYAML then reads it, and reports errors).
Lines become tokens (``fastyaml_lines``), values are typed (``fastyaml_scalars``); this
module nests the tokens into mappings and lists by their indentation.
"""

from __future__ import annotations

import re
from typing import Any

from .fastyaml_lines import LINES, NESTED, line_token
from .fastyaml_scalars import Placeholder, Unsupported

__all__ = ["parse"]

# Anything but newline and the characters YAML accepts as printable is handed to PyYAML:
# tabs (indentation rules), CR/NEL/LS/PS (YAML line breaks), control characters, BOMs
# and surrogates (PyYAML rejects them). Spaces, ASCII and most of Unicode pass.
_UNSAFE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_SAFE_ASCII = b"\n" + bytes(range(0x20, 0x7F))

_Frame = tuple[int, Any, bool]
"""An open collection: the indentation of its lines, the collection, whether a mapping."""


def parse(text: str) -> dict[str, Any] | None:
    """The front matter mapping, or None when PyYAML must read ``text`` instead."""
    try:
        # Deleting printable ASCII (fast, in C) leaves the few characters worth a regex.
        odd = text.encode("utf-8").translate(None, _SAFE_ASCII)
        if odd and _UNSAFE.search(odd.decode("utf-8")) is not None:
            return None
        return _scan(text)
    except (Unsupported, UnicodeEncodeError):  # surrogates cannot be encoded
        return None


def _scan(text: str) -> dict[str, Any] | None:
    # One pass over the lines. The innermost open collection is (top_indent, container,
    # is_mapping); ``stack`` holds the ones around it. ``pending`` is the key (or list
    # index) whose value was left empty on its line: a nested block may follow.
    root: dict[str, Any] = {}
    stack: list[_Frame] = []
    container: Any = root
    top_indent, is_mapping = -1, True
    pending: tuple[int, Any, Any, bool] | None = None
    lines = LINES
    for raw in text.split("\n"):
        token = lines.get(raw)
        if token is None:
            token = line_token(raw)
        if not token:
            continue  # a blank or comment line
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
                raise Unsupported  # less indented than the first line
            top_indent, container, is_mapping = stack.pop()
        if top_indent != indent or is_mapping == item:
            raise Unsupported  # a continuation line, a stray item or a stray key
        if item:
            if value is NESTED:
                frame, token = _enter_items((top_indent, container, is_mapping), stack, token)
                top_indent, container, is_mapping = frame
                indent, item, key, value, column = token
            if key is None:
                if type(value) is Placeholder:
                    value, pending = _placed(value, (indent, container, len(container), False))
                container.append(value)
                continue
            # "- key: value": a mapping whose first key shares the item's line.
            mapping: dict[str, Any] = {}
            container.append(mapping)
            stack.append((top_indent, container, is_mapping))
            top_indent, container, is_mapping = column, mapping, True
        if key in container:
            raise Unsupported  # PyYAML keeps the last duplicate silently; flag it instead
        if type(value) is Placeholder:
            value, pending = _placed(value, (top_indent, container, key, True))
        container[key] = value
    return root if top_indent >= 0 else None


def _placed(
    placeholder: Placeholder, slot: tuple[int, Any, Any, bool]
) -> tuple[Any, tuple[int, Any, Any, bool] | None]:
    """The value a placeholder stands for, and the slot left pending (``EMPTY``'s: a
    nested block on the next lines may fill it)."""
    if placeholder.fresh is None:
        return None, slot
    return placeholder.fresh(), None


def _enter_items(
    frame: _Frame, stack: list[_Frame], token: tuple[Any, ...]
) -> tuple[_Frame, tuple[Any, ...]]:
    """ "- - x": sequences whose first items share the outer item's line, opened; the
    innermost one and its first item's token."""
    while token[3] is NESTED:
        nested: list[Any] = []
        frame[1].append(nested)
        stack.append(frame)
        frame = (token[4], nested, False)
        token = token[2]  # the inner item's token
    return frame, token
