"""Unit tests for feeds.records.sanitize: XML-safe text, allow-listed HTML, Markdown bodies."""

from __future__ import annotations

import pytest

from feeds.records.sanitize import clean_text, render_markdown, sanitize_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("tab\tnew\nline\rcr", "tab\tnew\nline\rcr"),
        ("nul\x00bell\x07esc\x1bvt\x0bff\x0c", "nulbellescvtff"),
        ("non\ufffechar\uffff", "nonchar"),
        ("lone\ud800high\udfffsurrogates", "lonehighsurrogates"),
        ("emoji 🚀 and 👩‍💻", "emoji 🚀 and 👩‍💻"),
        ("שלום עולם · مرحبا بالعالم", "שלום עולם · مرحبا بالعالم"),
        ("c1 \x85 and nbsp \u00a0 kept", "c1 \x85 and nbsp \u00a0 kept"),
        ("", ""),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ("<style>p { color: red }</style><p>hi</p>", "<p>hi</p>"),
        ('<iframe src="https://evil.example/">inner</iframe>after', "after"),
        ('<p onclick="steal()" style="x">hi</p>', "<p>hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
        ('<img src="data:image/png;base64,AAAA" alt="a">', '<img alt="a">'),
        ("<form><input value=x>text</form>", "text"),
        ("<div><unknown>kept text</unknown></div>", "kept text"),
        ("<!-- a comment --><p>hi</p>", "<p>hi</p>"),
    ],
)
def test_sanitize_html_removes_unsafe_markup(fragment: str, expected: str) -> None:
    assert sanitize_html(fragment) == expected


@pytest.mark.parametrize(
    "fragment",
    [
        '<p>A <a href="https://example.com/x" title="t">link</a> and '
        '<a href="mailto:a@b.c">mail</a></p>',
        "<p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><s>s</s><small>m</small></p>",
        "<ul><li>one</li></ul><ol><li>two</li></ol><dl><dt>t</dt><dd>d</dd></dl>",
        "<blockquote><p>q</p></blockquote><pre><code>x = 1</code></pre>",
        "<h1>1</h1><h2>2</h2><h3>3</h3><h4>4</h4><h5>5</h5><h6>6</h6>",
        '<figure><img src="https://i.example/a.jpg" alt="a" width="10" height="20" title="t">'
        "<figcaption>c</figcaption></figure>",
        "<table><caption>c</caption><thead><tr><th>h</th></tr></thead>"
        '<tbody><tr><td colspan="2">d</td></tr></tbody></table>',
        '<p><span>s</span><sub>2</sub><sup>3</sup><abbr title="x">X</abbr>'
        "<cite>c</cite><q>q</q></p>",
        "<p>a<br>b</p><hr>",
    ],
)
def test_sanitize_html_keeps_allowed_markup(fragment: str) -> None:
    assert sanitize_html(fragment) == fragment


def test_sanitize_html_adds_no_rel() -> None:
    assert (
        sanitize_html('<a href="https://x.example/">x</a>') == '<a href="https://x.example/">x</a>'
    )


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>It&#8217;s here</p>", "<p>It\u2019s here</p>"),
        ("<p>a&nbsp;b</p>", "<p>a\u00a0b</p>"),
        ("<p>&eacute;t&eacute; &mdash; &hellip;</p>", "<p>été — …</p>"),
        ("<p>&#x1F680;</p>", "<p>🚀</p>"),
        ('<p title="a&nbsp;b">x</p>', '<p title="a\u00a0b">x</p>'),
        # Markup-significant characters stay escaped; a literal "&nbsp;" stays literal.
        ("<p>a &amp; b &lt;c&gt;</p>", "<p>a &amp; b &lt;c&gt;</p>"),
        ("<p>&amp;nbsp;</p>", "<p>&amp;nbsp;</p>"),
    ],
)
def test_sanitize_html_decodes_entities(fragment: str, expected: str) -> None:
    assert sanitize_html(fragment) == expected


def test_sanitize_html_removes_control_characters_and_surrogates() -> None:
    assert sanitize_html("<p>a\x00b\x1fc\ud83dd\ufffe</p>") == "<p>abcd</p>"


