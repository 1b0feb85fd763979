"""The parse cache: validated records per source file, so unchanged files are not read
again; I/O on ``<cache>/records.sqlite3`` only.

A file's entry is trusted while its size and modification time (nanoseconds) match.
The whole cache is dropped when the code version or a setting that changes parsing
differs, and a cache that cannot be read (corrupt, foreign, another format) is discarded
with a warning: it is never trusted, and a build never fails because of it.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__
from .model import Image, Provider, Record, Rejection, RelatedItem, SourceLocation
from .sources import SourceFile
from .video import Video

FORMAT = "feeds-parse-cache-5"
"""Bumped whenever the stored layout changes; with the version and settings, the key."""
FILE_NAME = "records.sqlite3"

Entry = tuple[Sequence[Record], Sequence[Rejection], int]
"""A file's records, rejections and how many records it held."""


class ParseCache:
    """Validated records of unchanged files, looked up by path, size and mtime."""

    def __init__(self, folder: Path, settings: str, *, full: bool = False) -> None:
        # Two tables: light records of every file ("files"), and complete records of the
        # files whose stories reached a feed ("full"), so reading.complete reads few files.
        self.table = "full" if full else "files"
        self.warnings: list[str] = []
        self.path = folder / FILE_NAME
        self.key = f"{FORMAT} {__version__} {settings}"
        self._db = self._open(folder)
        self._known: dict[str, tuple[int, int]] = {}
        if self._db is not None:
            with self._guard("read"):
                rows = self._db.execute(f"SELECT path, size, mtime_ns FROM {self.table}")
                self._known = {path: (size, mtime) for path, size, mtime in rows}

    def _open(self, folder: Path) -> sqlite3.Connection | None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            for table in ("files", "full"):
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (path TEXT PRIMARY KEY, size INTEGER, "
                    "mtime_ns INTEGER, data BLOB)"
                )
            row = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
            if row is None or row[0] != self.key:
                # Another version or other settings: nothing in it can be trusted.
                db.execute("DELETE FROM files")
                db.execute("DELETE FROM full")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
            return db
        except (sqlite3.Error, OSError) as error:
            self.warnings.append(f"{self.path}: cache discarded ({error}); reading every file")
            with contextlib.suppress(OSError):
                self.path.unlink()
            return None

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
            self._known.clear()
            self._reset()

    def _reset(self) -> None:
        """Empty the cache so this run refills it; delete the file if even that fails."""
        try:
            if self._db is not None:
                self._db.execute(f"DELETE FROM {self.table}")
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

    def unchanged(self, files: Sequence[SourceFile]) -> set[str]:
        """The display paths of the listed files whose entry is still good (same size
        and modification time); nothing is decoded yet."""
        return {
            f.display
            for f in files
            if f.size >= 0 and self._known.get(f.display) == (f.size, f.mtime_ns)
        }

    def lookup(self, wanted: set[str]) -> dict[str, Entry]:
        """The cached outcome of each file in ``wanted`` (``unchanged``), by display path,
        decoded row by row; empty when the cache cannot be read."""
        found: dict[str, Entry] = {}
        if self._db is None or not wanted:
            return found
        with self._guard("read"):
            for path, data in self._db.execute(f"SELECT path, data FROM {self.table}"):
                if path in wanted:
                    found[path] = decode_entry(data, path)
            return found
        return {}

    def store(self, items: Iterable[tuple[SourceFile, bytes]]) -> None:
        """Store the encoded outcome (``encode_entry``) of files read in this run."""
        if self._db is None:
            return
        rows = ((f.display, f.size, f.mtime_ns, data) for f, data in items if f.size >= 0)
        with self._guard("write"):
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def forget_others(self, paths: Iterable[str]) -> None:
        """Drop entries of files that no longer exist, so the cache does not grow forever."""
        if self._db is None:
            return
        gone = set(self._known) - set(paths)
        if gone:
            with self._guard("write"):
                self._db.executemany(
                    f"DELETE FROM {self.table} WHERE path = ?", [(p,) for p in gone]
                )

    def close(self) -> None:
        """Close the database (the cache stays on disk)."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


class _Unpickler(pickle.Unpickler):
    """Builds plain data, nothing else: a foreign pickle cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


