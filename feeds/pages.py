"""Render stage: the subscribe pages (root ``index.html``, ``<slug>/index.html``); no I/O.

Static HTML5 with inline CSS and feed autodiscovery links; no JavaScript, no XSLT.
Record text is plain (escaped here); excerpts are HTML sanitized by ``validate`` and,
untrusted wherever they come from, again here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from .model import Image, Record, Site
from .opml import TreeNode, parent_tree
from .rendersafe import safe_html
from .sanitize import clean_text

FORMATS: dict[str, tuple[str, str]] = {
    "rss": ("RSS", "application/rss+xml"),
    "atom": ("Atom", "application/atom+xml"),
    "json": ("JSON Feed", "application/feed+json"),
}
"""Feed format → (label, media type for ``<link rel="alternate">``)."""

THUMB_WIDTH = 160
_SAFE_URL = re.compile(r"(?:https?://|[/#?.]|[^:/?#\s]*(?:[/?#]|$))", re.IGNORECASE)
"""http(s) URLs and relative references; not ``javascript:`` nor ``java<TAB>script:``."""
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""English month names: strftime("%B") would follow the machine's locale."""

CSS = """\
:root{color-scheme:light dark}
body{margin:0 auto;max-width:44rem;padding:1rem;line-height:1.5;color:#1b1b1b;background:#fff;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:#0b57d0}a:visited{color:#6b2fa0}
.meta,.count{color:#4a4a4a}
ul.formats{padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.5rem 1rem}
article{border-top:1px solid #ccc;padding:1rem 0;overflow:hidden}
article h3{margin:0 0 .25rem;font-size:1.15rem}
.thumb{float:right;margin:0 0 .5rem 1rem;max-width:40%;height:auto;object-fit:cover}
img{max-width:100%;height:auto}
@media (prefers-color-scheme:dark){body{color:#ececec;background:#161616}
a{color:#8ab4f8}a:visited{color:#c58af9}.meta,.count{color:#c4c4c4}article{border-color:#444}}
"""
"""Readable on a phone, system fonts, WCAG AA contrast (text ≥ 4.5:1) in both color schemes."""


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed file of a topic, as a subscribe link."""

    format: str
    """A key of :data:`FORMATS`: "rss", "atom" or "json"."""
    url: str


@dataclass(frozen=True, slots=True)
class TopicPage:
    """What the pages need to know about one topic (or, with ``topic=None``, the whole site)."""

    topic: str | None
    title: str
    description: str
    url: str
    """The topic's subscribe page (``<slug>/``); the site's home page for the site-wide feed."""
    feeds: tuple[FeedLink, ...]
    parent: str | None = None
    entries: int = 0
    newest: datetime | None = None
    """The newest entry's date; ``None`` for an empty feed."""
    archive_url: str | None = None
    """The first archive document (RFC 5005), when the topic keeps one."""


def _e(text: str) -> str:
    return escape(clean_text(text), quote=True)


def _href(url: str) -> str:
    # Validated URLs are http(s) already; any other scheme (javascript:) would be a script
    # vector in href or src, so it is replaced rather than trusted.
    url = clean_text(url).strip()
    return escape(url if _SAFE_URL.match(url) else "#", quote=True)


def _time(when: datetime) -> str:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} (dates must carry a time zone)")
    utc = when.astimezone(UTC)
    stamp = utc.isoformat().replace("+00:00", "Z")
    return f'<time datetime="{stamp}">{utc.day} {_MONTHS[utc.month - 1]} {utc.year}</time>'


def _alternates(feeds: Sequence[FeedLink], title: str) -> list[str]:
    lines = []
    for link in feeds:
        label, mime = FORMATS[link.format]
        lines.append(
            f'<link rel="alternate" type="{mime}" title="{_e(f"{title} ({label})")}"'
            f' href="{_href(link.url)}">'
        )
    return lines