@pytest.mark.parametrize("fragment", ["", "   ", "\n\t", "<script>x</script>", "<!-- -->"])
def test_sanitize_html_blank(fragment: str) -> None:
    assert sanitize_html(fragment) == ""


def test_render_markdown_headings_links_lists() -> None:
    html = render_markdown("# Title\n\nSee [the site](https://example.com/) now.\n\n- one\n- two\n")
    assert html is not None
    assert "<h1>Title</h1>" in html
    assert '<a href="https://example.com/">the site</a>' in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html


def test_render_markdown_sanitizes_raw_html() -> None:
    html = render_markdown(
        "Hello <b>there</b>\n\n<script>alert(1)</script>\n\n"
        '<a href="javascript:alert(2)" onclick="x()">raw</a> [md](javascript:alert(3)) \x07'
    )
    assert html is not None
    assert "<b>there</b>" in html
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "<a>raw</a>" in html
    # markdown-it refuses the javascript: link itself and leaves the text as written.
    assert "href" not in html
    assert "onclick" not in html
    assert "\x07" not in html


def test_render_markdown_keeps_unicode() -> None:
    assert render_markdown("שלום 🚀 It&#8217;s") == "<p>שלום 🚀 It\u2019s</p>\n"


@pytest.mark.parametrize("body", ["", " ", "\n\n\t  \n"])
def test_render_markdown_blank_is_none(body: str) -> None:
    assert render_markdown(body) is None


SITE = "https://news.example.com"
BASE = f"{SITE}/2026/story.html?id=1"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="/about">a</a>', f'<a href="{SITE}/about">a</a>'),
        ('<a href="notes/1">a</a>', f'<a href="{SITE}/2026/notes/1">a</a>'),
        ('<a href="../up">a</a>', f'<a href="{SITE}/up">a</a>'),
        ('<a href="#part">a</a>', f'<a href="{BASE}#part">a</a>'),
        ('<a href="?page=2">a</a>', f'<a href="{SITE}/2026/story.html?page=2">a</a>'),
        ('<img src="img/a.png" alt="a">', f'<img src="{SITE}/2026/img/a.png" alt="a">'),
        ('<a href="//cdn.example.org/x">a</a>', '<a href="https://cdn.example.org/x">a</a>'),
        ('<a href=" /padded ">a</a>', f'<a href="{SITE}/padded">a</a>'),
        ('<a title="/t" href="x">a</a>', f'<a title="/t" href="{SITE}/2026/x">a</a>'),
        # Absolute links are left as they are; other schemes are still dropped.
        ('<a href="http://other.example/">a</a>', '<a href="http://other.example/">a</a>'),
        ('<a href="mailto:desk@news.example">a</a>', '<a href="mailto:desk@news.example">a</a>'),
        ('<a href="javascript:alert(1)">a</a>', "<a>a</a>"),
        ('<a href="ftp://files.example/">a</a>', "<a>a</a>"),
        ('<a href="http://[::1">a</a>', "<a>a</a>"),
    ],
)
def test_sanitize_html_makes_links_absolute_against_the_base(fragment: str, expected: str) -> None:
    assert sanitize_html(fragment, BASE) == expected


def test_render_markdown_makes_links_absolute_against_the_base() -> None:
    html = render_markdown("[notes](notes/1) ![pic](/p.png)", BASE)
    assert html == (
        '<p><a href="https://news.example.com/2026/notes/1">notes</a> '
        '<img src="https://news.example.com/p.png" alt="pic"></p>\n'
    )


def test_sanitize_html_resolves_each_fragment_against_its_own_base_only() -> None:
    # The configured sanitizer is shared by every call: a base must not outlive its call.
    fragment = '<a href="story">x</a>'
    assert sanitize_html(fragment, "https://a.example/news/") == (
        '<a href="https://a.example/news/story">x</a>'
    )
    assert (
        sanitize_html(fragment, "https://b.example/") == '<a href="https://b.example/story">x</a>'
    )
    assert sanitize_html(fragment) == '<a href="story">x</a>'
    assert sanitize_html('<a href="/p">x</a>', "mailto:someone@example.com") == "<a>x</a>"
