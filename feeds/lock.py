"""One run at a time per output folder: an advisory lock on ``<output>/.feeds.lock``.

The lock is ``flock(2)``: the kernel drops it when the holding process ends, however it
ends (SIGKILL included), so a killed run never leaves a stale lock behind. I/O: the lock
file only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import LockError
from .sources import display_path

LOCK_NAME = ".feeds.lock"
_POLL = 0.1
"""Seconds between tries while waiting for another run."""


@contextlib.contextmanager
def output_lock(output: Path, timeout: float) -> Iterator[None]:
    """Hold the output folder's lock for the ``with`` block; wait up to ``timeout`` seconds."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        fd = os.open(output / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise LockError(
            f"cannot create the lock file in {display_path(output)} ({error.strerror}); "
            "check that the output folder is writable"
        ) from None
    try:
        _acquire(fd, output, timeout)
        # The holder's pid, for the message a waiting run prints; informative only.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


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
