"""What a build did: records read and rejected, stories dropped as duplicates, each feed
file written, kept or held back, and warnings; as values and as the JSON document of
``--report`` (which a no-change run reads back). No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


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
        feeds = tuple(replace(f, changed=False, held_back=False) for f in self.feeds)
        return replace(self, feeds=feeds)

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
                )
                for f in data["feeds"]
            ),
            duplicates=tuple(Duplicate(d["path"], d["url"], d["kept"]) for d in data["duplicates"]),
            warnings=tuple(data["warnings"]),
        )
