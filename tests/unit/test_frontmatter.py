"""Reading record files: shapes, encodings and the lines that errors point at."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.records.frontmatter import decode_carefully, plain_text, read_record_file


def read(path: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    return read_record_file(path, path.name, max_size=1 << 20)


def test_markdown_with_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes("\ufeff---\r\ntitle: Café\r\n---\r\nBody line\r\n".encode())
    records, errors = read(path)
    assert errors == []
    assert records[0].data == {"title": "Café"}
    assert records[0].body == "Body line\n"


def test_front_matter_may_close_with_dots_and_body_keeps_later_fences(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\n...\nintro\n\n---\n\nmore\n", encoding="utf-8")
    records, _ = read(path)
    assert records[0].data == {"title": "T"}
    assert records[0].body == "intro\n\n---\n\nmore\n"


def test_line_of_nested_fields(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: T\nprovider:\n  name: P\nrelated:\n  - title: x\n  - title: y\n"
        "    webUrl: bad\n---\n",
        encoding="utf-8",
    )
    (record,), _ = read(path)
    assert record.line_of("title") == 2
    assert record.line_of("provider.name") == 4
    assert record.line_of("related[1].webUrl") == 8
    assert record.line_of("missing") == 2  # the front matter itself
    assert record.line_of("related[9].title") == 6  # the nearest existing parent


def test_yaml_list_records_know_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- title: a\n  x: 1\n- title: b\n", encoding="utf-8")
    records, errors = read(path)
    assert errors == []
    assert [(r.data["title"], r.source.line) for r in records] == [("a", 1), ("b", 3)]


def test_json_listing_is_unwrapped_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "index.json"
    listing = {"page": 1, "value": [{"title": "a"}, {"title": "b"}], "nextPage": 2}
    path.write_text(json.dumps(listing, indent=2), encoding="utf-8")
    records, errors = read(path)
    assert errors == []
    assert [r.data["title"] for r in records] == ["a", "b"]
    assert [r.source.line for r in records] == [4, 7]
    assert records[1].line_of("title") == 8


def test_single_mapping_file_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "one.yml"
    path.write_text("title: only\nvalue: not a listing\n", encoding="utf-8")
    records, _ = read(path)
    assert [r.data["title"] for r in records] == ["only"]


def test_alias_bomb_stays_small(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    path = tmp_path / "bomb.md"
    path.write_text("---\ntitle: bomb\n" + "\n".join(lines) + "\n---\n", encoding="utf-8")
    records, errors = read(path)
    # Aliases are shared references, never copies, so reading is cheap; the validator
    # ignores unknown keys, so the record reads fine.
    assert errors == [] and records[0].data["title"] == "bomb"


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    b"a",
                    b" ",
                    b"\n",
                    b"\t",
                    b"\r",
                    b"\r\n",
                    b"\x00",
                    b"\x1b",
                    b"\x7f",
                    b"\xef\xbb\xbf",
                    b"\xc2\x85",
                    b"\xc2\x9f",
                    b"\xc2\xa0",
                    b"\xff",
                    b"\xef\xbf\xbe",
                    b"\xe2\x80\xa8",
                    b"\xf0\x9f\x9a\x80",
                    b"\xc3",
                ]
            ),
            st.text(max_size=4).map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
        min_size=1,
        max_size=12,
    ).map(b"".join)
)
def test_plain_text_path_equals_the_careful_one(data: bytes) -> None:
    fast = plain_text(data)
    if fast is not None:
        assert fast == decode_carefully(data, "x.md")


def test_files_longer_than_one_read_are_read_whole(tmp_path: Path) -> None:
    body = "".join(f"Paragraph {n} of a long body.\n\n" for n in range(8000))  # ~250 KB
    path = tmp_path / "long.md"
    path.write_text(f"---\ntitle: Long\n---\n{body}", encoding="utf-8")
    records, errors = read_record_file(path, "long.md", max_size=1 << 20)
    assert not errors and records[0].body == body
    _, errors = read_record_file(path, "long.md", max_size=100_000)
    assert "larger than max_file_size" in str(errors[0])
