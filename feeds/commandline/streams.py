"""stdout and stderr at the end of a command: flushed, muted when their reader has gone,
and the process ended at once when a signal interrupted it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from ..core.errors import ExitCode


def exit_now(code: ExitCode) -> NoReturn:
    """End the interrupted ``feeds`` process now, its cleanup done (temporary files
    removed, lock released, workers killed). Python's own exit would wait for the worker
    pool's thread, which a worker killed while sending a result leaves waiting for ever
    (concurrent.futures), and would print its errors."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader gone
            stream.flush()
    os._exit(code)


def _mute_stdout() -> None:
    """Point stdout at /dev/null, so the rest of its buffer, flushed at exit, goes nowhere
    instead of failing again (Python's docs, signal module: "Note on SIGPIPE")."""
    with contextlib.suppress(OSError, ValueError):  # no descriptor (captured, closed)
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def flushed(code: ExitCode) -> ExitCode:
    """``code``, once stdout's buffer is written: the command has finished, so a reader
    that stopped reading changes nothing. Left to Python's flush at exit, the broken pipe
    would print "Exception ignored" and exit 120."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _mute_stdout()
    return code


def stdout_reader_gone(error: BaseException) -> bool:
    """Whether ``error`` is stdout's reader going away (``| head``, ``less`` quit early),
    stdout then muted. Poll says so (POLLERR: a pipe with no reader; POLLHUP: a closed
    socket); a broken pipe elsewhere (a worker, the stat helper) stays an internal error."""
    if not isinstance(error, BrokenPipeError):
        return False
    import select  # only for this: not loaded by every cron run

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor
        return False
    if not any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events):
        return False
    _mute_stdout()
    return True
