"""Serving hints: media types per output file and web-server snippets (nginx, Apache,
Caddy) for ``feeds serve-config``; no I/O. ``serve`` uses the same table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from ..core.errors import ConfigError, UsageError, closest
from ..core.formats import ATOM, FEED_FORMATS, JSON_FEED, OPML_MEDIA_TYPE, RSS
from ..core.settings import Config
from ..publish.redirects import Moved, moved_paths, nginx_locations

KINDS = ("nginx", "apache", "caddy")

FEED_TYPES: tuple[tuple[str, str, str], ...] = (
    # (file name ending, regex for server configs, media type); first match wins. Atom
    # first: the order the snippets have always listed them in.
    *((f.file_name, re.escape(f.file_name) + "$", f.media_type) for f in (ATOM, RSS, JSON_FEED)),
    (".opml", r"\.opml$", OPML_MEDIA_TYPE),
)
"""What a web server's default table gets wrong or lacks: the feed files by name."""

_OTHER_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".json": "application/json",
    ".css": "text/css",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}
# Fixed rather than the mimetypes module, whose answers depend on the machine's files.

TEXT_TYPES: tuple[str, ...] = (
    "text/html",
    OPML_MEDIA_TYPE,
    *(f.media_type for f in FEED_FORMATS),
    "application/json",
    "application/xml",
)
"""Types written as UTF-8 text: served with ``charset=utf-8`` and gzipped."""

_SAFE_PATH = re.compile(r"/?[A-Za-z0-9._~%+-]+(?:/[A-Za-z0-9._~%+-]+)*/?")
_SAFE_ROOT = re.compile(r"[^\"\\${}\x00-\x1f\x7f]+")
"""A root each server reads as plain text inside double quotes: nginx expands ``$name``,
Apache ``${NAME}`` and Caddy ``{placeholder}`` even there."""


def media_type(name: str) -> str:
    """The media type of an output file by its name, without parameters."""
    lower = name.lower()
    for ending, _, mime in FEED_TYPES:
        if lower.endswith(ending):
            return mime
    suffix = lower[lower.rfind(".") :] if "." in lower else ""
    return _OTHER_TYPES.get(suffix, "application/octet-stream")


def content_type(name: str) -> str:
    """The ``Content-Type`` header for an output file: its media type, charset when text."""
    mime = media_type(name)
    is_text = mime in TEXT_TYPES or mime.startswith("text/")
    return f"{mime}; charset=utf-8" if is_text else mime


def _url_path(path: str, what: str, field: str = "redirects") -> str:
    if not _SAFE_PATH.fullmatch(path) or any(part == ".." for part in path.split("/")):
        raise ConfigError(
            f"{what} {path!r} is not a plain URL path; use letters, digits, '-', '_', '.' and '/'",
            field=field,
        )
    return path if path.startswith("/") else "/" + path


def _checked(
    kind: str, root: Path, max_age: int, redirects: Sequence[tuple[str, str] | Moved], base: str
) -> tuple[str, str, list[Moved]]:
    if kind not in KINDS:
        close = closest(kind, KINDS)
        hint = f"; did you mean {close!r}?" if close else f"; use one of {', '.join(KINDS)}"
        raise UsageError(f"unknown server {kind!r}{hint}")
    if max_age < 0:
        raise UsageError(f"max-age must be 0 or more seconds (found {max_age})")
    text = str(root)
    if not root.is_absolute() or not _SAFE_ROOT.fullmatch(text):
        raise UsageError(
            f"the output folder {text!r} must be an absolute path without quotes, "
            "backslashes, '$', braces or control characters; move or rename it"
        )
    if base != "/":
        base = _url_path(base, "the path of site.url", "site.url").rstrip("/") + "/"
    under = base.rstrip("/")  # old and new paths are relative to the site's own path
    moves = [
        Moved(under + _url_path(m.old, "old path"), under + _url_path(m.new, "new path"), m.prefix)
        for m in (Moved(*r) for r in redirects)
    ]
    return text, base, moves


