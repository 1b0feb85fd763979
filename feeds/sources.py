"""Where records come from: find record files in the configured source folders (reads
the file system, not the files)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

RECORD_SUFFIXES = frozenset({".md", ".markdown", ".yaml", ".yml", ".json"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A record file to read, with the path shown to the user."""

    path: Path
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


def find_record_files(sources: Iterable[Path]) -> tuple[list[SourceFile], list[str]]:
    """Every record file below the sources, sorted, plus warnings about skipped links.

    Folders are searched recursively; dot-files and dot-folders are skipped; a symbolic
    link is followed only when it stays inside its source folder, and never twice.
    A missing source is an error: an unmounted folder must not read as "no records".
    """
    files: list[SourceFile] = []
    warnings: list[str] = []
    seen: set[tuple[int, int]] = set()
    for source in sources:
        if not source.exists():
            raise ConfigError(
                f"source {display_path(source)} does not exist; "
                "check 'sources' in the config or --source"
            )
        if source.is_file():
            _add(files, seen, source, source.stat())
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
        _walk(source, root, files, warnings, seen, {root})
    return files, warnings


def _walk(
    folder: Path,
    root: Path,
    files: list[SourceFile],
    warnings: list[str],
    seen: set[tuple[int, int]],
    visited: set[Path],
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        warnings.append(f"{display_path(folder)}: cannot list folder ({exc.strerror or exc})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_link = entry.is_symlink()
            real = path.resolve() if is_link else None
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop on old Pythons
            warnings.append(f"{display_path(path)}: skipped ({exc})")
            continue
        if real is not None and not real.is_relative_to(root):
            warnings.append(f"{display_path(path)}: skipped a link that leads outside {root}")
            continue
        if is_dir:
            key = real or path.resolve()
            if key in visited:
                continue  # a link back into a folder already searched: never loop
            visited.add(key)
            _walk(path, root, files, warnings, seen, visited)
        elif is_file and path.suffix.lower() in RECORD_SUFFIXES:
            try:
                _add(files, seen, path, entry.stat())
            except OSError as exc:  # vanished since listing
                warnings.append(f"{display_path(path)}: skipped ({exc.strerror or exc})")


def _add(
    files: list[SourceFile], seen: set[tuple[int, int]], path: Path, stat: os.stat_result
) -> None:
    # Keyed by device and inode: a file and links to it count once, however named.
    key = (stat.st_dev, stat.st_ino)
    if key not in seen:
        seen.add(key)
        files.append(SourceFile(path, display_path(path), stat.st_size, stat.st_mtime_ns))
