"""The build's way through the speed boundary with the fast paths on: worker processes
started before listing, the parse cache consulted alongside the listing, the no-change
shortcut (``runstate``) and the render memo (``rendermemo``). Same interface and same
output as ``Plain``; I/O on the cache folder.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..sources.local import Listing, SourceFile, list_record_files
from . import runstate
from .batch import keep_freed_memory
from .plain import Counts, Parallel, Plain, Progress

if TYPE_CHECKING:
    from ..core.report import Report
    from ..core.settings import Config
    from .cache import ParseCache
    from .codec import Outcome
    from .rendermemo import RenderMemo
    from .workers import Prefetch, Reading, Workers

SPLIT_LISTING_FROM = 20000
"""From this many files listed on, a helper process reads most of the other files' stats."""

_STORE_BATCH = 2048
"""Fresh outcomes go to the parse cache in batches, while the workers read on."""

Read = Callable[[list[SourceFile]], Iterable[bytes]]
"""Files → their encoded outcomes (``encode_outcome``), in order."""


class Fast(Plain):
    """A build's speed session with every fast path on (the default)."""

    def __init__(self, config: Config, *, force: bool = False) -> None:
        super().__init__(config, force=force)
        self.key = ""
        self._workers: Workers | None = None
        self._prefetch: Prefetch | None = None
        self._damaged: str | None = None
        self._memo: RenderMemo | None = None

    def __exit__(self, failed: type[BaseException] | None, *rest: object) -> None:
        try:
            self._stop(failed)
        finally:
            if self._memo is not None:
                self.counts.memo_hits = self._memo.hits
            super().__exit__(failed, *rest)

    def _pool(self) -> Workers:
        if self._workers is None:
            from .workers import Workers

            self._workers = Workers()
        return self._workers

    def _stop(self, failed: type[BaseException] | None = None) -> None:
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.__exit__(failed)

    def list_files(self) -> Listing:
        """The listing, with the parser processes started first when records will be
        read: while this process is small (a forked worker's resident memory counts it
        again); with no parse cache to consult, they read each file as soon as listed."""
        config = self.config
        if self.force or not runstate.may_skip(config):
            from .cache import ParseCache
            from .workers import Prefetch, Reading

            keep_freed_memory()
            workers = self._pool()
            if workers.count > 1:
                workers.start()
            if workers.started and (config.cache is None or not ParseCache.exists(config.cache)):
                reading = Reading(config.max_file_size, True, config.related_entries)
                self._prefetch = Prefetch(workers, reading)
        started = self._workers is not None and self._workers.started
        # Without workers reading as it goes, a large listing is split in two processes.
        return list_record_files(
            config.sources,
            self._prefetch.add if self._prefetch else None,
            split_from=None if started else SPLIT_LISTING_FROM,
        )

    def unchanged(self, listing: Listing, now: datetime) -> Report | None:
        """The last run's report (``runstate``) when no input changed, unless forced."""
        self.key = runstate.fingerprint(self.config, listing)
        if self.force:
            return None
        last, self._damaged = runstate.unchanged_report(self.config, self.key, now)
        self.counts.shortcut = int(last is not None)
        return last

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Workers started before listing (or on first need) serve until this ends."""
        keep_freed_memory()
        try:
            yield
        except BaseException as error:
            self._stop(type(error))
            raise
        self._stop()

    def _outcomes(
        self, files: Sequence[SourceFile], how: Reading, progress: Progress | None, warns: list[str]
    ) -> Iterator[Outcome]:
        """``entries``: from the parse cache when the file is unchanged, else parsed (by
        the workers when many), and the cache learns it; its warnings join ``warns``."""
        from .cache import ParseCache, cache_settings
        from .codec import decode_outcome

        read = self._reader(files, how, progress)
        if self.config.cache is None:
            for file, data in zip(files, read(list(files)), strict=True):
                yield decode_outcome(data, file.display)
            return
        cache = ParseCache(self.config.cache, cache_settings(self.config), full=not how.light)
        try:
            yield from _through_cache(cache, files, read, self.counts)
        finally:
            cache.close()
            warns.extend(cache.warnings)

    def _reader(self, files: Sequence[SourceFile], how: Reading, progress: Progress | None) -> Read:
        """How this session reads the files the cache lacks (see ``read_files``)."""
        from .workers import read_files

        started = self._workers is not None and self._workers.started
        prefetch = self._prefetch if how.light else None

        def read(missing: list[SourceFile]) -> Iterable[bytes]:
            if prefetch is not None and prefetch.count == len(missing) == len(files):
                self.counts.parsed_in_workers += len(missing)
                return prefetch.outcomes(progress)  # every file, already being read
            # Workers not started before listing are forked now only for a run that
            # reads most files: each would count this process's memory (the listing)
            # again. Completing records (not light) uses only workers already running.
            most = how.light and 2 * len(missing) >= len(files)
            pool = self._pool_for(missing, started or most)
            if pool is None:
                self.counts.parsed_here += len(missing)
            else:
                self.counts.parsed_in_workers += len(missing)
            return read_files(missing, how, progress, pool)

        return read

    def _pool_for(self, missing: Sequence[SourceFile], wanted: bool) -> Workers | None:
        """The workers to parse ``missing`` when ``wanted`` and worth it, else None."""
        from .workers import PARALLEL_FROM

        if not wanted or len(missing) < PARALLEL_FROM:
            return None
        pool = self._pool()
        return pool if pool.count >= 2 else None

    def parallel(self) -> Parallel | None:
        """The workers' map when they are running (started while this process was small);
        none are started for rendering (each would count this process's memory again)."""
        workers = self._workers
        if workers is None or not workers.started:
            return None
        counts = self.counts

        def run(function: Callable[..., object], tasks: Sequence[object]) -> Iterable[object]:
            counts.parallel_feeds += len(tasks)
            return workers.map(function, tasks)

        return run

    def render_memo(self) -> RenderMemo | None:
        """What the last run rendered (none when forced)."""
        from .rendermemo import RenderMemo

        if self.force:
            return None
        self._memo = RenderMemo.load(self.config.output, self.config.cache)
        return self._memo

    def remember(
        self, report: Report, now: datetime, due: datetime | None, written: Iterable[str]
    ) -> None:
        """Save the render memo and the run's state for the next run's shortcut."""
        if self._memo is not None:
            self._memo.save(report.feeds)
        runstate.remember(self.config, self.key, now, due, report, written)

    def warnings(self) -> tuple[str, ...]:
        """A damaged run state, a damaged render memo: this run's alone, not remembered."""
        memo = self._memo.warning if self._memo is not None else None
        return tuple(w for w in (self._damaged, memo) if w)


def _through_cache(
    cache: ParseCache, files: Sequence[SourceFile], read: Read, counts: Counts
) -> Iterator[Outcome]:
    """Each file's outcome, in file order: from ``cache`` when the file is unchanged,
    else from ``read``, whose encoded outcomes the cache stores as they are. Entries of
    files no longer listed are dropped from the cache.

    The cache is read alongside the files, one entry at a time, while the workers parse
    the others: neither side is held in memory whole."""
    from .codec import decode_outcome

    hits = cache.match(files)
    counts.cache_hits += sum(hits)
    missing = [f for f, hit in zip(files, hits, strict=True) if not hit]
    fresh = zip(missing, read(missing), strict=True)  # the workers start on these now
    cached = _cached(cache, files, hits, read)
    batch: list[tuple[SourceFile, bytes]] = []
    for hit in hits:
        if hit:
            entry, again = next(cached)
            if again is None:  # as stored: nothing to store
                yield entry
                continue
            batch.append(again)
        else:
            file, data = next(fresh)
            entry = decode_outcome(data, file.display)
            batch.append((file, data))
        if len(batch) == _STORE_BATCH:
            cache.store(batch)
            batch = []
        yield entry
    cache.store(batch)
    cache.forget_stale()


def _cached(
    cache: ParseCache, files: Sequence[SourceFile], hits: bytearray, read: Read
) -> Iterator[tuple[Outcome, tuple[SourceFile, bytes] | None]]:
    """The outcome of each file the cache has (``hits``), in file order, with None or,
    for a file read because its entry could not be (the cache failed), the file and the
    bytes to store again."""
    from .codec import decode_outcome

    expected: Iterator[int] = (index for index, hit in enumerate(hits) if hit)
    stored = cache.entries(files, hits)
    with contextlib.closing(stored):
        for index, data in stored:
            want = next(expected)
            entry = cache.decode(data, files[index].display) if index == want else None
            if entry is None:
                expected = iter([want, *expected])  # the rest are read
                break
            yield entry, None
    rest = [files[i] for i in expected]
    for file, data in zip(rest, read(rest), strict=True):
        yield decode_outcome(data, file.display), (file, data)
