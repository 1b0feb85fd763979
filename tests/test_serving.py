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
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.html
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


def site(folder: Path, extra: str = "", url: str = "https://feeds.example.org/") -> Path:
    write_record(
        folder / "records",
        "a.md",
        "title: A story\npublishedDateTime: 2026-09-01T10:00:00Z\n"
        "webUrl: https://news.example.com/a\ntopics: [Power Apps]\n",
        "Body.\n",
    )
    return write_config(folder, SITE.replace("https://feeds.example.org/", url) + RENAMED + extra)


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
    assert f'    root "{tmp_path / "public"}";' in lines
    assert '    add_header Cache-Control "max-age=900";' in lines
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
    assert result.stderr == "feeds: unknown server 'ngnix'; did you mean 'nginx'?\n"


# --- feeds serve -----------------------------------------------------------------------


@contextmanager
def serving(*args: str | Path, cwd: Path = ROOT) -> Iterator[tuple[str, int]]:
    """``feeds serve ARGS --port 0 -q`` as a subprocess: its host and port, then Ctrl-C."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    command = [sys.executable, "-m", "feeds", "serve", *map(str, args), "--port", "0", "-q"]
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            ready = proc.stdout.readline()
            assert ready.startswith("feeds serve: "), ready + proc.stderr.read()
            url = urlsplit(ready.split(" on ", 1)[1].split()[0])
            assert url.hostname == "127.0.0.1"  # loopback by default
            yield url.hostname, int(url.port or 0)
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(10) == 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    config = site(tmp_path)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    with serving("--config", config) as where:
        yield where


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


def crawl(where: tuple[str, int], site_url: str) -> dict[str, int]:
    """Every link on the served pages, followed from ``/``: URL → status. Links leaving
    127.0.0.1 (the stories' own sites) are recorded, not followed."""
    base = f"http://{where[0]}:{where[1]}/"
    seen: dict[str, int] = {}
    todo = [base]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        parts = urlsplit(url)
        if parts.hostname != "127.0.0.1":
            seen[url] = 0
            continue
        status, headers, body = get(where, parts.path)
        seen[url] = status
        if status == 200 and headers["content-type"].startswith("text/html"):
            page = lxml.html.fromstring(body, base_url=url)
            page.make_links_absolute(url)
            todo += [link for _, _, link, _ in page.iterlinks()]
    assert not [u for u in seen if u.startswith(site_url)], "a link leaves the preview"
    return seen


def test_serve_pages_link_to_the_preview(tmp_path: Path) -> None:
    """Item 7 of issue #14: every page and feed link of the served pages stays local."""
    url = "https://example.org/powerapps/feeds/"
    config = site(tmp_path, url=url)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    with serving("--config", config) as where:
        seen = crawl(where, url)
        local = {u: s for u, s in seen.items() if urlsplit(u).hostname == "127.0.0.1"}
        assert {urlsplit(u).path for u in local} >= {
            "/",
            "/power-apps/",
            "/rss.xml",
            "/power-apps/atom.xml",
            "/feeds.opml",
        }
        assert set(local.values()) == {200}, local
        elsewhere = {u for u in seen if u not in local and not u.startswith("feed:")}
        assert elsewhere == {"https://news.example.com/a"}  # the story's own link
        # Feeds keep their production URLs: a reader previewing them sees the real ones.
        status, _, body = get(where, "/power-apps/feed.json")
        assert body == (tmp_path / "public" / "power-apps" / "feed.json").read_bytes()
        assert json.loads(body)["feed_url"] == url + "power-apps/feed.json"


@pytest.mark.parametrize("how", [["public"], ["--output", "public"]])
def test_serve_a_folder_without_a_config(tmp_path: Path, how: list[str]) -> None:
    """``feeds serve DIR`` in a folder with no config: site.url comes from the feeds."""
    url = "https://example.org/powerapps/feeds/"
    assert run_feeds("build", "--config", site(tmp_path, url=url), "--now", NOW).returncode == 0
    (tmp_path / "config" / "feeds.yaml").unlink()
    with serving(*how, cwd=tmp_path) as where:
        seen = crawl(where, url)
        assert len(seen) > 5 and set(seen.values()) == {0, 200}, seen


def test_readme_quick_start_build_then_serve(tmp_path: Path) -> None:
    """README's Set-up: `feeds build` then `feeds serve` with the bundled sample config
    (written to tmp_path rather than public/): every page and feed link answers locally."""
    assert run_feeds("build", "--output", tmp_path, "-q").returncode == 0
    with serving("--output", tmp_path) as where:
        seen = crawl(where, "https://feeds.example.org/")
    local = [u for u, status in seen.items() if status]
    assert len(local) > 20 and all(seen[u] == 200 for u in local), seen
