"""feeds.serve with real HTTP requests to 127.0.0.1 on an ephemeral port."""

from __future__ import annotations

import gzip
import http.client
import os
import socket
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from feeds.core.errors import UsageError
from feeds.serve.server import accepts_gzip, make_server, server_url
from tests.httpserver import running

RSS = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>\n' * 20
MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    files = {
        "index.html": b"<!DOCTYPE html><title>Home</title>\n",
        "rss.xml": RSS,
        "atom.xml": b"<feed/>\n",
        "feed.json": b'{"version": "https://jsonfeed.org/version/1.1"}\n',
        "feeds.opml": b"<opml/>\n",
        "ai/index.html": b"<!DOCTYPE html><title>AI</title>\n",
        "ai/rss.xml": b"<rss/>\n",
        "empty/placeholder.png": b"\x89PNG",
        ".feeds.lock": b"",
        "ai/.rss.xml.abc.feeds-tmp": b"partial",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME))
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    (root / "leak.txt").symlink_to(secret)
    (root / "leakdir").symlink_to(tmp_path)
    (root / "inside.xml").symlink_to(root / "rss.xml")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[tuple[str, int, list[str]]]:
    lines: list[str] = []
    with running(make_server(site, "127.0.0.1", 0, log=lines.append)) as srv:
        host, port = srv.server_address[:2]
        assert server_url(srv) == f"http://127.0.0.1:{port}/"
        yield str(host), int(port), lines


