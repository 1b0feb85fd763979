"""Parsing record files, in this process or in worker processes: one file → its
validated records, rejections and record count, encoded (``codec.encode_outcome``) so the
parse cache can store the bytes as they come.

One pool of workers serves a whole build (``Workers``): reading, completing the
records that reach a feed, and drawing the feeds.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.children import as_child, signals_held
from ..core.errors import RecordError
from ..core.model import Story
from ..sources.local import SourceFile
from .codec import Outcome, encode_outcome

if TYPE_CHECKING:
    from ..records.frontmatter import RawRecord

T = TypeVar("T")

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while reading (``build.Progress``)."""


def validated(raw: RawRecord, light: bool = False, related: bool = True) -> Story | RecordError:
    from ..records.validate import validate_record

    try:
        return validate_record(raw, light=light, related=related)
    except RecordError as error:
        return error


def load_file(
    source: SourceFile, max_size: int, light: bool = False, related: bool = True
) -> Outcome:
    """Read and validate one file: its good records, its rejections and how many it held.

    ``light``: stories (``Story``), without what only rendering needs; ``complete`` reads
    those that reach a feed again in full.
    """
    from ..records.frontmatter import read_record_file

    raws, errors = read_record_file(source.path, source.display, max_size=max_size)
    records: list[Story] = []
    rejected = [e.to_rejection() for e in errors]
    for raw in raws:
        result = validated(raw, light, related)
        if isinstance(result, Story):
            records.append(result)
        else:
            rejected.append(result.to_rejection())
    return records, rejected, len(raws) + len(errors)


PARALLEL_FROM = 2000
"""Files below this are read in this process: starting workers costs more than it saves."""
_CHUNK = 256


@dataclass(frozen=True, slots=True)
class Reading:
    """How files are read: the size limit, light or full records, related items kept."""

    max_size: int
    light: bool = True
    related: bool = True

    def outcome(self, file: SourceFile) -> Outcome:
        """``load_file`` of one file this way."""
        return load_file(file, self.max_size, self.light, self.related)


def _load_chunk(chunk: Sequence[SourceFile], reading: Reading) -> list[bytes]:
    # Encoded here, in the worker: plain tuples cross the process boundary several times
    # faster than records, and the parse cache stores these very bytes.
    return [encode_outcome(reading.outcome(f), f.display) for f in chunk]


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
        self._processes: list[multiprocessing.process.BaseProcess] = []

    def start(self) -> ProcessPoolExecutor:
        """Start the workers now (if not yet): before the parent holds much memory."""
        if self._pool is None:
            if self.count < 2:
                raise ValueError("one core: files are read in this process")
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            before = set(multiprocessing.active_children())
            # Signals held until the pool and its processes are known here, to be ended.
            with signals_held():
                pool = ProcessPoolExecutor(
                    self.count, mp_context=context, initializer=as_child, initargs=(os.getpid(),)
                )
                pool.submit(os.getpid)  # a forking pool starts all its workers at once
                self._pool = pool
                self._processes = [p for p in multiprocessing.active_children() if p not in before]
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

    def __exit__(self, failed: type[BaseException] | None, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if failed is not None and issubclass(failed, KeyboardInterrupt):
            self._end(pool)
            return
        try:
            # Idle, or busy with work an error made useless: finished, the rest dropped.
            pool.shutdown(cancel_futures=True)
        except KeyboardInterrupt:  # a signal while they finish
            self._end(pool)
            raise

    def _end(self, pool: ProcessPoolExecutor) -> None:
        """End the workers now, whatever they are doing (a signal): killed, not waited
        for. The pool is told to shut down first, so that its thread drops the queued
        work before it sees the workers gone. That thread is not waited for: a worker
        killed while sending a result leaves it waiting for the rest for ever (the
        ``feeds`` process then leaves by ``os._exit``, see ``cli.main``)."""
        pool.shutdown(wait=False, cancel_futures=True)
        for process in self._processes:
            process.kill()
        for process in self._processes:
            process.join()  # reaped: no process left behind, not even a zombie


class Prefetch:
    """Record files handed to the workers while the listing goes on, for a build that
    will read every file (no parse cache to consult): parsing starts with the first
    folder listed instead of after the last."""

    def __init__(self, workers: Workers, reading: Reading) -> None:
        self.workers, self.reading = workers, reading
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
        self._results.append(self.workers.submit(_load_chunk, chunk, self.reading))

    def outcomes(self, progress: Progress | None = None) -> Iterator[bytes]:
        """The encoded outcome of every file added, in order (as ``read_files``)."""
        if self._chunk:
            self._submit()
        return _each(self._results_once(), self.count, progress)

    def _results_once(self) -> Iterator[list[bytes]]:
        # Dropped as they are used: a kept future keeps its result (100,000 outcomes).
        while self._results:
            yield self._results.popleft().result()


def read_files(
    files: Sequence[SourceFile],
    reading: Reading,
    progress: Progress | None = None,
    pool: Workers | None = None,
) -> Iterator[bytes]:
    """Read and validate files, one encoded outcome (``encode_outcome``) per file, in the
    given order, as they become ready: in ``pool`` (all handed over before this returns)
    or, without one, in this process as they are pulled. Results come back in order, so
    the outcome is the same either way; the caller handles each while the workers go on.
    """
    chunks = _chunks(files)
    if pool is None:
        results: Iterable[list[bytes]] = (_load_chunk(chunk, reading) for chunk in chunks)
    else:
        results = pool.map(_load_chunk, chunks, [reading] * len(chunks))
    return _each(results, len(files), progress)


def _each(results: Iterable[list[bytes]], total: int, progress: Progress | None) -> Iterator[bytes]:
    done = 0
    for result in results:
        # Counted as it arrives: the caller stops pulling after the last file's
        # outcome, so a count after it would never show "N/N".
        done += len(result)
        if progress is not None:
            progress(done, total)
        yield from result
