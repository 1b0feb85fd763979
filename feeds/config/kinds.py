"""Configuration kinds: what a key's value must be, the hint shown when it is not, and
how list and choice kinds are made; no I/O.

``keys.KEYS`` gives every key one of these kinds; ``values`` converts by kind.
"""

from __future__ import annotations

from ..core.formats import FORMATS
from ..core.settings import CONTENT_MODES, OPML_MODES, RELATED_MODES

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
OPML = "topics, site or both"

CHOICES: dict[str, tuple[str, ...]] = {
    FORMAT: FORMATS,
    RELATED: RELATED_MODES,
    CONTENT: CONTENT_MODES,
    IMAGES: ("media", "enclosure"),
    OPML: OPML_MODES,
}
"""Kinds whose value is one word of a fixed set."""

ITEM_KINDS = {
    PATHS: PATH,
    NAMES: TEXT,
    DOMAINS: DOMAIN,
    FORMAT_LIST: FORMAT,
    SLUGS: SLUG,
    URLS: URL,
}
"""List kinds (a single value allowed too) and the kind of each item."""

MAY_BE_EMPTY = (NAMES, DOMAINS, SLUGS, URLS)
"""List kinds where ``[]`` is a meaningful value ("none", overriding a default)."""

HINTS = {
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
    OPML: "write topics, site or both",
}
