"""Where records come from: find record files in the configured source folders (reads
the file system, not the files; the walk and the stats are ``listing``'s)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..core.errors import ConfigError
from .listing import Listing, SourceFile, identity
from .walk import Walk

__all__ = [
    "Listing",
    "SourceFile",
    "display_path",
    "find_record_files",
    "list_record_files",
]


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

    Without ``found``, once ``split_from`` files are listed a forked helper reads most
    of the further files' sizes and times while the walk goes on (``Listing``).
    """
    sources = list(sources)
    for source in sources:
        if not source.exists():
            raise ConfigError(
                f"source {display_path(source)} does not exist; "
                "check 'sources' in the config or --source"
            )
    listing = Listing(split_from if found is None else None)
    try:
        for source in sources:
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
            Walk(source.resolve(), listing, {identity(source.stat())}).folder(source)
        listing.settle(found)
    except BaseException:
        listing.abandon()
        raise
    return listing
