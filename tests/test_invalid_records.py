"""One data file per kind of bad record, each with the exact one-line message it must give.

The files live in tests/data/invalid/; every file there needs a row here, so a new kind of
bad input cannot be added without saying what the user is told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.sources.local import SourceFile
from feeds.speed.workers import load_file

INVALID = Path(__file__).parent / "data" / "invalid"
FIX_URL = "use an absolute http(s) URL"

EXPECTED: dict[str, list[str]] = {
    "bad-date.md": [
        "bad-date.md:3: publishedDateTime: not a date (found 'yesterday at noon'); "
        "use ISO 8601 such as 2024-05-01T09:30:00Z"
    ],
    "binary.md": ["binary.md: binary file (contains NUL bytes); records are UTF-8 text"],
    "blank-title.md": ["blank-title.md:2: title: is blank; give the record a title"],
    "date-is-number.md": [
        "date-is-number.md:3: publishedDateTime: must be a date (found a number); "
        "write e.g. 2024-05-01T09:30:00Z"
    ],
    "date-out-of-range.md": [
        "date-out-of-range.md:3: publishedDateTime: date out of range "
        "(found '9999-12-31T23:59:59-05:00')"
    ],
    "empty.md": ["empty.md: empty file; add a record or delete the file"],
    "front-matter-is-list.md": [
        "front-matter-is-list.md:2: front matter is a list, not a mapping; "
        "write one 'field: value' per line"
    ],
    "javascript-url.md": [
        "javascript-url.md:4: webUrl: is not an http(s) URL (found 'javascript:alert(1)'); "
        + FIX_URL
    ],
    "json-syntax-error.json": [
        "json-syntax-error.json:3: JSON syntax error: Expecting property name enclosed in "
        "double quotes (column 43); fix the JSON at this line"
    ],
    "list-item-not-mapping.yaml": [
        "list-item-not-mapping.yaml:4: item 2 is text, not a record mapping"
    ],
    "missing-date.md": [
        "missing-date.md:2: publishedDateTime: missing; every record needs a publication date"
    ],
    "missing-title.md": ["missing-title.md:2: title: missing; every record needs a title"],
    "missing-url.md": [
        "missing-url.md:2: webUrl: missing; give the record a webUrl or an originalUrl"
    ],
    "no-front-matter.md": [
        "no-front-matter.md:1: no front matter; start the file with a '---' line, "
        "the YAML fields, then '---'"
    ],
    "not-utf8.md": ["not-utf8.md:2: not UTF-8 text (found byte 0xe9); save the file as UTF-8"],
    "provider-is-list.md": [
        "provider-is-list.md:6: provider: must be a mapping with name and domain (found a list)"
    ],
    "published-is-text.md": [
        "published-is-text.md:5: published: must be true or false (found 'false'); "
        "write published: false without quotes"
    ],
    "python-tag.md": [
        "python-tag.md:2: YAML tag !!python/object/apply:os.system is not allowed; "
        "records hold plain text, numbers and lists"
    ],
    "quality-is-text.md": ["quality-is-text.md:5: quality: must be a number (found 'high')"],
    "scalar.yaml": [
        "scalar.yaml:1: file holds text; a record file holds a mapping, a list of them "
        'or a listing {"value": [...]}'
    ],
    "title-is-list.md": [
        "title-is-list.md:2: title: must be text (found a list); write it as one line"
    ],
    "topics-is-mapping.md": [
        "topics-is-mapping.md:6: topics: must be a list of names (found a mapping)"
    ],
    "unclosed-front-matter.md": [
        "unclosed-front-matter.md:1: front matter is not closed; "
        "add a '---' line after the YAML fields"
    ],
    "url-with-credentials.md": [
        "url-with-credentials.md:4: webUrl: contains credentials "
        "(found 'https://***@news.example.com/story'); " + FIX_URL
    ],
    "yaml-syntax-error.md": [
        "yaml-syntax-error.md:6: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence started on line 5); fix the YAML there"
    ],
}


def test_every_data_file_has_an_expected_message() -> None:
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_record_gives_its_one_line_message(name: str) -> None:
    records, rejected, count = load_file(SourceFile(INVALID / name, name), 1 << 20)
    assert [str(r) for r in rejected] == EXPECTED[name]
    assert all("\n" not in str(r) for r in rejected)
    # The only good record among these files is the first item of the YAML list.
    assert [r.title for r in records] == (
        ["Good item"] if name == "list-item-not-mapping.yaml" else []
    )
    assert count == len(records) + len(rejected)


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_text("---\ntitle: " + "x" * 2000 + "\n---\n", encoding="utf-8")
    _, rejected, _ = load_file(SourceFile(path, "big.md"), 1000)
    assert [str(r) for r in rejected] == [
        "big.md: file is larger than max_file_size (1000 bytes); "
        "split it or raise max_file_size in the config"
    ]


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.md"
    path.write_text(
        f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\n',
        encoding="utf-8",
    )
    _, rejected, _ = load_file(SourceFile(path, "evil.md"), 1 << 20)
    assert len(rejected) == 1
    assert not marker.exists()


def test_vanished_file_is_reported_not_raised(tmp_path: Path) -> None:
    _, rejected, _ = load_file(SourceFile(tmp_path / "gone.md", "gone.md"), 1 << 20)
    assert [str(r) for r in rejected] == [
        "gone.md: file disappeared while reading; it is read on the next run"
    ]
