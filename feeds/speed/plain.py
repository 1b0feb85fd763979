"""The build's way through the speed boundary with every fast path off: each file listed
in this process, parsed here, every feed rendered, nothing remembered. ``Fast``
(``speed.fast``) is the same interface with the parse cache, the worker pool, the
no-change shortcut and the render memo; the output is the same byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.settings import Config
from ..sources.local import Listing, SourceFile, list_record_files

if TYPE_CHECKING:
    from ..core.report import Report
    from .codec import Outcome
    from .rendermemo import RenderMemo
    from .workers import Reading

COUNTS_ENV = "FEEDS_SPEED_COUNTS"
"""A file to which a session writes its ``Counts`` as JSON when it ends (for tests of
subprocess builds: proof that a fast path ran)."""

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while reading."""

Parallel = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]
"""A map over worker processes: results in order."""


@dataclass(slots=True)
class Counts:
    """What the fast paths did in one session: tests assert a fast path actually ran."""

    parsed_here: int = 0
    """Files parsed in this process."""
    parsed_in_workers: int = 0
    """Files parsed by worker processes (while listing or after)."""
    cache_hits: int = 0
    """Files whose outcome came from the parse cache instead."""
    shortcut: int = 0
    """1 when the run ended at the no-change shortcut, its last report repeated."""
    memo_hits: int = 0
    """Feed files read back by the render memo instead of rendered."""
    parallel_feeds: int = 0
    """Feeds rendered by worker processes."""


class Plain:
    """A build's speed session with every fast path off (``FEEDS_SPEED=off``)."""

    def __init__(self, config: Config, *, force: bool = False) -> None:
        self.config = config
        self.force = force
        self.counts = Counts()

    def __enter__(self) -> Plain:
        return self

    def __exit__(self, failed: type[BaseException] | None, *rest: object) -> None:
        target = os.environ.get(COUNTS_ENV)
        if target:
            with contextlib.suppress(OSError):
                Path(target).write_text(json.dumps(asdict(self.counts)), encoding="utf-8")

    def list_files(self) -> Listing:
        """Every record file of the configured sources (``list_record_files``)."""
        return list_record_files(self.config.sources)

    def unchanged(self, listing: Listing, now: datetime) -> Report | None:
        """The last run's report when this run would do exactly the same; never here."""
        return None

    def working(self) -> contextlib.AbstractContextManager[None]:
        """The span of the build in which worker processes may serve it."""
        return contextlib.nullcontext()

    def entries(
        self,
        files: Sequence[SourceFile],
        *,
        light: bool = True,
        progress: Progress | None = None,
        warnings: list[str] | None = None,
    ) -> Iterator[Outcome]:
        """Each file's outcome (records, rejections, count), in file order; ``light``
        records lack their rendered excerpt and body. Warnings about the session's own
        files join ``warnings``."""
        from .workers import Reading

        reading = Reading(self.config.max_file_size, light, self.config.related_entries)
        return self._outcomes(files, reading, progress, [] if warnings is None else warnings)

    def _outcomes(
        self, files: Sequence[SourceFile], how: Reading, progress: Progress | None, _: list[str]
    ) -> Iterator[Outcome]:
        """``entries``, each file parsed here."""
        for done, file in enumerate(files, 1):
            self.counts.parsed_here += 1
            yield how.outcome(file)
            if progress is not None:
                progress(done, len(files))

    def parallel(self) -> Parallel | None:
        """A map over the running workers, to render feeds with; None: render here."""
        return None

    def render_memo(self) -> RenderMemo | None:
        """What the last run rendered, to read unchanged feed files back; None: render all."""
        return None

    def remember(
        self, report: Report, now: datetime, due: datetime | None, written: Iterable[str]
    ) -> None:
        """Keep what the next run needs to take its shortcuts; nothing here."""

    def warnings(self) -> tuple[str, ...]:
        """Warnings about the session's own files (damaged state, memo): this run's alone."""
        return ()
