"""Configuration stage: ``config/feeds.yaml`` → ``Config``.

``read_config`` does the I/O (read the file, parse YAML, note where each key sits);
``validate_config`` is pure. ``KEYS`` is the one list of allowed keys; README.md documents it.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import yaml

from .errors import ConfigError
from .model import (
    FORMATS,
    RELATED_MODES,
    Config,
    Defaults,
    Filters,
    Site,
    SourceLocation,
    TopicConfig,
)
from .remotesource import RemoteSource
from .slugs import is_valid_slug, slugify
from .sources import display_path
from .topictree import Origin, check_topics

# What a value must be: shown in README's table and in "must be …" messages.
TEXT = "text"
URL = "an http(s) URL"
PATHS = "a path or a list of paths"
PATH = "a path"
COUNT = "a positive integer"
BOOL = "true or false"
NAMES = "a name or a list of names"
SLUG = "a slug"
MAPPING = "a mapping"
TOPICS = "a list of mappings"
SECONDS = "a number of seconds"
FRACTION = "a number from 0 to 1"
NUMBER = "a number"
IMAGE = "an http(s) URL of an image"
DOMAIN = "a domain such as example.com"
DOMAINS = "a domain or a list of domains"
FORMAT = "rss, atom or json"
FORMAT_LIST = "rss, atom, json or a list of them"
RELATED = "links, entries or none"
CONTENT = "summary or full"
SLUGS = "a slug or a list of slugs"
ANYTHING = "anything (ignored)"
SOURCES = "a folder, file or URL, or a list of them"
HEADERS = "a mapping of header names to text"
URLS = "an http(s) URL or a list of them"
IMAGES = "media or enclosure"

_CHOICES: dict[str, tuple[str, ...]] = {
    FORMAT: FORMATS,
    RELATED: RELATED_MODES,
    CONTENT: ("summary", "full"),
    IMAGES: ("media", "enclosure"),
}
"""Kinds whose value is one word of a fixed set."""

_ITEM_KINDS = {
    PATHS: PATH,
    NAMES: TEXT,
    DOMAINS: DOMAIN,
    FORMAT_LIST: FORMAT,
    SLUGS: SLUG,
    URLS: URL,
}
"""List kinds (a single value allowed too) and the kind of each item."""

_MAY_BE_EMPTY = (NAMES, DOMAINS, SLUGS, URLS)
"""List kinds where ``[]`` is a meaningful value ("none", overriding a default)."""


@dataclass(frozen=True, slots=True)
class Key:
    """One allowed configuration key and what README.md says about it."""

    name: str
    """Dotted path; ``topics[].`` stands for any topic."""
    kind: str
    """What the value must be (one of the kind constants above)."""
    default: str | None
    """The default as YAML text; ``None`` when required or when absent means "derived"."""
    help: str
    required: bool = False


_IGNORED_HELP = "accepted and ignored (carried by `_data/topics` files)"

IGNORED_TOPIC_KEYS = ("taxonomy", "_id", "keywords", "hashtags", "services")
"""Keys of ``_data/topics`` files that mean nothing for feeds: accepted, ignored."""

FILTER_KEYS = tuple(item.name for item in fields(Filters))


@dataclass(frozen=True, slots=True)
class _Option:
    """A feed option a topic may set and ``defaults`` may set for every feed."""

    name: str
    kind: str
    help: str


_OPTIONS = (
    _Option("image", IMAGE, "the channel image"),
    _Option("language", TEXT, "language code of the feeds; default: `site.language`"),
    _Option("formats", FORMAT_LIST, "which feed files to write; default: rss, atom and json"),
    _Option(
        "related",
        RELATED,
        "related coverage: `links` inside each entry (default), `entries` of their own too, "
        "or `none`",
    ),
    _Option(
        "content",
        CONTENT,
        "`full` (default): body and related list in each entry; `summary`: the excerpt only",
    ),
    _Option(
        "include_children",
        BOOL,
        "whether a topic's feeds hold its descendants' records (default: true)",
    ),
    _Option(
        "max_bytes",
        COUNT,
        "the largest feed file, in bytes: the oldest entries are dropped until it fits",
    ),
    _Option("min_quality", NUMBER, "keep records whose `quality` is at least this"),
    _Option("min_heat", NUMBER, "keep records whose `heat` is at least this"),
    _Option("types", NAMES, "keep records whose `type` is one of these, e.g. `[article]`"),
    _Option("categories", NAMES, "keep records whose `category` is one of these"),
    _Option(
        "providers", DOMAINS, "keep records whose provider domain is one of these (or below one)"
    ),
    _Option(
        "exclude_providers",
        DOMAINS,
        "drop records whose provider domain is one of these (or below one)",
    ),
    _Option("max_age_days", COUNT, "keep records published at most this many days before now"),
    _Option(
        "exclude_topics", NAMES, "drop records naming one of these topics (or their descendants)"
    ),
)

KEYS: tuple[Key, ...] = (
    Key("site", MAPPING, None, "channel facts shared by every feed", required=True),
    Key("site.title", TEXT, None, "site-wide feed title, author of every feed", required=True),
    Key("site.url", URL, None, "where the output folder is served; `/` appended", required=True),
    Key("site.description", TEXT, '""', "description of the site-wide feed (empty: the title)"),
    Key("site.language", TEXT, None, "language code of every feed, e.g. `en`"),
    Key(
        "sources",
        SOURCES,
        "articles",
        "record folders (searched recursively), files, URLs, or `{url: …}` mappings",
    ),
    Key("sources[].url", URL, None, "a JSON listing (`…/index.json`) or a record file", True),
    Key(
        "sources[].headers",
        HEADERS,
        None,
        "extra request headers; `${VAR}` is read from the environment; never logged",
    ),
    Key(
        "sources[].next_page_url",
        TEXT,
        None,
        "page N's URL with `{page}`; default: `…/page/{page}/index.json`",
    ),
    Key("sources[].max_pages", COUNT, "100", "pages read at most"),
    Key("sources[].max_bytes", COUNT, "5242880", "largest response accepted, in bytes"),
    Key("sources[].timeout", SECONDS, "20", "seconds to wait for a response (connect: 5 at most)"),
    Key("sources[].total_time", SECONDS, "120", "seconds the whole source may take"),
    Key(
        "sources[].max_age",
        COUNT,
        "604800",
        "seconds a cached copy may stand in when the source fails",
    ),
    Key("sources[].ca_bundle", PATH, None, "a CA bundle for a private CA (TLS is always verified)"),
    Key("output", PATH, "public", "folder the feeds are written to"),
    Key("limit", COUNT, "50", "entries per feed"),
    Key("discover", BOOL, "true", "also publish feeds for topics found only in records"),
    Key("max_file_size", COUNT, "1048576", "bytes; larger record files are refused"),
    Key(
        "cache",
        PATH,
        ".feeds-cache",
        "folder for the parse cache that makes unchanged runs fast (`--no-cache` skips it)",
    ),
    Key(
        "lock_timeout",
        SECONDS,
        "60",
        "how long a run waits for another run on the same output folder before giving up",
    ),
    Key(
        "shrink_threshold",
        FRACTION,
        "0.5",
        "keep the previous feed when a run would leave fewer than this share of its "
        "entries (0 turns the check off)",
    ),
    Key("topics", TOPICS, "[]", "the configured topics, each a mapping of the keys below"),
    Key("topics[].name", TEXT, None, "the topic's name as records write it", required=True),
    Key("topics[].slug", SLUG, None, "the topic's folder; default: derived from the name"),
    Key("topics[].aliases", NAMES, "[]", "other names records use for this topic"),
    Key("topics[].title", TEXT, None, "the topic feeds' title; default: `site.title: name`"),
    Key(
        "topics[].description",
        TEXT,
        None,
        "the topic feeds' description; default: `Latest name stories from site.title`",
    ),
    Key(
        "topics[].limit",
        COUNT,
        None,
        "entries in this topic's feeds; default: `defaults.limit`, else `limit`",
    ),
    Key("topics[].shortname", TEXT, None, "a short title; the default feed title uses it"),
    Key(
        "topics[].parent",
        TEXT,
        None,
        "the configured topic this one sits under: the parent's feeds hold this topic's records",
    ),
    Key(
        "topics[].match",
        NAMES,
        "[]",
        "more topic names: the feeds also hold records naming them (or their descendants)",
    ),
    Key(
        "topics[].previous_slugs",
        SLUGS,
        "[]",
        "slugs the topic had before: their feed URLs redirect to the current ones",
    ),
    Key(
        "topics[].archive",
        BOOL,
        "false",
        "keep older entries in numbered archive feeds (RFC 5005) linked from the feeds",
    ),
    *(
        Key(f"topics[].{o.name}", o.kind, None, f"`defaults.{o.name}`, for this topic")
        for o in _OPTIONS
    ),
    *(Key(f"topics[].{name}", ANYTHING, None, _IGNORED_HELP) for name in IGNORED_TOPIC_KEYS),
    Key(
        "topic_files",
        PATH,
        "topics",
        "folder of one-topic files (`*.yaml`, `*.yml`) merged with `topics`; "
        "none when the folder is missing",
    ),
    Key("websub", MAPPING, "{}", "WebSub (PubSubHubbub): hubs told when feeds change"),
    Key(
        "websub.hubs",
        URLS,
        "[]",
        "hubs every feed advertises; each is pinged for every changed feed after a build",
    ),
    Key(
        "refresh_minutes",
        COUNT,
        None,
        "how often the feeds are rebuilt: RSS `ttl` and `sy:updatePeriod`, and the "
        "`serve-config` max-age (default 60 there)",
    ),
    Key(
        "images",
        IMAGES,
        "media",
        "`enclosure`: each entry's image is also an RSS `<enclosure>` (type and length "
        "learned once by HTTP HEAD)",
    ),
    Key("defaults", MAPPING, "{}", "feed options every feed inherits unless it sets them"),
    Key("defaults.limit", COUNT, None, "entries per feed; default: `limit`"),
    *(Key(f"defaults.{o.name}", o.kind, None, o.help) for o in _OPTIONS),
)

_HINTS = {
    SOURCES: "write a folder, a file or an http(s) URL, or a list of them",
    HEADERS: "write one 'Name: value' per line, indented below 'headers:'",
    TEXT: "write text, in quotes if it looks like a number, date or yes/no",
    URL: "write the full address, e.g. https://example.org/feeds/",
    PATHS: "write a folder or file, or a list of them",
    PATH: "write a folder",
    COUNT: "write a whole number such as 50, without quotes",
    BOOL: "write true or false, without quotes",
    SECONDS: "write a number such as 60, without quotes",
    FRACTION: "write a number such as 0.5, without quotes",
    NAMES: "write a name or a list of names",
    MAPPING: "indent its keys below it, as in README.md",
    TOPICS: "start each topic with '- name:', as in README.md",
    NUMBER: "write a number such as 10, without quotes",
    IMAGE: "write the full address of the image, e.g. https://example.org/logo.png",
    DOMAINS: "write a domain such as example.com, or a list of them",
    DOMAIN: "write the bare host name, without https:// or a path",
    FORMAT_LIST: "write rss, atom, json or a list such as [rss, json]",
    SLUGS: "write a slug or a list of slugs",
    FORMAT: "write rss, atom or json",
    RELATED: "write links, entries or none",
    CONTENT: "write summary or full",
    URLS: "write the full address, or a list of them",
    IMAGES: "write media or enclosure",
}

# The C loader is several times faster; PyYAML built without libyaml lacks it.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a key (or list item) sits, and its value's source text when a scalar."""

    line: int
    text: str | None = None


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, composing nodes first so each key's line can be noted."""

    def load_marked(self, display: str) -> tuple[Any, dict[str, Mark]]:
        """The document's data and a ``Mark`` for every key path ("site.url", "topics[0]")."""
        node = self.get_single_node()
        if node is None:
            return None, {}
        marks = {"": Mark(node.start_mark.line + 1)}
        _note_marks(node, "", marks, display)
        return self.construct_document(node), marks


