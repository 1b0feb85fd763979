"""Read stage of a build: source files → validated records, through the parse cache and
worker processes; remote sources; completing the records that reach a feed.

Selection needs no HTML, so every record is first read light (``validate_record``'s
``light``); ``complete`` then reads in full only the records that reach a feed.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .cache import Entry, ParseCache, decode_entry, encode_entry
from .errors import RecordError
from .model import Config, Record, Rejection
from .selection import PlannedFeed
from .sources import SourceFile, find_record_files
from .validate import canonical_url

if TYPE_CHECKING:
    from .frontmatter import RawRecord

T = TypeVar("T")

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while reading (``build.Progress``)."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What reading and validating the sources gave."""

    records: tuple[Record, ...]
    rejected: tuple[Rejection, ...]
    read: int
    """Records found, valid or not (a file that cannot be read counts as one)."""
    warnings: tuple[str, ...] = ()
    failed_sources: int = 0
    """Remote sources that failed with no cached copy to stand in: they gave nothing."""


def _validated(raw: RawRecord, light: bool = False, related: bool = True) -> Record | RecordError:
    from .validate import validate_record

    try:
        return validate_record(raw, light=light, related=related)
    except RecordError as error:
        return error


def load_file(
    source: SourceFile, max_size: int, light: bool = False, related: bool = True
) -> Entry:
    """Read and validate one file: its good records, its rejections and how many it held.

    ``light`` records lack their rendered excerpt and body until ``complete`` adds them.
    """
    from .frontmatter import read_record_file

    raws, errors = read_record_file(source.path, source.display, max_size=max_size)
    records: list[Record] = []
    rejected = [e.to_rejection() for e in errors]
    for raw in raws:
        result = _validated(raw, light, related)
        if isinstance(result, Record):
            records.append(result)
        else:
            rejected.append(result.to_rejection())
    return records, rejected, len(raws) + len(errors)


PARALLEL_FROM = 2000
"""Files below this are read in this process: starting workers costs more than it saves."""
_CHUNK = 256


def _load_chunk(
    chunk: Sequence[SourceFile], max_size: int, light: bool, related: bool
) -> list[bytes]:
    # Encoded here, in the worker: plain tuples cross the process boundary several times
    # faster than records, and the parse cache stores these very bytes.
    return [encode_entry(load_file(f, max_size, light=light, related=related)) for f in chunk]


def _chunks(files: Sequence[SourceFile]) -> list[Sequence[SourceFile]]:
    return [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]


class Workers:
    """The build's worker processes, one per core: started on first need (or by
    ``start``), shared by reading, completion and drawing the feeds, stopped when the
    build leaves the ``with`` block.

    Forked: a worker starts at once, with every module already imported. A forked
    worker maps the parent's memory, which counts again in its resident size, so a
    build that will read every record starts them before listing, while it is small."""

    def __init__(self) -> None:
        self.count = min(os.cpu_count() or 1, 8)
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> ProcessPoolExecutor:
        """Start the workers now (if not yet): before the parent holds much memory."""
        if self._pool is None:
            if self.count < 2:
                raise ValueError("one core: files are read in this process")
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            self._pool = ProcessPoolExecutor(self.count, mp_context=context)
            self._pool.submit(os.getpid)  # a forking pool starts all its workers at once
        return self._pool

    @property
    def started(self) -> bool:
        """Whether the workers are running (started before the parent grew, or not)."""
        return self._pool is not None

    def map(self, function: Callable[..., T], *args: Iterable[Any]) -> Iterator[T]:
        """``function`` over ``args`` in the workers, all submitted now; results in
        order, as they come."""
        return self.start().map(function, *args)

    def submit(self, function: Callable[..., list[bytes]], *args: Any) -> Future[list[bytes]]:
        """``function(*args)`` in a worker."""
        return self.start().submit(function, *args)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class Prefetch:
    """Record files handed to the workers while the listing goes on, for a build that
    will read every file (no parse cache to consult): parsing starts with the first
    folder listed instead of after the last."""

    def __init__(self, workers: Workers, max_size: int, related: bool) -> None:
        self.workers, self.max_size, self.related = workers, max_size, related
        self.count = 0
        self._chunk: list[SourceFile] = []
        self._results: collections.deque[Future[list[bytes]]] = collections.deque()

    def add(self, file: SourceFile) -> None:
        """One more listed file (``find_record_files``' ``found``)."""
        self.count += 1
        self._chunk.append(file)
        if len(self._chunk) == _CHUNK:
            self._submit()

    def _submit(self) -> None:
        chunk, self._chunk = self._chunk, []
        args = (chunk, self.max_size, True, self.related)
        self._results.append(self.workers.submit(_load_chunk, *args))

    def outcomes(self, progress: Progress | None = None) -> Iterator[bytes]:
        """The encoded outcome of every file added, in order (as ``read_files``)."""
        if self._chunk:
            self._submit()
        return _each(self._results_once(), self.count, progress, None)

    def _results_once(self) -> Iterator[list[bytes]]:
        # Dropped as they are used: a kept future keeps its result (100,000 outcomes).
        while self._results:
            yield self._results.popleft().result()


