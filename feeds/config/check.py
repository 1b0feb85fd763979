"""Configuration stage, pure part: parsed YAML and where each key sits → a ``Config``, or a
one-line ConfigError naming the file, line and key; no I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import yaml

from ..core.errors import ConfigError, closest
from ..core.model import (
    Config,
    Defaults,
    Filters,
    Site,
    SourceLocation,
    TopicConfig,
)
from ..core.slugs import is_valid_slug, slugify
from .keys import (
    ANYTHING,
    BOOL,
    CHOICES,
    COUNT,
    DOMAIN,
    FILTER_KEYS,
    FORMAT_LIST,
    FRACTION,
    HEADERS,
    HINTS,
    IGNORED_TOPIC_KEYS,
    IMAGE,
    ITEM_KINDS,
    KEYS,
    MAPPING,
    MAY_BE_EMPTY,
    NAMES,
    NUMBER,
    PATH,
    PATHS,
    SECONDS,
    SLUG,
    SOURCES,
    TEXT,
    TOPICS,
    URL,
    Key,
)
from .remotes import RemoteSource
from .topics import Origin, check_topics


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a key (or list item) sits, and its value's source text when a scalar."""

    line: int
    text: str | None = None


@dataclass(frozen=True, slots=True)
class TopicFile:
    """One parsed ``topic_files`` file: what it holds and where each key sits."""

    display: str
    data: object
    marks: Mapping[str, Mark]


def validate_config(
    data: object,
    marks: Mapping[str, Mark],
    path: Path,
    display: str | None = None,
    topic_files: Sequence[TopicFile] = (),
) -> Config:
    """Check parsed YAML against ``KEYS`` and build a ``Config``; paths resolve beside ``path``.

    ``topic_files`` are merged after the file's own ``topics``, in the order given.
    """
    checker = _Checker(marks, display or str(path), path.parent)
    return checker.config(data, path, topic_files)


