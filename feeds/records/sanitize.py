"""Validate stage helpers: make third-party text and HTML safe to put in a feed; no I/O.

Excerpts are sanitized with nh3 (Rust's ammonia), Markdown bodies rendered with markdown-it-py.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING

import nh3

from ..core.urls import page_link

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# XML 1.0 `Char` allows #x9 #xA #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF. In a
# Python str every surrogate code point is a lone one (real pairs decode to one character).
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "a", "b", "strong", "i", "em", "u", "s", "small", "sub", "sup",
        "span", "abbr", "cite", "q", "code", "pre", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "img", "figure", "figcaption",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
"""Markup an entry may keep; everything else is unwrapped to its text."""

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "width", "height", "title"}),
    "abbr": frozenset({"title"}),
    "th": frozenset({"colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}
"""Attributes kept per tag; nh3 also drops every event handler (``onclick``…) and ``style``."""

URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
"""No javascript: or data: (nh3 drops an href/src whose scheme is not listed)."""

# Unlike other unknown tags these are dropped with their content: their text is code or a
# frame, never prose a reader should see.
_DROP_WITH_CONTENT: frozenset[str] = frozenset({"script", "style", "iframe"})


@cache
def _markdown() -> MarkdownIt:
    # Built on first use: markdown-it costs 30 ms to import, and a cron run with nothing
    # new renders no body. "commonmark" keeps raw HTML; sanitize_html runs on the result.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True})


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids; keep everything else (emoji, RTL, C1)."""
    return _NOT_XML_CHAR.sub("", text)


def _resolve(tag: str, attribute: str, value: str) -> str | None:
    """The nh3 attribute filter: make each ``href``/``src`` absolute against the base URL
    of the fragment being sanitized (``_BASE_URL``).

    nh3 has already dropped URLs with a scheme outside ``URL_SCHEMES`` when it calls the
    filter; what still is not http(s) or mailto once joined (a base that is no URL) goes.
    """
    if attribute not in ("href", "src"):
        return value
    return page_link(_BASE_URL.get(), value)


_BASE_URL: ContextVar[str] = ContextVar("_BASE_URL")
"""The page the fragment ``sanitize_html`` works on comes from, read by ``_resolve``."""


@cache
def _cleaner(resolving: bool) -> nh3.Cleaner:
    # One configured sanitizer a process (nh3.clean builds one per call: 25 against 10 µs
    # for a typical excerpt), resolving links against ``_BASE_URL`` or leaving them as given.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # No rel is added: `target` is never kept, so there is no opener to protect, and
        # the output stays a plain function of the input.
        link_rel=None,
        attribute_filter=_resolve if resolving else None,
    )


def sanitize_html(fragment: str, base_url: str | None = None) -> str:
    """Reduce an HTML fragment to the allow-list; ``""`` when nothing is left.

    With ``base_url`` (the page the fragment comes from) relative links and image sources
    are made absolute: a feed reader has no base to resolve them against (the W3C feed
    validator's ``ContainsRelRef``).
    """
    if not fragment.strip():
        return ""
    # Before nh3 too: it cannot encode lone surrogates and raises on them.
    text = clean_text(fragment)
    if base_url:
        token = _BASE_URL.set(base_url)
        try:
            cleaned = _cleaner(True).clean(text)
        finally:
            _BASE_URL.reset(token)
    else:
        cleaned = _cleaner(False).clean(text)
    # html5ever serializes U+00A0 back as "&nbsp;", an entity XML does not define; give the
    # character back. (A literal "&nbsp;" in the text comes out as "&amp;nbsp;", untouched.)
    cleaned = clean_text(cleaned.replace("&nbsp;", "\u00a0"))
    return cleaned if cleaned.strip() else ""


def render_markdown(body: str, base_url: str | None = None) -> str | None:
    """Render a Markdown body to sanitized HTML, links absolute against ``base_url``;
    ``None`` when it is blank."""
    if not body.strip():
        return None
    return sanitize_html(_markdown().render(clean_text(body)), base_url) or None


# RSS elements holding plain text, never HTML (the W3C feed validator's "nonhtml"): the
# channel's description is one too, an item's is HTML.
_PLAIN_RSS = re.compile(
    rb"(<(title|category|dc:creator|source|media:title)(?: [^>]*)?>)([^<]*)(?=</\2>)"
)
_PLAIN_CHANNEL = re.compile(rb"(<(description)>)([^<]*)(?=</description>)")
_HEX_REFERENCES = {b"&amp;": b"&#x26;", b"&lt;": b"&#x3C;", b"&gt;": b"&#x3E;"}
_NAMED = re.compile(rb"&(?:amp|lt|gt);")


def _hex(match: re.Match[bytes]) -> bytes:
    text = match[3]
    if b"&" in text:
        text = _NAMED.sub(lambda named: _HEX_REFERENCES[named[0]], text)
    return match[1] + text


def hex_references(rss: bytes) -> bytes:
    """An RSS document with "&", "<" and ">" in its plain-text elements written as
    ``&#x26;``, ``&#x3C;`` and ``&#x3E;``: the form that works in the most aggregators
    (RSS Best Practices Profile, "Character Data"; the W3C feed validator's
    ``CharacterData`` warning). The text read back is the same."""
    head, item, rest = rss.partition(b"<item>")
    head = _PLAIN_CHANNEL.sub(_hex, head, count=1)
    return _PLAIN_RSS.sub(_hex, head) + item + _PLAIN_RSS.sub(_hex, rest)
