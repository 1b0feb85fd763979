"""`feeds init` on a real Jekyll site: records in `_news/`, topics in `_data/topics/`.

The flow README's quick start shows (init, set the site, check, build, serve), run as
subprocesses on a copy of the real corpus.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import feedparser
import pytest
import yaml

from feeds.config.load import read_config
from tests.helpers import CORPUS, run_feeds

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared is not present")

NOW = "2026-10-01T00:00:00Z"


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site's records and topic files, copied once for the module."""
    site = tmp_path_factory.mktemp("corpus") / "site"
    shutil.copytree(CORPUS / "_news", site / "_news")
    shutil.copytree(CORPUS / "_data" / "topics", site / "_data" / "topics")
    return site


@pytest.fixture
def site(corpus_copy: Path, tmp_path: Path) -> Path:
    """A fresh Jekyll site of this test's own (records are hard links: cheap)."""
    site = tmp_path / "site"
    shutil.copytree(corpus_copy, site, copy_function=os.link)
    return site


def site_topics(site: Path) -> dict[str, dict[str, str]]:
    """The site's topic files: ``_id`` → the file's mapping."""
    files = sorted((site / "_data" / "topics").glob("*.yaml"))
    return {data["_id"]: data for data in (yaml.safe_load(f.read_text("utf-8")) for f in files)}


def set_site(config: Path, title: str, url: str) -> None:
    """Do what the init message asks: replace the placeholder title and URL."""
    text = config.read_text("utf-8")
    text = text.replace("title: My feeds", f"title: {title}")
    text = text.replace("url: https://example.org/feeds/", f"url: {url}")
    config.write_text(text, "utf-8")


def test_init_writes_topic_files_and_the_site_builds(site: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run_feeds("init", site / "_news", cwd=work)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"feeds init: wrote config/feeds.yaml (topics from {site / '_data' / 'topics'}); "
        "set site.title and site.url, then run 'feeds check'\n"
    )
    config_path = work / "config" / "feeds.yaml"
    raw = yaml.safe_load(config_path.read_text("utf-8"))
    assert "topics" not in raw
    assert raw["topic_files"] == str(site / "_data" / "topics")
    assert raw["sources"] == [str(site / "_news")]
    config = read_config(config_path)
    topics = site_topics(site)
    assert {t.name for t in config.topics} == {t["name"] for t in topics.values()}
    assert {t.name: t.parent for t in config.topics}["Canvas apps"] == "Power Apps"
    assert config.output == work / "public"

    # Placeholders left in: check says which key and what to do.
    result = run_feeds("check", "--now", NOW, cwd=work)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "config/feeds.yaml:4: site.title: still the placeholder 'My feeds' that feeds init "
        "wrote; set it to your site's name",
        "config/feeds.yaml:5: site.url: still the placeholder 'https://example.org/feeds/' "
        "that feeds init wrote; set it to the address the output folder is served from",
    ]

    set_site(config_path, "Everyday Power Apps", "https://feeds.example.net/powerapps/")
    result = run_feeds("check", "--now", NOW, cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = run_feeds("build", "--now", NOW, cwd=work)
    assert (result.returncode, result.stderr) == (0, "")

    public = work / "public"
    assert {p.parent.name for p in public.glob("*/rss.xml")} == set(topics)
    for slug, topic in topics.items():
        feed = feedparser.parse((public / slug / "rss.xml").read_bytes())
        assert not feed.bozo, slug
        title = topic.get("shortname") or topic["name"]
        assert feed.feed.title == f"Everyday Power Apps: {title}"
        assert feed.entries, slug
        assert feed.feed.link.startswith(f"https://feeds.example.net/powerapps/{slug}/")
    assert_served(work, "power-apps/rss.xml")


def assert_served(work: Path, path: str) -> None:
    """``feeds serve`` (as README runs it, on a free port) serves ``path`` of the build."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    serve = subprocess.Popen(
        [sys.executable, "-m", "feeds", "serve", "--port", "0", "-q"],
        cwd=work,
        env={**env, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        ready = serve.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+/) ", ready)
        assert match, ready
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(match[1] + path, timeout=30) as response:
            body = response.read()
        assert body == (work / "public" / path).read_bytes()
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        if serve.stdout:
            serve.stdout.close()


def test_init_inside_the_site_refuses_to_write_where_jekyll_publishes(site: Path) -> None:
    result = run_feeds("init", "_news", cwd=site)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"feeds: init: config/feeds.yaml and public/ would be published by the Jekyll site {site} "
        "(it has _data/); run feeds init from a folder outside the site, "
        "or pass --config _feeds/feeds.yaml\n"
    )
    assert sorted(p.name for p in site.iterdir()) == ["_data", "_news"]


def test_init_into_an_underscore_folder_of_the_site(site: Path) -> None:
    result = run_feeds("init", "_news", "--config", "_feeds/feeds.yaml", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("feeds init: wrote _feeds/feeds.yaml (topics from ")
    raw = yaml.safe_load((site / "_feeds" / "feeds.yaml").read_text("utf-8"))
    assert (raw["sources"], raw["topic_files"], raw["output"]) == (
        ["../_news"],
        "../_data/topics",
        "public",
    )
    config = read_config(site / "_feeds" / "feeds.yaml")
    assert config.output == site / "_feeds" / "public"
    assert len(config.topics) == len(site_topics(site))
    assert sorted(p.name for p in site.iterdir()) == ["_data", "_feeds", "_news"]
