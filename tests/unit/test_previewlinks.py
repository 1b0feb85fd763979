"""Unit tests for feeds.serve.links: which links the preview makes local, and site.url
found from a built folder's feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.serve.links import find_site_url, local_links

SITE = "https://example.org/power&apps/feeds/"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('<a href="https://example.org/power&amp;apps/feeds/ai/">', '<a href="/ai/">'),
        (
            '<link rel="alternate" href="https://example.org/power&amp;apps/feeds/rss.xml">',
            '<link rel="alternate" href="/rss.xml">',
        ),
        ('<img src="https://example.org/power&amp;apps/feeds/a.png">', '<img src="/a.png">'),
        ('<a href="https://example.org/power&amp;apps/feeds/">', '<a href="/">'),
        # Elsewhere on the same host, another host, and the URL as text: kept.
        ('<a href="https://example.org/power&amp;apps/other/">', None),
        ('<a href="https://news.example.com/power&amp;apps/feeds/">', None),
        ("<p>https://example.org/power&amp;apps/feeds/rss.xml</p>", None),
        ('<a title="https://example.org/power&amp;apps/feeds/">', None),
    ],
)
def test_local_links(before: str, after: str | None) -> None:
    result = local_links(before.encode(), SITE).decode()
    assert result == (before if after is None else after)


RSS = (
    '<?xml version="1.0"?><rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
    '<atom:link href="https://example.org/x/ai/rss.xml" rel="self"/></channel></rss>'
)


def test_site_url_from_a_topic_feed(tmp_path: Path) -> None:
    (tmp_path / "ai").mkdir()
    (tmp_path / "ai" / "rss.xml").write_text(RSS)
    (tmp_path / "rss.xml").write_text("<rss><channel/></rss>")  # no self link: skipped
    (tmp_path / "feed.json").write_text("[not json")
    assert find_site_url(tmp_path) == "https://example.org/x/"


def test_site_url_from_atom_and_json(tmp_path: Path) -> None:
    (tmp_path / "feed.json").write_text('{"feed_url": "https://e.org/f/feed.json"}')
    assert find_site_url(tmp_path) == "https://e.org/f/"
    atom = '<feed xmlns="http://www.w3.org/2005/Atom"><link rel="self" href="http://h/atom.xml"/>'
    (tmp_path / "atom.xml").write_text(atom + "</feed>")
    assert find_site_url(tmp_path) == "http://h/"  # atom.xml comes before feed.json


@pytest.mark.parametrize(
    "feed_url",
    ["https://e.org/f/other.json", "javascript:alert(1)//feed.json", 42],
)
def test_no_site_url_when_the_self_link_does_not_fit(tmp_path: Path, feed_url: object) -> None:
    (tmp_path / "feed.json").write_text(f'{{"feed_url": {feed_url!r}}}'.replace("'", '"'))
    assert find_site_url(tmp_path) is None
    assert find_site_url(tmp_path / "missing") is None
