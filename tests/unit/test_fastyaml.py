"""The fast front-matter scanner agrees with PyYAML, or steps aside (returns None)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.records.fastyaml import parse
from tests.helpers import SHARED

CORPUS_FILES = sorted((SHARED / "corpus").rglob("*.md")) if SHARED.is_dir() else []


def pyyaml(text: str) -> Any:
    """What PyYAML's C loader makes of ``text``; an exception instance when it refuses."""
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as error:
        return error


def same(fast: Any, slow: Any) -> bool:
    """Equal, and of the same types all the way down (True is not 1, aware is not naive)."""
    if type(fast) is not type(slow):
        return False
    if isinstance(fast, dict):
        return fast.keys() == slow.keys() and all(same(fast[k], slow[k]) for k in fast)
    if isinstance(fast, list):
        return len(fast) == len(slow) and all(map(same, fast, slow))
    if isinstance(fast, datetime):
        return fast == slow and fast.utcoffset() == slow.utcoffset()
    return bool(fast == slow)


def check(text: str) -> Any:
    """parse() is None or exactly PyYAML's mapping; returns parse()'s answer."""
    fast = parse(text)
    if fast is not None:
        slow = pyyaml(text)
        assert same(fast, slow), f"{text!r}: fast {fast!r} != PyYAML {slow!r}"
    return fast


def split_front_matter(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 3)
    return text[4 : end + 1] if end != -1 else None


# --- (a) every real record -----------------------------------------------------------------


@pytest.mark.skipif(not CORPUS_FILES, reason="../shared is not beside the project")
def test_real_records_are_read_like_pyyaml() -> None:
    fronts = [front for path in CORPUS_FILES if (front := split_front_matter(path))]
    assert len(fronts) > 600
    fast = [check(front) for front in fronts]
    handled = sum(result is not None for result in fast)
    assert handled >= 0.95 * len(fronts), f"only {handled} of {len(fronts)} on the fast path"


# --- (b) generated documents ---------------------------------------------------------------

TRICKY_TEXT = [
    "yes",
    "No",
    "ON",
    "off",
    "True",
    "FALSE",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "",
    " ",
    "0x1F",
    "0o17",
    "017",
    "09",
    "1_000",
    "1:20",
    "1:20.5",
    "-1",
    "+1",
    "-0",
    "1e5",
    "1.0e+5",
    ".5",
    "-.5",
    "1.",
    ".inf",
    "-.Inf",
    ".nan",
    "2019-08-19",
    "2019-08-19T21:00:10Z",
    "2019-8-9 1:02:03.5 +05:30",
    "2019-02-30",
    "#x",
    "a #b",
    "a#b",
    "a: b",
    "a:b",
    "a:",
    "- a",
    "-a",
    "-",
    "? a",
    ":a",
    "[a]",
    "{a: 1}",
    "&x",
    "*x",
    "!x",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "=",
    "<<",
    "...",
    "---",
    "'",
    '"',
    "it's",
    'say "hi"',
    "back\\slash",
    "\\n",
    "tab\there",
    "line\nbreak",
    "trailing ",
    " leading",
    "é",
    "日本語",
    "\u00a0nbsp",
    "\u2028",
    "\x85",
    "\ufeff",
    "\x7f",
    "\x00",
    "😀",
    "C#",
    "http://x.org/a?b=c#d",
    "a, b",
    "x: y: z",
]
WORD_KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True)
ODD_KEYS = st.sampled_from(
    ["yes", "on", "null", "1", "1.5", "a b", "<<", "~", "-", "é", "x:", "#", ":a", "?a", "'q'"]
)
KEYS = st.one_of(WORD_KEYS, ODD_KEYS)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(TRICKY_TEXT),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))])),
)
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
        max_leaves=12,
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS,
    style=st.sampled_from([None, '"', "'"]),
    indent=st.sampled_from([2, 4]),
    unicode=st.booleans(),
    width=st.sampled_from([80, 10**6]),
)
def test_dumped_documents_are_read_like_pyyaml(
    document: dict[Any, Any], style: str | None, indent: int, unicode: bool, width: int
) -> None:
    text = yaml.safe_dump(
        document,
        default_flow_style=False,
        default_style=style,  # type: ignore[arg-type]
        indent=indent,
        allow_unicode=unicode,
        width=width,
        sort_keys=False,
    )
    check(text)
    # The same document with the decorations hand-written front matter has.
    check("# a comment\n\n" + text.replace("\n", "  \n", 3) + "\n   # the end\n")
    check("".join("  " + line + "\n" for line in text.splitlines()))  # all indented


