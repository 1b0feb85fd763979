"""Network edge: the one retry loop of feeds' HTTP clients (remote sources, WebSub pings).

An attempt raises ``Again`` for a failure another try may cure (connection trouble, a
timeout, 5xx, 429); ``retried`` waits (doubling delays, or the server's ``Retry-After``)
and tries again, or raises ``GaveUp`` saying why it stopped. No I/O of its own but the
sleeps; the clock and the sleep are parameters (``Timing``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Timing:
    """Where a client reads the time (seconds since the epoch) and how it waits."""

    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


REAL_TIME = Timing()
"""The system clock and ``time.sleep``."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """How many tries, and how long to wait between them."""

    tries: int
    """Attempts in all, the first included."""
    first: float
    """Seconds before the second try; each later wait doubles."""
    cap: float = math.inf
    """No wait (before jitter) is longer."""
    jitter: bool = False
    """Wait a random time between half and all of each step, so that many clients that
    failed together do not retry in step."""
    retry_after_cap: float = math.inf
    """A server asking for a longer ``Retry-After`` is not retried."""

    def delay(self, tries: int) -> float:
        """Seconds to wait after ``tries`` failed attempts."""
        step = min(self.cap, self.first * 2.0 ** (tries - 1))
        return step / 2 + random.uniform(0, step / 2) if self.jitter else step


class Again(Exception):
    """A failure worth another try; ``after``: the server's ``Retry-After`` in seconds."""

    def __init__(self, problem: str, after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.after = after


Why = Literal["tries", "retry_after", "deadline"]


class GaveUp(Exception):
    """No more tries: the last failure's ``problem``, the ``tries`` made, and ``why`` it
    stopped (all tries used, a ``Retry-After`` over the cap, no time left for a wait)."""

    def __init__(self, last: Again, tries: int, why: Why) -> None:
        super().__init__(last.problem)
        self.problem = last.problem
        self.after = last.after
        self.tries = tries
        self.why: Why = why


def retried(
    attempt: Callable[[], T],
    backoff: Backoff,
    timing: Timing,
    *,
    deadline: float | None = None,
) -> T:
    """``attempt()``'s answer, trying again after each ``Again`` while ``backoff`` allows
    and a wait would end before ``deadline`` (a ``timing.clock`` time; None: no limit)."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except Again as again:
            if tries >= backoff.tries:
                raise GaveUp(again, tries, "tries") from None
            if again.after is not None and again.after > backoff.retry_after_cap:
                raise GaveUp(again, tries, "retry_after") from None
            delay = again.after if again.after is not None else backoff.delay(tries)
            if deadline is not None and timing.clock() + delay >= deadline:
                raise GaveUp(again, tries, "deadline") from None
            timing.sleep(delay)