def read_files(
    files: Sequence[SourceFile],
    max_size: int,
    progress: Progress | None = None,
    *,
    light: bool = True,
    related: bool = True,
    workers: Workers | None = None,
    parallel: bool = True,
) -> Iterator[bytes]:
    """Read and validate files, one encoded outcome (``encode_entry``) per file, in the
    given order, as they become ready.

    Unless ``parallel`` is false, many files go to ``workers`` (or workers of this
    call's own) at once, before this returns; results come back in order, so the outcome
    is the same as reading them one by one. The caller handles each outcome while the
    workers go on.
    """
    chunks = _chunks(files)
    own = Workers() if workers is None else None
    pool = workers or own
    assert pool is not None
    if len(files) < PARALLEL_FROM or pool.count < 2 or not parallel:
        results: Iterable[list[bytes]] = (
            _load_chunk(chunk, max_size, light, related) for chunk in chunks
        )
    else:
        n = len(chunks)
        results = pool.map(_load_chunk, chunks, [max_size] * n, [light] * n, [related] * n)
    return _each(results, len(files), progress, own)


def _each(
    results: Iterable[list[bytes]], total: int, progress: Progress | None, own: Workers | None
) -> Iterator[bytes]:
    with own or contextlib.nullcontext():
        done = 0
        for result in results:
            yield from result
            done += len(result)
            if progress is not None:
                progress(done, total)


def cache_settings(config: Config) -> str:
    """The settings cached records depend on: another value empties the whole cache."""
    return f"max_file_size={config.max_file_size} related={config.related_entries}"


def _through_cache(
    config: Config,
    files: Sequence[SourceFile],
    read: Callable[[list[SourceFile]], Iterable[bytes]],
    *,
    full: bool,
    warnings: list[str],
) -> Iterator[tuple[SourceFile, Entry]]:
    """Each file's outcome, in file order: from the parse cache when the file is
    unchanged, else from ``read`` (encoded outcomes, stored as they are). Entries of
    files no longer listed are dropped from the cache; its warnings join ``warnings``.

    The cache is read alongside the files, one entry at a time, while the workers parse
    the others: neither side is held in memory whole."""
    cache = ParseCache(config.cache, cache_settings(config), full=full) if config.cache else None
    try:
        hits = cache.match(files) if cache is not None else bytearray(len(files))
        missing = [f for f, hit in zip(files, hits, strict=True) if not hit]
        fresh = zip(missing, read(missing), strict=True)  # the workers start on these now
        cached = _cached(cache, files, hits, read) if cache is not None else iter(())
        batch: list[tuple[SourceFile, bytes]] = []
        for file, hit in zip(files, hits, strict=True):
            if hit:
                entry, data = next(cached)
            else:
                listed, data = next(fresh)
                assert listed is file, "outcomes out of order"
                entry = decode_entry(data, file.display)
            if data is not None and cache is not None:
                batch.append((file, data))
                if len(batch) == _STORE_BATCH:
                    cache.store(batch)
                    batch = []
            yield file, entry
        if cache is not None:
            cache.store(batch)
            cache.forget_stale()
            warnings.extend(cache.warnings)
    finally:
        if cache is not None:
            cache.close()


def _cached(
    cache: ParseCache,
    files: Sequence[SourceFile],
    hits: bytearray,
    read: Callable[[list[SourceFile]], Iterable[bytes]],
) -> Iterator[tuple[Entry, bytes | None]]:
    """The outcome of each file the cache has (``hits``), in file order, with None or,
    for a file read because its entry could not be (the cache failed), the bytes to
    store again."""
    expected = (index for index, hit in enumerate(hits) if hit)
    rest: list[SourceFile] = []
    stored = cache.entries(files, hits)
    for index, data in stored:
        want = next(expected)
        entry = cache.decode(data, files[index].display) if index == want else None
        if entry is None:
            rest = [files[want], *(files[i] for i in expected)]
            break
        yield entry, None
    else:
        rest = [files[i] for i in expected]
    stored.close()
    for file, data in zip(rest, read(rest), strict=True):
        yield decode_entry(data, file.display), data


_STORE_BATCH = 2048
"""Fresh outcomes go to the cache in batches, while the workers read on."""


