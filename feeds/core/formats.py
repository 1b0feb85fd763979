"""The one table of feed formats: each format's config word, file name, media type and
names; no I/O.

Every stage that names a feed file or its type reads it here: feed paths (``FeedSpec.path``),
archive pages, the self links and subscribe pages' alternates (render), the redirect maps
(publish), ``Content-Type`` and the server snippets (serve). Which function renders a
format is mapped in ``render.feed.RENDERERS``, keyed by the same ``key``: core imports
nothing outside core.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """One feed format this version writes."""

    key: str
    """The word in the ``formats`` config key and in reports: "rss", "atom", "json"."""
    file_name: str
    """The file's name inside a feed's folder (and an archive page's)."""
    media_type: str
    """``Content-Type`` and the ``type`` of links to the file."""
    label: str
    """The short name pages put after a feed's title: "AI (RSS)"."""
    name: str
    """The format and version, as README names it: "RSS 2.0"."""
    archives: bool
    """Whether a topic with ``archive: true`` gets RFC 5005 archive pages in it (the XML
    formats; JSON Feed has no such notion)."""


RSS = FeedFormat("rss", "rss.xml", "application/rss+xml", "RSS", "RSS 2.0", archives=True)
ATOM = FeedFormat("atom", "atom.xml", "application/atom+xml", "Atom", "Atom 1.0", archives=True)
JSON_FEED = FeedFormat(
    "json", "feed.json", "application/feed+json", "JSON Feed", "JSON Feed 1.1", archives=False
)

FEED_FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON_FEED)
"""Every format, in the order a feed's files are written."""

BY_KEY: dict[str, FeedFormat] = {fmt.key: fmt for fmt in FEED_FORMATS}
"""Each format by its ``key``."""

FORMATS: tuple[str, ...] = tuple(fmt.key for fmt in FEED_FORMATS)
"""The keys, in the order written: the default of ``formats``."""

ARCHIVE_FORMATS: tuple[str, ...] = tuple(fmt.key for fmt in FEED_FORMATS if fmt.archives)
"""The keys of the formats that get archive pages."""

OPML_FILE = "feeds.opml"
"""The subscription list beside the feeds (not a feed format: no entries)."""
OPML_MEDIA_TYPE = "text/x-opml"


def file_name(key: str) -> str:
    """A format's file name by its key; ``<key>.xml`` for a key outside the table (which
    rendering then refuses, naming that path)."""
    fmt = BY_KEY.get(key)
    return f"{key}.xml" if fmt is None else fmt.file_name
