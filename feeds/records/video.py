"""Validate/render helper: recognise an embedded video player and describe it safely; no I/O.

A record's ``featuredContent`` may hold a YouTube or Vimeo ``<iframe>``. Feeds never carry
the iframe (readers strip it, and it would load a third-party player): the entry gets a plain
link to the video instead, and Media RSS gets the player's URL. Only the video's id is taken
from the input; every URL returned is rebuilt from a fixed template, so nothing the record
wrote (scheme, host, query, markup) reaches the feed.

Media RSS (https://www.rssboard.org/media-rss) for a video without a direct file URL: a
``<media:content medium="video">`` *without* ``url`` holding a ``<media:player url=…>``
(the spec requires ``media:player`` exactly when ``url`` is missing), e.g.::

    <media:content medium="video" width="800" height="500">
      <media:player url="https://www.youtube-nocookie.com/embed/ID" width="800" height="500"/>
      <media:thumbnail url="https://i.ytimg.com/vi/ID/hqdefault.jpg"/>
      <media:title type="plain">The record's title</media:title>
    </media:content>

``player_url`` is the embeddable page (``media:player``); ``watch_url`` is for people (links).
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from ..core.media import Video

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,20}")
_DIMENSION = re.compile(r"[0-9]{1,4}")

_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_NOCOOKIE_HOSTS = frozenset({"youtube-nocookie.com", "www.youtube-nocookie.com"})
_VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"})

_URL_ATTRIBUTES = {"iframe": "src", "embed": "src", "a": "href", "object": "data"}
"""Where an embed names its player: the first of these tags that is a video wins."""


def _youtube(video_id: str) -> Video:
    return Video(
        watch_url=f"https://www.youtube.com/watch?v={video_id}",
        # The no-cookie host sets no tracking cookies until the viewer presses play.
        player_url=f"https://www.youtube-nocookie.com/embed/{video_id}",
        thumbnail_url=f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg",
        provider="youtube",
    )


def _vimeo(video_id: str, unlisted_hash: str | None) -> Video:
    watch = f"https://vimeo.com/{video_id}"
    player = f"https://player.vimeo.com/video/{video_id}"
    if unlisted_hash:  # unlisted videos play only with their hash
        watch += f"/{unlisted_hash}"
        player += f"?h={unlisted_hash}"
    return Video(watch, player, None, "vimeo")


def _host(url: str) -> tuple[str, list[str], dict[str, list[str]]] | None:
    """(host, path segments, query) of an http(s) or scheme-relative URL; None otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", ""):
        return None
    if not parts.netloc or parts.username is not None or parts.password is not None:
        return None
    if port not in (None, 80, 443):
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    segments = [s for s in parts.path.split("/") if s]
    return host, segments, parse_qs(parts.query)


def video_at(url: str) -> Video | None:
    """The video a YouTube or Vimeo URL (page, short link or player) shows, or None."""
    found = _host(url)
    if found is None:
        return None
    host, path, query = found
    candidate: str | None = None
    if host in _YOUTUBE_HOSTS | _NOCOOKIE_HOSTS:
        if len(path) == 2 and path[0] in ("embed", "v", "shorts", "live"):
            candidate = path[1]
        elif path == ["watch"] and host in _YOUTUBE_HOSTS:
            candidate = (query.get("v") or [""])[0]
    elif host == "youtu.be" and len(path) == 1:
        candidate = path[0]
    if candidate is not None:
        return _youtube(candidate) if _YOUTUBE_ID.fullmatch(candidate) else None

    if host in _VIMEO_HOSTS:
        if host == "player.vimeo.com":
            ids = path[1:] if len(path) == 2 and path[0] == "video" else []
            hashes = query.get("h") or []
        else:
            ids = path[:1] if path and len(path) <= 2 else []
            hashes = path[1:] if len(path) == 2 else []
        video_id = ids[0] if ids else ""
        unlisted = hashes[0] if hashes else None
        if not _VIMEO_ID.fullmatch(video_id):
            return None
        if unlisted is not None and not _VIMEO_HASH.fullmatch(unlisted):
            return None
        return _vimeo(video_id, unlisted)
    return None


class _Embeds(HTMLParser):
    """Collects (url, width, height) of iframes, embeds, objects and links, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _URL_ATTRIBUTES.get(tag)
        values = dict(attrs)
        url = values.get(wanted) if wanted else None
        if url:
            self.found.append((url, values.get("width"), values.get("height")))


def _dimension(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if _DIMENSION.fullmatch(value) and int(value) > 0 else None


def video_of(featured_content: str | None, url: str | None) -> Video | None:
    """The video a record features: its ``featuredContent`` embed first, else its own URL."""
    if featured_content and featured_content.strip():
        text = featured_content.strip()
        if "<" in text:
            parser = _Embeds()
            parser.feed(text)
            parser.close()
            candidates = parser.found
        else:  # a bare URL
            candidates = [(text, None, None)]
        for found_url, width, height in candidates:
            video = video_at(found_url)
            if video is not None:
                return replace(video, width=_dimension(width), height=_dimension(height))
    return video_at(url) if url else None


def video_html(video: Video, title: str) -> str:
    """A plain paragraph linking to the video (with its thumbnail when known); no iframe.

    ``title`` is plain text (a record's title) and is escaped here.
    """
    watch = escape(video.watch_url)
    label = escape(f"Watch “{title}” on {video.provider_name}")
    parts = []
    if video.thumbnail_url:
        alt = escape(f"Video: {title}")
        image = f'<img src="{escape(video.thumbnail_url)}" alt="{alt}">'
        parts.append(f'<p><a href="{watch}">{image}</a></p>')
    parts.append(f'<p><a href="{watch}">{label}</a></p>')
    return "".join(parts)