def load_records(
    config: Config,
    progress: Progress | None = None,
    listed: tuple[list[SourceFile], list[str]] | None = None,
    workers: Workers | None = None,
    prefetched: Prefetch | None = None,
) -> Loaded:
    """Read and validate every record of the configured sources, in file order.

    Files unchanged since the last run come from the parse cache (when configured);
    the others are read (by ``workers`` when given), and the cache learns them.
    """
    files, warnings = listed or find_record_files(config.sources)
    related = config.related_entries

    def parse(missing: list[SourceFile]) -> Iterator[bytes]:
        if prefetched is not None and prefetched.count == len(missing) == len(files):
            return prefetched.outcomes(progress)  # every file, already being read
        # Workers not started before listing are forked now only for a run that reads
        # most files: each would count this process's memory (the listing) again.
        parallel = workers is None or workers.started or 2 * len(missing) >= len(files)
        return read_files(
            missing,
            config.max_file_size,
            progress,
            related=related,
            workers=workers,
            parallel=parallel,
        )

    warnings = list(warnings)
    records: list[Record] = []
    rejected: list[Rejection] = []
    read = 0
    for _, (good, bad, count) in _through_cache(
        config, files, parse, full=False, warnings=warnings
    ):
        records.extend(good)
        rejected.extend(bad)
        read += count
    remote = load_remote(config) if config.remote else Loaded((), (), 0)
    return Loaded(
        tuple(records) + remote.records,
        tuple(rejected) + remote.rejected,
        read + remote.read,
        tuple(warnings) + remote.warnings,
        remote.failed_sources,
    )


def _same_dates(one: Record, other: Record) -> bool:
    return (one.published_at, one.updated_at) == (other.published_at, other.updated_at)


def cache_folder(config: Config, stack: contextlib.ExitStack) -> Path:
    """The cache folder, or with ``--no-cache`` a temporary one that ``stack`` removes."""
    if config.cache is not None:
        return config.cache
    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="feeds-")))


def load_remote(config: Config) -> Loaded:
    """Fetch and validate every remote source; trouble becomes warnings, never an error.

    The HTTP cache (validators, pages, last good copies) lives in ``<cache>/http``; with
    ``--no-cache`` a temporary folder stands in, so the run fetches everything afresh.
    """
    import requests

    from .remote import fetch, user_agent

    records: list[Record] = []
    rejected: list[Rejection] = []
    warnings: list[str] = []
    read = failed = 0
    with contextlib.ExitStack() as stack:
        http_cache = cache_folder(config, stack) / "http"
        session = stack.enter_context(requests.Session())
        for source in config.remote:
            result = fetch(
                source,
                session=session,
                cache_dir=http_cache,
                user_agent=user_agent(config.site.url),
                max_size=config.max_file_size,
            )
            # Remote records are read in full: complete() cannot read them again.
            for raw in result.records:
                checked = _validated(raw)
                if isinstance(checked, Record):
                    records.append(checked)
                else:
                    rejected.append(checked.to_rejection())
            rejected.extend(e.to_rejection() for e in result.errors)
            read += len(result.records) + len(result.errors)
            warnings.extend(result.warnings)
            failed += not result.ok
    return Loaded(tuple(records), tuple(rejected), read, tuple(warnings), failed)


def complete(
    config: Config,
    planned: Sequence[PlannedFeed],
    listed: Sequence[SourceFile] = (),
    workers: Workers | None = None,
) -> list[PlannedFeed]:
    """The planned feeds with their entries' excerpts and bodies rendered.

    Records were read light (selection needs no HTML); only those that reach a feed are
    read again in full, a few thousand at most however large the site, and those of
    unchanged files come from the cache's table of complete records. An entry whose
    file changed or vanished in between is left out of this run's feeds.
    """
    wanted = sorted({r.source.path for feed in planned for r in feed.entries})
    chosen = set(wanted)
    stats = {f.display: f for f in listed if f.display in chosen}
    files = [stats.get(d) or SourceFile(d, d) for d in wanted if d in stats or Path(d).is_file()]
    outcomes = _through_cache(
        config,
        files,
        # Only workers already running: this process has all records in memory by now.
        lambda missing: read_files(
            missing,
            config.max_file_size,
            light=False,
            workers=workers,
            parallel=workers is not None and workers.started,
        ),
        full=True,
        warnings=[],
    )
    # Several records can share a file and a line (a JSON listing written on one line):
    # the canonical URL and the dates tell them apart.
    full: dict[tuple[str, int | None, str], list[Record]] = {}
    # Entries made of related items (``related: entries``) carry the linking record's
    # place: their summaries, left out of light records, come from its full reading.
    summaries: dict[tuple[str, int | None, str], str | None] = {}
    for _, entry in outcomes:
        for record in entry[0]:
            key = (record.source.path, record.source.line, record.canonical_url)
            full.setdefault(key, []).append(record)
            for item in record.related:
                place = (record.source.path, record.source.line, canonical_url(item.url))
                summaries.setdefault(place, item.excerpt)

    def completed(record: Record) -> Record | None:
        key = (record.source.path, record.source.line, record.canonical_url)
        found = full.get(key, [])
        whole = next((r for r in found if _same_dates(r, record)), found[0] if found else None)
        if whole is None:
            if not record.is_light:  # a related item's entry, or read in full already
                summary = summaries.get(key)
                return replace(record, excerpt=summary) if summary else record
            # The file changed or vanished since it was listed: a light record cannot
            # be shown; the next run has it.
            return None
        # Selection may have renamed topics (aliases to configured names): keep its names.
        return replace(whole, topics=record.topics)

    return [
        replace(feed, entries=tuple(c for r in feed.entries if (c := completed(r)) is not None))
        for feed in planned
    ]
