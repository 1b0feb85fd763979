"""Validate stage: a RawRecord → a Record, or a RecordError saying which field and why; no I/O.

Each field is checked and converted in ``fields``; here they are assembled into a record.
Messages read "what is wrong (found 'value'); what to do". Required fields are strict;
optional ones are tolerated when missing or null, and parts that cannot be shown safely
(an image or related link without an http(s) URL) are dropped rather than rejected.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from ..core.errors import RecordError
from ..core.location import SourceLocation
from ..core.media import Video
from ..core.model import Record, Story
from ..core.urls import canonical_url
from .dates import date_field, required_date
from .fields import (
    checked_html,
    images_field,
    number_field,
    provider_field,
    published_field,
    related_field,
    text_field,
    title_field,
    topics_field,
    url_field,
)
from .raw import Invalid, RawRecord
from .sanitize import render_markdown
from .video import video_of


@overload
def validate_record(
    raw: RawRecord, *, light: Literal[False] = False, related: bool = True
) -> Record: ...
@overload
def validate_record(raw: RawRecord, *, light: bool, related: bool = True) -> Story: ...
def validate_record(raw: RawRecord, *, light: bool = False, related: bool = True) -> Story:
    """Check and convert one record; raises RecordError naming the file, line and field.

    ``light`` checks every field the same way but gives a ``Story``: it leaves out what
    selection never needs (the title and link, the sanitized excerpts, the Markdown body,
    images and the video): a build completes only the records that reach a feed
    (``reading.complete``), and a site of a million records holds a million light ones.
    A story also leaves out its related items unless ``related`` (a feed uses
    ``related: entries``).
    """
    try:
        return _record(raw, light, related)
    except Invalid as problem:
        location = SourceLocation(raw.source.path, raw.line_of(problem.field))
        raise RecordError(problem.message, location, problem.field) from None


def _record(raw: RawRecord, light: bool, keep_related: bool = True) -> Story:
    data = raw.data
    title = title_field(data.get("title"))
    published_at = required_date(data, "publishedDateTime")
    updated_at = date_field(data.get("updatedDateTime"), "updatedDateTime")
    web = data.get("webUrl")
    original = data.get("originalUrl")
    url = url_field(web, "webUrl") if web is not None else None
    original_url = url_field(original, "originalUrl") if original is not None else None
    if url is None:
        url = original_url
    if url is None:
        raise Invalid("webUrl", "missing; give the record a webUrl or an originalUrl")
    # Fields in the order they are checked: the first problem is the one reported.
    # Links in the excerpt and body are made absolute against the record's own URL.
    excerpt = checked_html(data.get("excerpt"), "excerpt", light, url)
    topics = topics_field(data.get("topics"))
    is_published = published_field(data.get("published", True))
    provider = provider_field(data.get("provider"), "provider")
    related = related_field(data.get("related"), light, keep_related)
    category = text_field(data.get("category"), "category")
    kind = text_field(data.get("type"), "type")
    quality = number_field(data.get("quality"), "quality")
    heat = number_field(data.get("heat"), "heat")
    canonical = canonical_url(original_url or url)
    if light:
        # Checked all the same; the title, link, HTML, images and video are left out
        # (see validate_record).
        return Story(
            raw.source, canonical, published_at, updated_at, topics, is_published,
            provider, related, category, kind, quality, heat,
        )  # fmt: skip
    return Record(
        raw.source, canonical, published_at, updated_at, topics, is_published,
        provider, related, category, kind, quality, heat,
        title=title,
        url=url,
        excerpt=excerpt,
        body_html=render_markdown(raw.body, url),
        # Images and the video never reject a record and selection needs neither.
        images=images_field(data.get("images")),
        video=_video(data.get("featuredContent"), url),
    )  # fmt: skip


def _video(featured: Any, url: str) -> Video | None:
    """The YouTube or Vimeo player a record features (its embed, else its own URL); any
    other ``featuredContent`` is ignored: it never reaches a feed as markup."""
    return video_of(featured if isinstance(featured, str) else None, url)
