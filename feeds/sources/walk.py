"""The walk through the source folders: each folder's record files by name and type,
into a ``Listing`` (their stats are read later, by the listing); symbolic links followed
only inside their source folder. Reads folders, never files.
"""

from __future__ import annotations

import operator
import os
from pathlib import Path

from ..core.sources import RECORD_SUFFIXES
from .listing import Listing, identity

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
