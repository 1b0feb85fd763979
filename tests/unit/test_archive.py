"""Unit tests for feeds.render.archive: page membership, stability, links (RFC 5005 §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.core.location import SourceLocation
from feeds.core.model import Record
from feeds.render.archive import (
    FH_NS,
    ArchivePlan,
    archive_links,
    archive_path,
    current_path,
    dump_sealed,
    load_sealed,
    page_key,
    plan_archive,
)

BASE = "https://feeds.example.org/"
START = datetime(2020, 1, 1, tzinfo=UTC)


def record(n: int, **changes: object) -> Record:
    """Record ``n``: a higher n is newer (published n hours after START)."""
    values: dict[str, object] = {
        "source": SourceLocation(f"records/{n}.md", 1),
        "title": f"Story {n}",
        "url": f"https://news.example.org/{n}",
        "canonical_url": f"https://news.example.org/{n}",
        "published_at": START + timedelta(hours=n),
    }
    values.update(changes)
    return Record(**values)  # type: ignore[arg-type]


def newest_first(numbers: range | list[int]) -> list[Record]:
    return [record(n) for n in sorted(numbers, reverse=True)]


def ids(plan: ArchivePlan) -> dict[int, list[str]]:
    return {p.number: [r.canonical_url.rsplit("/", 1)[1] for r in p.entries] for p in plan.pages}


def test_current_keeps_newest_limit_and_pages_fill_from_the_oldest() -> None:
    plan = plan_archive(newest_first(range(1, 13)), limit=3, page_size=4)
    assert [r.title for r in plan.current] == ["Story 12", "Story 11", "Story 10"]
    assert ids(plan) == {
        1: ["4", "3", "2", "1"],
        2: ["8", "7", "6", "5"],
        3: ["9"],
    }
    assert [p.full for p in plan.pages] == [True, True, False]
    assert plan.newest_page == 3


@pytest.mark.parametrize(
    ("count", "limit", "page_size", "pages"),
    [
        (0, 5, None, 0),
        (5, 5, None, 0),
        (6, 5, None, 1),
        (10, 5, None, 1),
        (11, 5, None, 2),
        (25, 5, 2, 10),
        (26, 5, 2, 11),
        (7, 0, 3, 3),
    ],
)
def test_page_counts(count: int, limit: int, page_size: int | None, pages: int) -> None:
    plan = plan_archive(newest_first(range(count)), limit, page_size)
    assert len(plan.pages) == pages
    assert len(plan.current) == min(count, limit)
    # Every entry is in exactly one document.
    archived = [r for p in plan.pages for r in p.entries]
    assert sorted(map(page_key, [*plan.current, *archived])) == sorted(
        map(page_key, newest_first(range(count)))
    )


def test_full_pages_never_change_as_entries_arrive() -> None:
    sealed_pages: dict[int, list[str]] = {}
    for total in range(1, 60):
        plan = plan_archive(newest_first(range(total)), limit=5, page_size=4)
        for page in plan.pages:
            if page.number in sealed_pages:
                assert ids(plan)[page.number] == sealed_pages[page.number], (total, page.number)
            if page.full:
                sealed_pages.setdefault(page.number, ids(plan)[page.number])
        # Only the newest page may be short.
        assert all(p.full for p in plan.pages[:-1])
    assert len(sealed_pages) == 13


def test_an_update_does_not_move_an_archived_entry() -> None:
    entries = newest_first(range(1, 10))
    before = plan_archive(entries, limit=2, page_size=3)
    # Story 3 gets an update; the caller's order (by modification) is not the page order.
    updated = record(3, updated_at=START + timedelta(days=9))
    edited = [*entries[:2], updated, *(r for r in entries[2:] if r.title != "Story 3")]
    after = plan_archive(edited, limit=2, page_size=3)
    assert ids(after) == ids(before)


def test_without_sealed_a_removed_old_entry_shifts_later_pages() -> None:
    plan = plan_archive(newest_first([n for n in range(1, 12) if n != 2]), limit=2, page_size=3)
    assert ids(plan)[1] == ["4", "3", "1"]  # documented: counted afresh


def test_sealed_keeps_ranges_so_a_removal_changes_only_its_own_page() -> None:
    first = plan_archive(newest_first(range(1, 12)), limit=2, page_size=3)
    assert ids(first) == {1: ["3", "2", "1"], 2: ["6", "5", "4"], 3: ["9", "8", "7"]}
    state = load_sealed(dump_sealed(first.sealed))
    assert state == first.sealed

    gone = plan_archive(
        newest_first([n for n in range(1, 13) if n != 5]), limit=2, page_size=3, sealed=state
    )
    assert ids(gone) == {1: ["3", "2", "1"], 2: ["6", "4"], 3: ["9", "8", "7"], 4: ["10"]}
    assert [p.full for p in gone.pages] == [True, True, True, False]
    assert gone.sealed == first.sealed


def test_sealed_page_survives_even_when_emptied_and_backdated_entries_go_to_their_range() -> None:
    first = plan_archive(newest_first(range(1, 12)), limit=2, page_size=3)
    entries = newest_first([n for n in range(1, 12) if n not in (4, 5, 6)])
    backdated = record(0, canonical_url="https://news.example.org/0b")  # older than story 1
    entries.append(backdated)
    plan = plan_archive(entries, limit=2, page_size=3, sealed=first.sealed)
    assert ids(plan) == {1: ["3", "2", "1", "0b"], 2: [], 3: ["9", "8", "7"]}
    assert plan.newest_page == 3


def test_new_pages_after_sealed_ones_are_counted_with_the_new_page_size() -> None:
    first = plan_archive(newest_first(range(1, 9)), limit=2, page_size=3)
    assert len(first.sealed) == 2
    plan = plan_archive(newest_first(range(1, 14)), limit=2, page_size=2, sealed=first.sealed)
    assert ids(plan) == {
        1: ["3", "2", "1"],
        2: ["6", "5", "4"],
        3: ["8", "7"],
        4: ["10", "9"],
        5: ["11"],
    }
    assert len(plan.sealed) == 4


@pytest.mark.parametrize(("limit", "page_size"), [(-1, None), (0, None), (3, 0)])
def test_bad_arguments(limit: int, page_size: int | None) -> None:
    with pytest.raises(ValueError, match="limit"):
        plan_archive([], limit, page_size)


def test_sealed_keys_must_increase() -> None:
    keys = (page_key(record(5)), page_key(record(3)))
    with pytest.raises(ValueError, match="increase"):
        plan_archive([], 3, sealed=keys)


@pytest.mark.parametrize("text", ["{}", "[[1, 2]]", '[["2020-01-01T00:00:00", "x"]]', "nope"])
def test_load_sealed_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        load_sealed(text)


def test_paths() -> None:
    assert archive_path("ai", 3, "rss") == "ai/archive/3/rss.xml"
    assert archive_path("ai", 1, "atom") == "ai/archive/1/atom.xml"
    assert archive_path(None, 2, "atom") == "archive/2/atom.xml"
    assert current_path("ai", "atom") == "ai/atom.xml"
    assert current_path(None, "rss") == "rss.xml"
    with pytest.raises(ValueError):
        archive_path("ai", 0, "rss")


def test_links_follow_rfc_5005() -> None:
    plan = plan_archive(newest_first(range(1, 12)), limit=2, page_size=3)  # pages 1..3

    def links(page: int | None) -> dict[str, str]:
        return archive_links(plan, page, base_url=BASE, slug="ai", fmt="atom")

    assert links(None) == {"prev-archive": BASE + "ai/archive/3/atom.xml"}
    assert links(1) == {
        "current": BASE + "ai/atom.xml",
        "next-archive": BASE + "ai/archive/2/atom.xml",
    }
    assert links(2) == {
        "current": BASE + "ai/atom.xml",
        "prev-archive": BASE + "ai/archive/1/atom.xml",
        "next-archive": BASE + "ai/archive/3/atom.xml",
    }
    # The newest archive page has no next-archive; the current feed is its "current".
    assert links(3) == {
        "current": BASE + "ai/atom.xml",
        "prev-archive": BASE + "ai/archive/2/atom.xml",
    }
    with pytest.raises(ValueError):
        links(4)


def test_no_archive_no_links() -> None:
    plan = plan_archive(newest_first(range(3)), limit=5)
    assert archive_links(plan, None, base_url=BASE, slug=None, fmt="rss") == {}
    with pytest.raises(ValueError):
        archive_links(plan, 1, base_url=BASE, slug=None, fmt="rss")


def test_namespace() -> None:
    assert FH_NS == "http://purl.org/syndication/history/1.0"
