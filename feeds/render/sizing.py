"""Render-stage helper: keep a feed file under ``max_bytes`` by dropping its oldest entries; no I/O.

The renderer is a parameter, so this works for RSS, Atom and JSON Feed alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def fit(
    entries: Sequence[T], render: Callable[[Sequence[T]], bytes], max_bytes: int
) -> tuple[bytes, int]:
    """The rendering of the longest newest-first prefix of ``entries`` that fits in
    ``max_bytes``, and how many entries (from the oldest end) were dropped for it.

    ``entries`` come newest first. The whole feed is rendered first (usually it fits: one
    render). Otherwise the count is found by binary search, which assumes that more
    entries never make a smaller file; the answer is only ever a rendering that was
    measured to fit. If not even the feed without entries fits, that rendering is
    returned anyway, with every entry dropped: the caller decides whether to publish it.
    """
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be positive (found {max_bytes})")
    rendered: dict[int, bytes] = {}

    def size_fits(count: int) -> bool:
        if count not in rendered:
            rendered[count] = render(entries[:count])
        return len(rendered[count]) <= max_bytes

    total = len(entries)
    if size_fits(total):
        return rendered[total], 0
    # Invariant: ``low`` entries fit (or low == 0, not yet known); ``high`` entries do not.
    low, high = 0, total
    while high - low > 1:
        middle = (low + high) // 2
        if size_fits(middle):
            low = middle
        else:
            high = middle
    if low == 0:
        size_fits(0)  # the bare channel: returned whether or not it fits
    return rendered[low], total - low