def _note_marks(node: yaml.Node, where: str, marks: dict[str, Mark], display: str) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            child = f"{where}.{key_node.value}" if where else str(key_node.value)
            line = key_node.start_mark.line + 1
            if child in marks:
                # YAML keeps the last of two equal keys silently; one was surely a mistake.
                raise ConfigError(
                    f"duplicate key (also on line {marks[child].line}); keep only one",
                    SourceLocation(display, line),
                    child,
                )
            marks[child] = Mark(line, _scalar_text(value_node))
            _note_marks(value_node, child, marks, display)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{where}[{index}]"
            marks[child] = Mark(item.start_mark.line + 1, _scalar_text(item))
            _note_marks(item, child, marks, display)


def _scalar_text(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


@dataclass(frozen=True, slots=True)
class TopicFile:
    """One parsed ``topic_files`` file: what it holds and where each key sits."""

    display: str
    data: object
    marks: Mapping[str, Mark]


def read_config(path: Path) -> Config:
    """Read, parse and validate the config file and its topic files; any problem is a
    one-line ``ConfigError``."""
    display = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {display} not found; pass --config FILE or create config/feeds.yaml"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file ({exc.strerror or exc}); pass a readable file",
            SourceLocation(display),
        ) from None
    data, marks = _parse_yaml(raw, display)
    topic_files = [
        TopicFile(display_path(file), *_parse_yaml(_read_topic_file(file), display_path(file)))
        for file in _topic_file_paths(path, data, marks)
    ]
    return validate_config(data, marks, path.absolute(), display, topic_files)


