"""The one retry loop of feeds' HTTP clients (feeds/net/retry.py): how many tries, how
long between them, and why it gives up."""

from __future__ import annotations

import random

import pytest

from feeds.net.retry import Again, Backoff, GaveUp, Timing, retried


class Script:
    """An attempt that fails with each given ``Again`` in turn, then answers "done"."""

    def __init__(self, *failures: Again) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def test_delays_double_from_the_first() -> None:
    slept: list[float] = []
    attempt = Script(Again("HTTP 500"), Again("HTTP 503"), Again("HTTP 502"))
    assert retried(attempt, Backoff(tries=4, first=0.5), Timing(sleep=slept.append)) == "done"
    assert attempt.calls == 4
    assert slept == [0.5, 1.0, 2.0]


def test_gives_up_after_the_last_try_without_waiting_for_it() -> None:
    slept: list[float] = []
    attempt = Script(*[Again("HTTP 502")] * 5)
    with pytest.raises(GaveUp) as raised:
        retried(attempt, Backoff(tries=3, first=0.5), Timing(sleep=slept.append))
    assert (raised.value.problem, raised.value.tries, raised.value.why) == ("HTTP 502", 3, "tries")
    assert attempt.calls == 3
    assert slept == [0.5, 1.0]


def test_jittered_delays_stay_within_half_and_whole_of_the_capped_step() -> None:
    slept: list[float] = []
    attempt = Script(*[Again("timed out")] * 5)
    random.seed(7)
    backoff = Backoff(tries=6, first=1.0, cap=3.0, jitter=True)
    assert retried(attempt, backoff, Timing(sleep=slept.append)) == "done"
    steps = [1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(slept) == 5
    assert all(step / 2 <= delay <= step for delay, step in zip(slept, steps, strict=True))
    assert len(set(slept)) == 5  # jittered: clients that failed together do not retry in step


def test_retry_after_is_obeyed_up_to_its_cap() -> None:
    slept: list[float] = []
    backoff = Backoff(tries=3, first=0.5, retry_after_cap=10.0)
    assert retried(Script(Again("HTTP 429", after=7.0)), backoff, Timing(sleep=slept.append))
    assert slept == [7.0]
    with pytest.raises(GaveUp) as raised:
        retried(Script(Again("HTTP 503", after=11.0)), backoff, Timing(sleep=slept.append))
    assert (raised.value.why, raised.value.after, raised.value.tries) == ("retry_after", 11.0, 1)
    assert slept == [7.0]


def test_no_wait_that_would_end_past_the_deadline() -> None:
    now = [100.0]
    timing = Timing(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    attempt = Script(*[Again("HTTP 500")] * 5)
    with pytest.raises(GaveUp) as raised:
        retried(attempt, Backoff(tries=9, first=1.0), timing, deadline=104.0)
    # waits 1 (101) and 2 (103); 4 more would end at 107, past 104
    assert (raised.value.why, raised.value.tries, now[0]) == ("deadline", 3, 103.0)


def test_an_answer_on_the_first_try_never_sleeps_nor_reads_the_clock() -> None:
    def no_clock() -> float:
        raise AssertionError("not to be called")

    def no_sleep(_: float) -> None:
        raise AssertionError("not to be called")

    timing = Timing(clock=no_clock, sleep=no_sleep)
    assert retried(lambda: 42, Backoff(tries=3, first=1.0), timing) == 42
