"""Configuration keys: what each key may hold, its default and its help text; no I/O.

``KEYS`` is the one table validation (``check``, ``values``) and README.md's reference follow.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..core.settings import Filters
from .kinds import (
    ANYTHING,
    BOOL,
    CONTENT,
    COUNT,
    DOMAINS,
    FORMAT_LIST,
    FRACTION,
    HEADERS,
    IMAGE,
    IMAGES,
    MAPPING,
    NAMES,
    NUMBER,
    OPML,
    PATH,
    RELATED,
    SECONDS,
    SLUG,
    SLUGS,
    SOURCES,
    TEXT,
    TOPICS,
    URL,
    URLS,
)


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
        "`full` (default): the story's text (body, else excerpt), video link and related "
        "list in each entry; `summary`: the excerpt only",
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
    Key(
        "sources[].max_records",
        COUNT,
        "10000",
        "records read at most; later records and pages are left out, with a warning",
    ),
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
    Key(
        "private_images",
        BOOL,
        "false",
        "let `images: enclosure` look up images on loopback, private and link-local "
        "addresses (by default only public addresses are asked)",
    ),
    Key(
        "opml",
        OPML,
        "topics",
        "which feeds `feeds.opml` lists: `topics` (nested as the topic tree), `site` (the "
        "site-wide feed alone) or `both`; feeds with the same entries are listed once",
    ),
    Key("defaults", MAPPING, "{}", "feed options every feed inherits unless it sets them"),
    Key("defaults.limit", COUNT, None, "entries per feed; default: `limit`"),
    *(Key(f"defaults.{o.name}", o.kind, None, o.help) for o in _OPTIONS),
)
