"""One build: find → read → validate → select → render → write; returns a Report.

Reading and writing go through ``sources``, ``frontmatter`` and ``output``; everything
between works on values. Nothing is written until every feed has rendered.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from .errors import RecordError
from .frontmatter import RawRecord, read_record_file
from .guard import Candidate, HeldBack, held_back
from .lock import output_lock
from .model import Config, Duplicate, FeedResult, Record, RecordCounts, Rejection, Report
from .output import remove_stale_temps, write_if_changed
from .render import render_feed
from .selection import Classified, PlannedFeed, classify, plan_feeds
from .sources import SourceFile, find_record_files
from .validate import validate_record

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while reading; the CLI draws it on a terminal."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What reading and validating the sources gave."""

    records: tuple[Record, ...]
    rejected: tuple[Rejection, ...]
    read: int
    """Records found, valid or not (a file that cannot be read counts as one)."""
    warnings: tuple[str, ...] = ()


def _validated(raw: RawRecord) -> Record | RecordError:
    try:
        return validate_record(raw)
    except RecordError as error:
        return error


def load_file(source: SourceFile, max_size: int) -> tuple[list[Record], list[Rejection], int]:
    """Read and validate one file: its good records, its rejections and how many it held."""
    raws, errors = read_record_file(source.path, source.display, max_size=max_size)
    records: list[Record] = []
    rejected = [e.to_rejection() for e in errors]
    for raw in raws:
        result = _validated(raw)
        if isinstance(result, Record):
            records.append(result)
        else:
            rejected.append(result.to_rejection())
    return records, rejected, len(raws) + len(errors)


PARALLEL_FROM = 2000
"""Files below this are read in this process: starting workers costs more than it saves."""
_CHUNK = 256


def _load_chunk(
    chunk: Sequence[SourceFile], max_size: int
) -> tuple[list[Record], list[Rejection], int]:
    records: list[Record] = []
    rejected: list[Rejection] = []
    read = 0
    for source in chunk:
        good, bad, count = load_file(source, max_size)
        records.extend(good)
        rejected.extend(bad)
        read += count
    return records, rejected, read


def _chunks(files: Sequence[SourceFile]) -> list[Sequence[SourceFile]]:
    return [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]


def load_records(config: Config, progress: Progress | None = None) -> Loaded:
    """Read and validate every record of the configured sources, in file order.

    Large sites are parsed by one worker process per core; results are gathered in file
    order, so the outcome is the same as reading them one by one.
    """
    files, warnings = find_record_files(config.sources)
    workers = min(os.cpu_count() or 1, 8)
    chunks = _chunks(files)
    if len(files) < PARALLEL_FROM or workers < 2:
        results: Iterable[tuple[list[Record], list[Rejection], int]] = (
            _load_chunk(chunk, config.max_file_size) for chunk in chunks
        )
        return _gather(results, chunks, files, warnings, progress)
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_load_chunk, chunks, [config.max_file_size] * len(chunks))
        return _gather(results, chunks, files, warnings, progress)


def _gather(
    results: Iterable[tuple[list[Record], list[Rejection], int]],
    chunks: Sequence[Sequence[SourceFile]],
    files: Sequence[SourceFile],
    warnings: Sequence[str],
    progress: Progress | None,
) -> Loaded:
    records: list[Record] = []
    rejected: list[Rejection] = []
    read = done = 0
    for chunk, (good, bad, count) in zip(chunks, results, strict=True):
        records.extend(good)
        rejected.extend(bad)
        read += count
        done += len(chunk)
        if progress is not None:
            progress(done, len(files))
    return Loaded(tuple(records), tuple(rejected), read, tuple(warnings))


def count_records(loaded: Loaded, classified: Classified) -> RecordCounts:
    """The report's record counts; ``read`` equals the sum of the others."""
    return RecordCounts(
        read=loaded.read,
        published=len(classified.published),
        unpublished=len(classified.unpublished),
        scheduled=len(classified.scheduled),
        duplicates=len(classified.duplicates),
        rejected=len(loaded.rejected),
    )


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    """One feed file's bytes, ready to write."""

    feed: PlannedFeed
    format: str
    path: str
    url: str
    data: bytes


def render_all(config: Config, planned: Sequence[PlannedFeed]) -> list[RenderedFeed]:
    """Every feed file of the build, in memory; raises RenderError before anything is written."""
    rendered = []
    for feed in planned:
        for fmt in feed.spec.formats:
            url = feed.spec.feed_url(fmt, config.site.url)
            data = render_feed(feed.spec, fmt, feed.entries, feed_url=url, updated=feed.updated)
            rendered.append(RenderedFeed(feed, fmt, feed.spec.path(fmt), url, data))
    return rendered


def write_all(
    config: Config, rendered: Sequence[RenderedFeed], held: Collection[str] = ()
) -> list[FeedResult]:
    """Write each feed whose bytes changed, except those ``held`` back (by path);
    raises OutputError on the first failure."""
    return [
        FeedResult(
            topic=r.feed.spec.topic,
            slug=r.feed.spec.slug,
            format=r.format,
            path=r.path,
            url=r.url,
            entries=len(r.feed.entries),
            changed=r.path not in held and write_if_changed(config.output, r.path, r.data),
            held_back=r.path in held,
        )
        for r in rendered
    ]


def publish(
    config: Config, rendered: Sequence[RenderedFeed], *, force: bool
) -> tuple[list[FeedResult], list[HeldBack]]:
    """Under the output lock: clear a killed run's temp files, hold back feeds that would
    shrink too far (unless ``force``), write the rest."""
    with output_lock(config.output, config.lock_timeout):
        remove_stale_temps(config.output)
        candidates = [
            Candidate(r.path, len(r.feed.entries), r.feed.spec.limit, r.feed.spec.topic is None)
            for r in rendered
        ]
        held = [] if force else held_back(config.output, candidates, config.shrink_threshold)
        return write_all(config, rendered, {h.path for h in held}), held


def build(
    config: Config, *, now: datetime, progress: Progress | None = None, force: bool = False
) -> Report:
    """Run one build and write the feeds whose bytes changed.

    Rejected records are reported, not raised. Reading and rendering need no lock; only
    publishing takes the output folder's lock. A RenderError stops the run before any
    write; an OutputError stops it midway, and every file is then either its previous
    version or its complete new one.
    """
    loaded = load_records(config, progress)
    classified = classify(loaded.records, now)
    planned = plan_feeds(config, classified.published)
    results, held = publish(config, render_all(config, planned), force=force)
    return Report(
        counts=count_records(loaded, classified),
        rejected=loaded.rejected,
        feeds=tuple(results),
        duplicates=tuple(
            Duplicate(str(dropped.source), dropped.canonical_url, str(kept.source))
            for dropped, kept in classified.duplicates
        ),
        warnings=loaded.warnings + tuple(h.message() for h in held),
    )
