"""Listing record files: the walk through the source folders (names and types), then one
stat per file for its size and modification time, which a forked helper process shares
on large listings. Reads the file system, never the files; ``sources`` is its front.
"""

from __future__ import annotations

import array
import ast
import collections
import contextlib
import fcntl
import operator
import os
import struct
import sys
import termios
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

RECORD_SUFFIXES = frozenset({".md", ".markdown", ".yaml", ".yml", ".json"})


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
        self._sizes, self._mtimes = _column("q", 0), _column("q", 0)
        self._devices, self._inodes = _column("Q", 0), _column("Q", 0)
        self._failed: dict[int, str] = {}
        self._files: list[SourceFile] | None = None
        self._prefix = os.getcwd() + os.sep  # noqa: PTH109 - a str, compared by prefix
        self._split_from = split_from if _CAN_FORK else None
        self._handed = 0
        """Paths before this one are assigned: to ``_mine`` or to the helper."""
        self._mine: list[tuple[int, int]] = []
        """Runs of paths (start, stop) this process stats."""
        self._helper: _Helper | None = None

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
            self._helper = _Helper.start()
            if self._helper is None:  # no process to be had: this one reads them all
                self._split_from = None
        for first in range(start, stop, RUN):
            run = (first, min(first + RUN, stop))
            if self._helper is None or not self._helper.offer(*run, self.paths):
                self._mine.append(run)

    def settle(self, found: Callable[[SourceFile], None] | None = None) -> None:
        """Read every file's stat (``found`` is told of each file as soon as it is in)."""
        count = len(self.paths)
        self._sizes, self._mtimes = _column("q", count), _column("q", count)
        self._devices, self._inodes = _column("Q", count), _column("Q", count)
        if found is not None:
            self._stat_each(found)
            return
        if self._split_from is not None:
            self._hand_over()
        else:
            self._mine.append((self._handed, count))
        helper, self._helper = self._helper, None
        pending = collections.deque(self._mine)
        while pending:
            # The last runs go to the helper as its queue empties; the first are read here.
            if helper is not None and len(pending) > 1 and helper.offer(*pending[-1], self.paths):
                pending.pop()
            else:
                self._stat_range(*pending.popleft())
        if helper is not None:
            helper.done_sending()
        if helper is not None and not self._take(helper):
            for start, stop in helper.ranges:  # the helper failed: read its share here
                self._stat_range(start, stop)
        for index, stat in self._known.items():  # a link's target, not the link
            self._put(index, stat)
            self._failed.pop(index, None)

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
                put(index, _MISSING)  # type: ignore[arg-type]

    def _put(self, index: int, stat: os.stat_result) -> None:
        self._sizes[index] = stat.st_size
        self._mtimes[index] = stat.st_mtime_ns
        self._devices[index] = stat.st_dev
        self._inodes[index] = stat.st_ino

    def _take(self, helper: _Helper) -> bool:
        """Put the helper's stats in place; false, taking nothing, when its answer is
        incomplete or malformed (it died, or was killed)."""
        answer = helper.answer()
        total = sum(stop - start for start, stop in helper.ranges)
        if answer is None or len(answer) < 8 + total * 32:
            return False
        if int.from_bytes(answer[:8], "little") != total:
            return False
        try:
            failed = ast.literal_eval(answer[8 + total * 32 :].decode("utf-8", "surrogateescape"))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return False
        if not isinstance(failed, dict):
            return False
        end = 8
        for column in (self._sizes, self._mtimes, self._devices, self._inodes):
            taken = array.array(column.typecode, answer[end : end + total * 8])
            end += total * 8
            offset = 0
            for start, stop in helper.ranges:
                column[start:stop] = taken[offset : offset + stop - start]
                offset += stop - start
        self._failed.update(failed)
        return True

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


def _column(typecode: str, count: int) -> array.array[int]:
    return array.array(typecode, bytes(8 * count))


_new_tuple = tuple.__new__
"""Builds a SourceFile without its generated ``__new__`` (a Python function call)."""


class _Unread(NamedTuple):
    """Stands in for the stat of a file that could not be read."""

    st_size: int = -1
    st_mtime_ns: int = -1
    st_dev: int = 0
    st_ino: int = 0


_MISSING = _Unread()

_CAN_FORK = sys.platform == "linux" and (os.cpu_count() or 1) > 1
"""Sharing the stats needs a second core and a cheap fork that copies nothing."""

_QUEUE = 1 << 18
"""The helper's queue (its pipe), in bytes: about 2,500 paths, a hundredth of a second of
stats; once this process is done, the helper has at most that much left to do."""
_HEADER = struct.Struct("<QI")
"""A run of paths sent to the helper: its first index and the length of its text."""