class _Checker:
    """Validation state: where keys sit, how to name the file, the folder paths are under."""

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

    def has(self, where: str) -> bool:
        """Whether the file itself sets ``where``."""
        return where in self.marks

    def config(self, data: object, path: Path, topic_files: Sequence[TopicFile] = ()) -> Config:
        if data is None:
            raise ConfigError(
                "the config file is empty; start from the example in README.md",
                SourceLocation(self.display),
            )
        top = self.mapping("", data, "")
        site = self.mapping("site", top.pop("site"), "site.")
        if not site["url"].endswith("/"):
            site["url"] += "/"  # feed URLs are built by appending "topic/rss.xml"
        defaults = self.defaults(top.pop("defaults"))
        hubs = self.mapping("websub", top.pop("websub"), "websub.")["hubs"]
        topics = [self.topic(f"topics[{i}]", t) for i, t in enumerate(top.pop("topics"))]
        origins = [Origin(self, f"topics[{i}]") for i in range(len(topics))]
        for file in topic_files:
            checker = _Checker(file.marks, file.display, self.base)
            topics.append(checker.topic_file(file.data))
            origins.append(Origin(checker, ""))
        check_topics(topics, origins)
        sources = top.pop("sources")
        return Config(
            path=path,
            site=Site(**site),
            topics=tuple(topics),
            defaults=defaults,
            sources=tuple(s for s in sources if isinstance(s, Path)),
            remote=tuple(s for s in sources if isinstance(s, RemoteSource)),
            hubs=tuple(dict.fromkeys(hubs)),
            **top,
        )

    def sources(self, where: str, value: object) -> tuple[Path | RemoteSource, ...]:
        """Folders and files (paths) and remote sources (URLs or ``{url: …}`` mappings)."""
        if value == [] or value is None:
            raise self.wrong_type(where, value, SOURCES)
        items = value if isinstance(value, list) else [value]
        return tuple(
            self.source(f"{where}[{j}]" if items is value else where, item)
            for j, item in enumerate(items)
        )

    def source(self, where: str, item: object) -> Path | RemoteSource:
        if isinstance(item, str) and item.startswith(("http://", "https://")):
            item = {"url": item}
        if not isinstance(item, dict):
            path: Path = self.value(where, item, Key("sources", PATH, None, "record folder", True))
            return path
        options = self.mapping(where, item, "sources[].")
        try:
            return RemoteSource(
                url=options["url"],
                headers=options["headers"] or {},
                next_page_url=options["next_page_url"],
                max_pages=options["max_pages"],
                max_records=options["max_records"],
                max_bytes=options["max_bytes"],
                timeout=(min(5.0, float(options["timeout"])), float(options["timeout"])),
                total_time=float(options["total_time"]),
                max_age=float(options["max_age"]),
                ca_bundle=options["ca_bundle"],
            )
        except ConfigError as error:
            raise self.error(where, error.message.split(": ", 1)[-1]) from None

    def defaults(self, value: object) -> Defaults:
        options = self.mapping("defaults", value, "defaults.")
        filters = Filters(**{name: options.pop(name) for name in FILTER_KEYS})
        return Defaults(**options, filters=filters)

    def topic_file(self, data: object) -> TopicConfig:
        """The one topic a ``topic_files`` file holds."""
        if data is None:
            raise ConfigError(
                "the topic file is empty; write one topic's keys, starting with 'name:'",
                SourceLocation(self.display),
            )
        if not isinstance(data, dict):
            raise self.error(
                "",
                f"a topic file must be a mapping of one topic's keys (found "
                f"{_describe(data, None)}); start with 'name:', as in README.md",
            )
        return self.topic("", data)

    def mapping(self, where: str, value: object, prefix: str) -> dict[str, Any]:
        """Check one mapping's keys against ``KEYS`` and convert its values (defaults filled)."""
        if not isinstance(value, dict):
            found = _describe(value, self.raw(where))
            if not where:
                raise self.error(
                    where,
                    "the config file must be a mapping of keys such as 'site:' and 'topics:' "
                    f"(found {found}); start from the example in README.md",
                )
            raise self.error(where, f"must be a mapping (found {found}); {HINTS[TOPICS]}")
        allowed = {
            k.name[len(prefix) :]: k
            for k in KEYS
            if k.name.startswith(prefix) and "." not in k.name[len(prefix) :]
        }
        for name in value:
            if name not in allowed:
                child = f"{where}.{name}" if where else str(name)
                close = closest(str(name), list(allowed))
                advice = f"did you mean {close!r}?" if close else "allowed: " + ", ".join(allowed)
                raise self.error(child, f"unknown key; {advice}")
        result: dict[str, Any] = {}
        for name, key in allowed.items():
            child = f"{where}.{name}" if where else name
            if name in value:
                result[name] = self.value(child, value[name], key)
            elif key.required:
                raise self.error(child, f"required key is missing; add it ({key.help})")
            elif key.default is not None:
                result[name] = self.value(child, yaml.safe_load(key.default), key)
            else:
                result[name] = None
        return result

    def raw(self, where: str) -> str | None:
        mark = self.marks.get(where)
        return mark.text if mark else None

    def value(self, where: str, value: Any, key: Key) -> Any:
        """``value`` converted as ``key.kind`` says, or a ConfigError saying what is wrong."""
        kind = key.kind
        if kind == ANYTHING:
            return value
        if kind == SOURCES:
            return self.sources(where, value)
        if kind == HEADERS and _is_text_mapping(value):
            return dict(value)
        if kind in ITEM_KINDS:
            item = Key(key.name, ITEM_KINDS[kind], None, key.help, required=True)
            if isinstance(value, str):
                return (self.value(where, value, item),)
            if isinstance(value, list) and (value or kind in MAY_BE_EMPTY):
                items = (self.value(f"{where}[{j}]", v, item) for j, v in enumerate(value))
                return tuple(dict.fromkeys(items)) if kind == FORMAT_LIST else tuple(items)
        elif isinstance(value, str) and kind in CHOICES:
            return self.choice(where, value, kind)
        elif isinstance(value, str) and kind == DOMAIN:
            return self.domain(where, value)
        elif isinstance(value, str) and kind == IMAGE:
            return self.image(where, value)
        elif isinstance(value, str) and kind in (TEXT, URL, SLUG, PATH):
            if not value.strip() and (key.required or kind == PATH):
                raise self.error(where, f"must not be blank (found {value!r}); give the {key.help}")
            if kind == URL:
                return self.url(where, value)
            if kind == SLUG and not is_valid_slug(value):
                raise self.bad_slug(where, value)
            return self.path(value) if kind == PATH else value
        elif (
            (kind == COUNT and type(value) is int and value > 0)  # bool is an int subclass
            or (kind == BOOL and isinstance(value, bool))
            or (kind == SECONDS and _is_number(value) and 0 <= value <= 86_400)
            or (kind == FRACTION and _is_number(value) and 0 <= value <= 1)
            or (kind == NUMBER and _is_number(value) and abs(value) != float("inf"))
            or (kind == MAPPING and isinstance(value, dict))
            or (kind == TOPICS and isinstance(value, list))
        ):
            return value
        raise self.wrong_type(where, value, kind)

    def choice(self, where: str, value: str, kind: str) -> str:
        """One word of the kind's fixed set, compared ignoring case and surrounding space."""
        choices = CHOICES[kind]
        word = value.strip().lower()
        if word in choices:
            return word
        close = closest(word, choices)
        advice = f"did you mean {close!r}?" if close else HINTS[kind]
        raise self.error(where, f"must be {kind} (found {value!r}); {advice}")

    def domain(self, where: str, value: str) -> str:
        """A bare host name, lowercased; providers are matched on it and every subdomain."""
        host = value.strip().lower().rstrip(".")
        if _HOST.match(host):
            return host
        raise self.error(where, f"must be {DOMAIN} (found {value!r}); {HINTS[DOMAIN]}")

    def image(self, where: str, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if ok:
            return value.strip()
        raise self.error(where, f"must be {IMAGE} (found {value!r}); {HINTS[IMAGE]}")

    def wrong_type(self, where: str, value: Any, kind: str) -> ConfigError:
        raw = self.raw(where)
        if kind in (TEXT, URL, SLUG, PATH, NAMES, PATHS) and raw is not None and value is not None:
            # YAML 1.1 reads unquoted no/on/off, 1.10 and 2020-01-01 as non-text values.
            return self.error(
                where,
                f"must be {kind} (found {raw}, which YAML reads as {_describe(value, None)}); "
                f'quote it: "{raw}"',
            )
        found = _describe(value, raw)
        if isinstance(value, str):
            found = f"the text {found}"
        return self.error(where, f"must be {kind} (found {found}); {HINTS[kind]}")

    def url(self, where: str, url: str) -> str:
        try:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if ok and _NOT_IN_URL.search(url):
            raise self.error(
                where,
                "must be an absolute http(s) URL without spaces, control characters, quotes, "
                f"backslashes or braces (found {url!r}); " + HINTS[URL],
            )
        if ok and not (parts.query or parts.fragment):
            return url
        raise self.error(
            where,
            f"must be an absolute http(s) URL without query or fragment (found {url!r}); "
            + HINTS[URL],
        )

    def bad_slug(self, where: str, slug: str) -> ConfigError:
        name = None if "previous_slugs" in where else self.raw(where.rsplit(".", 1)[0] + ".name")
        suggestion = slugify(name or slug)
        return self.error(
            where,
            f"not a valid slug (found {slug!r}); use lowercase letters, digits and single "
            f"hyphens, e.g. {suggestion!r}, or leave it out to derive it from the name",
        )

    def path(self, text: str) -> Path:
        # normpath, not resolve(): keep symbolic links as written, drop "..".
        return Path(os.path.normpath(self.base / Path(text).expanduser()))

    def topic(self, where: str, item: object) -> TopicConfig:
        fields = self.mapping(where, item, "topics[].")
        for name in IGNORED_TOPIC_KEYS:
            del fields[name]
        filters = Filters(**{name: fields.pop(name) for name in FILTER_KEYS})
        fields["slug"] = fields["slug"] or slugify(fields["name"])
        location = SourceLocation(self.display, self.line(where))
        return TopicConfig(**fields, filters=filters, location=location)


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


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _describe(value: object, raw: str | None) -> str:
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
