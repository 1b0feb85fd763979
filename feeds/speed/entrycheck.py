"""Check a cached file's outcome, as the plain tuples ``codec`` stores, before it becomes
records: the parse cache on disk is untrusted input; no I/O.

Every value must have the type validation gives it and every link of a complete record
must be one validation lets through; anything else raises ValueError naming the field,
and the cache reads the file again. What a type cannot tell (markup in an excerpt, a
story's canonical URL) is made safe where it is drawn (``rendersafe``).
"""

from __future__ import annotations

from typing import Any

from ..core.errors import TERMINAL_CONTROL
from ..core.urls import is_host_name, url_problem

_RECORD_FIELDS = 19
"""Items of a plain record (``codec._record``)."""
_VIDEO_PROVIDERS = frozenset({"youtube", "vimeo"})


def check_plain(records: Any, rejected: Any) -> None:
    """Raise ValueError unless ``records`` and ``rejected`` are what ``codec`` stores for
    validated records and rejections."""
    if type(records) is not list or type(rejected) is not list:
        raise ValueError("not an entry of this cache")
    for plain in records:
        if type(plain) is not tuple or len(plain) != _RECORD_FIELDS:
            raise _fail("record", plain)
        # Most records cost three set lookups: the types of their fields, their topic list
        # and their provider were seen before (checked once per run and value, inline: a
        # function call a record is a tenth of the check).
        if tuple(map(type, plain)) not in _GOOD_SHAPES:
            _check_types(plain)
            _GOOD_SHAPES.add(tuple(map(type, plain)))
        try:
            seen = plain[9] in _GOOD_TOPICS and plain[11] in _GOOD_PROVIDERS
        except TypeError:  # unhashable: ``_known`` says which
            seen = False
        if not seen:
            _known(plain[9], "topics", _GOOD_TOPICS, _strings)
            _known(plain[11], "provider", _GOOD_PROVIDERS, _provider)
        if plain[2] or plain[3]:  # a title or a link: a complete record, drawn in a feed
            _check_complete(plain)
        elif plain[7] is not None or plain[8] is not None:
            raise ValueError("HTML in a light record in the cache")
        # A light record's canonical URL only tells stories apart (render time checks
        # every link drawn): its type is enough, and parsing 100,000 URLs would cost as
        # much as a run with nothing to do.
        if plain[12]:
            _check_images(plain[12])
        if plain[13]:
            _check_related(plain[13])
        if plain[18] is not None:
            _check_video(plain[18])
    for item in rejected:
        _check_rejection(item)


def _fail(field: str, value: Any) -> ValueError:
    return ValueError(f"{field}: unexpected {type(value).__name__} in the cache")


_GOOD_SHAPES: set[tuple[type, ...]] = set()
"""The types, field by field, of records already checked: a site's records come in a
few such shapes, so most records are type-checked by one set lookup."""
_GOOD_TOPICS: set[Any] = set()
"""Topic lists already checked: a site has few, shared by many records."""
_GOOD_PROVIDERS: set[Any] = set()
"""Providers already checked, as for topics. (Kept apart from the topic lists: as pairs,
a 20,000-record site had 8,000 different ones, so most records were checked in full.)"""
_KNOWN_LIMIT = 65536


def _known(value: Any, field: str, good: set[Any], check: Any) -> None:
    """``check(value, field)`` unless ``value`` is in ``good``, the values it passed."""
    try:
        if value in good:
            return
    except TypeError:  # unhashable: a list where a tuple belongs
        raise _fail(field, value) from None
    check(value, field)
    if len(good) < _KNOWN_LIMIT:
        good.add(value)


def _check_complete(plain: tuple[Any, ...]) -> None:
    """A complete record's links and HTML."""
    _link(plain[3], "url")
    _link(plain[4], "canonical url")
    _html(plain[7], "excerpt")
    _html(plain[8], "body")


