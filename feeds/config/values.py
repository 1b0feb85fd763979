"""Configuration stage, pure part: one key's parsed YAML value → the value its kind asks
for (a URL, a path, a count…), or a one-line ConfigError naming the file, line and key.

``check`` walks the file's sections and hands each value here; no I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

from ..core.errors import ConfigError, closest
from ..core.location import SourceLocation
from ..core.slugs import is_valid_slug, slugify
from ..core.urls import config_url
from .keys import Key
from .kinds import (
    ANYTHING,
    BOOL,
    CHOICES,
    COUNT,
    DOMAIN,
    FORMAT_LIST,
    FRACTION,
    HEADERS,
    HINTS,
    IMAGE,
    ITEM_KINDS,
    MAPPING,
    MAY_BE_EMPTY,
    NAMES,
    NUMBER,
    PATH,
    PATHS,
    SECONDS,
    SLUG,
    TEXT,
    TOPICS,
    URL,
)


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a key (or list item) sits, and its value's source text when a scalar."""

    line: int
    text: str | None = None


class ValueChecker:
    """Converts values as their keys' kinds say; knows where keys sit, how to name the
    file, and the folder relative paths are under."""

    def __init__(self, marks: Mapping[str, Mark], display: str, base: Path) -> None:
        self.marks, self.display, self.base = marks, display, base

    def line(self, where: str) -> int | None:
        """The line of ``where``, else of the nearest enclosing key that has one."""
        while where not in self.marks and where:
            where = _LAST_STEP.sub("", where)
        mark = self.marks.get(where)
        return mark.line if mark else None

    def error(self, where: str, message: str) -> ConfigError:
        location = SourceLocation(self.display, self.line(where))
        return ConfigError(message, location, where or None)

    def raw(self, where: str) -> str | None:
        """The source text of the scalar at ``where``, when there is one."""
        mark = self.marks.get(where)
        return mark.text if mark else None

    def value(self, where: str, value: Any, key: Key) -> Any:
        """``value`` converted as ``key.kind`` says, or a ConfigError saying what is wrong."""
        accepts = _ACCEPTED_AS_IS.get(key.kind)
        if accepts is not None:
            if accepts(value):
                return value
            raise self.wrong_type(where, value, key.kind)
        return _CONVERTERS[key.kind](self, where, value, key)

    def items(self, where: str, value: Any, key: Key) -> tuple[Any, ...]:
        """A list kind: one item or a list of them, each converted as the item kind."""
        kind = key.kind
        item = Key(key.name, ITEM_KINDS[kind], None, key.help, required=True)
        if isinstance(value, str):
            return (self.value(where, value, item),)
        if isinstance(value, list) and (value or kind in MAY_BE_EMPTY):
            items = (self.value(f"{where}[{j}]", v, item) for j, v in enumerate(value))
            return tuple(dict.fromkeys(items)) if kind == FORMAT_LIST else tuple(items)
        raise self.wrong_type(where, value, kind)

    def headers(self, where: str, value: Any, key: Key) -> dict[str, str]:
        if _is_text_mapping(value):
            return dict(value)
        raise self.wrong_type(where, value, key.kind)

    def text(self, where: str, value: Any, key: Key) -> str:
        """Text, not blank when required (a path never may be)."""
        if not isinstance(value, str):
            raise self.wrong_type(where, value, key.kind)
        if not value.strip() and (key.required or key.kind == PATH):
            raise self.error(where, f"must not be blank (found {value!r}); give the {key.help}")
        return value

    def slug(self, where: str, value: Any, key: Key) -> str:
        slug = self.text(where, value, key)
        if is_valid_slug(slug):
            return slug
        name = None if "previous_slugs" in where else self.raw(where.rsplit(".", 1)[0] + ".name")
        suggestion = slugify(name or slug)
        raise self.error(
            where,
            f"not a valid slug (found {slug!r}); use lowercase letters, digits and single "
            f"hyphens, e.g. {suggestion!r}, or leave it out to derive it from the name",
        )

    def path(self, where: str, value: Any, key: Key) -> Path:
        text = self.text(where, value, key)
        # normpath, not resolve(): keep symbolic links as written, drop "..".
        return Path(os.path.normpath(self.base / Path(text).expanduser()))

    def url(self, where: str, value: Any, key: Key) -> str:
        url = self.text(where, value, key)
        parts = config_url(url)
        if parts is not None and _NOT_IN_URL.search(url):
            raise self.error(
                where,
                "must be an absolute http(s) URL without spaces, control characters, quotes, "
                f"backslashes or braces (found {url!r}); " + HINTS[URL],
            )
        if parts is not None and not (parts.query or parts.fragment):
            return url
        raise self.error(
            where,
            f"must be an absolute http(s) URL without query or fragment (found {url!r}); "
            + HINTS[URL],
        )

    def choice(self, where: str, value: Any, key: Key) -> str:
        """One word of the kind's fixed set, compared ignoring case and surrounding space."""
        if not isinstance(value, str):
            raise self.wrong_type(where, value, key.kind)
        choices = CHOICES[key.kind]
        word = value.strip().lower()
        if word in choices:
            return word
        close = closest(word, choices)
        advice = f"did you mean {close!r}?" if close else HINTS[key.kind]
        raise self.error(where, f"must be {key.kind} (found {value!r}); {advice}")

    def domain(self, where: str, value: Any, key: Key) -> str:
        """A bare host name, lowercased; providers are matched on it and every subdomain."""
        if not isinstance(value, str):
            raise self.wrong_type(where, value, key.kind)
        host = value.strip().lower().rstrip(".")
        if _HOST.match(host):
            return host
        raise self.error(where, f"must be {DOMAIN} (found {value!r}); {HINTS[DOMAIN]}")

    def image(self, where: str, value: Any, key: Key) -> str:
        if not isinstance(value, str):
            raise self.wrong_type(where, value, key.kind)
        if config_url(value.strip()) is not None:
            return value.strip()
        raise self.error(where, f"must be {IMAGE} (found {value!r}); {HINTS[IMAGE]}")

    def wrong_type(self, where: str, value: Any, kind: str) -> ConfigError:
        raw = self.raw(where)
        if kind in (TEXT, URL, SLUG, PATH, NAMES, PATHS) and raw is not None and value is not None:
            # YAML 1.1 reads unquoted no/on/off, 1.10 and 2020-01-01 as non-text values.
            return self.error(
                where,
                f"must be {kind} (found {raw}, which YAML reads as {describe(value, None)}); "
                f'quote it: "{raw}"',
            )
        found = describe(value, raw)
        if isinstance(value, str):
            found = f"the text {found}"
        return self.error(where, f"must be {kind} (found {found}); {HINTS[kind]}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


_ACCEPTED_AS_IS: dict[str, Callable[[Any], bool]] = {
    ANYTHING: lambda value: True,
    COUNT: lambda value: type(value) is int and value > 0,  # bool is an int subclass
    BOOL: lambda value: isinstance(value, bool),
    SECONDS: lambda value: _is_number(value) and 0 <= value <= 86_400,
    FRACTION: lambda value: _is_number(value) and 0 <= value <= 1,
    NUMBER: lambda value: _is_number(value) and abs(value) != float("inf"),
    MAPPING: lambda value: isinstance(value, dict),
    TOPICS: lambda value: isinstance(value, list),
}
"""Kinds whose value is kept as YAML read it, and the test it must pass."""

_CONVERTERS: dict[str, Callable[[ValueChecker, str, Any, Key], Any]] = {
    HEADERS: ValueChecker.headers,
    TEXT: ValueChecker.text,
    URL: ValueChecker.url,
    SLUG: ValueChecker.slug,
    PATH: ValueChecker.path,
    DOMAIN: ValueChecker.domain,
    IMAGE: ValueChecker.image,
    **dict.fromkeys(CHOICES, ValueChecker.choice),
    **dict.fromkeys(ITEM_KINDS, ValueChecker.items),
}
"""Kinds whose value is checked and converted, and the method that does it."""

_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
"""A host name: dot-separated labels of letters, digits and inner hyphens."""

_NOT_IN_URL = re.compile(r'[\s\x00-\x1f\x7f"<>\\^`{|}]')
"""What RFC 3986 never allows in a URL; in a server config or a header line it would end
the value (a quote, a line break) or start a block or placeholder (a brace)."""

_LAST_STEP = re.compile(r"(^|\.)[^.\[]*$|\[\d+\]$")
"""The last step of a key path: ".url", "[2]", or a whole top-level key."""


def _is_text_mapping(value: object) -> TypeGuard[dict[str, str]]:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def describe(value: object, raw: str | None) -> str:
    """How a YAML value reads in a message: 'ten', true, nothing, a list."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int | float):
        return raw if raw is not None else f"the number {value}"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return "a mapping"
