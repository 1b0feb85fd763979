"""Where records come from: find record files in the configured source folders (reads
the file system, not the files)."""

from __future__ import annotations

import array
import ast
import operator
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import ConfigError

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


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it, else absolute."""
    cwd = os.getcwd()  # noqa: PTH109 - a str: this runs once per record file
    text = str(path)
    if text.startswith(cwd + os.sep):  # the common case, without pathlib's cost
        return text[len(cwd) + 1 :]
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return text


def find_record_files(
    sources: Iterable[Path], found: Callable[[SourceFile], None] | None = None
) -> tuple[list[SourceFile], list[str]]:
    """Every record file below the sources (``list_record_files``) and warnings about
    skipped files; ``found`` is told of each file as soon as it is listed."""
    listing = list_record_files(sources, found)
    return listing.files, listing.warnings


def list_record_files(
    sources: Iterable[Path],
    found: Callable[[SourceFile], None] | None = None,
    *,
    split_from: int | None = None,
) -> Listing:
    """Every record file below the sources, in walk order: sources in the given order,
    each folder's entries by name, a folder's files where the folder sorts.

    Folders are searched recursively; dot-files and dot-folders are skipped; a symbolic
    link is followed only when it stays inside its source folder, and a file reached
    twice (by links) counts once. A missing source is an error: an unmounted folder must
    not read as "no records". ``found`` is told of each file as soon as it is listed.

    From ``split_from`` files on (and without ``found``), the files' sizes and times
    are read by two processes (``Listing``).
    """
    listing = Listing()
    for source in sources:
        if not source.exists():
            raise ConfigError(
                f"source {display_path(source)} does not exist; "
                "check 'sources' in the config or --source"
            )
        if source.is_file():
            listing.add(str(source), source.stat())
            continue
        try:
            os.scandir(source).close()
        except OSError as error:
            # An unreadable source (or a device, a pipe) is an error, never "no records".
            raise ConfigError(
                f"source {display_path(source)} cannot be read ({error.strerror}); "
                "point 'sources' at record folders or files you can read"
            ) from None
        _Walk(source.resolve(), listing, {identity(source.stat())}).folder(source)
    listing.settle(found, split_from)
    return listing


_SUFFIXES = tuple(RECORD_SUFFIXES)
_NAME = operator.attrgetter("name")


def identity(stat: os.stat_result) -> int:
    """A file's device and inode as one int: a set of 100,000 of them is a third the size
    of one of (device, inode) pairs."""
    return stat.st_dev << 64 | stat.st_ino


def _is_record(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES)


class Listing:
    """The record files found, in walk order, and warnings about files skipped.

    Listing happens in two passes: the folders' entries (names and types, cheap), then
    one stat per file for its size and modification time (most of a large listing's
    time). The second pass can be split between this process and a forked one, which
    sends back its half as arrays. ``digest`` covers every path and stat without
    building a ``SourceFile`` for each, so a run whose inputs did not change never does.
    """

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.paths: list[str] = []
        self._known: dict[int, os.stat_result] = {}
        """Slots whose stat the walk already has (links, files named as sources)."""
        self._sizes = array.array("q")
        self._mtimes = array.array("q")
        self._devices = array.array("Q")
        self._inodes = array.array("Q")
        self._failed: dict[int, str] = {}
        self._files: list[SourceFile] | None = None
        self._prefix = os.getcwd() + os.sep  # noqa: PTH109 - a str, compared by prefix

    def display(self, path: str) -> str:
        """``path`` as shown to the user (relative to the working folder below it)."""
        return path[len(self._prefix) :] if path.startswith(self._prefix) else path

    def add(self, path: str, stat: os.stat_result | None = None) -> None:
        """One more file, its stat read later unless given."""
        if stat is not None:
            self._known[len(self.paths)] = stat
        self.paths.append(path)

    def settle(self, found: Callable[[SourceFile], None] | None, split_from: int | None) -> None:
        """Read every file's stat (in two processes when asked and worth it)."""
        if found is not None:
            self._stat_each(found)
        elif split_from is not None and len(self.paths) >= split_from and _CAN_FORK:
            self._stat_split()
        else:
            self._stat_range(0, len(self.paths))

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
        sizes, mtimes = self._sizes.append, self._mtimes.append
        devices, inodes = self._devices.append, self._inodes.append
        known, lstat, paths = self._known, os.lstat, self.paths
        for index in range(start, stop):
            try:
                stat = known[index] if known and index in known else lstat(paths[index])
            except OSError as exc:  # vanished or unreadable since listing
                self._failed[index] = exc.strerror or str(exc)
                stat = _MISSING  # type: ignore[assignment]
            sizes(stat.st_size)
            mtimes(stat.st_mtime_ns)
            devices(stat.st_dev)
            inodes(stat.st_ino)

    def _stat_split(self) -> None:
        # The second half goes to a forked copy of this process, which shares the path
        # list without copying it and sends its stats back through a pipe; the stat
        # system calls, most of the time, then run on two cores.
        half = len(self.paths) // 2
        try:
            reader, writer = os.pipe()
        except OSError:  # out of file descriptors: one process reads them all
            self._stat_range(0, len(self.paths))
            return
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: likewise
            os.close(reader)
            os.close(writer)
            self._stat_range(0, len(self.paths))
            return
        if pid == 0:  # pragma: no cover - the child; its output is checked by the parent
            code = 1
            try:
                os.close(reader)
                self._stat_range(half, len(self.paths))
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(self._packed(half))
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        self._stat_range(0, half)
        with os.fdopen(reader, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        if not self._unpack(data, half):
            # The helper died or was killed: read the second half here.
            self._stat_range(half, len(self.paths))

    def _packed(self, start: int) -> bytes:
        failed = {i: m for i, m in self._failed.items() if i >= start}
        # The stats of files ``start`` on: the last ones read (a helper reads only those).
        count = len(self.paths) - start
        columns = (self._sizes, self._mtimes, self._devices, self._inodes)
        data = b"".join(column[len(column) - count :].tobytes() for column in columns)
        extra = repr(failed).encode("utf-8", "surrogateescape")
        return len(data).to_bytes(8, "little") + data + extra

    def _unpack(self, data: bytes, start: int) -> bool:
        """Take the helper's stats (``_packed``); false, taking nothing, when they are
        incomplete or malformed."""
        count = len(self.paths) - start
        size = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
        if size != count * 32 or len(data) < 8 + size:
            return False
        try:
            failed = ast.literal_eval(data[8 + size :].decode("utf-8", "surrogateescape"))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return False
        if not isinstance(failed, dict):
            return False
        end = 8
        for column in (self._sizes, self._mtimes, self._devices, self._inodes):
            column.frombytes(data[end : end + count * 8])
            end += count * 8
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
        """Each listed path's SourceFile, or None when skipped; the columns may still be
        growing (``_stat_each``) as long as each path's stat is in before it is asked."""
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


class _Unread(NamedTuple):
    """Stands in for the stat of a file that could not be read."""

    st_size: int = -1
    st_mtime_ns: int = -1
    st_dev: int = 0
    st_ino: int = 0


_MISSING = _Unread()

_CAN_FORK = sys.platform == "linux" and (os.cpu_count() or 1) > 1
"""Splitting the listing needs a second core and a cheap fork that copies nothing."""


class _Walk:
    """One source folder's search: the first pass (see ``Listing``). Plain files and
    folders take a lean path; only symbolic links are resolved and checked."""

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
                    if name.lower().endswith(suffixes):  # _is_record, inlined: 100,000 calls
                        add(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    self.subfolder(entry.path, entry.stat(follow_symlinks=False))
                elif entry.is_symlink():
                    self.link(entry)
            except OSError as exc:  # vanished or unreadable since listing
                shown = self.listing.display(entry.path)
                self.warnings.append(f"{shown}: skipped ({exc.strerror or exc})")

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
        elif _is_record(entry.name) and real.is_file():
            self.listing.add(entry.path, real.stat())
