"""Limits on config and topic files before they are composed: size, nesting depth and how
far aliases expand; reading is I/O (``read_limited``), the event check is pure.

Loading keeps an alias a shared reference, but the checks that follow walk the value
once per path: a few hundred bytes of nested aliases (an "alias bomb") become millions
of nodes, and an alias inside its own anchor (a recursive alias) never ends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import ConfigError
from ..core.location import SourceLocation
from ..sources.local import display_path

MAX_BYTES = 1 << 20
"""Largest config or topic file read: real ones are a few kilobytes."""
MAX_EXPANDED = 10_000
"""Most nodes all aliases of one file may add once expanded."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings."""

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, the C one where libyaml is there (several times faster)."""


def read_limited(path: Path, advice: str) -> bytes:
    """The bytes of ``path``; a ConfigError when larger than ``MAX_BYTES`` (never read
    whole). OSError passes through for the caller to word."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            size = os.fstat(handle.fileno()).st_size
            raise ConfigError(
                f"larger than {MAX_BYTES >> 20} MiB (found {size:,} bytes); {advice}",
                SourceLocation(display_path(path)),
            )
    return data


def check_events(text: str, display: str) -> None:
    """Walk the YAML events of ``text`` counting what aliases add, without building
    anything; a ConfigError at the alias (or the opening bracket) past a limit.

    Syntax errors are left for the loader, which words them.
    """
    size: dict[str, int] = {}  # anchor → nodes of its value, aliases expanded
    open_: list[tuple[str | None, int]] = []  # per open collection: anchor, nodes so far
    expanded = 0
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    raise _error(
                        display, event, f"nested more than {MAX_DEPTH} levels deep; flatten it"
                    )
                open_.append((event.anchor, 1))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, nodes = open_.pop()
                if anchor is not None:
                    size[anchor] = nodes
            elif isinstance(event, yaml.ScalarEvent):
                nodes = 1
                if event.anchor is not None:
                    size[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_):
                    raise _error(
                        display,
                        event,
                        f"alias *{event.anchor} refers to a node that contains it; "
                        "remove the alias",
                    )
                nodes = size.get(event.anchor or "", 1)  # unknown: the loader reports it
                expanded += nodes
                if expanded > MAX_EXPANDED:
                    raise _error(
                        display,
                        event,
                        f"alias *{event.anchor} expands the file past {MAX_EXPANDED} nodes; "
                        "write the values out instead of repeating aliases",
                    )
            else:
                continue  # stream and document events
            if open_:
                anchor, count = open_[-1]
                open_[-1] = (anchor, count + nodes)
    except yaml.YAMLError:
        return


def _error(display: str, event: yaml.Event, message: str) -> ConfigError:
    mark = event.start_mark
    return ConfigError(message, SourceLocation(display, mark.line + 1 if mark else None))
