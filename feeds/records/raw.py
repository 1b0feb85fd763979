"""Read stage, shared part: ``RawRecord`` (one record as read, a field's line found on
demand), YAML text → data with its node tree, and how a bad field is named (``Invalid``,
``kind_of``, ``found``); no I/O.

``frontmatter`` (Markdown files) and ``datafiles`` (JSON and YAML files) build them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..core.errors import RecordError, tab_problem
from ..core.location import SourceLocation

# libyaml builds the same objects several times faster; fall back when it is missing.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


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
            self.node = compose_quietly(self.text)
        node = self.node
        if node is None:
            return self.source.line
        for name, index in _PATH_PART.findall(path):
            child = child_node(node, name, int(index) if index else None)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1 + self.line_offset


def child_node(node: yaml.Node, name: str, index: int | None) -> yaml.Node | None:
    if index is not None and isinstance(node, yaml.SequenceNode):
        return node.value[index] if 0 <= index < len(node.value) else None
    if name and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value  # type: ignore[no-any-return]
    return None


def load_yaml(text: str, display: str, *, offset: int) -> tuple[Any, yaml.Node | None]:
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


def compose_quietly(text: str) -> yaml.Node | None:
    """JSON's node tree for line numbers, when YAML can read it (nearly always)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


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


class Invalid(Exception):
    """A field problem; ``validate_record`` adds the file, line and field name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def found(value: object) -> str:
    """The 'found …' part of a message: short, one line."""
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    return kind_of(value)