# Raw line material: what a person types after "key: " or "- ". Mostly ordinary values,
# so that whole documents stay on the fast path often enough to be compared.
PRINTABLE = st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"])
ORDINARY = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9 .,/()-]{0,15}[A-Za-z0-9]", fullmatch=True),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["true", "false", "2019-08-19T21:00:10Z", "1.5", "https://x.org/a?b=c#d"]),
    st.text(PRINTABLE, max_size=12).map(
        lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    ),
    st.text(PRINTABLE, max_size=12).map(lambda s: "'" + s.replace("'", "''") + "'"),
)
ODD = st.one_of(
    st.text(alphabet="ab 01:#-'\"\\[]{}&*!|>%@`?,~.eEx+_TZ/é", max_size=12),
    st.sampled_from(TRICKY_TEXT),
    st.text(alphabet='ab \\"/nutx0123456789ABCDEF#é', max_size=12).map(lambda s: f'"{s}"'),
    st.text(alphabet="ab '\"#\\é", max_size=10).map(lambda s: f"'{s}'"),
    st.tuples(st.sampled_from(TRICKY_TEXT), st.text(max_size=5)).map(" # ".join),
)
RAW_VALUES = st.one_of(*[ORDINARY] * 7, ODD)


@st.composite
def hand_written(draw: st.DrawFn) -> str:
    """Front-matter-like text line by line: keys, nested blocks, items, odd values."""

    def keys(count: int) -> list[str]:
        names = st.one_of(*[WORD_KEYS] * 7, ODD_KEYS)
        return draw(st.lists(names, min_size=count, max_size=count, unique=True))

    lines: list[str] = []
    base = " " * draw(st.sampled_from([0, 0, 0, 2]))
    for key in keys(draw(st.integers(1, 8))):
        shape = draw(st.sampled_from(["scalar", "scalar", "empty", "block", "items", "maps"]))
        count = draw(st.integers(1, 3))
        if shape == "scalar":
            lines.append(f"{base}{key}: {draw(RAW_VALUES)}")
        elif shape == "empty":
            lines.append(f"{base}{key}:" + draw(st.sampled_from(["", "  ", " # c"])))
        elif shape == "block":
            lines.append(f"{base}{key}:")
            inner = base + draw(st.sampled_from([" ", "  ", "    "]))
            lines.extend(f"{inner}{name}: {draw(RAW_VALUES)}" for name in keys(count))
        else:
            lines.append(f"{base}{key}:")
            step = base + draw(st.sampled_from(["", "  ", "    "]))
            for _ in range(count):
                if shape == "items":
                    lines.append(f"{step}- {draw(RAW_VALUES)}")
                else:
                    first, second = keys(2)
                    lines.append(f"{step}- {first}: {draw(RAW_VALUES)}")
                    lines.append(f"{step}  {second}: {draw(RAW_VALUES)}")
        if draw(st.integers(0, 9)) == 0:
            extra = ["", "  ", "# comment", "  # x", " x", "---", "\t", "- y", "   z: 1"]
            lines.append(draw(st.sampled_from(extra)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hand_written())
@example(text="a: 1\nb:\n- x\n- y: 1\n  z: 2\nc: 3\n")
@example(text="a:\n  - b: 1\n    c:\n    - d\n  - e\n")
def test_hand_written_text_is_read_like_pyyaml(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab:- #'\"\n\\[]{}&*!|>?,~01.\t", max_size=40))
def test_any_text_is_read_like_pyyaml_or_refused(text: str) -> None:
    check(text)


# --- (c) explicit cases --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2]\n",  # flow sequence
        "a: {b: 1}\n",  # flow mapping
        "a: &x 1\nb: *x\n",  # anchor and alias
        "a: !!str 1\n",  # tag
        "a: !custom x\n",
        "a: |\n  text\n",  # literal block scalar
        "a: >\n  text\n",  # folded block scalar
        "a: 1\na: 2\n",  # duplicate key (PyYAML keeps the last silently)
        "a:\n\tb: 1\n",  # tab indentation
        "a: b\tc\n",  # any tab
        "? a\n: 1\n",  # complex key
        "---\na: 1\n",  # document marker
        "a: 1\n---\nb: 2\n",  # two documents
        "a: 1\n...\n",
        "a: multi\n  line\n",  # multi-line plain scalar
        'a: "multi\n  line"\n',  # multi-line quoted scalar
        "'a':1\n",  # no space after the colon
        "a #b: 1\n",  # a comment where the key should end
        "1: a\n",  # key that is not a string
        "yes: 1\n",
        "a: x: y\n",  # ': ' in a plain scalar
        "a: x:\n",
        "a: 0x1F\n",  # ints and floats PyYAML spells oddly
        "a: 017\n",
        "a: 1_000\n",
        "a: 1:20\n",
        "a: .inf\n",
        "a: .nan\n",
        "a: 2019-02-30\n",  # PyYAML raises ValueError
        "a: <<\n",
        "a: =\n",
        'a: "\\q"\n',  # unknown escape
        'a: "\\ud83d"\n',  # lone surrogate escape
        'a: "x"y\n',
        "- a\n- b\n",  # not a mapping
        "just text\n",
        "",
        "# only a comment\n",
        "a: 1\r\nb: 2\r\n",  # CR line breaks
        "a: x\x85y\n",  # NEL is a YAML line break
        "\ufeffa: 1\n",
        "a: \x07\n",
        "a:\n  value on the next line\n",
        "a:\n  b: 1\n c: 2\n",  # inconsistent indentation
    ],
)
def test_outside_the_subset_is_handed_to_pyyaml(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("False", False),
        ("yes", True),
        ("NO", False),
        ("on", True),
        ("Off", False),
        ("y", "y"),
        ("n", "n"),
        ("yEs", "yEs"),
        ("~", None),
        ("null", None),
        ("", None),
        ("0", 0),
        ("-0", 0),
        ("+12", 12),
        ("137", 137),
        ("09", "09"),
        ("0o17", "0o17"),  # YAML 1.1 has no 0o prefix
        ("1.5", 1.5),
        ("-2.", -2.0),
        (".5", 0.5),
        ("-.5", "-.5"),
        ("1e5", "1e5"),
        ("1.0e+5", 100000.0),
        ("2019-08-19", date(2019, 8, 19)),
        ("2019-08-19T21:00:10Z", datetime(2019, 8, 19, 21, 0, 10, tzinfo=UTC)),
        ("2019-08-19t21:00:10.5z", "2019-08-19t21:00:10.5z"),
        ("2019-08-19 21:00:10", datetime(2019, 8, 19, 21, 0, 10)),  # noqa: DTZ001 (PyYAML's naive)
        (
            "2019-8-9T1:02:03.1234567-05:30",
            datetime(2019, 8, 9, 1, 2, 3, 123456, timezone(-timedelta(hours=5, minutes=30))),
        ),
        (
            "2019-08-19T21:00:10 +02",
            datetime(2019, 8, 19, 21, 0, 10, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("microsoft.com", "microsoft.com"),
        ("C#", "C#"),
        ("a #comment", "a"),
        ("http://x.org/a#b", "http://x.org/a#b"),
        ("-x", "-x"),
        ("a, b [c] {d}", "a, b [c] {d}"),
        ('"yes"', "yes"),
        ("'137'", "137"),
        ('"say \\"hi\\" \\\\ \\/ \\t \\u00e9 \\x41 \\U0001F600"', 'say "hi" \\ / \t é A 😀'),
        ("'it''s'", "it's"),
        ('"x" # c', "x"),
        ("'' # empty", ""),
        ('"#not a comment"', "#not a comment"),
    ],
)
def test_scalars_are_typed_like_pyyaml(value: str, expected: Any) -> None:
    text = f"k: {value}\n"
    assert same(parse(text), {"k": expected})
    assert same(pyyaml(text), {"k": expected})


def test_front_matter_shape() -> None:
    text = (
        'title: "Power Apps | wave 2"\n'
        "publishedDateTime: 2019-08-19T21:00:10Z\n"
        "published: true\n"
        "quality: 137\n"
        "\n"
        "provider:\n"
        "  name: Microsoft\n"
        "  images:\n"
        '    - url: "https://x.org/a.jpg"\n'
        "      width: 50\n"
        "topics:\n"
        "  - Power Apps\n"
        "  - AI\n"
        "related:\n"
        "- title: x\n"
        "  empty:\n"
        "-\n"
        'secured: "a/b+c=="\n'
    )
    assert same(
        check(text),
        {
            "title": "Power Apps | wave 2",
            "publishedDateTime": datetime(2019, 8, 19, 21, 0, 10, tzinfo=UTC),
            "published": True,
            "quality": 137,
            "provider": {
                "name": "Microsoft",
                "images": [{"url": "https://x.org/a.jpg", "width": 50}],
            },
            "topics": ["Power Apps", "AI"],
            "related": [{"title": "x", "empty": None}, None],
            "secured": "a/b+c==",
        },
    )


@pytest.mark.parametrize(
    "text",
    ["'a': 1\n", '"a b": []\n', "a b: {}\n", "é:\n- x\n", "- not: a mapping\n", "a:b: c\n"],
)
def test_keys_and_empty_collections(text: str) -> None:
    assert check(text) is not None or not isinstance(pyyaml(text), dict)


def test_repeated_lines_give_fresh_containers() -> None:
    # Lines are cached by text: the collections built from them must never be shared.
    first = parse("a:\n  - b: 1\n")
    second = parse("a:\n  - b: 1\n")
    assert first == second
    assert first is not None and second is not None
    assert first["a"] is not second["a"] and first["a"][0] is not second["a"][0]