# Records travel as plain tuples: unpickling dataclasses goes through fields() per
# object, several times slower than calling the constructors ourselves.


def encode_entry(entry: Entry) -> bytes:
    """A file's outcome as bytes."""
    records, rejected, read = entry
    plain = (
        [_record(r) for r in records],
        [(r.path, r.line, r.field, r.message) for r in rejected],
        read,
    )
    return pickle.dumps(plain, protocol=5)


def decode_entry(data: bytes, display: str | None = None) -> Entry:
    """The inverse of ``encode_entry``; raises on anything but a well-formed entry.

    Records of the file shown as ``display`` share that string as their source path: a
    large site holds 100,000 of them."""
    records, rejected, read = _Unpickler(io.BytesIO(data)).load()
    if not isinstance(read, int):
        raise ValueError("unexpected data in the cache")
    return (
        tuple([_unrecord(r, display) for r in records]),
        tuple([Rejection(*r) for r in rejected]) if rejected else (),
        read,
    )


# Dates travel as microseconds since the epoch: a pickle without datetime objects holds
# no class references, so decoding never calls the restricted find_class.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


def _unmoment(micros: int | None) -> datetime | None:
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


_MICROSECOND = timedelta(microseconds=1)


def _provider(p: Provider | None) -> tuple[str, str | None] | None:
    return None if p is None else (p.name, p.domain)


def _unprovider(value: Any) -> Provider | None:
    return None if value is None else Provider(*value)


def _record(r: Record) -> tuple[Any, ...]:
    return (
        r.source.path,
        r.source.line,
        r.title,
        r.url,
        r.canonical_url,
        _moment(r.published_at),
        _moment(r.updated_at),
        r.excerpt,
        r.body_html,
        r.topics,
        r.is_published,
        _provider(r.provider),
        tuple((i.url, i.width, i.height) for i in r.images),
        tuple(
            (i.title, i.url, i.excerpt, _moment(i.published_at), _provider(i.provider), i.type)
            for i in r.related
        ),
        r.category,
        r.type,
        r.quality,
        r.heat,
        None if r.video is None else astuple(r.video),
    )


_SHARED: dict[Any, Any] = {}
"""Topic lists, providers and short labels already decoded: 100,000 records name the
same few, and sharing one copy each saves memory and time."""
_SHARED_LIMIT = 65536


def _shared(value: Any, make: Any = None) -> Any:
    """The copy of ``value`` already decoded (``make(value)`` of it, when given)."""
    found = _SHARED.get(value)
    if found is None:
        found = value if make is None else make(value)
        if len(_SHARED) < _SHARED_LIMIT:
            _SHARED[value] = found
    return found


def _unrecord(v: tuple[Any, ...], display: str | None = None) -> Record:
    (path, line, title, url, canonical, published, updated, excerpt, body, topics) = v[:10]
    if path == display:
        path = display
    is_published, provider, images, related, category, kind, quality, heat, video = v[10:]
    if type(published) is not int:
        raise ValueError("unexpected data in the cache")
    return Record(
        SourceLocation(path, line),
        title,
        url,
        canonical,
        _EPOCH + timedelta(microseconds=published),
        _unmoment(updated),
        excerpt,
        body,
        _shared(tuple(topics)),
        bool(is_published),
        None if provider is None else _shared(tuple(provider), _unprovider),
        tuple([Image(*i) for i in images]) if images else (),
        tuple(
            [RelatedItem(t, u, e, _unmoment(d), _unprovider(p), k) for t, u, e, d, p, k in related]
        )
        if related
        else (),
        category=None if category is None else _shared(category),
        type=None if kind is None else _shared(kind),
        quality=quality,
        heat=heat,
        video=None if video is None else Video(*video),
    )
