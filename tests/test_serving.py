"""Serving a built site: polling hints in the feeds, `feeds serve-config` and `feeds serve`
as real subprocesses, with real HTTP requests to 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from tests.helpers import ROOT, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
SITE = (
    "site: {title: Example, url: 'https://feeds.example.org/'}\n"
    "sources: [../records]\noutput: ../public\n"
)
RENAMED = "topics:\n  - name: Power Apps\n    previous_slugs: [powerapps, pa]\n"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"


def site(folder: Path, extra: str = "") -> Path:
    write_record(
        folder / "records",
        "a.md",
        "title: A story\npublishedDateTime: 2026-09-01T10:00:00Z\n"
        "webUrl: https://news.example.com/a\ntopics: [Power Apps]\n",
        "Body.\n",
    )
    return write_config(folder, SITE + RENAMED + extra)


@pytest.mark.parametrize(
    ("minutes", "period", "frequency"),
    [(30, "hourly", "2"), (60, "hourly", "1"), (180, "daily", "8"), (1440, "daily", "1")],
)
def test_refresh_minutes_become_rss_polling_hints(
    tmp_path: Path, minutes: int, period: str, frequency: str
) -> None:
    config = site(tmp_path, f"refresh_minutes: {minutes}\n")
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    data = (tmp_path / "public" / "power-apps" / "rss.xml").read_bytes()
    channel = etree.fromstring(data).find("channel")
    assert channel is not None
    assert channel.findtext("ttl") == str(minutes)
    assert channel.findtext(f"{SY}updatePeriod") == period
    assert channel.findtext(f"{SY}updateFrequency") == frequency
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.feed.ttl == str(minutes)
    assert parsed.feed.sy_updateperiod == period


def test_without_refresh_minutes_no_polling_hints(tmp_path: Path) -> None:
    config = site(tmp_path)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    data = (tmp_path / "public" / "power-apps" / "rss.xml").read_bytes()
    assert b"<ttl>" not in data and b"syndication" not in data


# --- feeds serve-config ----------------------------------------------------------------


def test_serve_config_nginx_from_the_config(tmp_path: Path) -> None:
    config = site(tmp_path, "refresh_minutes: 15\n")
    result = run_feeds("serve-config", "nginx", "--config", config)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert f'root "{tmp_path / "public"}";' in lines
    assert 'add_header Cache-Control "max-age=900";' in lines
    text = result.stdout
    for old in ("powerapps", "pa"):
        for name in ("rss.xml", "atom.xml", "feed.json"):
            assert f"location = /{old}/{name} {{\n    return 301 /power-apps/{name};\n}}" in text
        assert f"location = /{old}/ {{\n    return 301 /power-apps/;\n}}" in text
    assert "default_type application/feed+json;" in text


@pytest.mark.parametrize("server", ["apache", "caddy"])
def test_serve_config_other_servers_and_max_age(tmp_path: Path, server: str) -> None:
    config = site(tmp_path)
    default = run_feeds("serve-config", server, "--config", config)
    assert default.returncode == 0
    assert "max-age=3600" in default.stdout  # no refresh_minutes: hourly
    assert "/power-apps/rss.xml" in default.stdout  # the renamed topic redirects
    chosen = run_feeds("serve-config", server, "--config", config, "--max-age", "60")
    assert "max-age=60" in chosen.stdout and "max-age=3600" not in chosen.stdout


def test_serve_config_unknown_server_is_one_line(tmp_path: Path) -> None:
    result = run_feeds("serve-config", "ngnix", "--config", site(tmp_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "unknown server 'ngnix'; did you mean 'nginx'?\n"


# --- feeds serve -----------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    config = site(tmp_path)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    with subprocess.Popen(
        [sys.executable, "-m", "feeds", "serve", "--config", str(config), "--port", "0", "-q"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            assert ready.startswith("feeds serve: "), ready
            url = urlsplit(ready.split(" on ", 1)[1].split()[0])
            assert url.hostname == "127.0.0.1"  # loopback by default
            yield url.hostname, int(url.port or 0)
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(10) == 0


def get(
    where: tuple[str, int], path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(*where, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_serve_previews_the_built_site(served: tuple[str, int]) -> None:
    status, headers, body = get(served, "/power-apps/feed.json")
    assert status == 200
    assert headers["content-type"] == "application/feed+json; charset=utf-8"
    assert json.loads(body)["feed_url"] == "https://feeds.example.org/power-apps/feed.json"
    again = get(served, "/power-apps/feed.json", {"If-None-Match": headers["etag"]})
    assert (again[0], again[2]) == (304, b"")
    status, headers, body = get(served, "/power-apps/rss.xml", {"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") == "gzip"
    assert not feedparser.parse(gzip.decompress(body)).bozo
    status, headers, body = get(served, "/power-apps/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'type="application/atom+xml"' in body
    assert get(served, "/feeds.opml")[1]["content-type"] == "text/x-opml; charset=utf-8"
    assert get(served, "/../config/feeds.yaml")[0] in (400, 403, 404)
    assert get(served, "/%2e%2e/config/feeds.yaml")[0] in (400, 403, 404)
