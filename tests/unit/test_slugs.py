"""Topic names → slugs, and the key topic names are compared by (feeds/core/slugs.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.core.slugs import MAX_SLUG_LENGTH, is_valid_slug, slugify, topic_key

HASHED = re.compile(r"^topic-[0-9a-f]{8}$")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Open Source", "open-source"),
        ("Café", "cafe"),
        ("Ärger über Öl", "arger-uber-ol"),
        ("C++", "c-plus-plus"),
        ("C#", "c-sharp"),
        ("R&D", "r-and-d"),
        ("C/C++", "c-c-plus-plus"),
        ("@home", "at-home"),
        ("  Power   Apps  ", "power-apps"),
        ("Power_Apps!", "power-apps"),
        ("2024 Elections", "2024-elections"),
        ("../../x", "x"),
    ],
)
def test_slugify_examples(name: str, expected: str) -> None:
    assert slugify(name) == expected
    assert is_valid_slug(expected)


def test_symbols_keep_c_and_cpp_apart() -> None:
    assert len({slugify("C"), slugify("C++"), slugify("C#")}) == 3


@pytest.mark.parametrize("name", ["../../x", "../..", "..", "/etc/passwd", "a/../b", "a\\b"])
def test_slug_is_never_a_path(name: str) -> None:
    slug = slugify(name)
    assert "." not in slug
    assert "/" not in slug
    assert "\\" not in slug
    assert is_valid_slug(slug)


@pytest.mark.parametrize("name", ["🎉", "🚀", "🎉🎉", "..", "---", "ß", "日本"])
def test_names_without_letters_or_digits_get_a_hashed_slug(name: str) -> None:
    slug = slugify(name)
    assert HASHED.match(slug), slug
    assert is_valid_slug(slug)
    assert slugify(name) == slug  # stable


def test_hashed_slugs_differ_for_different_emoji() -> None:
    slugs = {slugify(name) for name in ["🎉", "🚀", "🎉🎉", "🐍", "❤️"]}
    assert len(slugs) == 5


def test_hashed_slug_follows_the_topic_key() -> None:
    # Names that compare equal as topics get the same folder.
    assert slugify("  🎉  🚀 ") == slugify("🎉 🚀")


def test_hashed_slug_is_a_fixed_value() -> None:
    # The folder name must not change between runs or Python versions (no hash()).
    assert slugify("🎉") == "topic-c20dbb2b"


def test_long_names_are_truncated() -> None:
    slug = slugify("x" * 100)
    assert slug == "x" * MAX_SLUG_LENGTH


def test_truncation_leaves_no_trailing_hyphen() -> None:
    # "ab-ab-…" cut at 60 characters would end in "-".
    slug = slugify("ab " * 40)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert not slug.endswith("-")
    assert slug == "-".join(["ab"] * 20)
    assert is_valid_slug(slug)


@pytest.mark.parametrize("length", [MAX_SLUG_LENGTH - 1, MAX_SLUG_LENGTH, MAX_SLUG_LENGTH + 1])
def test_truncation_boundary(length: int) -> None:
    slug = slugify("a" * length)
    assert slug == "a" * min(length, MAX_SLUG_LENGTH)


@pytest.mark.parametrize(
    ("slug", "valid"),
    [
        ("open-source", True),
        ("a", True),
        ("a1-b2", True),
        ("", False),
        ("-a", False),
        ("a-", False),
        ("a--b", False),
        ("A", False),
        ("a_b", False),
        ("a.b", False),
        ("a/b", False),
        ("..", False),
        ("a" * MAX_SLUG_LENGTH, True),
        ("a" * (MAX_SLUG_LENGTH + 1), False),
    ],
)
def test_is_valid_slug(slug: str, valid: bool) -> None:
    assert is_valid_slug(slug) is valid


@given(st.text())
def test_every_slug_is_valid(name: str) -> None:
    assert is_valid_slug(slugify(name))


@given(st.text())
def test_slugify_is_deterministic(name: str) -> None:
    assert slugify(name) == slugify(name)


@given(st.text())
def test_valid_slugs_are_fixed_points(name: str) -> None:
    slug = slugify(name)
    if not HASHED.match(slug):
        assert slugify(slug) == slug


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("  Power   apps ", "power apps"),
        ("Power Apps", "power apps"),
        ("POWER\tAPPS\n", "power apps"),
        ("Straße", "strasse"),
    ],
)
def test_topic_key_folds_case_and_white_space(a: str, b: str) -> None:
    assert topic_key(a) == topic_key(b)


def test_topic_key_value() -> None:
    assert topic_key("  Power   apps ") == "power apps"
    assert topic_key("   ") == ""


def test_topic_key_keeps_distinct_words_distinct() -> None:
    assert topic_key("power apps") != topic_key("powerapps")


@given(st.text())
def test_topic_key_is_idempotent(name: str) -> None:
    key = topic_key(name)
    assert topic_key(key) == key
    assert key == key.strip()
    assert "  " not in key
