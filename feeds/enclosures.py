"""Network edge, part 3: learn each entry image's type and length for an RSS ``<enclosure>``.

Does I/O: one HTTP HEAD per image URL *ever*, through the ``requests.Session`` it is given,
and one JSON file in the cache folder (``enclosures.json``, written through
``output.write_atomic``). Every answer is stored, failures included, and never asked again:
delete the file to ask again. An image without a usable answer gets no enclosure; its
Media RSS ``media:content`` stays, so the feed loses nothing it had before.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from .errors import OutputError
from .output import write_atomic
from .urls import url_problem

CACHE_FILE = "enclosures.json"
_VERSION = 1
_MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_IMAGE_TYPE = re.compile(r"image/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_MAX_LENGTH = 10**12
"""A Content-Length above this (1 TB) is a lie, not an image."""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """What an RSS ``<enclosure url= type= length=>`` needs (RSS 2.0 requires all three)."""

    url: str
    """The image URL as the record gave it (not a redirect's target)."""
    type: str
    """An ``image/*`` media type, lowercased, without parameters."""
    length: int
    """Bytes, from ``Content-Length``; always positive."""


@dataclass(slots=True)
class _Outcome:
    enclosure: Enclosure | None
    problem: str | None = None


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
        session: requests.Session,
        user_agent: str,
        timeout: tuple[float, float] = (3, 5),
        max_new: int = 200,
        budget: float = 60.0,
        allow_private: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Enclosure | None]:
        """The enclosure of each URL (``None``: none), asking only URLs never asked before.

        At most ``max_new`` new URLs are asked per call, within ``budget`` seconds; the rest
        are ``None`` this time and asked on a later run. New answers are saved before it
        returns. ``allow_private`` permits loopback and private IP literals (tests only).
        """
        results: dict[str, Enclosure | None] = {}
        asked = 0
        deadline = clock() + budget
        self.skipped = 0
        for url in dict.fromkeys(urls):
            known = self._known.get(url)
            if known is not None:
                results[url] = known.enclosure
                continue
            problem = _refused(url, allow_private)
            if problem is not None:  # nothing asked: not worth remembering
                results[url] = None
                continue
            if asked >= max_new or clock() >= deadline:
                results[url] = None
                self.skipped += 1
                continue
            asked += 1
            outcome = self._head(url, session, user_agent, timeout, allow_private)
            self._known[url] = outcome
            self._dirty = True
            results[url] = outcome.enclosure
        self.save()
        return results

    def _head(
        self,
        url: str,
        session: requests.Session,
        user_agent: str,
        timeout: tuple[float, float],
        allow_private: bool,
    ) -> _Outcome:
        target = url
        headers = {"User-Agent": user_agent, "Accept": "image/*"}
        for _ in range(_MAX_REDIRECTS + 1):
            self.sent += 1
            try:
                with session.head(
                    target, headers=headers, timeout=timeout, allow_redirects=False
                ) as response:
                    status = response.status_code
                    location = response.headers.get("Location")
                    kind = response.headers.get("Content-Type", "")
                    length = response.headers.get("Content-Length", "")
            except requests.Timeout:
                return _Outcome(None, "timed out")
            except requests.RequestException as error:
                # Never the exception's text: it may quote URLs or headers at length.
                return _Outcome(None, f"request failed ({type(error).__name__})")
            if status in _REDIRECTS and location:
                target = urljoin(target, location)
                if _refused(target, allow_private) is not None:
                    return _Outcome(None, "redirected to a refused URL")
                continue
            if status != 200:
                return _Outcome(None, f"HTTP {status}")
            return _judge(url, kind, length)
        return _Outcome(None, f"more than {_MAX_REDIRECTS} redirects")

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


def _refused(url: str, allow_private: bool) -> str | None:
    """Why ``url`` is not asked: not a valid http(s) URL, or a local/private address."""
    problem = url_problem(url)
    if problem is not None or allow_private:
        return problem
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "is a local address"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: where it resolves to is not checked here
    return None if address.is_global else "is a local or private address"


def _judge(url: str, kind: str, length: str) -> _Outcome:
    media_type = kind.split(";", 1)[0].strip().lower()
    if not _IMAGE_TYPE.fullmatch(media_type):
        return _Outcome(None, f"not an image ({media_type or 'no Content-Type'})")
    length = length.strip()
    if not length.isdigit() or not 0 < int(length) <= _MAX_LENGTH:
        return _Outcome(None, "no usable Content-Length")
    return _Outcome(Enclosure(url, media_type, int(length)))


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