def _topic_file_paths(path: Path, data: object, marks: Mapping[str, Mark]) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files of the topic folder, sorted by name; none when the
    default folder is missing (a folder named in the config must exist)."""
    folder = data.get("topic_files") if isinstance(data, dict) else None
    if not isinstance(folder, str) or not folder.strip():
        folder = "topics"  # the default, or a bad value validate_config will report
    where = Path(os.path.normpath(path.absolute().parent / Path(folder).expanduser()))
    if not where.is_dir():
        if "topic_files" in marks and where.exists():
            raise ConfigError(
                f"not a folder (found {folder!r}); name a folder of topic files",
                SourceLocation(display_path(path), marks["topic_files"].line),
                "topic_files",
            )
        if "topic_files" in marks:
            raise ConfigError(
                f"folder not found (found {folder!r}); create it or remove the key",
                SourceLocation(display_path(path), marks["topic_files"].line),
                "topic_files",
            )
        return []
    return sorted(
        file
        for file in where.iterdir()
        if file.suffix in (".yaml", ".yml") and not file.name.startswith(".") and file.is_file()
    )


def _read_topic_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the topic file ({exc.strerror or exc}); make it readable",
            SourceLocation(display_path(path)),
        ) from None


def _parse_yaml(raw: bytes, display: str) -> tuple[Any, dict[str, Mark]]:
    """YAML bytes → data and a ``Mark`` per key path; a one-line ConfigError on bad input."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"not UTF-8 text (found byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            SourceLocation(display, line),
        ) from None
    loader = _Loader(text)
    try:
        return loader.load_marked(display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end of stream" in str(exc.problem):
            # An unclosed quote or bracket is reported at the end of the file: point at its start.
            mark = exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        raise ConfigError(
            f"not valid YAML: {exc.problem}{context}; check indentation, quotes and brackets",
            SourceLocation(display, mark.line + 1 if mark else None),
        ) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError(
            f"not valid YAML: control character #x{exc.character:04x} is not allowed; remove it",
            # libyaml counts bytes, PyYAML characters: find the character instead.
            SourceLocation(display, text[: text.find(chr(exc.character))].count("\n") + 1),
        ) from None
    finally:
        loader.dispose()


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
            raise self.error(where, f"must be a mapping (found {found}); {_HINTS[TOPICS]}")
        allowed = {
            k.name[len(prefix) :]: k
            for k in KEYS
            if k.name.startswith(prefix) and "." not in k.name[len(prefix) :]
        }
        for name in value:
            if name not in allowed:
                child = f"{where}.{name}" if where else str(name)
                close = difflib.get_close_matches(str(name), list(allowed), n=1)
                advice = (
                    f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
                )
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
        if kind in _ITEM_KINDS:
            item = Key(key.name, _ITEM_KINDS[kind], None, key.help, required=True)
            if isinstance(value, str):
                return (self.value(where, value, item),)
            if isinstance(value, list) and (value or kind in _MAY_BE_EMPTY):
                items = (self.value(f"{where}[{j}]", v, item) for j, v in enumerate(value))
                return tuple(dict.fromkeys(items)) if kind == FORMAT_LIST else tuple(items)
        elif isinstance(value, str) and kind in _CHOICES:
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
        choices = _CHOICES[kind]
        word = value.strip().lower()
        if word in choices:
            return word
        close = difflib.get_close_matches(word, choices, n=1)
        advice = f"did you mean {close[0]!r}?" if close else _HINTS[kind]
        raise self.error(where, f"must be {kind} (found {value!r}); {advice}")

    def domain(self, where: str, value: str) -> str:
        """A bare host name, lowercased; providers are matched on it and every subdomain."""
        host = value.strip().lower().rstrip(".")
        if _HOST.match(host):
            return host
        raise self.error(where, f"must be {DOMAIN} (found {value!r}); {_HINTS[DOMAIN]}")

    def image(self, where: str, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if ok:
            return value.strip()
        raise self.error(where, f"must be {IMAGE} (found {value!r}); {_HINTS[IMAGE]}")

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
        return self.error(where, f"must be {kind} (found {found}); {_HINTS[kind]}")

    def url(self, where: str, url: str) -> str:
        try:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if ok and not (parts.query or parts.fragment):
            return url
        raise self.error(
            where,
            f"must be an absolute http(s) URL without query or fragment (found {url!r}); "
            + _HINTS[URL],
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