def _block(opening: str, body: list[str]) -> list[str]:
    """``body`` indented inside ``opening … }`` (nginx and Caddy blocks)."""
    return [opening, *(f"    {line}" if line else "" for line in body), "}"]


def _nginx(root: str, base: str, max_age: int, redirects: list[Moved]) -> list[str]:
    compressed = " ".join(t for t in TEXT_TYPES if t != "text/html")
    body = [
        f'root "{root}";' if base == "/" else f'alias "{root}/";',
        "index index.html;",
        "autoindex off;",
        "etag on;",
        "",
        '# "; charset=utf-8" on every text type (text/html is always in charset_types).',
        "charset utf-8;",
        f"charset_types {compressed};",
        "",
        "# Readers poll: caches may keep a file for the refresh interval.",
        f'add_header Cache-Control "max-age={max_age}";',
        "",
        "# text/html is always compressed once gzip is on.",
        "gzip on;",
        "gzip_vary on;",
        f"gzip_types {compressed};",
        "",
        "# Never serve the lock file or a running build's temporary files.",
        *_block(r"location ~ /\. {", ["return 404;"]),
        "",
        "# Feed files by name; nginx's mime.types has no entry for these endings.",
    ]
    for _, pattern, mime in FEED_TYPES:
        body += _block(f"location ~ {pattern} {{", ["types { }", f"default_type {mime};"])
    lines = [
        "# feeds: serve the output folder with nginx. Include inside a server { } block.",
        "# ETag and Last-Modified are on by default for static files (etag on;), and",
        "# conditional requests (If-None-Match, If-Modified-Since) get 304 Not Modified.",
    ]
    if base == "/":
        lines += _block("location / {", body)
    else:  # alias maps the site's path onto the folder; ^~: no other regex location wins
        lines += _block(f"location ^~ {base} {{", body)
        lines += _block(f"location = {base.rstrip('/')} {{", [f"return 301 {base};"])
    if redirects:
        lines += ["", "# Renamed topics: the old feed URLs move permanently."]
        for opening, directive in nginx_locations(redirects, quoted=str):
            lines += _block(f"{opening} {{", [directive])
    return lines


def _apache(root: str, base: str, max_age: int, redirects: list[Moved]) -> list[str]:
    lines = [
        "# feeds: serve the output folder with Apache httpd 2.4. Put inside a <VirtualHost>;",
        "# needs mod_mime, mod_headers, mod_deflate with mod_filter, mod_dir and mod_alias.",
        "# ETag (FileETag MTime Size) and Last-Modified are sent by default for static files,",
        "# and conditional requests (If-None-Match, If-Modified-Since) get 304 Not Modified.",
        f'DocumentRoot "{root}"'
        if base == "/"  # mod_dir redirects the path without its "/" to the folder
        else f'Alias "{base.rstrip("/")}" "{root}"',
        f'<Directory "{root}">',
        "    Require all granted",
        "    Options -Indexes",
        "    AllowOverride None",
        "    DirectoryIndex index.html",
        "    FileETag MTime Size",
        "    # Feed files by name, each with its charset.",
    ]
    for _, pattern, mime in FEED_TYPES:
        lines += [
            f'    <FilesMatch "{pattern}">',
            f'        ForceType "{mime}; charset=utf-8"',
            "    </FilesMatch>",
        ]
    lines += [
        "    AddCharset utf-8 .html .xml .json .opml",
        "    # Never serve the lock file or a running build's temporary files.",
        r'    <FilesMatch "^\.">',
        "        Require all denied",
        "    </FilesMatch>",
        "    # Readers poll: caches may keep a file for the refresh interval.",
        f'    Header set Cache-Control "max-age={max_age}"',
        "    # mod_deflate sends gzip and adds Vary: Accept-Encoding itself.",
        f"    AddOutputFilterByType DEFLATE {' '.join(TEXT_TYPES)}",
        "</Directory>",
    ]
    if redirects:
        lines += ["", "# Renamed topics: the old feed URLs move permanently."]
        for old, new, prefix in redirects:
            if prefix:
                lines.append(f'RedirectMatch 301 "^{re.escape(old)}(.*)$" "{new}$1"')
            else:
                lines.append(f'RedirectMatch 301 "^{re.escape(old)}$" "{new}"')
    return lines


