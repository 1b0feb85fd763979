"""Unit tests for feeds.render.sizing.fit: a fake renderer counting calls, then real feeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from feeds.core.location import SourceLocation
from feeds.core.model import Record
from feeds.render.feed import render_feed
from feeds.render.sizing import fit
from tests.helpers import AI_SPEC


class FakeRenderer:
    """A 10-byte channel plus each entry's own text; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, entries: Sequence[str]) -> bytes:
        self.calls.append(len(entries))
        return b"<channel>" + "".join(entries).encode("utf-8") + b"\n"


def sizes(*lengths: int) -> list[str]:
    return [chr(ord("a") + i) * n for i, n in enumerate(lengths)]


def test_a_feed_that_fits_is_rendered_once() -> None:
    render = FakeRenderer()
    data, dropped = fit(sizes(5, 5, 5), render, max_bytes=25)
    assert (data, dropped) == (b"<channel>aaaaabbbbbccccc\n", 0)
    assert render.calls == [3]


@pytest.mark.parametrize(
    ("max_bytes", "kept"),
    [(24, 2), (20, 2), (19, 1), (15, 1), (14, 0), (10, 0)],
)
def test_drops_from_the_oldest_end_until_it_fits(max_bytes: int, kept: int) -> None:
    entries = sizes(5, 5, 5)  # 10 + 5 per entry
    data, dropped = fit(entries, FakeRenderer(), max_bytes)
    assert data == FakeRenderer()(entries[:kept])
    assert dropped == 3 - kept
    assert len(data) <= max_bytes


def test_when_not_even_the_empty_feed_fits_everything_is_dropped() -> None:
    data, dropped = fit(sizes(1, 1), FakeRenderer(), max_bytes=3)
    assert (data, dropped) == (b"<channel>\n", 2)
    data, dropped = fit([], FakeRenderer(), max_bytes=3)
    assert (data, dropped) == (b"<channel>\n", 0)


@pytest.mark.parametrize("count", [1, 2, 7, 100, 1000])
def test_binary_search_renders_logarithmically_and_finds_the_largest_prefix(count: int) -> None:
    entries = ["x" * ((i * 7) % 13 + 1) for i in range(count)]
    whole = len(FakeRenderer()(entries))
    for max_bytes in (11, whole // 3, whole // 2, whole - 1):
        render = FakeRenderer()
        data, dropped = fit(entries, render, max_bytes)
        kept = count - dropped
        assert len(data) <= max_bytes or kept == 0
        # Maximal: one more entry would not fit.
        if kept < count:
            assert len(FakeRenderer()(entries[: kept + 1])) > max_bytes
        assert len(render.calls) <= math.ceil(math.log2(count + 1)) + 2
        assert len(set(render.calls)) == len(render.calls)  # nothing rendered twice


def test_a_non_monotonic_renderer_still_gets_a_rendering_that_fits() -> None:
    # Sizes by entry count: 0→10, 1→50, 2→12, 3→60, 4→70. Only what was measured is returned.
    table = {0: 10, 1: 50, 2: 12, 3: 60, 4: 70}

    def render(entries: Sequence[int]) -> bytes:
        return b"x" * table[len(entries)]

    data, dropped = fit([1, 2, 3, 4], render, max_bytes=20)
    assert len(data) <= 20
    assert dropped in (2, 4)


def test_max_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        fit(["a"], FakeRenderer(), 0)


UPDATED = datetime(2026, 3, 4, tzinfo=UTC)


def record(n: int) -> Record:
    return Record(
        source=SourceLocation(f"records/{n}.md", 1),
        title=f"Story {n}",
        url=f"https://news.example.org/story-{n}",
        canonical_url=f"https://news.example.org/story-{n}",
        published_at=datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=n),
        excerpt=f"<p>{'Some words about it. ' * (n % 5 + 1)}</p>",
    )


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_real_feeds(fmt: str) -> None:
    records = [record(n) for n in range(40)]  # newest first

    def render(entries: Sequence[Record]) -> bytes:
        return render_feed(
            AI_SPEC,
            fmt,
            entries,
            feed_url=f"https://feeds.example.org/ai/{fmt}.xml",
            updated=UPDATED,
        )

    whole = render(records)
    assert fit(records, render, len(whole)) == (whole, 0)

    max_bytes = len(whole) // 2
    data, dropped = fit(records, render, max_bytes)
    assert 0 < dropped < len(records)
    assert len(data) <= max_bytes
    assert len(render(records[: len(records) - dropped + 1])) > max_bytes
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    kept = [e.title for e in parsed.entries]
    assert kept == [r.title for r in records[: len(records) - dropped]]  # the newest ones

    empty = render([])
    data, dropped = fit(records, render, len(empty) - 1)
    assert (data, dropped) == (empty, len(records))
