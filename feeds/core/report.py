"""What a build did: records read and rejected, stories dropped as duplicates, each feed
file written, kept or held back, and warnings; as values and as the JSON document of
``--report`` (which a no-change run reads back). No I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

SHOWN_PER_SOURCE = 10
"""Rejections listed per source on stderr and in the report; the rest are counted."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that failed to read or validate, as shown to the user."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A record dropped because a newer record tells the same story (same canonical URL)."""

    path: str
    """Where the dropped record is (``path:line``)."""
    url: str
    """The canonical URL both records share."""
    kept: str
    """Where the record that was kept is."""


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What happened to one feed file in a build."""

    topic: str | None
    slug: str | None
    format: str
    path: str
    url: str
    entries: int
    changed: bool
    held_back: bool = False
    """The previous file was kept: this run would have shrunk it too far (see guard)."""
    previous: int | None = None
    """When held back: how many entries the kept file holds (``entries`` is what this run
    would have left)."""


@dataclass(frozen=True, slots=True)
class RecordCounts:
    """How the records of a build were classified; ``read`` is the sum of the others."""

    read: int = 0
    published: int = 0
    unpublished: int = 0
    scheduled: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one build, like feedparser's ``bozo`` result but typed."""

    counts: RecordCounts
    rejected: tuple[Rejection, ...] = ()
    feeds: tuple[FeedResult, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    warnings: tuple[str, ...] = ()
    """Things skipped that are not records (links leaving a source folder, unlistable folders)."""
    rejected_by_source: tuple[tuple[str, int], ...] = ()
    """Once ``capped``: each source with rejections and how many; ``rejected`` then holds
    the first ``SHOWN_PER_SOURCE`` of each, grouped by source in this order."""

    @property
    def held_back(self) -> int:
        """How many feed files were kept at their previous version."""
        return sum(1 for f in self.feeds if f.held_back)

    @property
    def written(self) -> int:
        """How many feed files were (re)written."""
        return sum(1 for f in self.feeds if f.changed)

    def repeated(self) -> Report:
        """This report as a run that finds nothing to do repeats it: no file written or
        held back."""
        feeds = tuple(replace(f, changed=False, held_back=False, previous=None) for f in self.feeds)
        return replace(self, feeds=feeds)

    def capped(self, sources: Sequence[str]) -> Report:
        """This report with the first ``SHOWN_PER_SOURCE`` rejections of each source and
        a count per source: a source of a million bad records reports ten and a number.
        ``sources``: the configured folders and files (as shown) and remote source URLs."""
        if self.rejected_by_source:  # capped already: its counts are the true ones
            return self
        groups: dict[str, list[Rejection]] = {}
        counts: dict[str, int] = {}
        for rejection in self.rejected:
            source = source_of(rejection.path, sources)
            counts[source] = counts.get(source, 0) + 1
            kept = groups.setdefault(source, [])
            if len(kept) < SHOWN_PER_SOURCE:
                kept.append(rejection)
        rejected = tuple(r for kept in groups.values() for r in kept)
        return replace(self, rejected=rejected, rejected_by_source=tuple(counts.items()))

    def rejection_lines(self) -> Iterator[str]:
        """One line per rejection kept, and after a source's, how many more it had."""
        rejected = iter(self.rejected)
        if not self.rejected_by_source:
            yield from map(str, rejected)
            return
        for source, count in self.rejected_by_source:
            kept = min(count, SHOWN_PER_SOURCE)
            for _, rejection in zip(range(kept), rejected, strict=False):
                yield str(rejection)
            if count > kept:
                yield f"{source}: and {count - kept:,} more rejected in this source"

    def to_json(self) -> dict[str, object]:
        """The ``--report`` document (``from_json`` reads it back)."""
        c = self.counts
        return {
            "records": {
                "read": c.read,
                "published": c.published,
                "unpublished": c.unpublished,
                "scheduled": c.scheduled,
                "duplicates": c.duplicates,
                "rejected": c.rejected,
            },
            "rejected": [
                {"path": r.path, "line": r.line, "field": r.field, "message": r.message}
                for r in self.rejected
            ],
            "rejected_by_source": dict(self.rejected_by_source),
            "duplicates": [{"path": d.path, "url": d.url, "kept": d.kept} for d in self.duplicates],
            "warnings": list(self.warnings),
            "feeds": [
                {
                    "topic": f.topic,
                    "slug": f.slug,
                    "format": f.format,
                    "path": f.path,
                    "url": f.url,
                    "entries": f.entries,
                    "changed": f.changed,
                    "held_back": f.held_back,
                    "previous": f.previous,
                }
                for f in self.feeds
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report a ``to_json`` document describes."""
        return cls(
            counts=RecordCounts(**data["records"]),
            rejected=tuple(
                Rejection(r["path"], r["line"], r["field"], r["message"]) for r in data["rejected"]
            ),
            feeds=tuple(
                FeedResult(
                    f["topic"],
                    f["slug"],
                    f["format"],
                    f["path"],
                    f["url"],
                    f["entries"],
                    f["changed"],
                    f["held_back"],
                    _count(f.get("previous")),  # absent from reports before it existed
                )
                for f in data["feeds"]
            ),
            duplicates=tuple(Duplicate(d["path"], d["url"], d["kept"]) for d in data["duplicates"]),
            warnings=tuple(data["warnings"]),
            rejected_by_source=tuple(data.get("rejected_by_source", {}).items()),
        )


def _count(value: object) -> int | None:
    return value if type(value) is int else None  # exact: a bool is no count


def source_of(path: str, sources: Sequence[str]) -> str:
    """The configured source a rejected record's ``path`` comes from: the longest folder
    or file holding it, or for a URL (a listing's page) the remote source sharing the
    longest start with it; the path itself when none does."""
    if path.startswith(("http://", "https://")):
        urls = [s for s in sources if s.startswith(("http://", "https://"))]
        return max(urls, key=lambda url: len(os.path.commonprefix([url, path])), default=path)
    relative = not path.startswith(os.sep)
    local = [
        s
        for s in sources
        if path == s or path.startswith(s.rstrip(os.sep) + os.sep) or (s == "." and relative)
    ]
    return max(local, key=len, default=path)
