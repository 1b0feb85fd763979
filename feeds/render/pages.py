"""Render stage: the subscribe pages (root ``index.html``, ``<slug>/index.html``); no I/O.

Static HTML5 with inline CSS and feed autodiscovery links; no JavaScript, no XSLT.
Record text is plain (escaped here); excerpts are HTML sanitized by ``validate`` and,
untrusted wherever they come from, again here.

These pages are the human entry point: a feed file opened in a browser shows its code,
and no stylesheet is attached to the feeds (browsers are removing XSLT: Chrome disables
it by default from 2026). So the pages offer feed addresses as fields to copy, a
``feed:`` link for an installed reader app and the OPML list, never a link that opens
a feed file in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from ..core.errors import plural
from ..core.formats import BY_KEY, OPML_MEDIA_TYPE
from ..core.model import Image, Record
from ..core.settings import Site
from ..records.sanitize import clean_text
from .opml import TreeNode, parent_tree

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
ol.steps{padding-left:1.25rem}
.feeds label{display:block;font-weight:600;margin-top:.5rem}
.feeds input{box-sizing:border-box;width:100%;padding:.35rem .5rem;font:inherit;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
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
    """A key of ``core.formats.BY_KEY``: "rss", "atom" or "json"."""
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
        fmt = BY_KEY[link.format]
        lines.append(
            f'<link rel="alternate" type="{fmt.media_type}" title="{_e(f"{title} ({fmt.label})")}"'
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


def _reader_link(url: str) -> str | None:
    """``feed:https://…``: opens an installed reader app (NetNewsWire, Reeder, Akregator…)."""
    url = clean_text(url).strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return escape("feed:" + url, quote=True)


def _how_to_subscribe(
    feeds: Sequence[FeedLink], archive_url: str | None, opml_url: str | None, what: str
) -> list[str]:
    """Steps a person can follow: copy an address, open it in a reader app, import the OPML."""
    lines = [
        '<section aria-labelledby="subscribe">',
        '<h2 id="subscribe">How to subscribe</h2>',
        "<p>A feed reader (an app, or a site such as Feedly or Inoreader) shows each new"
        " story as it is published, without email or an account here. The addresses"
        f" below follow {_e(what)}.</p>",
        '<ol class="steps">',
        "<li>Copy an address below (select it, then copy) and paste it where your reader"
        " says &#8220;Add feed&#8221; or &#8220;Subscribe&#8221;. RSS suits most readers.</li>",
    ]
    opener = _reader_link(feeds[0].url) if feeds else None
    if opener:
        lines.append(
            f'<li>Or <a href="{opener}">open it in your feed reader app</a>'
            " (works where an installed reader handles feed links).</li>"
        )
    if opml_url:
        lines.append(
            f'<li>Or import the <a href="{_href(opml_url)}" type="{OPML_MEDIA_TYPE}">OPML'
            " subscription list</a> (your reader&#8217;s &#8220;Import&#8221; or"
            " &#8220;OPML&#8221; menu) to add this site&#8217;s feeds in one step.</li>"
        )
    lines += ["</ol>", '<div class="feeds">']
    fields = [(BY_KEY[link.format].label, link.url, link.format) for link in feeds]
    if archive_url:
        fields.append(("Archive of older stories", archive_url, "archive"))
    for label, url, key in fields:
        lines += [
            f'<label for="feed-{key}">{_e(label)}</label>',
            f'<input id="feed-{key}" type="text" readonly value="{_e(url)}"'
            ' spellcheck="false" autocomplete="off">',
        ]
    lines += [
        "</div>",
        '<p class="meta">Opened in a browser, a feed address shows code rather than a'
        " page: that code is what your reader reads.</p>",
        "</section>",
    ]
    return lines


def _summary(page: TopicPage) -> str:
    count = plural(page.entries, "story", "stories")
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
            f'<link rel="outline" type="{OPML_MEDIA_TYPE}" title="{_e(site.title)} (OPML)"'
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
            f"<p>Every topic&#8217;s stories in one feed: {_summary(whole)}.</p>",
            "</section>",
            *_how_to_subscribe(whole.feeds, whole.archive_url, opml_url, "all stories"),
        ]
    rest = [t for t in topics if t.topic is not None]
    body += ['<section aria-labelledby="topics">', '<h2 id="topics">Topics</h2>']
    if rest:
        body += _tree(parent_tree(rest, lambda t: t.topic, lambda t: t.parent))
    else:
        body.append("<p>No topics yet.</p>")
    body += ["</section>", "</main>"]
    return _document(site, site.title, site.description, head, body)


def _thumbnail(image: Image) -> str:
    # alt="": the picture illustrates the linked title beside it (decorative, WAI images
    # tutorial); repeating the title made screen readers say it twice.
    width = THUMB_WIDTH
    if image.width and image.height:
        height = max(1, round(width * image.height / image.width))
    else:
        height = width * 9 // 16  # unknown size: CSS object-fit keeps the picture undistorted
    return (
        f'<img class="thumb" src="{_href(image.url)}" alt=""'
        f' width="{width}" height="{height}" loading="lazy">'
    )


def _entry(record: Record) -> list[str]:
    lines = ["<article>", f'<h3><a href="{_href(record.url)}">{_e(record.title)}</a></h3>']
    meta = [_e(record.provider.name)] if record.provider else []
    meta.append(_time(record.published_at))
    lines.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if record.images:
        lines.append(_thumbnail(record.images[0]))
    if record.excerpt:  # sanitized again where the page's records are chosen (``sitepages``)
        lines.append(f'<div class="excerpt">{record.excerpt}</div>')
    lines.append("</article>")
    return lines


def render_topic_page(
    site: Site, topic: TopicPage, records: Sequence[Record], *, opml_url: str | None = None
) -> bytes:
    """A topic's ``index.html``: how to subscribe (each format's address) and its latest
    entries."""
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
        *_how_to_subscribe(topic.feeds, topic.archive_url, opml_url, topic.title),
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