def _document(site: Site, title: str, description: str, head: list[str], body: list[str]) -> bytes:
    lang = _e(site.language or "en")
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
    ]
    if description:
        lines.append(f'<meta name="description" content="{_e(description)}">')
    lines += [*head, f"<style>\n{CSS}</style>", "</head>", "<body>", *body, "</body>", "</html>"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _subscribe_list(feeds: Sequence[FeedLink], archive_url: str | None = None) -> str:
    items = [
        f'<li><a href="{_href(link.url)}" type="{FORMATS[link.format][1]}">'
        f"{FORMATS[link.format][0]}</a></li>"
        for link in feeds
    ]
    if archive_url:
        items.append(f'<li><a href="{_href(archive_url)}">Archive</a></li>')
    return f'<ul class="formats">{"".join(items)}</ul>'


def _summary(page: TopicPage) -> str:
    count = f"{page.entries} {'story' if page.entries == 1 else 'stories'}"
    newest = f", newest {_time(page.newest)}" if page.newest is not None else ""
    return f'<span class="count">{count}{newest}</span>'


def _tree(nodes: Sequence[TreeNode[TopicPage]], depth: int = 0) -> list[str]:
    lines = ["<ul>"]
    for node in nodes:
        parts = [
            f'<a href="{_href(p.url)}">{_e(p.title)}</a> {_summary(p)}' for p in node.items
        ] or [_e(node.name or "")]
        nested = "\n".join(_tree(node.children, depth + 1)) if node.children else ""
        lines.append(f"<li>{'; '.join(parts)}{nested}</li>")
    lines.append("</ul>")
    return lines


def render_index_page(
    site: Site, topics: Sequence[TopicPage], *, opml_url: str | None = None
) -> bytes:
    """The root ``index.html``: the site-wide feeds and every topic in its parent tree."""
    whole = next((t for t in topics if t.topic is None), None)
    head = _alternates(whole.feeds, site.title) if whole is not None else []
    if opml_url:
        head.append(
            f'<link rel="outline" type="text/x-opml" title="{_e(site.title)} (OPML)"'
            f' href="{_href(opml_url)}">'
        )
    body = ["<header>", f"<h1>{_e(site.title)}</h1>"]
    if site.description:
        body.append(f"<p>{_e(site.description)}</p>")
    body += ["</header>", "<main>"]
    if whole is not None:
        body += [
            '<section aria-labelledby="all">',
            '<h2 id="all">All stories</h2>',
            f"<p>{_summary(whole)}</p>",
            _subscribe_list(whole.feeds, whole.archive_url),
            "</section>",
        ]
    rest = [t for t in topics if t.topic is not None]
    body += ['<section aria-labelledby="topics">', '<h2 id="topics">Topics</h2>']
    if rest:
        body += _tree(parent_tree(rest, lambda t: t.topic, lambda t: t.parent))
    else:
        body.append("<p>No topics yet.</p>")
    body.append("</section>")
    if opml_url:
        body += [
            '<section aria-labelledby="everything">',
            '<h2 id="everything">Everything at once</h2>',
            f'<p><a href="{_href(opml_url)}" type="text/x-opml">OPML subscription list</a>:'
            " import it into your feed reader to follow every topic.</p>",
            "</section>",
        ]
    body.append("</main>")
    return _document(site, site.title, site.description, head, body)


def _thumbnail(image: Image, alt: str) -> str:
    width = THUMB_WIDTH
    if image.width and image.height:
        height = max(1, round(width * image.height / image.width))
    else:
        height = width * 9 // 16  # unknown size: CSS object-fit keeps the picture undistorted
    return (
        f'<img class="thumb" src="{_href(image.url)}" alt="{_e(alt)}"'
        f' width="{width}" height="{height}" loading="lazy">'
    )


def _entry(record: Record) -> list[str]:
    lines = ["<article>", f'<h3><a href="{_href(record.url)}">{_e(record.title)}</a></h3>']
    meta = [_e(record.provider.name)] if record.provider else []
    meta.append(_time(record.published_at))
    lines.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if record.images:
        lines.append(_thumbnail(record.images[0], record.title))
    # Sanitized again, not trusted: records from the parse cache are untrusted input too.
    excerpt = safe_html(record.excerpt) if record.excerpt else None
    if excerpt:
        lines.append(f'<div class="excerpt">{clean_text(excerpt)}</div>')
    lines.append("</article>")
    return lines


def render_topic_page(site: Site, topic: TopicPage, records: Sequence[Record]) -> bytes:
    """A topic's ``index.html``: subscribe links per format and its latest entries."""
    head = _alternates(topic.feeds, topic.title)
    body = [
        f'<nav><a href="{_href(site.url)}">{_e(site.title)}</a></nav>',
        "<header>",
        f"<h1>{_e(topic.title)}</h1>",
    ]
    if topic.description:
        body.append(f"<p>{_e(topic.description)}</p>")
    body += [
        "</header>",
        "<main>",
        '<section aria-labelledby="subscribe">',
        '<h2 id="subscribe">Subscribe</h2>',
        "<p>Copy a link into your feed reader:</p>",
        _subscribe_list(topic.feeds, topic.archive_url),
        "</section>",
        '<section aria-labelledby="latest">',
        '<h2 id="latest">Latest stories</h2>',
    ]
    if records:
        for record in records:
            body += _entry(record)
    else:
        body.append("<p>No stories yet.</p>")
    body += ["</section>", "</main>"]
    return _document(site, topic.title, topic.description, head, body)
