"""Outcomes as bytes and back (``feeds.speed.codec``): what workers send and the cache stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from feeds.core.media import Video
from feeds.core.model import Image, Provider, Record, RelatedItem, SourceLocation
from feeds.core.report import Rejection
from feeds.speed.codec import _assembler, decode_entry, encode_entry
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
    assert path.encode() not in encode_entry(([record], [], 1), path)  # it travels outside
    rejection = Rejection(path, 7, "webUrl", "is not a URL")
    records, rejected, read = decode_entry(encode_entry(([record], [rejection], 2), path), path)
    assert records == (record,)
    assert [type(value) for value in vars_of(records[0])] == [
        type(value) for value in vars_of(record)
    ]
    assert rejected == (rejection,)
    assert read == 2


def vars_of(record: Record) -> list[object]:
    return [getattr(record, name) for name in record.__slots__]


def test_an_assembled_record_is_the_record_its_constructor_builds() -> None:
    values = [getattr(FULL, name) for name in Record.__slots__]
    built = _assembler(Record)(*values)
    assert built == FULL
    assert hash(built) == hash(FULL)
    with pytest.raises(AttributeError):
        built.title = "changed"  # type: ignore[misc]  # still frozen
    assert _assembler(SourceLocation)("a.md", 3) == SourceLocation("a.md", 3)


def test_only_classes_without_checks_of_their_own_are_assembled() -> None:
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
        with pytest.raises(TypeError, match="cannot be assembled"):
            _assembler(cls)
