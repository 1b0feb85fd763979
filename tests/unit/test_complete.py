"""Stories read light, then completed (feeds/records/reading.py ``complete``): selection
sees stories, rendering gets records read in full, never a half-filled one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.core.model import Record, Story
from feeds.core.settings import Config, Site, TopicConfig
from feeds.records.reading import complete, load_records
from feeds.selection.select import plan_feeds
from tests.helpers import write_record

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _config(root: Path, *, cache: bool, related: str | None = None) -> Config:
    return Config(
        path=root / "feeds.yaml",
        site=Site(title="Test", url="https://feeds.example.org/"),
        sources=(root / "records",),
        output=root / "public",
        cache=root / "cache" if cache else None,
        topics=(TopicConfig(name="AI", slug="ai", related=related),),
    )


def _story(root: Path, n: int, extra: str = "") -> Path:
    return write_record(
        root / "records",
        f"{n}.md",
        f"title: Story {n}\npublishedDateTime: 2026-01-{n:02d}T00:00:00Z\n"
        f"webUrl: https://news.example.com/{n}\nexcerpt: <p>Excerpt {n}</p>\n"
        f"topics: [AI]\n{extra}",
        f"Body {n}.\n",
    )


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no cache"])
def test_stories_become_records_read_in_full(tmp_path: Path, cache: bool) -> None:
    for n in (1, 2, 3):
        _story(tmp_path, n)
    config = _config(tmp_path, cache=cache)
    loaded = load_records(config)
    assert {type(s) for s in loaded.records} == {Story}  # read light: no title, no HTML
    planned = plan_feeds(config, loaded.records, now=NOW)
    feeds = complete(config, planned)
    entries = feeds[0].entries
    assert {type(r) for r in entries} == {Record}
    assert [(r.title, r.excerpt) for r in entries] == [
        ("Story 3", "<p>Excerpt 3</p>"),
        ("Story 2", "<p>Excerpt 2</p>"),
        ("Story 1", "<p>Excerpt 1</p>"),
    ]
    assert entries[0].body_html is not None and "Body 3." in entries[0].body_html
    assert [f.spec for f in feeds] == [f.spec for f in planned]


def test_a_story_whose_file_vanished_before_completing_is_left_out(tmp_path: Path) -> None:
    for n in (1, 2):
        _story(tmp_path, n)
    config = _config(tmp_path, cache=True)
    planned = plan_feeds(config, load_records(config).records, now=NOW)
    (tmp_path / "records" / "2.md").unlink()
    titles = [[r.title for r in feed.entries] for feed in complete(config, planned)]
    assert titles == [["Story 1"], ["Story 1"]]


def test_a_related_entry_gets_the_summary_of_the_linking_records_full_reading(
    tmp_path: Path,
) -> None:
    related = (
        "related:\n  - title: Other coverage\n    webUrl: https://other.example.net/r\n"
        "    publishedDateTime: 2026-01-01T12:00:00Z\n    excerpt: <p>The summary</p>\n"
    )
    _story(tmp_path, 2, related)
    config = _config(tmp_path, cache=True, related="entries")
    loaded = load_records(config)
    (story,) = loaded.records
    assert story.related[0].excerpt is None  # read light: the item has no excerpt yet
    ai = complete(config, plan_feeds(config, loaded.records, now=NOW))[1]
    assert [(r.title, r.excerpt) for r in ai.entries] == [
        ("Story 2", "<p>Excerpt 2</p>"),
        ("Other coverage", "<p>The summary</p>"),
    ]
