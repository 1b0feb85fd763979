"""Signals and the processes a build forks (the parser workers, the listing's stat
helper); no I/O.

The ``feeds`` process turns SIGINT, SIGTERM and SIGHUP into ``Interrupted`` once
(``catch_signals``), unwinds (temporary files removed, lock released) and ends its
children itself. A child ignores SIGINT, which a terminal's Ctrl-C sends to the whole
process group, dies at once on SIGTERM and SIGHUP, and is killed by the kernel when its
parent dies (Linux), however the parent dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

from .errors import ExitCode, Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1
"""prctl(2)'s option: the signal this process gets when its parent dies."""


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold ``SIGNALS`` back in this thread for the block; one that arrives meanwhile is
    delivered as the block ends. Around a fork (the child starts with them held, until
    ``as_child`` has set its own handling) and around creating a temporary file (a
    signal cannot land before the caller knows the file's name to remove it)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def as_child(parent: int, *, tied: bool = True) -> None:
    """In a child forked inside ``signals_held``: ignore SIGINT, die on SIGTERM and SIGHUP,
    and, when ``tied``, die with ``parent`` (the kernel sends SIGKILL; a parent gone
    already ends it now). The parent ends its children; a child never prints a traceback
    for a signal.

    A child that only reads requests from a pipe of the parent's and answers on another
    needs no tie (``tied=False``): when the parent dies it reads the end of its requests,
    or its answer meets a closed pipe, and it ends. It then skips the ``ctypes`` import
    ``prctl`` needs, a few milliseconds before its first answer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    with contextlib.suppress(ValueError):  # the parent's wakeup pipe is not the child's
        signal.set_wakeup_fd(-1)
    if tied and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


class _Catcher:
    """The handler of ``SIGNALS`` in the ``feeds`` process.

    Python runs the handlers of signals that came while it was busy in C code (a long
    lxml or pickle call, another thread holding the interpreter) in the order of their
    numbers, not of their arrival: SIGTERM then Ctrl-C would be handled as SIGINT first.
    The order they came in is read from the wakeup pipe (``signal.set_wakeup_fd``),
    where each signal leaves its number as it lands, so the first one decides."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.raising = True
        self.arrivals: int | None = None
        """The read end of the wakeup pipe, once ``catch_signals`` has set it."""

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:  # a child forked before ``as_child``: end quietly
            os._exit(ExitCode.for_signal(signum))
        if self.raising:
            # Once: a second Ctrl-C while the first unwinds must not cut the cleanup
            # short (a temporary file left, a traceback printed).
            self.raising = False
            raise Interrupted(self.first(signum))

    def first(self, signum: int) -> int:
        """Of the signals that have landed, the one that came first (``signum`` when the
        pipe cannot tell)."""
        if self.arrivals is None:
            return signum
        try:
            landed = os.read(self.arrivals, 4096)
        except OSError:  # empty or closed: the order is not known
            return signum
        return next((number for number in landed if number in SIGNALS), signum)


@contextlib.contextmanager
def catch_signals(for_good: bool = False) -> Iterator[None]:
    """For the block, the first of ``SIGNALS`` raises ``Interrupted`` in this thread (the
    main one) and later ones are ignored. Afterwards the previous handlers are back,
    unless ``for_good``: the process is about to exit, its work done, and a signal
    while it does is held back (Python's exit restores the default handlers, which
    would kill it silently)."""
    catcher = _Catcher()
    try:
        previous = {
            signum: signal.signal(signum, catcher)
            for signum in SIGNALS
            # One ignored from the start stays ignored (nohup, a job started with &).
            if signal.getsignal(signum) != signal.SIG_IGN
        }
    except ValueError:  # not the main thread, the only one that can handle signals
        yield
        return
    arrivals, landing = os.pipe()
    os.set_blocking(arrivals, False)
    os.set_blocking(landing, False)
    previous_wakeup = signal.set_wakeup_fd(landing, warn_on_full_buffer=False)
    catcher.arrivals = arrivals
    try:
        yield
    finally:
        catcher.raising = False
        if for_good:  # the pipe stays open until the process exits
            signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        else:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous_wakeup)
            catcher.arrivals = None
            os.close(arrivals)
            os.close(landing)
