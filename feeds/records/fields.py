"""Validate stage, field by field: one front-matter value → its checked, converted form
(text, date, URL, topics, provider, images, related stories), or ``Invalid`` naming the
field; no I/O. ``validate`` assembles a record from them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..core.model import Image, Provider, RelatedItem
from ..core.slugs import topic_key
from ..core.urls import is_host_name, url_problem
from .dates import date_field
from .raw import Invalid, found, kind_of
from .sanitize import clean_text, sanitize_html

MAX_TOPICS = 100
"""More topic names than this on one record is a data error, not a taxonomy."""
MAX_RELATED = 50
MAX_IMAGES = 20

_SPACES = re.compile(r"\s+")
T = TypeVar("T")


def text_field(value: Any, field: str) -> str | None:
    """Optional plain text: numbers are written as text, lists and mappings are errors."""
    if value is None:
        return None
    if type(value) is str and value.isprintable() and "  " not in value:
        # Nothing to remove or collapse: printable text has no control characters,
        # surrogates or white space but the plain space.
        return value.strip(" ") or None
    if isinstance(value, bool) or not isinstance(value, str | int | float | date):
        raise Invalid(field, f"must be text (found {kind_of(value)}); write it as one line")
    text = _SPACES.sub(" ", clean_text(str(value))).strip()
    return text or None


def title_field(value: Any) -> str:
    if value is None:
        raise Invalid("title", "missing; every record needs a title")
    title = text_field(value, "title")
    if title is None:
        raise Invalid("title", "is blank; give the record a title")
    return title


def _html(value: Any, field: str, base_url: str | None = None) -> str | None:
    """Sanitized HTML, relative links made absolute against ``base_url``."""
    text = text_field(value, field) if not isinstance(value, str) else value
    if not text:
        return None
    return sanitize_html(text, base_url) or None


def checked_html(value: Any, field: str, light: bool, base_url: str) -> str | None:
    """The sanitized HTML, or in a light pass only the type check that could reject it."""
    if not light:
        return _html(value, field, base_url)
    if not isinstance(value, str):
        text_field(value, field)
    return None


def url_field(value: Any, field: str) -> str:
    """An absolute http(s) URL without credentials, spaces or control characters."""
    if not isinstance(value, str):
        raise Invalid(field, f"must be a URL (found {kind_of(value)}); write it as text")
    url = value.strip()
    problem = url_problem(url)
    if problem == "contains credentials":
        # Never repeat a password into logs and reports.
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(netloc=f"***@{parts.netloc.rpartition('@')[2]}"))
    if problem:
        raise Invalid(field, f"{problem} (found {found(url)}); use an absolute http(s) URL")
    return url


def topics_field(value: Any) -> tuple[str, ...]:
    if type(value) is list and all(type(item) is str for item in value):
        return _topic_list(tuple(value))
    return _topic_names(value)


@functools.lru_cache(maxsize=4096)  # a site has few distinct lists, repeated thousands of times
def _topic_list(names: tuple[str, ...]) -> tuple[str, ...]:
    return _topic_names(list(names))


def _topic_names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str | int | float) else value
    if not isinstance(items, list):
        raise Invalid("topics", f"must be a list of names (found {kind_of(value)})")
    if len(items) > MAX_TOPICS:
        raise Invalid(
            "topics", f"has {len(items)} names; at most {MAX_TOPICS} topics fit one record"
        )
    names: dict[str, str] = {}
    for index, item in enumerate(items):
        name = text_field(item, f"topics[{index}]")
        if name and topic_key(name) and topic_key(name) not in names:
            names[topic_key(name)] = name
    return tuple(names.values())


def published_field(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    raise Invalid(
        "published",
        f"must be true or false (found {found(value)}); write published: false without quotes",
    )


def number_field(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number: float = value  # kept an int: small ones are shared, floats never are
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise Invalid(field, f"must be a number (found {found(value)})") from None
    else:
        raise Invalid(field, f"must be a number (found {kind_of(value)})")
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid(field, f"must be a finite number (found {found(str(value))})")
    return number


def provider_field(value: Any, field: str) -> Provider | None:
    """``{name, domain}`` or a bare name; a missing name falls back to the domain."""
    if value is None:
        return None
    if isinstance(value, str):
        name = text_field(value, field)
        return Provider(name) if name else None
    if not isinstance(value, dict):
        raise Invalid(field, f"must be a mapping with name and domain (found {kind_of(value)})")
    name = text_field(value.get("name"), f"{field}.name")
    domain = _domain(value.get("domain"))
    if not name and not domain:
        return None
    return Provider(name or domain or "", domain)


def _domain(value: Any) -> str | None:
    """A bare host name, or None when the value is not one (the link is then omitted)."""
    if not isinstance(value, str):
        return None
    host = value.strip().lower()
    if "//" in host:
        host = urlsplit(host).hostname or ""
    host = host.strip("/")
    return host if host and is_host_name(host) else None


def images_field(value: Any) -> tuple[Image, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    images = []
    for item in items[:MAX_IMAGES]:
        raw_url = item.get("url") if isinstance(item, dict) else item
        if not isinstance(raw_url, str) or url_problem(raw_url.strip()):
            continue  # an image we cannot link safely is left out, not fatal
        size = item if isinstance(item, dict) else {}
        images.append(Image(raw_url.strip(), _size(size.get("width")), _size(size.get("height"))))
    return tuple(images)


def _size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number < 100_000 else None


def related_field(value: Any, light: bool = False, keep: bool = True) -> tuple[RelatedItem, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Invalid("related", f"must be a list of stories (found {kind_of(value)})")
    if light and not keep:
        return ()  # checked; selection needs related items only for `related: entries`
    items: list[RelatedItem] = []
    seen: set[str] = set()
    for item in value:
        if len(items) >= MAX_RELATED:
            break
        related = _related_item(item, light)
        if related is not None and related.url not in seen:
            seen.add(related.url)
            items.append(related)
    return tuple(items)


def _related_item(item: Any, light: bool = False) -> RelatedItem | None:
    """One related story, or None when it has no usable URL (dropped, never fatal)."""
    if not isinstance(item, dict):
        return None
    raw_url = item.get("webUrl") or item.get("url") or item.get("originalUrl")
    if not isinstance(raw_url, str) or url_problem(raw_url.strip()):
        return None
    url = raw_url.strip()
    excerpt = None
    if not light:
        # Its links are relative to the related story, not to the record.
        html = functools.partial(_html, base_url=url)
        excerpt = _lenient(html, item.get("excerpt"), "excerpt")
    # Related coverage is decoration: a malformed field loses that field, not the item.
    return RelatedItem(
        title=_lenient(text_field, item.get("title"), "title") or url,
        url=url,
        excerpt=excerpt,
        published_at=_lenient(date_field, item.get("publishedDateTime"), "publishedDateTime"),
        provider=_lenient(provider_field, item.get("provider"), "provider"),
        type=_lenient(text_field, item.get("type"), "type"),
    )


def _lenient(convert: Callable[[Any, str], T | None], value: Any, field: str) -> T | None:
    try:
        return convert(value, field)
    except Invalid:
        return None
