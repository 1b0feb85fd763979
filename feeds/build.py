"""One build: find → read → validate → select → render → write; returns a Report.

Reading and writing go through ``sources``, ``frontmatter`` and ``output``; everything
between works on values. Nothing is written until every feed has rendered.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import runstate
from .archive import PageKey, load_sealed

# The parsing, validation and rendering modules (PyYAML, nh3, markdown-it, feedgen, lxml)
# are imported where first used: a cron run with nothing to do never loads them.
from .cache import Entry, ParseCache, decode_entry, encode_entry
from .documents import RenderedFeed, SideFile, render_all, site_files, state_path
from .errors import RecordError
from .guard import Candidate, HeldBack, held_back
from .lock import output_lock
from .model import (
    Config,
    Duplicate,
    FeedExtras,
    FeedResult,
    Record,
    RecordCounts,
    Rejection,
    Report,
)
from .output import remove_stale_temps, write_if_changed
from .redirects import APACHE_FILE, NGINX_FILE, apache_conf, nginx_conf, redirect_files
from .rendermemo import RenderMemo
from .selection import EPOCH, Classified, PlannedFeed, classify, plan_feeds
from .sources import SourceFile, find_record_files

if TYPE_CHECKING:
    from .frontmatter import RawRecord

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


def read_files(
    files: Sequence[SourceFile],
    max_size: int,
    progress: Progress | None = None,
    *,
    light: bool = True,
    related: bool = True,
) -> Iterator[bytes]:
    """Read and validate files, one encoded outcome (``encode_entry``) per file, in the
    given order, as they become ready.

    Many files are parsed by one worker process per core; results come back in order,
    so the outcome is the same as reading them one by one. The caller handles each
    outcome while the workers go on.
    """
    workers = min(os.cpu_count() or 1, 8)
    chunks = _chunks(files)
    done = 0
    results: Iterable[list[bytes]]
    with contextlib.ExitStack() as stack:
        if len(files) < PARALLEL_FROM or workers < 2:
            results = (_load_chunk(chunk, max_size, light, related) for chunk in chunks)
        else:
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=context))
            n = len(chunks)
            results = pool.map(_load_chunk, chunks, [max_size] * n, [light] * n, [related] * n)
        for result in results:
            yield from result
            done += len(result)
            if progress is not None:
                progress(done, len(files))


def cache_settings(config: Config) -> str:
    """The settings cached records depend on: another value empties the whole cache."""
    return f"max_file_size={config.max_file_size} related={config.related_entries}"


def _through_cache(
    config: Config,
    files: Sequence[SourceFile],
    read: Callable[[list[SourceFile]], Iterable[bytes]],
    *,
    full: bool,
    present: Sequence[str],
) -> tuple[dict[str, Entry], list[str]]:
    """Each file's outcome by display path: from the parse cache when the file is
    unchanged, else from ``read`` (encoded outcomes, stored as they are, decoded as they
    arrive). Entries of files not ``present`` are dropped from the cache; its warnings
    come back too."""
    outcomes: dict[str, Entry] = {}
    cache = ParseCache(config.cache, cache_settings(config), full=full) if config.cache else None
    try:
        if cache is not None:
            outcomes.update(cache.lookup(files))
        missing = [f for f in files if f.display not in outcomes]
        batch: list[tuple[SourceFile, bytes]] = []
        for file, data in zip(missing, read(missing), strict=True):
            outcomes[file.display] = decode_entry(data)
            if cache is not None:
                batch.append((file, data))
                if len(batch) == _STORE_BATCH:
                    cache.store(batch)
                    batch = []
        if cache is None:
            return outcomes, []
        cache.store(batch)
        cache.forget_others(present)
        return outcomes, cache.warnings
    finally:
        if cache is not None:
            cache.close()


_STORE_BATCH = 2048
"""Fresh outcomes go to the cache in batches, while the workers read on."""


def load_records(
    config: Config,
    progress: Progress | None = None,
    listed: tuple[list[SourceFile], list[str]] | None = None,
) -> Loaded:
    """Read and validate every record of the configured sources, in file order.

    Files unchanged since the last run come from the parse cache (when configured);
    the others are read, and the cache learns them.
    """
    files, warnings = listed or find_record_files(config.sources)
    related = config.related_entries
    outcomes, cache_warnings = _through_cache(
        config,
        files,
        lambda missing: read_files(missing, config.max_file_size, progress, related=related),
        full=False,
        present=[f.display for f in files],
    )
    warnings = [*warnings, *cache_warnings]
    records: list[Record] = []
    rejected: list[Rejection] = []
    read = 0
    for source in files:
        good, bad, count = outcomes[source.display]
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


def _cache_folder(config: Config, stack: contextlib.ExitStack) -> Path:
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
        http_cache = _cache_folder(config, stack) / "http"
        session = stack.enter_context(requests.Session())
        for source in config.remote:
            result = fetch(
                source,
                session=session,
                cache_dir=http_cache,
                user_agent=user_agent(config.site.url),
                max_size=config.max_file_size,
            )
            # Remote records are read in full: build.complete cannot read them again.
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
    config: Config, planned: Sequence[PlannedFeed], listed: Sequence[SourceFile] = ()
) -> list[PlannedFeed]:
    """The planned feeds with their entries' excerpts and bodies rendered.

    Records were read light (selection needs no HTML); only those that reach a feed are
    read again in full, a few thousand at most however large the site, and those of
    unchanged files come from the cache's table of complete records. An entry whose
    file changed in between keeps its light form (it is rebuilt in full next run).
    """
    stats = {f.display: f for f in listed}
    wanted = sorted({r.source.path for feed in planned for r in feed.entries})
    files = [stats.get(d) or SourceFile(d, d) for d in wanted if d in stats or Path(d).is_file()]
    outcomes, _ = _through_cache(
        config,
        files,
        lambda missing: read_files(missing, config.max_file_size, light=False),
        full=True,
        present=list(stats) or wanted,
    )
    full: dict[tuple[str, int | None], Record] = {}
    for entry in outcomes.values():
        for record in entry[0]:
            full[(record.source.path, record.source.line)] = record

    def completed(record: Record) -> Record:
        whole = full.get((record.source.path, record.source.line))
        if whole is None or whole.canonical_url != record.canonical_url:
            return record  # not from a file (or the file changed): as it was read
        # Selection may have renamed topics (aliases to configured names): keep its names.
        return replace(whole, topics=record.topics)

    return [replace(feed, entries=tuple(completed(r) for r in feed.entries)) for feed in planned]


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
            entries=r.entries,
            changed=r.path not in held and write_if_changed(config.output, r.path, r.data),
            held_back=r.path in held,
        )
        for r in rendered
    ]


def redirect_maps(config: Config, planned: Sequence[PlannedFeed]) -> list[SideFile]:
    """The redirect maps of renamed topics. When no topic is renamed any more, existing
    maps are emptied rather than left redirecting."""
    files = redirect_files((p.spec for p in planned), config.site.url)
    if not files:
        empty = {NGINX_FILE: nginx_conf([]), APACHE_FILE: apache_conf([])}
        files = {
            name: text.encode("utf-8")
            for name, text in empty.items()
            if (config.output / name).exists()
        }
    return [SideFile(path, data) for path, data in files.items()]


def _held(
    rendered: Sequence[RenderedFeed], output: Path, config: Config, sources_failed: bool
) -> list[HeldBack]:
    """The feeds to keep at their previous version (see ``guard``).

    The guard counts entries in XML files; a feed's JSON Feed follows its RSS and Atom
    files. Entries left out for ``max_bytes`` count as kept: trimming is no shrink.
    """
    candidates = [
        Candidate(r.path, r.wanted, r.feed.spec.limit, r.feed.spec.topic is None)
        for r in rendered
        if r.format != "json"
    ]
    held = held_back(output, candidates, config.shrink_threshold, sources_failed=sources_failed)
    by_path = {h.path: h for h in held}
    by_spec = {r.feed.spec: by_path[r.path] for r in reversed(rendered) if r.path in by_path}
    return held + [
        replace(by_spec[r.feed.spec], path=r.path)
        for r in rendered
        if r.format == "json" and r.feed.spec in by_spec
    ]


def publish(
    config: Config,
    rendered: Sequence[RenderedFeed],
    *,
    force: bool,
    extra: Sequence[SideFile] = (),
    sources_failed: bool = False,
) -> tuple[list[FeedResult], list[HeldBack]]:
    """Under the output lock: clear a killed run's temp files, hold back feeds that would
    shrink too far (unless ``force``), write the rest, then the ``extra`` files (those
    belonging to a held-back feed, such as its archive pages, are kept as they are)."""
    with output_lock(config.output, config.lock_timeout):
        remove_stale_temps(config.output)
        held = [] if force else _held(rendered, config.output, config, sources_failed)
        paths = {h.path for h in held}
        results = write_all(config, rendered, paths)
        kept = {r.feed.spec for r in rendered if r.path in paths}
        for file in sorted(extra, key=lambda f: f.path):
            if file.owner is None or file.owner not in kept:
                write_if_changed(config.output, file.path, file.data)
        return results, held


def read_sealed(
    config: Config, planned: Sequence[PlannedFeed]
) -> tuple[dict[str, tuple[PageKey, ...]], list[str]]:
    """The sealed archive pages of each archived feed, as the last run left them.

    A missing state file starts the archive afresh; an unreadable one too, with a warning.
    """
    sealed: dict[str, tuple[PageKey, ...]] = {}
    warnings: list[str] = []
    for feed in planned:
        if not feed.spec.archive:
            continue
        path = state_path(feed.spec.slug)
        try:
            sealed[path] = load_sealed((config.output / path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            warnings.append(f"{path}: unreadable archive state, pages counted afresh ({error})")
    return sealed, warnings


ALLOW_PRIVATE_IMAGES = False
"""Ask image URLs on loopback and private addresses too (tests serve images on 127.0.0.1)."""


def learn_enclosures(
    config: Config, planned: Sequence[PlannedFeed]
) -> tuple[FeedExtras, list[str]]:
    """With ``images: enclosure``: each entry image's type and length, asked once per URL
    ever by HTTP HEAD and remembered in ``<cache>/enclosures.json``."""
    if config.images != "enclosure":
        return FeedExtras(), []
    import requests

    from .enclosures import EnclosureCache
    from .remote import user_agent

    urls = [r.images[0].url for feed in planned for r in feed.entries if r.images]
    with contextlib.ExitStack() as stack:
        cache = EnclosureCache(_cache_folder(config, stack))
        session = stack.enter_context(requests.Session())
        found = cache.lookup(
            urls,
            session=session,
            user_agent=user_agent(config.site.url),
            allow_private=ALLOW_PRIVATE_IMAGES,
        )
    enclosures = tuple(e for e in found.values() if e is not None)
    return FeedExtras(enclosures=enclosures), cache.warnings


def notify_hubs(config: Config, results: Sequence[FeedResult]) -> list[str]:
    """Ping every hub for exactly the feeds whose bytes changed; failures are warnings."""
    changed = [r.url for r in results if r.changed and not r.held_back]
    if not config.hubs or not changed:
        return []
    import requests

    from .notify import ping_hubs

    with requests.Session() as session:
        return ping_hubs(config.hubs, changed, session=session)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: a build makes millions of small acyclic objects
    (reference counting frees them), and the collector would walk them all again and
    again, a fifth of a large build's time. Forked workers inherit the pause."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(
    config: Config, *, now: datetime, progress: Progress | None = None, force: bool = False
) -> Report:
    """Run one build (see ``_build``) with the cyclic garbage collector paused."""
    with _no_cycle_collection():
        return _build(config, now=now, progress=progress, force=force)


def _build(config: Config, *, now: datetime, progress: Progress | None, force: bool) -> Report:
    """Run one build and write the feeds whose bytes changed, then tell the WebSub hubs.

    Rejected records are reported, not raised. Reading and rendering need no lock; only
    publishing takes the output folder's lock. A RenderError stops the run before any
    write; an OutputError stops it midway, and every file is then either its previous
    version or its complete new one. A failed ping is a warning: the exit code stays.
    """
    listed = find_record_files(config.sources)
    key = runstate.fingerprint(config, listed[0])
    if not force and (last := runstate.unchanged_report(config, key, now)) is not None:
        return last
    loaded = load_records(config, progress, listed)
    classified = classify(loaded.records, now)
    plan = plan_feeds(config, classified.published, now=now, archives=True)
    planned = complete(config, plan, listed[0])
    sealed, warnings = read_sealed(config, planned)
    extras, found = learn_enclosures(config, planned)
    memo = RenderMemo.load(config.output, config.cache) if not force else None
    rendered = render_all(config, planned, sealed=sealed, extras=extras, memo=memo)
    updated = max((p.updated for p in planned), default=EPOCH)
    side = [
        *rendered.files,
        *site_files(config, planned, rendered, updated=updated),
        *redirect_maps(config, planned),
    ]
    results, held = publish(
        config,
        rendered.feeds,
        force=force,
        extra=side,
        sources_failed=loaded.failed_sources > 0,
    )
    report = Report(
        counts=count_records(loaded, classified),
        rejected=loaded.rejected,
        feeds=tuple(results),
        duplicates=tuple(
            Duplicate(str(dropped.source), dropped.canonical_url, str(kept.source))
            for dropped, kept in classified.duplicates
        ),
        warnings=loaded.warnings
        + (*warnings, *found, *rendered.warnings)
        + tuple(h.message() for h in held),
    )
    due = min((r.published_at for r in classified.scheduled), default=None)
    if memo is not None:
        memo.save(results)
    # Ping warnings are this run's alone: a no-change rerun pings nothing and must not
    # repeat them (runstate repeats the remembered report).
    runstate.remember(config, key, now, due, report)
    pinged = notify_hubs(config, results)
    return replace(report, warnings=report.warnings + tuple(pinged)) if pinged else report
