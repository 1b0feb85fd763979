"""Process settings of a build that reads records: the cyclic garbage collector paused
and glibc's malloc told to keep freed memory. They change no output, only the time."""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from collections.abc import Iterator

_frozen = False
"""Whether a batch of this process left its survivors frozen (``batch_mode``)."""


@contextlib.contextmanager
def batch_mode() -> Iterator[None]:
    """Run as the batch job a build is: the cyclic garbage collector paused (a build
    makes millions of small acyclic objects, which reference counting frees, and the
    collector would walk them all again and again: a fifth of a large build's time).
    Forked workers inherit it, and ``keep_freed_memory`` once records are to be read.

    When the collector resumes, what the build left alive (the modules it imported, the
    caches, the report) is frozen first (``gc.freeze``): the collector had counted every
    allocation of the build, so its first pass would walk all of them, and the
    interpreter walks them again as it exits (20 ms of a 20,000-record run with 1% of
    the records changed, a tenth of one with nothing to do). Reference counting still
    frees them; a later batch in the same process unfreezes and collects them first, so
    no cycle among them outlives the next build."""
    global _frozen
    was_enabled = gc.isenabled()
    if was_enabled and _frozen:
        gc.unfreeze()
        gc.collect()
        _frozen = False
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            _frozen = True
            gc.enable()


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
"""glibc's mallopt parameters (malloc.h)."""


@functools.cache  # once a process: a build that starts workers asks before forking them
def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory instead of returning it to the system at
    once. Reading a record allocates and frees a few kilobytes of text; with the default
    thresholds the top of the heap is trimmed and faulted in again over and over (17,000
    page faults per 8,000 records, which took 60% longer). Elsewhere nothing changes.
    Called once records are to be read: a run with nothing to do never loads ctypes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): leave it
        pass
