"""Outcomes as bytes and back (``feeds.speed.codec``): what workers send and the cache stores."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

import pytest

from feeds.core.location import SourceLocation
from feeds.core.media import Video
from feeds.core.model import Image, Provider, Record, RelatedItem, Story
from feeds.core.report import Rejection
from feeds.speed.codec import _setters, decode_outcome, encode_outcome
from tests.helpers import TRICKY_TITLE, make_record

FULL = make_record(
    3,
    title=TRICKY_TITLE,
    updated_at=datetime(2026, 3, 2, 4, 5, 6, 789, tzinfo=UTC),
    excerpt="<p>An <b>excerpt</b></p>",
    body_html="<p>Body</p>",
    topics=("AI", "Power Apps"),
    is_published=False,
    provider=Provider("Contoso News", "contoso.example"),
    images=(Image("https://img.example/a.png", 640, 480), Image("https://img.example/b.png")),
    related=(
        RelatedItem(
            "Related",
            "https://other.example/r",
            "<p>More</p>",
            datetime(2025, 1, 2, tzinfo=UTC),
            Provider("Other"),
            "article",
        ),
        RelatedItem("Bare", "https://other.example/bare"),
    ),
    category="news",
    type="video",
    quality=0.5,
    heat=12,
    video=Video("https://youtu.be/x", "https://www.youtube.com/embed/x", None, "youtube", 560),
)


@pytest.mark.parametrize("record", [FULL, make_record(1)], ids=["every field", "few fields"])
def test_records_come_back_equal_with_the_files_path_put_back(record: Record) -> None:
    path = record.source.path
    assert path.encode() not in encode_outcome(([record], [], 1), path)  # it travels outside
    rejection = Rejection(path, 7, "webUrl", "is not a URL")
    records, rejected, read = decode_outcome(encode_outcome(([record], [rejection], 2), path), path)
    assert records == (record,)
    assert [type(value) for value in vars_of(records[0])] == [
        type(value) for value in vars_of(record)
    ]
    assert rejected == (rejection,)
    assert read == 2


def vars_of(record: Story) -> list[object]:
    return [getattr(record, field.name) for field in fields(record)]


LIGHT = Story(
    SourceLocation("records/1.md", 4),
    "https://origin.example.com/light",
    datetime(2026, 3, 1, tzinfo=UTC),
    topics=("AI",),
    provider=Provider("Contoso News", "contoso.example"),
    related=(RelatedItem("Related", "https://other.example/r", None, None, None, "article"),),
    quality=2.5,
)


def test_a_story_read_light_comes_back_a_story_and_a_record_a_record() -> None:
    path = LIGHT.source.path
    records, _, _ = decode_outcome(encode_outcome(([LIGHT, FULL], [], 2), path), path)
    assert records == (LIGHT, FULL)
    assert [type(r) for r in records] == [Story, Record]  # never a half-filled record
    assert not hasattr(records[0], "title")
    assert [type(value) for value in vars_of(records[0])] == [
        type(value) for value in vars_of(LIGHT)
    ]


def test_decoded_values_are_the_ones_their_constructors_build() -> None:
    records, _, _ = decode_outcome(encode_outcome(([FULL], [], 1), "a.md"), "a.md")
    assert hash(records[0]) == hash(FULL)
    assert hash(records[0].related[0]) == hash(FULL.related[0])
    with pytest.raises(AttributeError):
        records[0].title = "changed"  # type: ignore[misc]  # still frozen


def test_only_classes_without_checks_of_their_own_are_built_slot_by_slot() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    @dataclass(frozen=True)
    class Unslotted:
        value: int

    for cls in (Checked, Unslotted):
        with pytest.raises(TypeError, match="cannot be built slot by slot"):
            _setters(cls, "value")
    with pytest.raises(TypeError, match="cannot be built slot by slot"):
        _setters(SourceLocation, "line path")  # the fields, out of order
    assert len(_setters(SourceLocation, "path line")) == 2
