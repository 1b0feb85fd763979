"""Unit tests for feeds.serve.snippets: each snippet carries the types, max-age and redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feeds.config.load import read_config
from feeds.core.errors import ConfigError, UsageError
from feeds.core.model import FeedSpec
from feeds.publish.redirects import Moved, nginx_conf, nginx_locations, plan_redirects
from feeds.serve.snippets import (
    KINDS,
    content_type,
    media_type,
    serve_config,
    site_path,
    topic_redirects,
)
from tests.helpers import write_config

ROOT = Path("/srv/feeds/public")
REDIRECTS = (("old-ai/rss.xml", "ai/rss.xml"), ("/old-ai/atom.xml", "/ai/atom.xml"))
FEED_MIME = ("application/rss+xml", "application/atom+xml", "application/feed+json", "text/x-opml")


def snippet(kind: str) -> str:
    return serve_config(kind, root=ROOT, max_age=900, redirects=REDIRECTS)


def balanced(text: str, opening: str, closing: str) -> bool:
    depth = 0
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        for ch in code:
            if ch == opening:
                depth += 1
            elif ch == closing:
                depth -= 1
                if depth < 0:
                    return False
    return depth == 0


@pytest.mark.parametrize("kind", KINDS)
def test_snippet_has_types_max_age_and_root(kind: str) -> None:
    text = snippet(kind)
    for mime in FEED_MIME:
        assert mime in text, mime
    assert "max-age=900" in text
    assert str(ROOT) in text
    assert "charset" in text.lower()
    assert "gzip" in text.lower() or "DEFLATE" in text
    assert "ETag" in text and "Last-Modified" in text  # said so in comments
    assert text.endswith("\n")
    assert text == snippet(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_braces_balance(kind: str) -> None:
    assert balanced(snippet(kind), "{", "}")


def test_nginx() -> None:
    text = snippet("nginx")
    assert '    root "/srv/feeds/public";' in text
    assert "location = /old-ai/rss.xml {\n    return 301 /ai/rss.xml;\n}" in text
    assert "location = /old-ai/atom.xml {\n    return 301 /ai/atom.xml;\n}" in text
    assert "location / {\n    root" in text  # scoped: the server's other paths untouched
    atom = "location ~ atom\\.xml$ {\n        types { }\n        default_type application/atom+xml;"
    assert f"    {atom}" in text
    assert re.search(r"^    charset_types .*application/feed\+json.*;$", text, re.MULTILINE)
    assert "autoindex off;" in text
    # Every directive line ends with ; or opens/closes a block (nginx -t's first complaint).
    for line in text.splitlines():
        code = line.split("#", 1)[0].strip()
        if code:
            assert code.endswith((";", "{", "}")), line


def test_apache() -> None:
    text = snippet("apache")
    assert 'ForceType "application/rss+xml; charset=utf-8"' in text
    assert 'ForceType "text/x-opml; charset=utf-8"' in text
    assert 'Header set Cache-Control "max-age=900"' in text
    assert 'RedirectMatch 301 "^/old\\-ai/rss\\.xml$" "/ai/rss.xml"' in text
    assert "Options -Indexes" in text
    opened = re.findall(r"^\s*<(\w+)", text, re.MULTILINE)
    closed = re.findall(r"^\s*</(\w+)>", text, re.MULTILINE)
    assert sorted(opened) == sorted(closed)


def test_caddy() -> None:
    text = snippet("caddy")
    assert 'root * "/srv/feeds/public"' in text
    assert 'Content-Type "application/feed+json; charset=utf-8"' in text
    assert "redir /old-ai/rss.xml /ai/rss.xml 301" in text
    assert 'header Cache-Control "max-age=900"' in text
    assert "header Content-Type application/rss+xml*" in text  # gzip for feeds
    matchers = re.findall(r"^(@\w+) ", text, re.MULTILINE)
    assert len(matchers) == len(set(matchers)) == 4


def test_no_redirects_no_redirect_section() -> None:
    for kind in KINDS:
        text = serve_config(kind, root=ROOT, max_age=60)
        assert "Renamed topics" not in text
        assert "max-age=60" in text


def test_unknown_kind_suggests() -> None:
    with pytest.raises(UsageError, match="did you mean 'nginx'"):
        serve_config("ngnix", root=ROOT, max_age=1)
    with pytest.raises(UsageError, match="use one of nginx, apache, caddy"):
        serve_config("iis", root=ROOT, max_age=1)


@pytest.mark.parametrize(
    "path",
    ["a b/rss.xml", "a;rewrite/x", "a{b}", '"quoted"', "../etc/passwd", "a/$uri", "", "x\ny"],
)
def test_hostile_redirect_paths_are_refused(path: str) -> None:
    with pytest.raises(ConfigError, match="not a plain URL path"):
        serve_config("nginx", root=ROOT, max_age=1, redirects=[(path, "new/rss.xml")])
    with pytest.raises(ConfigError):
        serve_config("caddy", root=ROOT, max_age=1, redirects=[("old/rss.xml", path)])


@pytest.mark.parametrize(
    "root",
    [
        Path("relative/out"),
        Path('/srv/"x"'),
        Path("/srv/a\nb"),
        Path("/srv/$document_root"),  # nginx variables expand even inside quotes
        Path("/srv/${APACHE_LOG_DIR}"),  # Apache Define
        Path("/srv/{env.HOME}"),  # a Caddy placeholder
        Path("/srv/a\\b"),
    ],
)
def test_bad_roots_are_refused(root: Path) -> None:
    with pytest.raises(UsageError, match="absolute path"):
        serve_config("nginx", root=root, max_age=1)


def test_negative_max_age_refused() -> None:
    with pytest.raises(UsageError, match="max-age"):
        serve_config("caddy", root=ROOT, max_age=-1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rss.xml", "application/rss+xml; charset=utf-8"),
        ("ai/atom.xml", "application/atom+xml; charset=utf-8"),
        ("feed.json", "application/feed+json; charset=utf-8"),
        ("feeds.opml", "text/x-opml; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("other.json", "application/json; charset=utf-8"),
        ("STYLE.CSS", "text/css; charset=utf-8"),
        ("a.png", "image/png"),
        ("README", "application/octet-stream"),
    ],
)
def test_content_type(name: str, expected: str) -> None:
    assert content_type(name) == expected
    assert media_type(name) == expected.split(";")[0]


ARCHIVE = Moved("old-ai/archive/", "ai/archive/", prefix=True)


def test_a_moved_archive_keeps_the_rest_of_the_path_in_every_server() -> None:
    nginx = serve_config("nginx", root=ROOT, max_age=60, redirects=[ARCHIVE])
    assert (
        "location ^~ /old-ai/archive/ {\n"
        "    rewrite ^/old\\-ai/archive/(.*)$ /ai/archive/$1 permanent;\n}"
    ) in nginx
    apache = serve_config("apache", root=ROOT, max_age=60, redirects=[ARCHIVE])
    assert 'RedirectMatch 301 "^/old\\-ai/archive/(.*)$" "/ai/archive/$1"' in apache
    caddy = serve_config("caddy", root=ROOT, max_age=60, redirects=[ARCHIVE])
    assert "@moved0 path_regexp moved0 ^/old\\-ai/archive/(.*)$" in caddy
    assert "redir @moved0 /ai/archive/{re.moved0.1} 301" in caddy
    # The patterns match what they move and keep the rest: checked with Python's engine,
    # which reads these (PCRE and RE2 alike) patterns the same way.
    pattern = re.search(r"rewrite (\S+) ", nginx)
    assert pattern is not None
    found = re.match(pattern.group(1), "/old-ai/archive/3/rss.xml")
    assert found is not None and found.group(1) == "3/rss.xml"
    assert re.match(pattern.group(1), "/old-ai/rss.xml") is None


def test_renamed_topics_move_feeds_page_and_archive_alike_in_build_maps_and_serve_config(
    tmp_path: Path,
) -> None:
    config = read_config(
        write_config(
            tmp_path,
            "site: {title: T, url: 'https://x.org/'}\nsources: [../records]\noutput: ../public\n"
            "topics:\n  - name: AI\n    previous_slugs: [old-ai]\n    archive: true\n"
            "    formats: [rss, json]\n",
        )
    )
    moved = topic_redirects(config)
    assert moved == [
        Moved("old-ai/", "ai/"),
        Moved("old-ai/archive/", "ai/archive/", prefix=True),
        Moved("old-ai/feed.json", "ai/feed.json"),
        Moved("old-ai/rss.xml", "ai/rss.xml"),
    ]
    spec = FeedSpec(
        topic="AI", slug="ai", title="AI", description="", site_url="https://x.org/",
        language=None, author="T", limit=5, formats=("rss", "json"),
        previous_slugs=("old-ai",), archive=True,
    )  # fmt: skip
    maps = plan_redirects([spec], "https://x.org/")
    assert [(r.old_path, r.new_url, r.prefix) for r in maps] == [
        ("/" + m.old, "https://x.org/" + m.new, m.prefix) for m in moved
    ]


def test_the_build_map_and_serve_config_write_nginx_redirects_with_one_writer() -> None:
    moves = [
        Moved("/old-ai/rss.xml", "/ai/rss.xml"),
        Moved("/old-ai/archive/", "/ai/archive/", True),
    ]
    locations = list(nginx_locations(moves, quoted=str))
    assert locations == [
        ("location = /old-ai/rss.xml", "return 301 /ai/rss.xml;"),
        (
            "location ^~ /old-ai/archive/",
            r"rewrite ^/old\-ai/archive/(.*)$ /ai/archive/$1 permanent;",
        ),
    ]
    snippet = serve_config("nginx", root=ROOT, max_age=0, redirects=moves)
    assert all(f"{opening} {{\n    {directive}\n}}" in snippet for opening, directive in locations)
    maps = plan_redirects(
        [FeedSpec(
            topic="AI", slug="ai", title="AI", description="", site_url="https://x.org/",
            language=None, author="T", limit=5, formats=("rss",),
            previous_slugs=("old-ai",), archive=True,
        )],
        "https://x.org/",
    )  # fmt: skip
    written = nginx_conf(maps).splitlines()[2:]
    quoted = [(r.old_path, r.new_url, r.prefix) for r in maps]
    expected = [f"{o} {{ {d} }}" for o, d in nginx_locations(quoted, quoted=_nginx_quoted)]
    assert written == expected


def _nginx_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\") + '"'


SUB = "/powerapps/feeds/"


def test_nginx_under_a_sub_path() -> None:
    text = serve_config("nginx", root=ROOT, max_age=60, redirects=REDIRECTS, base=SUB)
    assert 'location ^~ /powerapps/feeds/ {\n    alias "/srv/feeds/public/";' in text
    assert "location = /powerapps/feeds {\n    return 301 /powerapps/feeds/;\n}" in text
    assert "location = /powerapps/feeds/old-ai/rss.xml {" in text
    assert "return 301 /powerapps/feeds/ai/rss.xml;" in text
    assert "root " not in text and balanced(text, "{", "}")


def test_apache_under_a_sub_path() -> None:
    text = serve_config("apache", root=ROOT, max_age=60, redirects=REDIRECTS, base=SUB)
    assert 'Alias "/powerapps/feeds" "/srv/feeds/public"' in text
    assert "DocumentRoot" not in text
    assert 'RedirectMatch 301 "^/powerapps/feeds/old\\-ai/rss\\.xml$"' in text
    assert '"/powerapps/feeds/ai/rss.xml"' in text


def test_caddy_under_a_sub_path() -> None:
    text = serve_config("caddy", root=ROOT, max_age=60, redirects=REDIRECTS, base=SUB)
    assert "redir /powerapps/feeds /powerapps/feeds/ 301" in text
    assert 'handle_path /powerapps/feeds/* {\n    root * "/srv/feeds/public"' in text
    assert "redir /powerapps/feeds/old-ai/rss.xml /powerapps/feeds/ai/rss.xml 301" in text
    assert balanced(text, "{", "}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("base", ["/a b/", "/a;b/", "/a/{x}/", "/$uri/", "/../"])
def test_hostile_site_paths_are_refused(kind: str, base: str) -> None:
    with pytest.raises(ConfigError, match="site.url"):
        serve_config(kind, root=ROOT, max_age=1, base=base)


def test_site_path() -> None:
    assert site_path("https://example.org/powerapps/feeds/") == SUB
    assert site_path("https://example.org/") == site_path("https://example.org") == "/"
