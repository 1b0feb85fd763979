"""Render only what changed: a feed whose spec, options and entries are exactly those of
the last run, and whose file is still the one that run left, is read back instead of
rendered again. I/O: ``<cache>/rendered.json`` and the feed files.

The signature covers everything a feed file is made from (the code and libraries, the feed's
spec, format, URL, date, options and the full entries), so a reused file is byte for byte
what rendering would give.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..core.errors import OutputError, plural
from ..core.model import FeedExtras, FeedSpec, Record
from ..core.report import FeedResult
from ..publish.output import write_atomic
from .codedigest import code_digest

FILE_NAME = "rendered.json"

Drawing = tuple[FeedSpec, str, Sequence[Record], str, datetime, FeedExtras]
"""What a feed file is drawn from: spec, format, entries, URL, date, options
(``documents.Task``)."""


def _entry(value: object) -> tuple[str, int, int, int] | None:
    """A memo entry as ``save`` writes it, [signature, entries kept, size, mtime_ns], or
    None for anything else. Exact ints, none negative: the memo on disk is untrusted (True
    is an int too)."""
    if type(value) is not list or len(value) != 4:
        return None
    sig, kept, size, mtime = value
    if type(sig) is not str or type(kept) is not int or type(size) is not int:
        return None
    if type(mtime) is not int or min(kept, size, mtime) < 0:
        return None
    return sig, kept, size, mtime


def entries_digest(entries: Sequence[Record]) -> bytes:
    """A digest of a feed's full entries, shared by the feed's files (formats)."""
    digest = hashlib.sha256()
    for record in entries:
        digest.update(repr(record).encode("utf-8", "surrogatepass"))
    return digest.digest()


def signature(
    spec: FeedSpec, fmt: str, url: str, updated: str, extras: FeedExtras, entries: bytes
) -> str:
    """A digest of every input of one feed file; ``entries`` is ``entries_digest`` of its
    entries."""
    digest = hashlib.sha256(
        f"{code_digest()}\n{spec!r}\n{fmt}\n{url}\n{updated}\n{extras!r}\n".encode()
    )
    digest.update(entries)
    return digest.hexdigest()


@dataclass
class RenderMemo:
    """What the last run rendered: path → (signature, entries kept, size, mtime_ns)."""

    output: Path
    cache: Path | None
    known: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)
    fresh: dict[str, tuple[str, int]] = field(default_factory=dict)
    warning: str | None = None
    """Why the memo on disk was ignored, in all or in part (damaged); None when it was
    usable or absent."""
    hits: int = 0
    """Files read back in this run instead of rendered."""

    @classmethod
    def load(cls, output: Path, cache: Path | None) -> RenderMemo:
        """The memo of the last run; empty without a cache or when it cannot be read.
        Another version's memo is a quiet miss; a damaged one, or damaged entries, a
        warning."""
        memo = cls(output, cache)
        if cache is None:
            return memo
        path = cache / FILE_NAME
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return memo  # a first run
        except (OSError, ValueError) as error:
            problem = "not JSON" if isinstance(error, ValueError) else error.strerror
            memo.warning = f"{path}: render memo ignored ({problem}); every feed is rendered"
            return memo
        feeds = data.get("feeds") if isinstance(data, dict) else None
        if not isinstance(feeds, dict):
            memo.warning = f"{path}: render memo ignored (damaged); every feed is rendered"
        elif data.get("code") == code_digest():
            memo.known = {p: e for p, v in feeds.items() if (e := _entry(v)) is not None}
            if len(memo.known) < len(feeds):
                bad = len(feeds) - len(memo.known)
                memo.warning = (
                    f"{path}: {plural(bad, 'damaged entry', 'damaged entries')} ignored "
                    "(not the types feeds writes); those feeds are rendered again"
                )
        return memo

    def reused(self, files: Sequence[tuple[str, Drawing]]) -> dict[int, tuple[bytes, int]]:
        """Of the feed files to draw, (path, what it is drawn from), those made from
        exactly these inputs last time and still as that run left them: their bytes and
        entry counts, by index."""
        digests: dict[int, bytes] = {}  # a feed's formats share their entries: digest them once
        found: dict[int, tuple[bytes, int]] = {}
        for index, (path, (spec, fmt, entries, url, updated, extras)) in enumerate(files):
            digest = digests.get(id(entries))
            if digest is None:
                digest = digests[id(entries)] = entries_digest(entries)
            sig = signature(spec, fmt, url, updated.isoformat(), extras, digest)
            reused = self.reuse(path, sig)
            if reused is not None:
                found[index] = reused
        return found

    def reuse(self, path: str, sig: str) -> tuple[bytes, int] | None:
        """The file's bytes and entry count when it was made from exactly these inputs."""
        self.fresh[path] = (sig, -1)
        entry = self.known.get(path)
        if entry is None or entry[0] != sig:
            return None
        try:
            stat = (self.output / path).stat()
            if (stat.st_size, stat.st_mtime_ns) != entry[2:]:
                return None  # edited or replaced since: render it again
            data = (self.output / path).read_bytes()
        except OSError:
            return None
        self.hits += 1
        return data, entry[1]

    def rendered(self, path: str, kept: int) -> None:
        """Note a file rendered (or reused) in this run with its entry count (its
        signature is the one ``reused`` computed)."""
        self.fresh[path] = (self.fresh[path][0], kept)

    def save(self, results: Iterable[FeedResult]) -> None:
        """Remember the files this run left in place (not those held back)."""
        if self.cache is None:
            return
        feeds: dict[str, list[object]] = {}
        for result in results:
            sig, kept = self.fresh.get(result.path, ("", -1))
            if result.held_back or not sig or kept < 0:
                continue
            with contextlib.suppress(OSError):
                stat = (self.output / result.path).stat()
                feeds[result.path] = [sig, kept, stat.st_size, stat.st_mtime_ns]
        text = json.dumps({"code": code_digest(), "feeds": feeds}, sort_keys=True)
        with contextlib.suppress(OutputError):  # only the next run's speed depends on it
            write_atomic(self.cache / FILE_NAME, text.encode("utf-8"))
