"""Lines of JSON records found by the json scanner (feeds/records/jsonpos.py) equal those of
YAML's node tree, the slow way they were found before; and the shapes it refuses."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.records.frontmatter import parse_record_bytes
from feeds.records.jsonpos import Span, item_spans, lines_of


def _documents(text: st.SearchStrategy[str]) -> st.SearchStrategy[list[Any]]:
    """Lists of records (mappings) and stray values, their strings drawn from ``text``."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), text)
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(text.map(lambda t: t[:5]), inner, max_size=3)
        ),
        max_leaves=8,
    )
    return st.lists(
        st.one_of(st.dictionaries(text.map(lambda t: t[:6]), values, max_size=4), values),
        max_size=6,
    )


# Any text json can carry (surrogates aside), for the spans.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
# Text PyYAML reads in any of the three layouts below, for the lines: no control
# characters or non-characters (PyYAML refuses them raw), nothing past U+FFFF (written
# as surrogate-pair escapes, which PyYAML refuses), no U+2028/U+2029 (PyYAML counts them
# as line breaks; json, and this, count line feeds only: see the test below).
yaml_text = st.text(
    alphabet=st.characters(
        max_codepoint=0xFFFF, blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp")
    ),
    max_size=12,
)


def _ragged(value: Any, rng: random.Random) -> str:
    """JSON with whitespace between tokens (line feeds included), as PyYAML reads it."""

    def space() -> str:
        return rng.choice(["", " ", "\n", "\n  ", "\r\n"])

    if isinstance(value, dict):
        pairs = [
            f"{space()}{json.dumps(k)}{rng.choice(['', ' '])}: {space()}{_ragged(v, rng)}{space()}"
            for k, v in value.items()
        ]
        return "{" + ",".join(pairs) + space() + "}"
    if isinstance(value, list):
        return "[" + ",".join(space() + _ragged(v, rng) + space() for v in value) + space() + "]"
    return json.dumps(value)


def _dump(data: Any, style: int) -> str:
    """The same data written three ways: pretty, on one line, ragged spacing (a key and
    its ':' on one line, a space after it: PyYAML reads JSON only so)."""
    if style == 0:
        return json.dumps(data, indent=2, ensure_ascii=False)
    if style == 1:
        return json.dumps(data)
    return _ragged(data, random.Random(repr(data)))


def _wrapped(records: list[Any], listing: bool) -> Any:
    """The records as a listing page (``{"value": [...]}`` between other keys) or bare."""
    return {"page": 1, "value": records, "nextPage": 2} if listing else records


def _yaml_lines(text: str, listing: bool) -> list[int]:
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if listing:
        node = next(v for k, v in reversed(node.value) if k.value == "value")
    return [child.start_mark.line + 1 for child in node.value]


def _written(
    data: st.DataObject, text: st.SearchStrategy[str], style: int, wrap: bool
) -> tuple[list[Any], str, list[Span]]:
    """Records drawn with strings from ``text``, written in ``style`` (bare or as a
    listing page), and the items' spans found in the text (which must be found)."""
    records = data.draw(_documents(text))
    written = _dump(_wrapped(records, wrap), style)
    spans = item_spans(written, listing=wrap)
    assert spans is not None
    return records, written, spans


@settings(max_examples=300, deadline=None)
@given(data=st.data(), style=st.integers(0, 2), wrap=st.booleans())
def test_spans_hold_exactly_the_items_json_loads_reads(
    data: st.DataObject, style: int, wrap: bool
) -> None:
    records, text, spans = _written(data, any_text, style, wrap)
    assert [json.loads(text[start:end]) for start, end in spans] == records


@settings(max_examples=300, deadline=None)
@given(data=st.data(), style=st.integers(0, 2), wrap=st.booleans())
def test_lines_equal_those_of_the_yaml_node_tree(
    data: st.DataObject, style: int, wrap: bool
) -> None:
    _, text, spans = _written(data, yaml_text, style, wrap)
    assert lines_of(text, spans) == _yaml_lines(text, wrap)


@pytest.mark.parametrize(
    ("text", "listing"),
    [
        ('{"value": 3}', True),
        ('{"page": 1}', True),
        ("{}", True),
        ('{"a": 1}', False),
        ("[1, 2", False),
        ("  7", False),
    ],
)
def test_other_shapes_give_none(text: str, listing: bool) -> None:
    assert item_spans(text, listing=listing) is None


def test_the_last_value_key_counts_as_json_loads_reads_it() -> None:
    text = '{"value": [1, 2, 3],\n "value": [\n  {"title": "b"}\n ]}'
    spans = item_spans(text, listing=True)
    assert spans is not None and [text[s:e] for s, e in spans] == ['{"title": "b"}']
    assert lines_of(text, spans) == [3]


def test_a_bad_field_deep_in_a_listing_is_reported_on_its_own_line() -> None:
    listing = {
        "page": 1,
        "value": [{"title": "a"}, {"title": "b", "related": [{"x": 1}, {"webUrl": 5}]}],
    }
    text = json.dumps(listing, indent=2)
    records, errors = parse_record_bytes(text.encode(), "index.json", ".json", max_size=1 << 20)
    assert errors == []
    second = records[1]
    lines = text.splitlines()
    assert lines[second.source.line - 1] == "    {"  # the item's opening brace
    assert lines[second.source.line] == '      "title": "b",'
    wanted = next(n for n, line in enumerate(text.splitlines(), 1) if '"webUrl": 5' in line)
    assert second.line_of("related[1].webUrl") == wanted


def test_lines_count_line_feeds_as_json_errors_do() -> None:
    text = json.dumps([{"title": "a\u2028b"}, {"title": "c"}], indent=2, ensure_ascii=False)
    spans = item_spans(text, listing=False)
    assert spans is not None
    assert lines_of(text, spans) == [2, 5]  # what an editor and JSONDecodeError.lineno say
    broken = text.replace('"c"', "c")
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(broken)
    assert error.value.lineno == 6
