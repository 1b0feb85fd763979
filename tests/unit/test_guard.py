"""Unit tests for feeds.publish.guard: what a kept feed file holds, read back from real RSS, Atom
and JSON Feed files rendered into tmp_path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.publish.guard import Candidate, Previous, held_back, read_previous
from feeds.render.feed import render_feed
from tests.helpers import AI_SPEC, make_record

NEWEST = datetime(2026, 3, 1, tzinfo=UTC)
CHANGED = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)


def write_feed(folder: Path, fmt: str, count: int = 3) -> Path:
    records = [make_record(n, newest=NEWEST) for n in range(count)]
    if count > 1:
        records[1] = make_record(1, newest=NEWEST, updated_at=CHANGED)  # older, but changed
    data = render_feed(AI_SPEC, fmt, records, feed_url=f"https://x.example/{fmt}", updated=CHANGED)
    path = folder / ("feed.json" if fmt == "json" else f"{fmt}.xml")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_an_xml_feed_gives_its_count_and_dates(tmp_path: Path, fmt: str) -> None:
    kept = read_previous(write_feed(tmp_path, fmt))
    assert kept == Previous(entries=3, newest=NEWEST, updated=CHANGED)


def test_a_json_feed_gives_its_count_and_dates(tmp_path: Path) -> None:
    kept = read_previous(write_feed(tmp_path, "json"))
    assert kept == Previous(entries=3, newest=NEWEST, updated=CHANGED)


def test_an_empty_feed_has_no_dates_rather_than_1970(tmp_path: Path) -> None:
    kept = read_previous(write_feed(tmp_path, "rss", count=0))
    assert kept is not None and (kept.entries, kept.newest) == (0, None)


@pytest.mark.parametrize(
    ("name", "data"),
    [("rss.xml", b"<rss><channel><item>"), ("feed.json", b"{"), ("feed.json", b"[]")],
)
def test_an_unreadable_feed_is_none(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    assert read_previous(tmp_path / name) is None
    assert read_previous(tmp_path / "missing.xml") is None


def test_dates_that_do_not_parse_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "rss.xml").write_bytes(
        b"<rss><channel><lastBuildDate>soon</lastBuildDate>"
        b"<item><pubDate>Sun, 01 Mar 2026 00:00:00 -0000</pubDate></item>"
        b"<item><pubDate>yesterday</pubDate></item></channel></rss>"
    )
    assert read_previous(tmp_path / "rss.xml") == Previous(2, NEWEST, None)


def test_a_held_back_feed_carries_what_its_kept_file_holds(tmp_path: Path) -> None:
    write_feed(tmp_path, "rss", count=4)
    held = held_back(tmp_path, [Candidate("rss.xml", 1, 50, site_wide=True)], 0.5)
    assert [(h.path, h.previous, h.entries) for h in held] == [("rss.xml", 4, 1)]
    assert held[0].kept == Previous(4, NEWEST, CHANGED)


@pytest.mark.parametrize("fmt", ["rss", "json"])
def test_dates_are_parsed_only_for_a_feed_that_would_shrink(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feeds.publish import guard

    parsed: list[object] = []
    parse = guard._date

    def counting(text: object) -> datetime | None:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(guard, "_date", counting)
    name = write_feed(tmp_path, fmt).name
    assert held_back(tmp_path, [Candidate(name, 3, 10, site_wide=True)], 0.5) == []
    assert parsed == []  # as many entries as before: counted, no date read
    (held,) = held_back(tmp_path, [Candidate(name, 1, 10, site_wide=True)], 0.5)
    assert held.kept == Previous(entries=3, newest=NEWEST, updated=CHANGED)
    assert parsed
