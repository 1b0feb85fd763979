"""The one URL checker (feeds/core/urls.py) and its named policies: a record's feed link,
a URL a server sent, a URL in the config, a link in a record's body."""

from __future__ import annotations

import pytest

from feeds.core.urls import config_url, page_link, server_url, url_problem


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.org/a", None),
        ("http://[::1]:8080/x", None),
        ("", "is blank"),
        ("https://example.org/a b", "contains spaces or control characters"),
        ("ftp://example.org/", "is not an http(s) URL"),
        ("https://user:pw@example.org/", "contains credentials"),
        ("https://exa_mple.org/", "has no valid host"),
        ("https://example.org:0/", "has an invalid port"),
        ("http://[::1/", "is not a valid URL"),
    ],
)
def test_feed_link_policy_is_the_strictest(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


@pytest.mark.parametrize(
    ("base", "link", "expected"),
    [
        ("https://a.example/p/1", "/p/2", "https://a.example/p/2"),
        ("https://a.example/p/1", " https://b.example/x ", "https://b.example/x"),
        ("https://a.example/", "HTTPS://b.example/", "https://b.example/"),
        ("https://a.example/", "ftp://b.example/", None),
        ("https://a.example/", "http://[::1", None),  # urlsplit raises on it
        ("https://a.example/", "http://b.example:99999/", None),  # no such port
        ("https://a.example/", "/x\r\nSet-Cookie: y", None),
        ("https://a.example/", "http:///nohost", None),
    ],
)
def test_server_url_policy_resolves_and_never_raises(
    base: str, link: str, expected: str | None
) -> None:
    assert server_url(base, link) == expected


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://feeds.example.org/", True),
        ("https://user@feeds.example.org/?q=1#f", True),  # each caller checks its extras
        ("https://feeds.example.org:99999/", True),  # the port is the server's business
        ("feeds.example.org/", False),
        ("mailto:a@example.org", False),
        ("https:///path", False),
        ("http://[::1", False),
    ],
)
def test_config_url_policy_is_absolute_http_with_a_host(url: str, accepted: bool) -> None:
    parts = config_url(url)
    assert (parts is not None) is accepted
    if parts is not None:
        assert parts.scheme in ("http", "https") and parts.hostname


@pytest.mark.parametrize(
    ("base", "value", "expected"),
    [
        ("https://a.example/post/", "img.png", "https://a.example/post/img.png"),
        ("https://a.example/post/", " /x ", "https://a.example/x"),
        ("https://a.example/", "mailto:me@example.org", "mailto:me@example.org"),
        ("https://a.example/", "http://:80/", "http://:80/"),  # a netloc, if no host name
        ("no base", "relative", None),
        ("https://a.example/", "http://[::1", None),
    ],
)
def test_page_link_policy_resolves_against_the_page(
    base: str, value: str, expected: str | None
) -> None:
    assert page_link(base, value) == expected
