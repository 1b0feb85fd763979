"""Render stage: an entry's HTML (summary, full content, related list), the same in RSS,
Atom and JSON Feed; no I/O."""

from __future__ import annotations

from html import escape

from ..core.model import Record
from ..records.sanitize import clean_text
from ..records.video import video_html


def related_html(record: Record) -> str | None:
    """The "Related coverage" list closing an entry's content; ``None`` without related items."""
    if not record.related:
        return None
    items = []
    for item in record.related:
        link = f'<a href="{escape(item.url)}">{escape(item.title)}</a>'
        by = f" — {escape(item.provider.name)}" if item.provider else ""
        items.append(f"<li>{link}{by}</li>")
    return f"<h3>Related coverage</h3><ul>{''.join(items)}</ul>"


def content_html(record: Record) -> str | None:
    """The entry's full content: the story's text (its body, else its excerpt), then a link
    to its video, then the related list; ``None`` when it would hold no more than the
    excerpt, which is the summary already. A featured player is never embedded (see
    ``video``).

    The text comes first and is never left out: readers that show content over summary
    (newsboat) would otherwise show a video link or a list of links and no story.
    """
    video = video_html(record.video, record.title) if record.video else None
    related = related_html(record)
    if not (record.body_html or video or related):
        return None
    parts = [part for part in (record.body_html or record.excerpt, video, related) if part]
    return clean_text("\n".join(parts))


def summary_html(record: Record) -> str:
    """The entry's summary: its excerpt, or its title (escaped) when it has none, so that
    no entry is without text (the W3C feed validator's ``MissingTextualContent``)."""
    if record.excerpt:
        return clean_text(record.excerpt)
    return escape(clean_text(record.title), quote=False)
