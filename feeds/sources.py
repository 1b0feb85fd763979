"""Where records come from: find record files in the configured source folders (reads
the file system, not the files)."""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from .errors import ConfigError

RECORD_SUFFIXES = frozenset({".md", ".markdown", ".yaml", ".yml", ".json"})


class SourceFile(NamedTuple):
    """A record file to read, with the path shown to the user (a tuple: listing 100,000
    files builds 100,000 of these, and a tuple is built several times faster)."""

    path: Path | str
    """A str when listed here: building 100,000 Path objects costs more than the stat."""
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
    """Every record file below the sources, sorted, plus warnings about skipped links;
    ``found`` is told of each file as soon as it is listed.

    Folders are searched recursively; dot-files and dot-folders are skipped; a symbolic
    link is followed only when it stays inside its source folder, and never twice.
    A missing source is an error: an unmounted folder must not read as "no records".
    """
    files: list[SourceFile] = []
    warnings: list[str] = []
    seen: set[int] = set()
    for source in sources:
        if not source.exists():
            raise ConfigError(
                f"source {display_path(source)} does not exist; "
                "check 'sources' in the config or --source"
            )
        if source.is_file():
            stat = source.stat()
            if identity(stat) not in seen:
                seen.add(identity(stat))
                file = SourceFile(source, display_path(source), stat.st_size, stat.st_mtime_ns)
                files.append(file)
                if found is not None:
                    found(file)
            continue
        try:
            os.scandir(source).close()
        except OSError as error:
            # An unreadable source (or a device, a pipe) is an error, never "no records".
            raise ConfigError(
                f"source {display_path(source)} cannot be read ({error.strerror}); "
                "point 'sources' at record folders or files you can read"
            ) from None
        root = source.resolve()
        top = source.stat()
        walk = _Walk(root, files, warnings, seen, {identity(top)}, found)
        walk.folder(source)
    return files, warnings


_SUFFIXES = tuple(RECORD_SUFFIXES)
_NAME = operator.attrgetter("name")


def identity(stat: os.stat_result) -> int:
    """A file's device and inode as one int: a set of 100,000 of them is a third the size
    of one of (device, inode) pairs."""
    return stat.st_dev << 64 | stat.st_ino


def _is_record(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES)


class _Walk:
    """One source folder's search. Plain files and folders take a lean path (a stat
    each, no path resolution); only symbolic links are resolved and checked."""

    def __init__(
        self,
        root: Path,
        files: list[SourceFile],
        warnings: list[str],
        seen: set[int],
        visited: set[int],
        found: Callable[[SourceFile], None] | None = None,
    ) -> None:
        self.root, self.files, self.warnings = root, files, warnings
        self.seen, self.visited, self.found = seen, visited, found
        self.prefix = os.getcwd() + os.sep  # noqa: PTH109 - a str, compared by prefix

    def display(self, path: str) -> str:
        return path[len(self.prefix) :] if path.startswith(self.prefix) else path

    def folder(self, folder: Path | str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_NAME)
        except OSError as exc:
            shown = self.display(str(folder))
            self.warnings.append(f"{shown}: cannot list folder ({exc.strerror or exc})")
            return
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                # The file type comes with the listing: only a record file costs a stat.
                if entry.is_file(follow_symlinks=False):  # a regular file, not a link
                    if _is_record(name):
                        self.add(entry.path, entry.stat(follow_symlinks=False))
                elif entry.is_dir(follow_symlinks=False):
                    self.subfolder(entry.path, entry.stat(follow_symlinks=False))
                elif entry.is_symlink():
                    self.link(entry)
            except OSError as exc:  # vanished or unreadable since listing
                self.warnings.append(f"{self.display(entry.path)}: skipped ({exc.strerror or exc})")

    def subfolder(self, path: str, stat: os.stat_result) -> None:
        key = identity(stat)
        if key not in self.visited:  # a link back into a folder already searched: never loop
            self.visited.add(key)
            self.folder(path)

    def link(self, entry: os.DirEntry[str]) -> None:
        try:
            real = Path(entry.path).resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop on old Pythons
            self.warnings.append(f"{self.display(entry.path)}: skipped ({exc})")
            return
        if not real.is_relative_to(self.root):
            self.warnings.append(
                f"{self.display(entry.path)}: skipped a link that leads outside {self.root}"
            )
        elif real.is_dir():
            self.subfolder(entry.path, real.stat())
        elif _is_record(entry.name) and real.is_file():
            self.add(entry.path, real.stat())

    def add(self, path: str, stat: os.stat_result) -> None:
        # Keyed by device and inode: a file and links to it count once, however named.
        key = identity(stat)
        if key not in self.seen:
            self.seen.add(key)
            file = SourceFile(path, self.display(path), stat.st_size, stat.st_mtime_ns)
            self.files.append(file)
            if self.found is not None:
                self.found(file)
