"""previous_slugs: a renamed topic's old feed URLs redirect; entry ids stay the same."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feeds.config import read_config
from feeds.model import FeedSpec, Record, SourceLocation
from feeds.redirects import plan_redirects, redirect_files
from feeds.render import render_feed
from feeds.selection import plan_feeds
from tests.helpers import write_config

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def spec(
    slug: str, previous: tuple[str, ...], formats: tuple[str, ...] = ("rss", "atom")
) -> FeedSpec:
    return FeedSpec(
        topic=slug, slug=slug, title=slug, description="", site_url="https://x.org/feeds/",
        language=None, author="X", limit=5, formats=formats, previous_slugs=previous,
    )  # fmt: skip


def test_redirect_files_for_nginx_and_apache() -> None:
    specs = [
        spec("power-apps", ("powerapps", "pa")),
        spec("ai", (), ("rss",)),
        spec("ml", ("machine",), ("atom",)),
    ]
    files = redirect_files(specs, "https://x.org/feeds/")
    assert list(files) == ["redirects.nginx.conf", "redirects.apache.conf"]
    nginx = files["redirects.nginx.conf"].decode().splitlines()
    new = "https://x.org/feeds"
    assert nginx[2:] == [
        f"location = /feeds/machine/atom.xml {{ return 301 {new}/ml/atom.xml; }}",
        f"location = /feeds/pa/atom.xml {{ return 301 {new}/power-apps/atom.xml; }}",
        f"location = /feeds/pa/rss.xml {{ return 301 {new}/power-apps/rss.xml; }}",
        f"location = /feeds/powerapps/atom.xml {{ return 301 {new}/power-apps/atom.xml; }}",
        f"location = /feeds/powerapps/rss.xml {{ return 301 {new}/power-apps/rss.xml; }}",
    ]
    assert all(line.startswith("#") for line in nginx[:2])
    apache = files["redirects.apache.conf"].decode().splitlines()
    assert apache[2] == "Redirect permanent /feeds/machine/atom.xml https://x.org/feeds/ml/atom.xml"
    assert len(apache) == 7


def test_no_previous_slugs_no_files() -> None:
    assert redirect_files([spec("ai", ())], "https://x.org/") == {}
    assert (
        plan_redirects([spec("a", ("b",), ("rss",))], "https://x.org")[0].old_path == "/b/rss.xml"
    )


def test_renamed_topic_keeps_entry_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    site = "site: {title: X, url: 'https://x.org/'}\n"
    record = Record(
        source=SourceLocation("a.md", 1), title="A", url="https://n.org/a?utm_source=x",
        canonical_url="https://n.org/a", published_at=T0, topics=("Power Apps",),
    )  # fmt: skip
    ids = []
    for body in (
        "topics:\n  - name: Power Apps\n    slug: powerapps\n",
        "topics:\n  - name: Power Apps\n    previous_slugs: [powerapps]\n",
    ):
        config = read_config(write_config(tmp_path, site + body))
        feed = plan_feeds(config, [record])[1]
        url = feed.spec.feed_url("atom", config.site.url)
        data = render_feed(feed.spec, "atom", feed.entries, feed_url=url, updated=feed.updated)
        ids.append([e.id for e in feedparser.parse(data).entries])
    assert ids == [["https://n.org/a"], ["https://n.org/a"]]
    assert feed.spec.slug == "power-apps"
    assert (
        redirect_files([feed.spec], config.site.url)["redirects.apache.conf"]
        .decode()
        .endswith("Redirect permanent /powerapps/rss.xml https://x.org/power-apps/rss.xml\n")
    )
