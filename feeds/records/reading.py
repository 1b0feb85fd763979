"""Read stage of a build: source files → validated records, through the build's speed
session (``speed``: parse cache, workers); remote sources; completing the records that
reach a feed.

Selection needs no HTML, so every record is first read light (``validate_record``'s
``light``); ``complete`` then reads in full only the records that reach a feed.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.model import Record, Story
from ..core.report import Rejection
from ..core.settings import Config
from ..core.urls import canonical_url
from ..selection.select import PlannedFeed
from ..sources.local import SourceFile, find_record_files
from ..speed import session as speed_session
from ..speed.plain import Plain, Progress
from ..speed.workers import validated


@dataclass(frozen=True, slots=True)
class Loaded:
    """What reading and validating the sources gave."""

    records: tuple[Story, ...]
    """Read light, but for remote records (read in full: ``complete`` cannot read them again)."""
    rejected: tuple[Rejection, ...]
    read: int
    """Records found, valid or not (a file that cannot be read counts as one)."""
    warnings: tuple[str, ...] = ()
    failed_sources: int = 0
    """Remote sources that failed with no cached copy to stand in: they gave nothing."""


def load_records(
    config: Config,
    progress: Progress | None = None,
    listed: tuple[list[SourceFile], list[str]] | None = None,
    speed: Plain | None = None,
) -> Loaded:
    """Read and validate every record of the configured sources, in file order, through
    the build's ``speed`` session (or one of this call's own): files unchanged since the
    last run come from the parse cache, the others are read, by workers when many."""
    if speed is None:
        with speed_session(config) as own:
            return load_records(config, progress, listed, own)
    files, listing_warnings = listed or find_record_files(config.sources)
    warnings = list(listing_warnings)
    records: list[Story] = []
    rejected: list[Rejection] = []
    read = 0
    for good, bad, count in speed.entries(files, progress=progress, warnings=warnings):
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

    records: list[Story] = []
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
                if isinstance(checked, Story):
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
    planned: Sequence[PlannedFeed[Story]],
    listed: Sequence[SourceFile] = (),
    speed: Plain | None = None,
) -> list[PlannedFeed[Record]]:
    """The planned feeds with their stories read in full: records, excerpts and bodies
    rendered.

    Stories were read light (selection needs no HTML); only those that reach a feed are
    read again in full, a few thousand at most however large the site, and those of
    unchanged files come from the cache's table of complete records. An entry whose
    file changed or vanished in between is left out of this run's feeds.
    """
    if speed is None:
        with speed_session(config) as own:
            return complete(config, planned, listed, own)
    full = _FullReading()
    for records, _, _ in speed.entries(_files_of(planned, listed), light=False):
        full.add(records)
    return [PlannedFeed(f.spec, full.records_of(f.entries), f.updated) for f in planned]


def _files_of(
    planned: Sequence[PlannedFeed[Story]], listed: Sequence[SourceFile]
) -> list[SourceFile]:
    """The files of the planned stories, by path: as listed, else (a file listed no more,
    or a remote story) only if it still exists."""
    wanted = sorted({s.source.path for feed in planned for s in feed.entries})
    chosen = set(wanted)
    stats = {f.display: f for f in listed if f.display in chosen}
    return [stats.get(d) or SourceFile(d, d) for d in wanted if d in stats or Path(d).is_file()]


Place = tuple[str, int | None, str]
"""A story's file, line and canonical URL. Several stories can share a file and a line
(a JSON listing written on one line): the canonical URL (and the dates) tell them apart."""


class _FullReading:
    """The records of the planned stories' files, read in full, and what they tell."""

    def __init__(self) -> None:
        self.records: dict[Place, list[Record]] = {}
        self.summaries: dict[Place, str | None] = {}
        """The excerpt of each related item, at the linking record's place: entries made
        of related items (``related: entries``) carry that place, and read light the
        items have no excerpt."""

    def add(self, stories: Iterable[Story]) -> None:
        """Learn the records of one file."""
        for record in stories:
            if not isinstance(record, Record):  # cannot be: the file was read in full
                continue
            path, line = record.source.path, record.source.line
            self.records.setdefault((path, line, record.canonical_url), []).append(record)
            for item in record.related:
                self.summaries.setdefault((path, line, canonical_url(item.url)), item.excerpt)

    def records_of(self, stories: Iterable[Story]) -> tuple[Record, ...]:
        """The stories read in full, leaving out those that cannot be (``completed``)."""
        return tuple(r for s in stories if (r := self.completed(s)) is not None)

    def completed(self, story: Story) -> Record | None:
        """The story as a record read in full, or None when that cannot be had."""
        place = (story.source.path, story.source.line, story.canonical_url)
        whole = self._record_of(place, story)
        if whole is not None:
            # Selection may have renamed topics (aliases to configured names): keep them.
            return replace(whole, topics=story.topics)
        if isinstance(story, Record):  # a related item's entry, or a remote record
            summary = self.summaries.get(place)
            return replace(story, excerpt=summary) if summary else story
        # The file changed or vanished since it was listed: a story cannot be shown;
        # the next run has it.
        return None

    def _record_of(self, place: Place, story: Story) -> Record | None:
        """The record at ``place`` with the story's dates, else the first one there."""
        found = self.records.get(place)
        if not found:
            return None
        dates = (story.published_at, story.updated_at)
        return next((r for r in found if (r.published_at, r.updated_at) == dates), found[0])
