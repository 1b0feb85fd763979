"""previous_slugs: a renamed topic's old feed URLs redirect; entry ids stay the same."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from feeds.config.load import read_config
from feeds.core.location import SourceLocation
from feeds.core.model import FeedSpec, Record
from feeds.publish.redirects import plan_redirects, redirect_files
from feeds.render.feed import render_feed
from feeds.selection.select import plan_feeds
from tests.helpers import run_feeds, write_config

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
        f'location = "/feeds/machine/" {{ return 301 "{new}/ml/"; }}',
        f'location = "/feeds/machine/atom.xml" {{ return 301 "{new}/ml/atom.xml"; }}',
        f'location = "/feeds/pa/" {{ return 301 "{new}/power-apps/"; }}',
        f'location = "/feeds/pa/atom.xml" {{ return 301 "{new}/power-apps/atom.xml"; }}',
        f'location = "/feeds/pa/rss.xml" {{ return 301 "{new}/power-apps/rss.xml"; }}',
        f'location = "/feeds/powerapps/" {{ return 301 "{new}/power-apps/"; }}',
        f'location = "/feeds/powerapps/atom.xml" {{ return 301 "{new}/power-apps/atom.xml"; }}',
        f'location = "/feeds/powerapps/rss.xml" {{ return 301 "{new}/power-apps/rss.xml"; }}',
    ]
    assert all(line.startswith("#") for line in nginx[:2])
    apache = files["redirects.apache.conf"].decode().splitlines()
    assert apache[2] == 'Redirect permanent "/feeds/machine/" "https://x.org/feeds/ml/"'
    assert apache[3] == (
        'Redirect permanent "/feeds/machine/atom.xml" "https://x.org/feeds/ml/atom.xml"'
    )
    assert len(apache) == 10


def test_an_archived_topic_moves_its_archive_pages_too() -> None:
    archived = replace(spec("power-apps", ("pa",), ("rss",)), archive=True)
    files = redirect_files([archived], "https://x.org/feeds/")
    nginx = files["redirects.nginx.conf"].decode().splitlines()
    assert (
        r'location ^~ "/feeds/pa/archive/" { rewrite "^/feeds/pa/archive/(.*)$" '
        '"https://x.org/feeds/power-apps/archive/$1" permanent; }'
    ) in nginx
    apache = files["redirects.apache.conf"].decode().splitlines()
    # mod_alias Redirect keeps the rest of the path: archive/3/rss.xml lands on the same
    # page under the new folder.
    assert (
        'Redirect permanent "/feeds/pa/archive/" "https://x.org/feeds/power-apps/archive/"'
    ) in apache
    # Every old URL the build wrote maps to the current file of the same name.
    for redirect in plan_redirects([archived], "https://x.org/feeds/"):
        assert (
            redirect.old_path.replace("/pa/", "/power-apps/", 1) == urlsplit(redirect.new_url).path
        )


def test_no_previous_slugs_no_files() -> None:
    assert redirect_files([spec("ai", ())], "https://x.org/") == {}
    redirects = plan_redirects([spec("a", ("b",), ("rss",))], "https://x.org")
    assert [r.old_path for r in redirects] == ["/b/", "/b/rss.xml"]


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
        .endswith('Redirect permanent "/powerapps/rss.xml" "https://x.org/power-apps/rss.xml"\n')
    )


HOSTILE_SITE_URLS = [
    "https://x.org/feeds/\n}\nlocation / { return 200 pwned; }\n#",
    "https://x.org/feeds;}/",
    "https://x.org/fe eds/",
    "https://x.org/feeds/\tx/",
    "https://x.org/\x1b[31m/",
    'https://x.org/"x"/',
    "https://x.org/a\\b/",
]


@pytest.mark.parametrize("url", HOSTILE_SITE_URLS)
def test_a_site_url_that_could_break_out_of_server_config_is_refused(
    tmp_path: Path, url: str
) -> None:
    write_config(
        tmp_path,
        f"site: {{title: X, url: {json.dumps(url)}}}\nsources: [../records]\n"
        "topics:\n  - name: AI\n    previous_slugs: [old]\n",
    )
    (tmp_path / "records").mkdir()
    result = run_feeds("build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"feeds: config/feeds.yaml:1: site.url: must be an absolute http(s) URL without spaces, "
        f"control characters, quotes, backslashes or braces (found {url!r}); "
        "write the full address, e.g. https://example.org/feeds/\n"
    )
    assert not (tmp_path / "public").exists()


QUOTED = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
"""One double-quoted server-config string: no bare quote, backslash or control inside."""


def test_every_value_in_the_redirect_files_is_quoted_and_dollar_signs_are_inert() -> None:
    site = "https://x.org/a$uri;b'c/"
    archived = replace(spec("ai", ("old",), ("rss",)), archive=True)
    files = redirect_files([archived], site)
    nginx = files["redirects.nginx.conf"].decode().splitlines()[2:]
    arg = QUOTED.pattern
    assert all(
        re.fullmatch(rf"location = {arg} \{{ return 301 {arg}; \}}", line)
        or re.fullmatch(rf"location \^~ {arg} \{{ rewrite {arg} {arg} permanent; \}}", line)
        for line in nginx
    ), nginx
    assert 'location = "/a$uri;b\'c/old/rss.xml" { return 301 ' in nginx[2]
    # nginx expands $name in return and rewrite targets: the site's "$" is sent encoded.
    assert nginx[2].endswith('"https://x.org/a%24uri;b\'c/ai/rss.xml"; }')
    assert nginx[1].endswith(' "https://x.org/a%24uri;b\'c/ai/archive/$1" permanent; }')
    apache = files["redirects.apache.conf"].decode().splitlines()[2:]
    assert all(re.fullmatch(rf"Redirect permanent {arg} {arg}", line) for line in apache), apache
    assert apache[2] == (
        'Redirect permanent "/a$uri;b\'c/old/rss.xml" "https://x.org/a%24uri;b\'c/ai/rss.xml"'
    )
