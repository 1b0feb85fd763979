"""Render-time sanitizing: the plain-text shortcut gives exactly what the sanitizer gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeds.records.sanitize import sanitize_html
from feeds.render.safe import safe_html


@settings(max_examples=500)
@given(st.text())
@example("plain words, no markup")
@example("  spaced  ")
@example("a\r\nb")  # HTML parsing turns CR LF into LF
@example("no\xa0break")
@example("x &amp; y")
@example("<script>alert(1)</script>text")
@example("\x85")  # whitespace to str.strip, text to the sanitizer
def test_safe_html_equals_the_sanitizer(fragment: str) -> None:
    assert safe_html(fragment) == (sanitize_html(fragment) or None)