def request(
    server: tuple[str, int, list[str]], path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as given (http.client does not normalize "/../")."""
    host, port, _ = server
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/ai/", "text/html; charset=utf-8"),
        ("/ai/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/empty/placeholder.png", "image/png"),
    ],
)
def test_content_types(server: tuple[str, int, list[str]], path: str, expected: str) -> None:
    status, headers, _ = request(server, path)
    assert status == 200
    assert headers["content-type"] == expected
    assert headers["x-content-type-options"] == "nosniff"


def test_get_has_validators_and_exact_body(server: tuple[str, int, list[str]]) -> None:
    status, headers, body = request(server, "/rss.xml")
    assert status == 200
    assert body == RSS
    assert headers["content-length"] == str(len(RSS))
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert headers["last-modified"] == "Thu, 01 Jan 2026 00:00:00 GMT"
    assert headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in headers


def test_conditional_get_gives_304(server: tuple[str, int, list[str]]) -> None:
    _, first, _ = request(server, "/rss.xml")
    status, headers, body = request(server, "/rss.xml", If_None_Match=first["etag"])
    assert (status, body) == (304, b"")
    assert headers["etag"] == first["etag"]
    status, _, _ = request(server, "/rss.xml", If_None_Match=f'"other", W/{first["etag"]}')
    assert status == 304
    status, _, body = request(server, "/rss.xml", If_None_Match='"other"')
    assert (status, body) == (200, RSS)


def test_if_modified_since(server: tuple[str, int, list[str]]) -> None:
    same = formatdate(MTIME, usegmt=True)
    assert request(server, "/rss.xml", If_Modified_Since=same)[0] == 304
    later = formatdate(MTIME + 60, usegmt=True)
    assert request(server, "/rss.xml", If_Modified_Since=later)[0] == 304
    earlier = formatdate(MTIME - 60, usegmt=True)
    assert request(server, "/rss.xml", If_Modified_Since=earlier)[0] == 200
    assert request(server, "/rss.xml", If_Modified_Since="garbage")[0] == 200
    # If-None-Match wins over If-Modified-Since.
    status, _, _ = request(server, "/rss.xml", If_None_Match='"x"', If_Modified_Since=same)
    assert status == 200


def test_gzip_round_trip(server: tuple[str, int, list[str]]) -> None:
    status, headers, body = request(server, "/rss.xml", Accept_Encoding="br, gzip;q=0.8")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(RSS)
    assert gzip.decompress(body) == RSS
    plain_tag = request(server, "/rss.xml")[1]["etag"]
    assert headers["etag"] != plain_tag
    # The gzip variant's tag revalidates too, with or without gzip.
    assert request(server, "/rss.xml", If_None_Match=headers["etag"])[0] == 304
    # Same bytes every time (gzip mtime fixed).
    assert request(server, "/rss.xml", Accept_Encoding="gzip")[2] == body


def test_gzip_refused_or_not_compressible(server: tuple[str, int, list[str]]) -> None:
    _, headers, body = request(server, "/rss.xml", Accept_Encoding="gzip;q=0, identity")
    assert "content-encoding" not in headers and body == RSS
    _, headers, _ = request(server, "/empty/placeholder.png", Accept_Encoding="gzip")
    assert "content-encoding" not in headers
    assert "vary" not in headers


def test_head_has_headers_but_no_body(server: tuple[str, int, list[str]]) -> None:
    status, headers, body = request(server, "/rss.xml", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(RSS))
    assert headers["content-type"] == "application/rss+xml; charset=utf-8"
    status, _, body = request(server, "/missing.xml", "HEAD")
    assert (status, body) == (404, b"")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/ai/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/ai/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/.feeds.lock",
        "/ai/.rss.xml.abc.feeds-tmp",
        "/rss.xml%00.html",
        "/%ff",
        "/missing",
    ],
)
def test_traversal_and_hidden_files_refused(server: tuple[str, int, list[str]], path: str) -> None:
    status, _, body = request(server, path)
    assert status == 404
    assert b"do not serve" not in body
    assert b"partial" not in body


def test_symlink_inside_root_is_served(server: tuple[str, int, list[str]]) -> None:
    status, headers, body = request(server, "/inside.xml")
    assert (status, body) == (200, RSS)
    assert headers["content-type"] == "application/xml; charset=utf-8"


def test_folders(server: tuple[str, int, list[str]]) -> None:
    status, headers, _ = request(server, "/ai?x=1")
    assert status == 301
    assert headers["location"] == "/ai/?x=1"
    assert request(server, "/ai/")[2] == b"<!DOCTYPE html><title>AI</title>\n"
    # A folder without index.html: no listing.
    status, _, body = request(server, "/empty/")
    assert status == 404
    assert b"placeholder" not in body


def test_read_only(server: tuple[str, int, list[str]]) -> None:
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = request(server, "/rss.xml", method)
        assert status == 405
        assert headers["allow"] == "GET, HEAD"


def test_quiet_unless_asked(server: tuple[str, int, list[str]]) -> None:
    request(server, "/rss.xml")
    _, _, lines = server
    assert any('"GET /rss.xml HTTP/1.1" 200' in line for line in lines)


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        make_server(tmp_path / "nope", "127.0.0.1", 0)


def test_busy_port_is_a_usage_error(site: Path) -> None:
    first = make_server(site, "127.0.0.1", 0)
    try:
        port = first.server_address[1]
        with pytest.raises(UsageError, match="cannot listen on 127.0.0.1"):
            make_server(site, "127.0.0.1", int(port))
    finally:
        first.server_close()


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("gzip", True),
        ("deflate, gzip;q=1.0, *;q=0.5", True),
        ("gzip;q=0", False),
        ("*", True),
        ("*;q=0", False),
        ("br", False),
        ("", False),
        (None, False),
        ("GZIP;Q=0.3", True),
        ("gzip;q=abc", False),
    ],
)
def test_accepts_gzip(header: str | None, allowed: bool) -> None:
    assert accepts_gzip(header) is allowed


def test_request_lines_are_logged_without_terminal_escapes(
    server: tuple[str, int, list[str]],
) -> None:
    host, port, lines = server
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(b"GET /\x1b[2J\x1b]0;pwned\x07\x9b31m.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 404")
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(b"GET /\x1b[31m HTTP/1.1 junk\r\n\r\n")  # malformed: logged as an error
        assert b"400" in conn.recv(100)
    logged = "\n".join(lines)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in logged.replace("\n", ""))
    assert r'"GET /\x1b[2J\x1b]0;pwned\x07\x9b31m.xml HTTP/1.1" 404' in logged
    assert len(lines) == 3 and "\\x1b[31m" in lines[2], lines


def test_server_header_has_no_trailing_space(server: tuple[str, int, list[str]]) -> None:
    """BaseHTTPRequestHandler joins server_version and sys_version with a space."""
    host, port, _ = server
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(b"HEAD /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
    assert b"\r\nServer: feeds-preview\r\n" in head, head
