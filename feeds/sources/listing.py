"""Listing record files: the paths the walk (``walk``) found, then one stat per file for
its size and modification time, which a forked helper process shares on large listings.
Reads the file system, never the files; ``local`` is its front.
"""

from __future__ import annotations

import array
import collections
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from ..core.children import signals_held
from .stathelper import CAN_FORK, MISSING, StatHelper, zeros


class SourceFile(NamedTuple):
    """A record file to read, with the path shown to the user (a tuple: listing 100,000
    files builds 100,000 of these, and a tuple is built several times faster)."""

    path: Path | str
    """A str when listed here (building 100,000 Path objects costs more than the stat):
    the same string as ``display``, relative, for a file below the working folder."""
    display: str
    size: int = -1
    """Size and modification time when listed (-1: unknown); the parse cache's key."""
    mtime_ns: int = -1


def identity(stat: os.stat_result) -> int:
    """A file's device and inode as one int: a set of 100,000 of them is a third the size
    of one of (device, inode) pairs."""
    return stat.st_dev << 64 | stat.st_ino


RUN = 1024
"""The stats are shared in runs of at most this many paths (a folder's, or part of one)."""


class Listing:
    """The record files found, in walk order, and warnings about files skipped.

    The walk collects paths; each file's stat is read afterwards (most of a large
    listing's time). With ``split_from``, once that many paths are listed a forked
    helper starts, and runs of paths go to it whenever its queue has room, while the
    walk goes on and after: this process stats the runs the helper could not take, and
    the helper sends its stats back as arrays at the end. ``digest`` covers every path
    and stat without building a ``SourceFile`` for each, so a run whose inputs did not
    change never does.
    """

    def __init__(self, split_from: int | None = None) -> None:
        self.warnings: list[str] = []
        self.paths: list[str] = []
        self._known: dict[int, os.stat_result] = {}
        """Slots whose stat the walk already has (links, files named as sources)."""
        self._sizes, self._mtimes = zeros("q", 0), zeros("q", 0)
        self._devices, self._inodes = zeros("Q", 0), zeros("Q", 0)
        self._failed: dict[int, str] = {}
        self._files: list[SourceFile] | None = None
        self._prefix = os.getcwd() + os.sep  # noqa: PTH109 - a str, compared by prefix
        self._split_from = split_from if CAN_FORK else None
        self._handed = 0
        """Paths before this one are assigned: to ``_mine`` or to the helper."""
        self._mine: list[tuple[int, int]] = []
        """Runs of paths (start, stop) this process stats."""
        self._helper: StatHelper | None = None

    def display(self, path: str) -> str:
        """``path`` as shown to the user (relative to the working folder below it)."""
        return path[len(self._prefix) :] if path.startswith(self._prefix) else path

    def add(self, path: str, stat: os.stat_result | None = None) -> None:
        """One more file, its stat read later unless given."""
        if stat is not None:
            self._known[len(self.paths)] = stat
        self.paths.append(path)

    def walked(self) -> None:
        """The walk finished a folder: hand on the paths listed since the last run."""
        if self._split_from is not None and len(self.paths) - self._handed >= RUN:
            self._hand_over()

    def _hand_over(self) -> None:
        start, stop = self._handed, len(self.paths)
        if start == stop:
            return
        self._handed = stop
        if self._helper is None and self._split_from is not None and stop >= self._split_from:
            with signals_held():  # kept here before a signal can land: ``abandon`` stops it
                self._helper = StatHelper.start()
            if self._helper is None:  # no process to be had: this one reads them all
                self._split_from = None
        for first in range(start, stop, RUN):
            run = (first, min(first + RUN, stop))
            if self._helper is None or not self._helper.offer(*run, self.paths):
                self._mine.append(run)

    def settle(self, found: Callable[[SourceFile], None] | None = None) -> None:
        """Read every file's stat (``found`` is told of each file as soon as it is in)."""
        count = len(self.paths)
        self._sizes, self._mtimes = zeros("q", count), zeros("q", count)
        self._devices, self._inodes = zeros("Q", count), zeros("Q", count)
        if found is not None:
            self._stat_each(found)
            return
        if self._split_from is not None:
            self._hand_over()
        else:
            self._mine.append((self._handed, count))
        helper = self._helper  # kept until it has answered: ``abandon`` stops it
        self._stat_mine(helper)
        if helper is not None:
            self._collect(helper)
            self._helper = None
        for index, stat in self._known.items():  # a link's target, not the link
            self._put(index, stat)
            self._failed.pop(index, None)

    def _stat_mine(self, helper: StatHelper | None) -> None:
        """Stat this process's runs, first to last; the last go to the helper instead
        whenever its queue has room (it empties as the helper works)."""
        pending = collections.deque(self._mine)
        while pending:
            if helper is not None and len(pending) > 1 and helper.offer(*pending[-1], self.paths):
                pending.pop()
            else:
                self._stat_range(*pending.popleft())

    def _collect(self, helper: StatHelper) -> None:
        """The helper's stats put in place; its share read here if it failed."""
        helper.done_sending()
        if not self._take(helper):
            for start, stop in helper.ranges:
                self._stat_range(start, stop)

    def abandon(self) -> None:
        """Stop the helper (a listing given up midway)."""
        if self._helper is not None:
            self._helper.stop()
            self._helper = None

    def _stat_each(self, found: Callable[[SourceFile], None]) -> None:
        # Each file handed on as soon as its stat is in: the caller's workers start
        # reading it while the listing goes on.
        self._files = files = []
        made = self._each_file()
        for index in range(len(self.paths)):
            self._stat_range(index, index + 1)
            file = next(made)
            if file is not None:
                files.append(file)
                found(file)

    def _stat_range(self, start: int, stop: int) -> None:
        known, put, paths = self._known, self._put, self.paths
        for index in range(start, stop):
            if known and index in known:
                put(index, known[index])
                continue
            try:
                put(index, os.lstat(paths[index]))
            except OSError as exc:  # vanished or unreadable since listing
                self._failed[index] = exc.strerror or str(exc)
                put(index, MISSING)  # type: ignore[arg-type]

    def _put(self, index: int, stat: os.stat_result) -> None:
        self._sizes[index] = stat.st_size
        self._mtimes[index] = stat.st_mtime_ns
        self._devices[index] = stat.st_dev
        self._inodes[index] = stat.st_ino

    def _take(self, helper: StatHelper) -> bool:
        """Put the helper's stats in place; false, taking nothing, when its answer is
        incomplete or malformed (it died, or was killed)."""
        answer = helper.results()
        if answer is None:
            return False
        taken, failed = answer
        for column, values in zip(self._columns(), taken, strict=True):
            offset = 0
            for start, stop in helper.ranges:
                column[start:stop] = values[offset : offset + stop - start]
                offset += stop - start
        self._failed.update(failed)
        return True

    def _columns(self) -> tuple[array.array[int], ...]:
        return (self._sizes, self._mtimes, self._devices, self._inodes)

    def digest(self) -> Iterator[bytes]:
        """Bytes that change whenever a file is added, removed, renamed, resized or
        touched (its modification time): every path, size and time, in parts."""
        for start in range(0, len(self.paths), 10000):
            # Each path ends with NUL (never in a path): parts cannot run together.
            names = "\0".join(self.paths[start : start + 10000]) + "\0"
            yield names.encode("utf-8", "surrogateescape")
        for column in (self._sizes, self._mtimes):
            yield column.tobytes()
        yield repr(sorted(self._failed)).encode()

    @property
    def files(self) -> list[SourceFile]:
        """The files to read: a file reached by several paths (links) counts once, under
        the first; a file whose stat failed is skipped, with a warning."""
        if self._files is None:
            self._files = [file for file in self._each_file() if file is not None]
        return self._files

    def _each_file(self) -> Iterator[SourceFile | None]:
        """Each listed path's SourceFile, or None when skipped; in ``_stat_each`` each
        path's stat is in before it is asked for."""
        seen: set[int] = set()
        failed, prefix, cut = self._failed, self._prefix, len(self._prefix)
        # One plain loop over the columns: 100,000 files on a run that reads.
        columns = zip(
            self.paths, self._sizes, self._mtimes, self._devices, self._inodes, strict=True
        )
        for index, (path, size, mtime, device, inode) in enumerate(columns):
            if failed and index in failed:
                self.warnings.append(f"{self.display(path)}: skipped ({failed[index]})")
                yield None
                continue
            # Keyed by device and inode: a file and links to it count once.
            key = device << 64 | inode
            if key in seen:
                yield None
                continue
            seen.add(key)
            if path.startswith(prefix):
                # Below the working folder: opened by its shown, relative path, one string
                # for both (a million files keep 100 MB less).
                path = path[cut:]
            yield _new_tuple(SourceFile, (path, path, size, mtime))


_new_tuple = tuple.__new__
"""Builds a SourceFile without its generated ``__new__`` (a Python function call)."""
