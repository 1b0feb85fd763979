"""Preview server: the output folder over HTTP, read-only; I/O (files and a socket).

A preview for people and feed readers on this machine; in production any static web
server or CDN serves the folder (``feeds serve-config`` prints a configuration).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from ..core.errors import UsageError
from .links import local_links
from .snippets import TEXT_TYPES, content_type, media_type

Log = Callable[[str], None]
"""Receives one line per request (and per error); the CLI decides whether to print it."""


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its folder and where its log lines go."""

    daemon_threads = True  # an idle keep-alive connection never blocks shutdown

    def __init__(
        self, address: tuple[str, int], root: Path, log: Log | None, site_url: str | None
    ) -> None:
        self.root = root.resolve()
        self.log = log
        self.site_url = site_url
        super().__init__(address, _Handler)


class _PreviewServer6(PreviewServer):
    address_family = socket.AF_INET6


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``q=0`` refuses it)."""
    prefs: dict[str, float] = {}
    for item in (header or "").split(","):
        name, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        prefs[name.strip().lower()] = quality
    for name in ("gzip", "x-gzip", "*"):
        if name in prefs:
            return prefs[name] > 0
    return False


def _not_modified(headers: dict[str, str], etag: str, mtime: float) -> bool:
    match = headers.get("if-none-match")
    if match is not None:  # RFC 9110 13.1.3: If-None-Match wins over If-Modified-Since
        if match.strip() == "*":
            return True
        # Weak comparison; the gzip variant's tag names the same file.
        tags = {t.strip().removeprefix("W/").replace('-gzip"', '"') for t in match.split(",")}
        return etag in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return int(mtime) <= when.timestamp()


_VISIBLE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
"""C0 and C1 control characters (ESC, BEL, CSI, line breaks) → ``\\xNN`` in log lines."""


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for files below the root; everything else is refused."""

    server_version = "feeds-preview"
    protocol_version = "HTTP/1.1"
    timeout = 30
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s\n"

    @property
    def _preview(self) -> PreviewServer:
        return cast(PreviewServer, self.server)

    def version_string(self) -> str:
        return self.server_version  # the base class appends " " + sys_version, even empty

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (base signature)
        log = self._preview.log
        if log is not None:
            # The request line is the client's: shown raw, its escapes would drive the terminal.
            log(f"{self.address_string()} {format % args}".translate(_VISIBLE))

    def _reply(self, code: int, headers: dict[str, str] | None = None) -> None:
        body = f"{code} {self.responses[code][0]}\n".encode()
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _target(self) -> tuple[Path, str] | str | None:
        """The file to serve and its name as requested (the name gives the type), a path to
        redirect to (a folder asked without "/"), or None (404)."""
        url_path = urlsplit(self.path).path
        try:
            decoded = unquote(url_path, errors="strict")
        except UnicodeDecodeError:
            return None
        if not decoded.startswith("/") or "\x00" in decoded or "\\" in decoded:
            return None
        parts = [part for part in decoded.split("/") if part]
        # No "..", and no hidden files: the lock and a running build's temp files start with ".".
        if any(part.startswith(".") for part in parts):
            return None
        root = self._preview.root
        name = parts[-1] if parts else ""
        try:
            target = root.joinpath(*parts).resolve(strict=True)
            if target.is_dir():
                if not decoded.endswith("/"):
                    return url_path + "/"
                name = "index.html"
                target = (target / name).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a symlink loop
            return None
        # Symlinks may point anywhere; only what resolves inside the root is served.
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target, name

    def _serve(self) -> None:
        target = self._target()
        if target is None:
            self._reply(404)
            return
        if isinstance(target, str):
            query = urlsplit(self.path).query
            self._reply(301, {"Location": target + (f"?{query}" if query else "")})
            return
        path, name = target
        try:
            with path.open("rb") as handle:
                mtime = os.fstat(handle.fileno()).st_mtime
                data = handle.read()
        except OSError:
            self._reply(404)
            return
        mime = media_type(name)
        site_url = self._preview.site_url
        if mime == "text/html" and site_url:  # feeds keep their production URLs
            data = local_links(data, site_url)
        compressible = mime in TEXT_TYPES or mime.startswith("text/")
        use_gzip = compressible and accepts_gzip(self.headers.get("Accept-Encoding"))
        etag = f'"{hashlib.sha256(data).hexdigest()[:24]}"'
        headers = {
            # A distinct representation needs a distinct tag (RFC 9110 8.8.3).
            "ETag": etag[:-1] + '-gzip"' if use_gzip else etag,
            "Last-Modified": formatdate(mtime, usegmt=True),
            "Cache-Control": "no-cache",  # a preview: always revalidate (cheap, 304)
        }
        if compressible:
            headers["Vary"] = "Accept-Encoding"
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        if _not_modified(request_headers, etag, mtime):
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        body = gzip.compress(data, mtime=0) if use_gzip else data
        self.send_response(200)
        self.send_header("Content-Type", content_type(name))
        self.send_header("Content-Length", str(len(body)))
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _refuse(self) -> None:
        self._reply(405, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse


def make_server(
    root: Path,
    bind: str = "127.0.0.1",
    port: int = 8000,
    *,
    log: Log | None = None,
    site_url: str | None = None,
) -> ThreadingHTTPServer:
    """A server for ``root`` listening on ``bind:port`` (port 0 picks a free one); links
    to ``site_url`` in its pages become links to itself."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder; run `feeds build` first or pass --output")
    kind = _PreviewServer6 if ":" in bind else PreviewServer
    try:
        return kind((bind, port), root, log, site_url)
    except OSError as error:
        raise UsageError(f"cannot listen on {bind}:{port}: {error.strerror or error}") from error


def server_url(server: ThreadingHTTPServer) -> str:
    """The base URL a server answers on, e.g. ``http://127.0.0.1:8000/``."""
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(
    root: Path,
    bind: str = "127.0.0.1",
    port: int = 8000,
    *,
    log: Log | None = None,
    ready: Callable[[str], None] | None = None,
    site_url: str | None = None,
) -> None:
    """Serve ``root`` until interrupted; ``ready`` gets the base URL once listening."""
    server = make_server(root, bind, port, log=log, site_url=site_url)
    try:
        if ready is not None:
            ready(server_url(server))
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
