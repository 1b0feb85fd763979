"""The parse cache: validated records per source file, so unchanged files are not read
again; I/O on ``<cache>/records.sqlite3`` only.

A file's entry is trusted while its size and modification time (nanoseconds) match.
The whole cache is dropped when the code or a library (``code_digest``) or a setting
that changes parsing differs, and a cache that cannot be read (corrupt, foreign, another
format) is discarded with a warning: it is never trusted, and a build never fails because of it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path

from ..core.settings import Config
from ..sources.local import SourceFile
from .codec import Outcome, decode_outcome
from .codedigest import code_digest

FORMAT = "feeds-parse-cache-7"
"""Bumped whenever the stored layout changes; with the code digest and settings, the key."""
FILE_NAME = "records.sqlite3"


def cache_settings(config: Config) -> str:
    """The settings cached records depend on: another value empties the whole cache."""
    return f"max_file_size={config.max_file_size} related={config.related_entries}"


def path_key(display: str) -> bytes:
    """A file's key in the cache: its path as bytes, the separator replaced by a byte that
    sorts before every other, so that keys sort in the order a listing walks folders
    (a folder's files where the folder's name sorts) and the cache can be read alongside
    the listing instead of being held in memory."""
    return display.encode("utf-8", "surrogateescape").replace(_SEP, b"\x01")


_SEP = os.sep.encode()


class ParseCache:
    """Validated records of unchanged files, looked up by path, size and mtime.

    Two tables: light records of every file (``files``), read alongside the listing in
    key order, and complete records of the files whose stories reached a feed (``full``,
    ``full=True``), looked up one by one. Neither is held in memory whole.
    """

    def __init__(self, folder: Path, settings: str, *, full: bool = False) -> None:
        self.table = "full" if full else "files"
        self.warnings: list[str] = []
        self.path = folder / FILE_NAME
        self.key = f"{FORMAT} {code_digest()} {settings}"
        self._db = self._open(folder)
        self._order: Sequence[int] = ()
        self._stale: list[bytes] = []
        self._found: dict[int, bytes] = {}

    def _open(self, folder: Path) -> sqlite3.Connection | None:
        """The database, or a fresh one (this run fills it) when it cannot be read; None,
        with a warning, when not even that can be made."""
        try:
            return self._prepare(folder)
        except (sqlite3.Error, OSError) as error:
            self.warnings.append(f"{self.path}: cache discarded ({error}); reading every file")
        for extra in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + extra).unlink()
        try:
            return self._prepare(folder)
        except (sqlite3.Error, OSError):
            return None

    def _prepare(self, folder: Path) -> sqlite3.Connection:
        """Open the database, emptied when its key differs, with its tables in place."""
        folder.mkdir(parents=True, exist_ok=True)
        db = _connect(self.path)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
            if row is None or row[0] != self.key:
                # Other code or other settings: nothing in it can be trusted.
                db.execute("DROP TABLE IF EXISTS files")
                db.execute("DROP TABLE IF EXISTS full")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
            for table in ("files", "full"):
                # Stored in key order (no rowid): read in that order, page after page.
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (path BLOB PRIMARY KEY, "
                    "size INTEGER, mtime_ns INTEGER, data BLOB) WITHOUT ROWID"
                )
            # The stamps alone, compact: matching a listing reads this, not the records.
            db.execute("CREATE INDEX IF NOT EXISTS stamps ON files (path, size, mtime_ns)")
        except sqlite3.Error:
            db.close()
            raise
        return db

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        # A foreign or damaged pickle can raise almost anything: none of it may stop a build.
        except Exception as error:  # noqa: BLE001
            warning = (
                f"{self.path}: cannot {what} the cache ({error}); its entries were dropped "
                "and every file is read"
            )
            if warning not in self.warnings:  # stored in batches: say it once
                self.warnings.append(warning)
            self._stale.clear()
            self._found.clear()
            self._reset()

    def _reset(self) -> None:
        """Empty the cache so this run refills it; delete the file if even that fails."""
        try:
            if self._db is not None:
                self._connection().execute(f"DELETE FROM {self.table}")
                return
        except sqlite3.Error:
            pass
        self.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    @staticmethod
    def exists(folder: Path) -> bool:
        """Whether ``folder`` holds a parse cache (possibly with entries to use)."""
        return (folder / FILE_NAME).is_file()

    def match(self, files: Sequence[SourceFile]) -> bytearray:
        """For each listed file, 1 when its entry is still good (same size and
        modification time), else 0; nothing is decoded yet. Entries of files not listed
        are forgotten by ``forget_stale``."""
        hits = bytearray(len(files))
        if self._db is None:
            return hits
        with self._guard("read"):
            if self.table == "full":
                self._match_each(files, hits)
            # Files in key order (one source) merge with the stamps as they are; else
            # (several sources) they are merged in key order after all.
            elif not self._match_in_order(files, hits, range(len(files))):
                order = sorted(range(len(files)), key=lambda i: path_key(files[i].display))
                self._match_in_order(files, hits, order)
            return hits
        return bytearray(len(files))

    def _match_each(self, files: Sequence[SourceFile], hits: bytearray) -> None:
        # The complete records of a few thousand files: one lookup each.
        assert self._db is not None
        query = "SELECT size, mtime_ns, data FROM full WHERE path = ?"
        for index, file in enumerate(files):
            row = self._db.execute(query, (path_key(file.display),)).fetchone()
            if row is not None and file.size >= 0 and (row[0], row[1]) == file[2:]:
                hits[index] = 1
                self._found[index] = row[2]

    def _match_in_order(
        self, files: Sequence[SourceFile], hits: bytearray, order: Sequence[int]
    ) -> bool:
        """Merge the stamps, in key order, with the files in ``order`` (kept for
        ``entries``); false, with nothing marked, when that is not key order."""
        assert self._db is not None
        rows = self._db.execute("SELECT path, size, mtime_ns FROM files ORDER BY path")
        row = next(rows, None)
        last = b""
        self._order, self._stale = order, []
        stale = self._stale
        for index in order:
            file = files[index]
            key = path_key(file.display)
            if key <= last:
                hits[:] = bytes(len(files))
                return False
            last = key
            while row is not None and row[0] < key:
                stale.append(row[0])  # a file no longer listed
                row = next(rows, None)
            if row is not None and row[0] == key:
                if file.size >= 0 and (row[1], row[2]) == file[2:]:
                    hits[index] = 1
                row = next(rows, None)
        while row is not None:
            stale.append(row[0])
            row = next(rows, None)
        return True

    def entries(
        self, files: Sequence[SourceFile], hits: bytearray
    ) -> Generator[tuple[int, bytes], None, None]:
        """The stored outcome (``encode_outcome``) of each file ``match`` found good, as
        (its index, the bytes), by index; a file whose entry cannot be read is left out
        (with a warning), and the caller reads it."""
        if self._db is None:
            return
        if self.table == "full":
            yield from sorted(self._found.items())
            return
        with self._guard("read"):
            # Read by a cursor of its own while this run stores fresh outcomes.
            reader = _connect(self.path)
            try:
                rows = reader.execute("SELECT path, data FROM files ORDER BY path")
                stored = self._merge(files, hits, rows)
                if isinstance(self._order, range):
                    yield from stored  # key order is file order: stream
                else:
                    yield from sorted(stored)  # several sources: put in file order
            finally:
                reader.close()

    def _merge(
        self, files: Sequence[SourceFile], hits: bytearray, rows: Iterator[tuple[bytes, bytes]]
    ) -> Iterator[tuple[int, bytes]]:
        row = next(rows, None)
        for index in self._order:
            if not hits[index]:
                continue
            key = path_key(files[index].display)
            while row is not None and row[0] < key:
                row = next(rows, None)
            if row is None or row[0] != key:
                return  # gone since ``match``: the caller reads the rest
            yield index, row[1]

    def decode(self, data: bytes, display: str) -> Outcome | None:
        """``decode_outcome`` of stored bytes, checked (the file on disk is untrusted); None,
        with a warning, when they cannot be decoded (damaged, foreign, tampered with: a
        value validation would not give): the caller reads that file and the ones after
        it again, and their entries are replaced."""
        try:
            return decode_outcome(data, display, check=True)
        # A foreign or damaged pickle can raise almost anything: none of it may stop a build.
        except Exception as error:  # noqa: BLE001
            self.warnings.append(
                f"{self.path}: cannot read the cache's entry for {display} ({error}); "
                "that file and the ones after it were read again"
            )
            return None

    def store(self, items: Iterable[tuple[SourceFile, bytes]]) -> None:
        """Store the encoded outcome (``encode_outcome``) of files read in this run."""
        if self._db is None:
            return
        rows = [(path_key(f.display), f.size, f.mtime_ns, data) for f, data in items if f.size >= 0]
        with self._guard("write"):
            writer = self._connection()
            writer.execute("BEGIN")
            writer.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?)", rows)
            writer.execute("COMMIT")

    def forget_stale(self) -> None:
        """Drop entries of files that no longer exist, so the cache does not grow forever:
        those ``match`` did not find listed, and complete records of files that have no
        light entry any more."""
        if self._db is None:
            return
        with self._guard("write"):
            writer = self._connection()
            if self.table == "full":
                writer.execute("DELETE FROM full WHERE path NOT IN (SELECT path FROM files)")
            elif self._stale:
                writer.executemany("DELETE FROM files WHERE path = ?", [(k,) for k in self._stale])

    def _connection(self) -> sqlite3.Connection:
        assert self._db is not None
        return self._db

    def close(self) -> None:
        """Close the database (the cache stays on disk)."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
