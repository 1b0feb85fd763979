"""Where a record or a config value came from: the one type the error tree, the settings
and the config loader need of the model, apart so that a run with nothing to do does not
build the record types; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a record (or a config value) came from."""

    path: str
    """The file as the user named it (relative to the working folder when possible)."""
    line: int | None = None
    """1-based line in that file, when known."""

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"
