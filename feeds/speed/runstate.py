"""No-change runs: when no record file, setting or feed file changed since the last run
and no scheduled record fell due, the last run's report stands and nothing is read,
rendered or written. I/O: ``<cache>/last-run.json`` and a stat of each feed file.
A damaged state file is ignored with one warning (a full run decides); the report is
remembered as shown (``Report.capped``), so it stays small and a rerun repeats it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import typing
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from ..core.errors import TERMINAL_CONTROL, OutputError
from ..core.report import Report
from ..core.settings import Config
from ..publish.output import write_atomic
from ..sources.local import Listing
from .codedigest import code_digest

FILE_NAME = "last-run.json"
FORMAT = "feeds-last-run-3"


def fingerprint(config: Config, listing: Listing) -> str:
    """What a run's outcome depends on, apart from the clock: code and libraries
    (``code_digest``), settings, files."""
    digest = hashlib.sha256(f"{FORMAT}\n{code_digest()}\n{config!r}\n".encode())
    for part in listing.digest():
        digest.update(part)
    return digest.hexdigest()


def depends_on_clock(config: Config) -> bool:
    """Whether feeds change as time passes even when no file does: ``max_age_days`` drops
    entries and ``related: entries`` reveals related items as their dates pass."""
    return config.filters_by_age or config.related_entries


def may_skip(config: Config) -> bool:
    """Whether this run may end at the shortcut (a last run's state is there to compare
    with); when not, the run will read every record."""
    if config.cache is None or depends_on_clock(config) or config.remote:
        return False  # remote sources are asked every run (a 304 costs little)
    return (config.cache / FILE_NAME).is_file()


def unchanged_report(config: Config, key: str, now: datetime) -> tuple[Report | None, str | None]:
    """The last run's report (nothing written) when this run would do exactly the same,
    and a warning when the state was there but damaged (then ignored: a full run decides).
    No state (a first run) is no warning."""
    if config.cache is None or not may_skip(config):
        return None, None
    path = config.cache / FILE_NAME
    try:
        state = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, None  # removed since ``may_skip`` looked
    except OSError as error:
        return None, f"{path}: last run's state ignored ({error.strerror}); building in full"
    except ValueError:
        return None, f"{path}: last run's state ignored (not JSON); building in full"
    try:
        return _unchanged(config, state, key, now), None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, f"{path}: last run's state ignored (damaged or foreign); building in full"


def _unchanged(config: Config, state: Any, key: str, now: datetime) -> Report | None:
    """``unchanged_report`` of a read ``state``; raises for a damaged one."""
    if not (type(state) is dict and _text(state.get("key")) and _text(state.get("format"))):
        raise TypeError("not a state feeds writes")
    if state["key"] != key or state["format"] != FORMAT:
        return None  # another version's or another input's state: a miss, not damage
    last_now = datetime.fromisoformat(state["now"])
    due = state["due"] and datetime.fromisoformat(state["due"])
    # Moving back in time, or past a scheduled record's time, changes the feeds.
    if now < last_now or (due and now >= due) or not _outputs_unchanged(config, state):
        return None
    # The report's own classes say what it holds; what ``to_json`` would not write back
    # the same (another shape, other types, text with control characters) is tampering:
    # its lines would be printed as this run's.
    report = Report.from_json(state["report"])
    if not _typed(report, Report) or report.to_json() != state["report"]:
        raise ValueError("tampered with")
    return report.repeated()


def _outputs_unchanged(config: Config, state: dict[str, Any]) -> bool:
    """Whether every file the last run wrote is still as it left it (size and time): one
    deleted, edited or replaced is rebuilt."""
    for path, (size, mtime_ns) in state["outputs"].items():
        try:
            stat = (config.output / path).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def _text(value: object) -> bool:
    """Whether ``value`` is text without control characters."""
    return type(value) is str and not TERMINAL_CONTROL.search(value)


def _typed(value: object, hint: Any) -> bool:
    """Whether ``value`` has the type ``hint`` (a dataclass, a tuple, a union of plain
    types) exactly: a bool is no count, and text holds no control characters."""
    return _checker(hint)(value)


@functools.cache  # a check made once a type: the remembered report has hundreds of feeds
def _checker(hint: Any) -> Callable[[object], bool]:
    """``_typed`` for one ``hint``."""
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        fields = [(f.name, _checker(hints[f.name])) for f in dataclasses.fields(hint)]
        return lambda value: (
            type(value) is hint and all(check(getattr(value, name)) for name, check in fields)
        )
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        return _tuple_checker(args)
    if args:  # a union
        checks = [_checker(arg) for arg in args]
        return lambda value: any(check(value) for check in checks)
    return _text if hint is str else lambda value: type(value) is hint


def _tuple_checker(args: tuple[Any, ...]) -> Callable[[object], bool]:
    """``_checker`` of ``tuple[args]``: of any length (``T, ...``) or of these types."""
    if len(args) == 2 and args[1] is Ellipsis:
        each = _checker(args[0])
        return lambda value: type(value) is tuple and all(map(each, value))
    checks = [_checker(arg) for arg in args]
    return lambda value: (
        type(value) is tuple
        and len(value) == len(checks)
        and all(check(item) for check, item in zip(checks, value, strict=False))
    )


def remember(
    config: Config,
    key: str,
    now: datetime,
    due: datetime | None,
    report: Report,
    written: Iterable[str] = (),
) -> None:
    """Record a completed run for the next one; a run that held feeds back is not kept.

    The feeds and the other files ``written`` (pages, OPML, archive pages, redirect
    maps) are remembered with their size and time: a run that finds one of them edited
    or deleted rebuilds."""
    if config.cache is None or report.held_back:
        return
    outputs = {}
    for path in [*(feed.path for feed in report.feeds), *written]:
        try:
            stat = (config.output / path).stat()
        except OSError:
            return  # a file gone already: the next run rebuilds, without this state
        outputs[path] = [stat.st_size, stat.st_mtime_ns]
    state = {
        "format": FORMAT,
        "key": key,
        "now": now.isoformat(),
        "due": due.isoformat() if due else None,
        "outputs": outputs,
        "report": report.to_json(),
    }
    text = json.dumps(state, ensure_ascii=False, indent=1) + "\n"
    with contextlib.suppress(OutputError):  # only the next run's speed depends on it
        write_atomic(config.cache / FILE_NAME, text.encode("utf-8"))