def _caddy(root: str, base: str, max_age: int, redirects: list[Moved]) -> list[str]:
    body = [
        f'root * "{root}"',
        *_block(
            "file_server {",
            ["# Never serve the lock file or a running build's temporary files.", "hide .*"],
        ),
        *_block(
            "encode gzip {",
            _block("match {", [f"header Content-Type {mime}*" for mime in TEXT_TYPES]),
        ),
        "",
    ]
    for n, (_, pattern, mime) in enumerate(FEED_TYPES):
        body += [
            f"@feedtype{n} path_regexp {pattern}",
            f'header @feedtype{n} Content-Type "{mime}; charset=utf-8"',
        ]
    body += [
        "",
        "# Readers poll: caches may keep a file for the refresh interval.",
        f'header Cache-Control "max-age={max_age}"',
    ]
    lines = [
        "# feeds: serve the output folder with Caddy 2. Put inside your site block.",
        "# file_server sends ETag and Last-Modified by default and answers conditional",
        "# requests (If-None-Match, If-Modified-Since) with 304 Not Modified; it sets",
        "# Content-Type only when none is set, so the lines below win. .html is already",
        "# text/html; charset=utf-8.",
    ]
    if base == "/":
        lines += body
    else:  # handle_path strips the site's path before the folder is read
        lines += [f"redir {base.rstrip('/')} {base} 301", *_block(f"handle_path {base}* {{", body)]
    if redirects:
        lines += ["", "# Renamed topics: the old feed URLs move permanently."]
        for n, (old, new, prefix) in enumerate(redirects):
            if prefix:  # a named regexp matcher: its capture keeps the rest of the path
                lines += [
                    f"@moved{n} path_regexp moved{n} ^{re.escape(old)}(.*)$",
                    f"redir @moved{n} {new}{{re.moved{n}.1}} 301",
                ]
            else:
                lines.append(f"redir {old} {new} 301")
    return lines


def serve_config(
    kind: str,
    *,
    root: Path,
    max_age: int,
    redirects: Sequence[tuple[str, str] | Moved] = (),
    base: str = "/",
) -> str:
    """A ready configuration snippet for ``kind`` (nginx, apache or caddy) serving ``root``
    at the URL path ``base`` (the path of ``site.url``, e.g. ``/powerapps/feeds/``).

    ``redirects`` are (old, new) URL paths relative to ``base``, e.g. renamed topics,
    or ``Moved`` paths, whose ``prefix`` moves everything below them too.
    """
    text, base, moves = _checked(kind, root, max_age, redirects, base)
    render = {"nginx": _nginx, "apache": _apache, "caddy": _caddy}[kind]
    return "\n".join(render(text, base, max_age, moves)) + "\n"


def site_path(site_url: str) -> str:
    """The URL path the output folder is served at: ``/powerapps/feeds/`` for
    ``https://example.org/powerapps/feeds/``, ``/`` for a host's root."""
    return urlsplit(site_url).path or "/"


def topic_redirects(config: Config) -> list[Moved]:
    """The paths renamed topics (``previous_slugs``) moved (``redirects.moved_paths``),
    sorted by old path."""
    from ..selection.filters import feed_options

    return sorted(
        moved
        for topic in config.topics
        for old in topic.previous_slugs
        for moved in moved_paths(
            old, topic.slug, feed_options(config, topic).formats, bool(topic.archive)
        )
    )
