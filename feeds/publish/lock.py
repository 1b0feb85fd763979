"""One run at a time per output folder: an advisory lock on ``<output>/.feeds.lock``.

The lock is ``flock(2)``: the kernel drops it when the holding process ends, however it
ends (SIGKILL included), so a killed run never leaves a stale lock behind. A lock file
that is a symbolic link or not a regular file is refused. I/O: the lock file only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import LockError, OutputError
from ..sources.local import display_path

LOCK_NAME = ".feeds.lock"
_POLL = 0.1
"""Seconds between tries while waiting for another run."""


@contextlib.contextmanager
def output_lock(output: Path, timeout: float) -> Iterator[None]:
    """Hold the output folder's lock for the ``with`` block; wait up to ``timeout`` seconds."""
    fd = _open_lock_file(output)
    try:
        _acquire(fd, output, timeout)
        # The holder's pid, for the message a waiting run prints; informative only.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _open_lock_file(output: Path) -> int:
    """The lock file's descriptor, created if missing; never through a symbolic link, never
    anything but a regular file: a planted link would have the run write elsewhere."""
    shown = display_path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create the output folder {shown} ({error.strerror or error}); "
            "check the path (output in the config or --output)"
        ) from None
    lock = output / LOCK_NAME
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NOCTTY | os.O_NONBLOCK
    try:
        fd = os.open(lock, flags, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise _not_regular(lock, "a symbolic link") from None
        raise OutputError(
            f"{shown}: the output folder is not writable (cannot create {LOCK_NAME}: "
            f"{error.strerror or error}); make it writable or choose another (output or --output)"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _not_regular(lock, "not a regular file")
    return fd


def _not_regular(lock: Path, found: str) -> OutputError:
    return OutputError(
        f"{display_path(lock)}: {found}; remove it (feeds creates its own lock file)"
    )


def _acquire(fd: int, output: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(_POLL)
    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
    raise LockError(
        f"another feeds build (pid {holder}) is writing {display_path(output)}; "
        f"gave up after {timeout:g} s (lock_timeout in the config or --lock-timeout)"
    )
