"""The errors `feeds` reports to its users; no I/O.

    FeedsError                 base: a one-line message, optional location and field
     ├── UsageError            bad command line                    exit 2 CONFIG
     ├── ConfigError           bad configuration, nothing written  exit 2 CONFIG
     ├── RecordError           one record unreadable or invalid    skipped; --strict: 1 REJECTED
     ├── RenderError           a feed could not be rendered        exit 3 OUTPUT
     ├── OutputError           a feed could not be written         exit 3 OUTPUT
     └── LockError             another run holds the output folder exit 4 LOCKED

    KeyboardInterrupt
     └── Interrupted           SIGINT, SIGTERM or SIGHUP           exit 128 + the signal's number

Only ``cli.main`` catches these and turns them into a line on stderr and an exit code.
Every exit code ``feeds`` returns is an ``ExitCode``: each error class states its own,
and README's table is checked against this one (tests/test_docs.py).
"""

from __future__ import annotations

import re
import signal
from collections.abc import Sequence
from enum import IntEnum
from typing import ClassVar

from .location import SourceLocation
from .report import Rejection


class ExitCode(IntEnum):
    """Every exit code of the ``feeds`` command, with the start of its README meaning."""

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    OK = 0, "success"
    REJECTED = 1, "`--strict` was given and at least one record was rejected"
    CONFIG = 2, "configuration or usage error"
    OUTPUT = 3, "a feed could not be rendered or written"
    LOCKED = 4, "another `feeds build` held the output folder's lock for longer than `lock_timeout`"
    HELD_BACK = 5, "one or more feeds were held back"
    INTERNAL = 70, "internal error (a bug)"
    """An unexpected exception (EX_SOFTWARE from sysexits.h)."""
    SIGHUP = 128 + signal.SIGHUP, "interrupted by a signal"
    SIGINT = 128 + signal.SIGINT, "interrupted by a signal"
    SIGTERM = 128 + signal.SIGTERM, "interrupted by a signal"

    @classmethod
    def for_signal(cls, signum: int) -> ExitCode:
        """128 + the signal's number, as a shell reports a process the signal killed."""
        return {int(code): code for code in cls}[128 + signum]


class FeedsError(Exception):
    """Something the user can fix; ``str()`` is the one line shown on stderr. Abstract:
    each subclass states its ``exit_code``."""

    exit_code: ClassVar[ExitCode]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "exit_code", None), ExitCode):
            raise TypeError(f"{cls.__name__} states no exit_code (an ExitCode)")

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.field = field

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class UsageError(FeedsError):
    """The command line asks for something impossible."""

    exit_code = ExitCode.CONFIG


class ConfigError(FeedsError):
    """The configuration is missing or invalid; raised before anything is written."""

    exit_code = ExitCode.CONFIG


class RecordError(FeedsError):
    """A record could not be read or failed validation; the build skips it."""

    exit_code = ExitCode.REJECTED

    def to_rejection(self) -> Rejection:
        """The report row for this error."""
        loc = self.location
        return Rejection(
            path=loc.path if loc else "",
            line=loc.line if loc else None,
            field=self.field,
            message=self.message,
        )


class RenderError(FeedsError):
    """feedgen refused a feed (it names no record, so we add the feed's path)."""

    exit_code = ExitCode.OUTPUT


class OutputError(FeedsError):
    """A feed file could not be written; the previous file is left intact."""

    exit_code = ExitCode.OUTPUT


class LockError(FeedsError):
    """Another run holds the output folder's lock and did not let go in time."""

    exit_code = ExitCode.LOCKED


class Interrupted(KeyboardInterrupt):
    """A signal ends the run (``children.catch_signals``): a KeyboardInterrupt, so that
    no ``except Exception`` stops it on its way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> ExitCode:
        """128 + the signal's number (``ExitCode.for_signal``)."""
        return ExitCode.for_signal(self.signum)

    def __str__(self) -> str:
        if self.signum == signal.SIGINT:  # Ctrl-C, as the user knows it
            return "interrupted"
        return f"interrupted by {signal.Signals(self.signum).name}"


TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters (tab and newline aside): terminal escapes, never in a message line."""


def utf8_text(data: bytes, display: str, error: type[FeedsError]) -> str:
    """``data`` as text (a UTF-8 byte-order mark dropped), or ``error`` naming the line of
    the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"not UTF-8 text (found byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            SourceLocation(display, line),
        ) from None


def tab_problem(text: str, line: int, column: int, problem: str) -> str | None:
    """What to say when a YAML error at ``line``, ``column`` (0-based, PyYAML's mark) is a
    tab's doing: YAML forbids tabs in indentation, and PyYAML says so in its own words
    ("found character that cannot start any token"). None for any other error."""
    rows = text.split("\n")
    row = rows[line] if 0 <= line < len(rows) else ""
    indent = row[: len(row) - len(row.lstrip(" \t"))]
    if "\t" in indent:
        where = f"in the indentation (column {indent.index(chr(9)) + 1})"
    elif row[column : column + 1] == "\t" or "tab" in problem:
        where = f"where YAML allows none (column {column + 1})"
    else:
        return None
    return f"a tab character {where}; indent with spaces, not tabs"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and ``word``, in the plural unless it is 1: "1 entry", "2 entries"."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def closest(word: str, choices: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The choice a misspelt ``word`` most likely meant, if one is close enough ("did you
    mean"; ``cutoff`` is difflib's similarity ratio, from 0 to 1)."""
    import difflib  # only on the error path: a good config never loads it

    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return close[0] if close else None
