"""indented_json writes what json.dumps(ensure_ascii=False, indent=2) writes, byte for byte,
for every JSON value (JSON Feed files must not change by a byte)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.render.jsontext import indented_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(_JSON)
def test_same_text_as_json_dumps_with_an_indent(value: object) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [{}, [], {"a": {}}, {"a": []}, [[], {}], '\u2028 \x00 \ud800 “q” \\ "', 10**30, -0.0, 1e300],
)
def test_edges_match_json_dumps(value: object) -> None:
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_a_value_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="not JSON: set"):
        indented_json({"tags": {"a"}})