class _Helper:
    """A forked copy of the listing process that stats the runs of paths it is sent,
    while the walk goes on, and answers with their stats when the sending is done: the
    stat system calls, most of the time, then run on two cores. Anything that goes
    wrong leaves its runs to the listing process."""

    def __init__(self, pid: int, requests: IO[bytes], answers: IO[bytes]) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers
        self.ranges: list[tuple[int, int]] = []
        """The runs sent, in order: the answer's stats follow it."""
        self.capacity = _QUEUE
        with contextlib.suppress(OSError, AttributeError):
            self.capacity = fcntl.fcntl(requests.fileno(), fcntl.F_SETPIPE_SZ, _QUEUE)

    @classmethod
    def start(cls) -> _Helper | None:
        """Fork the helper; None when there are no descriptors or processes for it."""
        try:
            pipes = os.pipe() + os.pipe()
        except OSError:
            return None
        requests_in, requests_out, answers_in, answers_out = pipes
        try:
            pid = os.fork()
        except OSError:
            for fd in pipes:
                os.close(fd)
            return None
        if pid == 0:  # pragma: no cover - the child; its answer is checked by the parent
            code = 1
            try:
                os.close(requests_out)
                os.close(answers_in)
                with os.fdopen(requests_in, "rb") as requests:
                    answer = _stat_runs(requests)
                with os.fdopen(answers_out, "wb") as answers:
                    answers.write(answer)
                code = 0
            finally:
                os._exit(code)
        os.close(requests_in)
        os.close(answers_out)
        return cls(pid, os.fdopen(requests_out, "wb"), os.fdopen(answers_in, "rb"))

    def offer(self, start: int, stop: int, paths: list[str]) -> bool:
        """Ask for the stats of ``paths[start:stop]`` if the helper's queue has room for
        them now (this process never waits for it); false when not, or when it is gone."""
        text = "\0".join(paths[start:stop]).encode("utf-8", "surrogateescape")
        message = _HEADER.pack(start, len(text)) + text
        try:
            queued = array.array("i", [0])
            fcntl.ioctl(self.requests.fileno(), termios.FIONREAD, queued)
            if len(message) > self.capacity - queued[0]:
                return False
            self.requests.write(message)
            self.requests.flush()
        except OSError:
            return False
        self.ranges.append((start, stop))
        return True

    def done_sending(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()

    def answer(self) -> bytes | None:
        """The helper's answer (``_stat_runs``), read whole; None when it failed."""
        try:
            with self.answers:
                data = self.answers.read()
            _, status = os.waitpid(self.pid, 0)
        except OSError:
            return None
        return data if status == 0 else None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()
            self.answers.close()
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)


def _stat_runs(requests: IO[bytes]) -> bytes:  # pragma: no cover - runs in the helper
    """The helper's work: stat every path of every run until the requests end; answer
    with their count, four columns (size, time, device, inode) and the failures."""
    columns = (_column("q", 0), _column("q", 0), _column("Q", 0), _column("Q", 0))
    sizes, mtimes, devices, inodes = columns
    failed: dict[int, str] = {}
    while header := requests.read(_HEADER.size):
        start, length = _HEADER.unpack(header)
        text = requests.read(length).decode("utf-8", "surrogateescape")
        for index, path in enumerate(text.split("\0"), start):
            try:
                stat = os.lstat(path)
            except OSError as exc:
                failed[index] = exc.strerror or str(exc)
                stat = _MISSING  # type: ignore[assignment]
            sizes.append(stat.st_size)
            mtimes.append(stat.st_mtime_ns)
            devices.append(stat.st_dev)
            inodes.append(stat.st_ino)
    count = len(sizes).to_bytes(8, "little")
    failures = repr(failed).encode("utf-8", "surrogateescape")
    return count + b"".join(column.tobytes() for column in columns) + failures


_NAME = operator.attrgetter("name")
_SUFFIXES = tuple(RECORD_SUFFIXES)


def is_record(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES)


class Walk:
    """One source folder's search (see ``Listing``). Plain files and folders take a lean
    path; only symbolic links are resolved and checked."""

    def __init__(self, root: Path, listing: Listing, visited: set[int]) -> None:
        self.root, self.listing, self.visited = root, listing, visited
        self.warnings = listing.warnings

    def folder(self, folder: Path | str) -> None:
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=_NAME)
        except OSError as exc:
            shown = self.listing.display(str(folder))
            self.warnings.append(f"{shown}: cannot list folder ({exc.strerror or exc})")
            return
        add, suffixes = self.listing.paths.append, _SUFFIXES
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                # The file type comes with the listing: no stat for a plain file yet.
                if entry.is_file(follow_symlinks=False):  # a regular file, not a link
                    if name.lower().endswith(suffixes):  # is_record, inlined: 100,000 calls
                        add(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    self.subfolder(entry.path, entry.stat(follow_symlinks=False))
                elif entry.is_symlink():
                    self.link(entry)
            except OSError as exc:  # vanished or unreadable since listing
                shown = self.listing.display(entry.path)
                self.warnings.append(f"{shown}: skipped ({exc.strerror or exc})")
        self.listing.walked()

    def subfolder(self, path: str, stat: os.stat_result) -> None:
        key = identity(stat)
        if key not in self.visited:  # a link back into a folder already searched: never loop
            self.visited.add(key)
            self.folder(path)

    def link(self, entry: os.DirEntry[str]) -> None:
        shown = self.listing.display(entry.path)
        try:
            real = Path(entry.path).resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop on old Pythons
            self.warnings.append(f"{shown}: skipped ({exc})")
            return
        if not real.is_relative_to(self.root):
            self.warnings.append(f"{shown}: skipped a link that leads outside {self.root}")
        elif real.is_dir():
            self.subfolder(entry.path, real.stat())
        elif is_record(entry.name) and real.is_file():
            self.listing.add(entry.path, real.stat())
