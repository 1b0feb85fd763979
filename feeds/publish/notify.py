"""Notify stage: tell WebSub hubs which feeds changed; I/O (HTTP via requests).

A failed ping is a warning in the report, never an exception: the feeds are already
written and readers will still poll them (https://www.w3.org/TR/websub/#publishing).
A ping's whole exchange is bounded by its connect and read timeouts added up, however
slowly the hub answers (``net.limits.Deadline``); failed pings are tried again by
``net.retry``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import requests

from ..core.errors import plural
from ..net.limits import CutOff, Deadline, bounded
from ..net.retry import Again, Backoff, GaveUp, Timing, retried

_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)")

Timeout = float | tuple[float, float]
"""requests' (connect, read) timeout in seconds."""


def _whole(timeout: Timeout) -> float:
    """Seconds a whole exchange may take: connect and read timeouts added up."""
    return sum(timeout) if isinstance(timeout, tuple) else 2 * timeout


def _problem_of(response: requests.Response) -> str:
    reason = f" {response.reason}" if response.reason else ""
    return f"HTTP {response.status_code}{reason}"


def _connection_problem(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    # urllib3 nests the cause a few levels deep; its "[Errno 111] Connection refused" is the
    # part worth a line.
    found = _ERRNO.search(str(error))
    return f"cannot connect ({found.group(1).strip()})" if found else "cannot connect"


def _retryable(status: int) -> bool:
    # 5xx and 429 may pass on a later try; other 4xx will not (wrong hub or rejected URL).
    return status >= 500 or status == 429


class _Failed(NamedTuple):
    """A ping that got no answer: why, and whether another try cannot help."""

    problem: str
    final: bool


def _post(
    session: requests.Session, hub: str, data: dict[str, str], timeout: Timeout
) -> requests.Response | _Failed:
    """One POST, its answer read whole and its connection released."""
    try:
        with session.post(hub, data=data, timeout=timeout, allow_redirects=True) as response:
            return response
    except (requests.ConnectionError, requests.Timeout) as error:
        return _Failed(_connection_problem(error), final=False)
    except requests.RequestException as error:  # bad URL and the like: retrying won't help
        return _Failed(f"{type(error).__name__}: {error}", final=True)
    except ValueError:  # requests parses a redirect's Location before checking it
        return _Failed("the hub redirected to an unusable URL", final=True)


@dataclass(frozen=True, slots=True)
class PingPolicy:
    """How each ping is sent: its timeouts and how often a failed one is tried again."""

    timeout: Timeout = (5, 10)
    retries: int = 3
    """Tries after the first, for connection trouble, timeouts, 5xx and 429."""
    backoff: float = 0.5
    """Seconds before the first retry; each later one waits twice as long."""


PING = PingPolicy()


def ping_hub(
    hub: str,
    feed_url: str,
    *,
    session: requests.Session,
    policy: PingPolicy = PING,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """POST one publish notification; ``None`` on a 2xx, else what went wrong."""
    return _ping(hub, feed_url, session, policy, sleep)[0]


def _ping(
    hub: str,
    feed_url: str,
    session: requests.Session,
    policy: PingPolicy,
    sleep: Callable[[float], None],
) -> tuple[str | None, bool]:
    """(problem or None, whether the hub ever answered)."""
    data = {"hub.mode": "publish", "hub.url": feed_url}
    whole = _whole(policy.timeout)
    answered = False

    def attempt() -> str | None:
        nonlocal answered
        try:
            with Deadline(whole):
                answer = _post(bounded(session), hub, data, policy.timeout)
        except CutOff:
            raise Again(f"timed out (the whole answer took over {whole:g} s)") from None
        if isinstance(answer, _Failed):
            if not answer.final:
                raise Again(answer.problem)
            answered = False
            return answer.problem
        answered = True
        if 200 <= answer.status_code < 300:
            return None
        if _retryable(answer.status_code):
            raise Again(_problem_of(answer))
        return _problem_of(answer)

    backoff = Backoff(tries=policy.retries + 1, first=policy.backoff)  # 0.5, 1, 2 … seconds
    try:
        return retried(attempt, backoff, Timing(sleep=sleep)), answered
    except GaveUp as end:
        return f"{end.problem} (after {plural(end.tries, 'try', 'tries')})", answered


def ping_hubs(
    hubs: Sequence[str],
    feed_urls: Sequence[str],
    *,
    session: requests.Session,
    policy: PingPolicy = PING,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Ping every hub once per changed feed; one warning line per failed ping, never raises.

    A hub that never answers is not retried for the remaining feeds of the run: a dead hub
    costs one round of timeouts, not one per feed.
    """
    warnings = []
    for hub in dict.fromkeys(hubs):
        dead: str | None = None
        for feed_url in dict.fromkeys(feed_urls):
            if dead is not None:
                problem: str | None = f"not tried: the hub did not answer ({dead})"
            else:
                problem, answered = _ping(hub, feed_url, session, policy, sleep)
                if problem is not None and not answered:
                    dead = problem
            if problem is not None:
                warnings.append(f"websub: hub {hub} was not told about {feed_url}: {problem}")
    return warnings
