"""Read stage of a build: source files → validated records, through the parse cache and
the workers (``workers``); remote sources; completing the records that reach a feed.

Selection needs no HTML, so every record is first read light (``validate_record``'s
``light``); ``complete`` then reads in full only the records that reach a feed.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.model import Record
from ..core.report import Rejection
from ..core.settings import Config
from ..core.urls import canonical_url
from ..selection.select import PlannedFeed
from ..sources.local import SourceFile, find_record_files
from ..speed.cache import ParseCache
from ..speed.codec import Entry, decode_entry
from ..speed.workers import Prefetch, Progress, Workers, read_files, validated


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

    from ..sources.remote import fetch, user_agent

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
                checked = validated(raw)
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
