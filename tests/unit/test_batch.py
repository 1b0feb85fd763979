"""A build's process settings (``feeds.speed.batch``): the collector paused for the
build, and what the build leaves alive out of its way afterwards, without keeping
garbage past the next build."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from feeds.speed.batch import batch_mode


class Node:
    """A cycle's member, to be watched through a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """A two-object cycle nothing else refers to: only the collector can free it."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    gc.collect()
    if not was_enabled:
        gc.disable()


def test_the_collector_is_paused_for_the_batch_and_resumes_after() -> None:
    with batch_mode():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_batch_inside_a_paused_collector_leaves_it_paused() -> None:
    gc.disable()
    with batch_mode():
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0  # nothing frozen: the caller manages the collector


def test_what_a_batch_leaves_is_out_of_the_collector_s_way_until_the_next() -> None:
    with batch_mode():
        garbage = cycle()
    gc.collect()
    assert garbage() is not None  # frozen: a collection does not walk it
    with batch_mode():
        assert garbage() is None  # the next batch collected it before starting
