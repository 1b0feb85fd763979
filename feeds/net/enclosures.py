"""Network edge, part 3: learn each entry image's type and length for an RSS ``<enclosure>``.

Does I/O: one HTTP HEAD per image URL *ever*, through ``netguard`` (public addresses only,
each request within a deadline), and one JSON file in the cache folder (``enclosures.json``,
written through ``output.write_atomic``). Every answer is stored, failures included, and
never asked again: delete the file to ask again. Refusals for an address are not stored (the
``private_images`` setting may change). An image without a usable answer gets no
enclosure; its Media RSS ``media:content`` stays, so the feed loses nothing it had before.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ..core.errors import OutputError
from ..core.media import Enclosure
from ..core.urls import server_url, url_problem
from ..publish.output import write_atomic
from .guard import PUBLIC, GuardError, Reach, guarded_session, head, literal_address
from .limits import header_int

CACHE_FILE = "enclosures.json"
_VERSION = 1
_MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_IMAGE_TYPE = re.compile(r"image/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_ALLOW = "; set private_images: true to look up images on your own network"
_MAX_LENGTH = 10**12
"""A Content-Length above this (1 TB) is a lie, not an image."""


@dataclass(frozen=True, slots=True)
class LookupLimits:
    """How much one run may ask: per request, and in all."""

    timeout: tuple[float, float] = (3, 5)
    """requests' (connect, read) timeouts of each HEAD."""
    request_time: float = 10.0
    """Seconds each request may take in all, however slowly the server answers."""
    max_new: int = 200
    """New URLs asked per run; the rest are asked on later runs."""
    budget: float = 60.0
    """Seconds all of a run's requests may take."""


LOOKUP = LookupLimits()


@dataclass(slots=True)
class _Outcome:
    enclosure: Enclosure | None
    problem: str | None = None
    warning: bool = False
    """Worth a line on stderr: the server sent something unusable, or was cut off."""
    retry: bool = False
    """Not remembered, asked again next run: refused for its address (``private_images``
    may change) or left unfinished when the time budget ran out."""


@dataclass(slots=True)
class EnclosureCache:
    """Answers learned so far, read from and saved to ``folder/enclosures.json``."""

    folder: Path
    warnings: list[str] = field(default_factory=list)
    """Things that went wrong with the cache itself (unreadable or unwritable file)."""
    sent: int = 0
    """HEAD requests sent by this object, redirects included."""
    skipped: int = 0
    """URLs left unasked by the last ``lookup`` (over ``max_new`` or the time budget)."""
    _known: dict[str, _Outcome] = field(default_factory=dict, repr=False)
    _dirty: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self._known = self._load()

    @property
    def path(self) -> Path:
        """The cache file."""
        return self.folder / CACHE_FILE

    def lookup(
        self,
        urls: Iterable[str],
        *,
        user_agent: str,
        limits: LookupLimits = LOOKUP,
        reach: Reach = PUBLIC,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Enclosure | None]:
        """The enclosure of each URL (``None``: none), asking only URLs never asked before.

        At most ``limits.max_new`` new URLs are asked per call, within ``limits.budget``
        seconds in all; the rest are ``None`` this time and asked on a later run. Each
        request ends within ``limits.request_time`` seconds. Only public addresses are
        asked, and those ``reach`` adds. New answers are saved before it returns.
        """
        results: dict[str, Enclosure | None] = {}
        asked = 0
        deadline = clock() + limits.budget
        self.skipped = 0
        with guarded_session() as session:
            for url in dict.fromkeys(urls):
                known = self._known.get(url)
                if known is not None:
                    results[url] = known.enclosure
                    continue
                results[url] = None
                if url_problem(url) is not None:  # nothing asked: not worth remembering
                    continue
                refusal = _refusal(url, reach)
                if refusal is not None:
                    self.warnings.append(f"{url}: no enclosure: {refusal}")
                    continue
                if asked >= limits.max_new or clock() >= deadline:
                    self.skipped += 1
                    continue
                asked += 1
                ask = _Asker(session, user_agent, limits, reach, clock)
                outcome = ask.head(url, deadline)
                self.sent += ask.sent
                if outcome.warning:
                    self.warnings.append(f"{url}: no enclosure: {outcome.problem}")
                if outcome.retry:
                    self.skipped += not outcome.warning
                    continue
                self._known[url] = outcome
                self._dirty = True
                results[url] = outcome.enclosure
        self.save()
        return results

    def _load(self) -> dict[str, _Outcome]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            self.warnings.append(
                f"{self.path}: unreadable enclosure cache, starting afresh ({error})"
            )
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("version") != _VERSION
            or not isinstance(entries, dict)
        ):
            self.warnings.append(
                f"{self.path}: not an enclosure cache (version {_VERSION}); ignored"
            )
            return {}
        known: dict[str, _Outcome] = {}
        for url, item in entries.items():
            outcome = _from_json(url, item)
            if outcome is not None:
                known[url] = outcome
        return known

    def save(self) -> None:
        """Write what was learned, atomically; a failure is a warning (asked again next run)."""
        if not self._dirty:
            return
        entries = {url: _to_json(outcome) for url, outcome in sorted(self._known.items())}
        text = json.dumps({"version": _VERSION, "entries": entries}, indent=1, sort_keys=True)
        try:
            write_atomic(self.path, (text + "\n").encode("utf-8"))
        except OutputError as error:
            self.warnings.append(f"cannot save the enclosure cache: {error}")
            return
        self._dirty = False