def _check_types(plain: tuple[Any, ...]) -> None:
    """The type of each of a record's fields (their contents are checked apart)."""
    path, line, title, _, _, published, updated, _, _, _, is_published, *rest = plain
    _, images, related, category, kind, quality, heat, _ = rest
    _optional(path, str, "path")
    _optional(line, int, "line")
    _typed(title, str, "title")
    _typed(plain[4], str, "canonical url")
    _typed(published, int, "publishedDateTime")
    _optional(updated, int, "updatedDateTime")
    _typed(is_published, bool, "published")
    _typed(images, tuple, "images")
    _typed(related, tuple, "related")
    _optional(category, str, "category")
    _optional(kind, str, "type")
    for value, field in ((quality, "quality"), (heat, "heat")):
        if value is not None and type(value) not in (int, float):
            raise _fail(field, value)


def _typed(value: Any, kind: type, field: str) -> None:
    if type(value) is not kind:
        raise _fail(field, value)


def _optional(value: Any, kind: type, field: str) -> None:
    if value is not None and type(value) is not kind:
        raise _fail(field, value)


def _link(value: Any, field: str) -> None:
    _typed(value, str, field)
    if url_problem(value) is not None:
        raise ValueError(f"{field}: not an http(s) URL in the cache")


def _strings(value: Any, field: str) -> None:
    if type(value) not in (tuple, list) or any(type(item) is not str for item in value):
        raise _fail(field, value)


def _html(value: Any, field: str) -> None:
    """None, or a string: what the HTML says is made safe where it is drawn
    (``rendersafe``), which sanitizes each fragment once a run and only for the feeds
    actually rendered; sanitizing every cached record here as well cost a tenth of a
    run with few changes."""
    if value is not None and type(value) is not str:
        raise _fail(field, value)


def _provider(value: Any, field: str) -> None:
    if value is None:
        return
    if type(value) is not tuple or len(value) != 2:
        raise _fail(field, value)
    name, domain = value
    _typed(name, str, f"{field}.name")
    _optional(domain, str, f"{field}.domain")
    if domain is not None and not is_host_name(domain):
        raise ValueError(f"{field}.domain: not a host name in the cache")


def _check_images(images: Any) -> None:
    if type(images) is not tuple:
        raise _fail("images", images)
    for image in images:
        if type(image) is not tuple or len(image) != 3:
            raise _fail("images", image)
        _link(image[0], "images.url")
        _optional(image[1], int, "images.width")
        _optional(image[2], int, "images.height")


def _check_related(related: Any) -> None:
    if type(related) is not tuple:
        raise _fail("related", related)
    for item in related:
        if type(item) is not tuple or len(item) != 6:
            raise _fail("related", item)
        title, url, excerpt, published, provider, kind = item
        _typed(title, str, "related.title")
        _link(url, "related.url")
        _html(excerpt, "related.excerpt")
        _optional(published, int, "related.publishedDateTime")
        _provider(provider, "related.provider")
        _optional(kind, str, "related.type")


def _check_video(video: Any) -> None:
    if type(video) is not tuple or len(video) != 6:
        raise _fail("featuredContent", video)
    watch, player, thumbnail, provider, width, height = video
    _link(watch, "featuredContent.watch_url")
    _link(player, "featuredContent.player_url")
    if thumbnail is not None:
        _link(thumbnail, "featuredContent.thumbnail_url")
    if provider not in _VIDEO_PROVIDERS:
        raise ValueError("featuredContent.provider: unknown in the cache")
    _optional(width, int, "featuredContent.width")
    _optional(height, int, "featuredContent.height")


def _check_rejection(item: Any) -> None:
    if type(item) is not tuple or len(item) != 4:
        raise _fail("rejection", item)
    path, line, field, message = item
    _typed(path, str, "rejection.path")
    _optional(line, int, "rejection.line")
    _optional(field, str, "rejection.field")
    _typed(message, str, "rejection.message")
    if TERMINAL_CONTROL.search(path + message + (field or "")):
        raise ValueError("rejection: control characters in the cache")