def _refusal(url: str, reach: Reach) -> str | None:
    """Why a valid ``url`` is not asked: its host is a local or private IP literal, in any
    spelling a resolver accepts. Names are checked when connecting (``netguard``)."""
    host = urlsplit(url).hostname or ""
    address = literal_address(host)
    problem = reach.problem(address) if address is not None else None
    return None if problem is None else f"{host} is {problem}{_ALLOW}"


@dataclass(slots=True)
class _Asker:
    """HEAD one image URL, following redirects by hand so each hop is checked."""

    session: requests.Session
    user_agent: str
    limits: LookupLimits
    reach: Reach
    clock: Callable[[], float]
    sent: int = 0

    def head(self, url: str, deadline: float) -> _Outcome:
        target = url
        headers = {"User-Agent": self.user_agent, "Accept": "image/*"}
        for _ in range(_MAX_REDIRECTS + 1):
            seconds = min(self.limits.request_time, deadline - self.clock())
            if seconds <= 0:
                return _Outcome(None, "the time budget ran out", retry=True)
            try:
                reply = head(
                    self.session,
                    target,
                    headers=headers,
                    timeout=self.limits.timeout,
                    seconds=seconds,
                    reach=self.reach,
                )
            except GuardError as error:
                self.sent += not error.refused
                if error.refused:
                    return _Outcome(None, error.problem + _ALLOW, warning=True, retry=True)
                # Cut off by the phase's budget rather than its own time: asked next run.
                short = error.cut_off and seconds < self.limits.request_time
                warning = error.cut_off or error.malformed
                return _Outcome(None, error.problem, warning=warning, retry=short)
            self.sent += 1
            location = reply.headers.get("Location")
            if reply.status in _REDIRECTS and location:
                target = server_url(target, location) or ""
                if not target or url_problem(target) is not None:
                    return _Outcome(None, "redirected to an unusable URL", warning=True)
                refusal = _refusal(target, self.reach)
                if refusal is not None:
                    return _Outcome(None, "redirected: " + refusal, warning=True, retry=True)
                continue
            if reply.status != 200:
                return _Outcome(None, f"HTTP {reply.status}")
            return _judge(
                url, reply.headers.get("Content-Type", ""), reply.headers.get("Content-Length", "")
            )
        return _Outcome(None, f"more than {_MAX_REDIRECTS} redirects")


def _judge(url: str, kind: str, length: str) -> _Outcome:
    media_type = kind.split(";", 1)[0].strip().lower()
    if not _IMAGE_TYPE.fullmatch(media_type):
        return _Outcome(None, f"not an image ({media_type or 'no Content-Type'})")
    size = header_int(length)
    if size is None or not 0 < size <= _MAX_LENGTH:
        # Absent is common (a warning each would be noise); present but unusable is not.
        return _Outcome(None, "no usable Content-Length", warning=bool(length.strip()))
    return _Outcome(Enclosure(url, media_type, size))


def _to_json(outcome: _Outcome) -> dict[str, object]:
    if outcome.enclosure is None:
        return {"problem": outcome.problem or "unknown"}
    return {"type": outcome.enclosure.type, "length": outcome.enclosure.length}


def _from_json(url: str, item: object) -> _Outcome | None:
    if not isinstance(item, dict):
        return None
    kind, length, problem = item.get("type"), item.get("length"), item.get("problem")
    if isinstance(problem, str):
        return _Outcome(None, problem)
    if (
        isinstance(kind, str)
        and _IMAGE_TYPE.fullmatch(kind)
        and isinstance(length, int)
        and not isinstance(length, bool)
        and 0 < length <= _MAX_LENGTH
    ):
        return _Outcome(Enclosure(url, kind, length))
    return None  # unusable: asked again
