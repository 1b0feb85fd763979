"""Validation rules of issue 2, value by value (the messages are in test_invalid_records)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.core.errors import RecordError
from feeds.core.location import SourceLocation
from feeds.core.urls import canonical_url, parsed_canonical_url, parsed_url_problem, url_problem
from feeds.records.frontmatter import RawRecord
from feeds.records.validate import validate_record

BASE: dict[str, Any] = {
    "title": "A story",
    "publishedDateTime": "2024-05-01T09:30:00Z",
    "webUrl": "https://news.example.com/story",
}


def check(body: str = "", **fields: Any) -> Any:
    data = {**BASE, **fields}
    for key in [k for k, v in fields.items() if v is ...]:
        del data[key]
    return validate_record(RawRecord(data, body, SourceLocation("r.md", 1)))


def rejected(**fields: Any) -> RecordError:
    with pytest.raises(RecordError) as caught:
        check(**fields)
    return caught.value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01T11:30:00+02:00", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01T09:30:00", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2019-08-19T21:00:10.1234567Z", datetime(2019, 8, 19, 21, 0, 10, 123456, tzinfo=UTC)),
        ("Wed, 01 May 2024 09:30:00 GMT", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("Wed, 01 May 2024 05:30:00 -0400", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (date(2024, 5, 1), datetime(2024, 5, 1, tzinfo=UTC)),
        (datetime(2024, 5, 1, 9, 30), datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),  # noqa: DTZ001
        (
            datetime(2024, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))),
            datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        ),
    ],
)
def test_dates_in_every_accepted_form_become_aware_utc(value: Any, expected: datetime) -> None:
    record = check(publishedDateTime=value)
    assert record.published_at == expected
    assert record.published_at.utcoffset() == timedelta(0)


def test_yaml_timestamps_are_accepted() -> None:
    data = yaml.safe_load("publishedDateTime: 2024-05-01 09:30:00\nupdatedDateTime: 2024-05-02")
    record = check(**data)
    assert record.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert record.updated_at == datetime(2024, 5, 2, tzinfo=UTC)
    assert record.modified_at == record.updated_at


def test_web_url_falls_back_to_original_url_only_when_missing() -> None:
    record = check(webUrl=..., originalUrl="https://origin.example.com/a?utm_source=x")
    assert record.url == "https://origin.example.com/a?utm_source=x"
    assert record.canonical_url == "https://origin.example.com/a"
    assert rejected(webUrl="ftp://x.example.com/a", originalUrl="https://ok.example/").field == (
        "webUrl"
    )


def test_canonical_url_prefers_original_url() -> None:
    record = check(originalUrl="https://origin.example.com/a")
    assert record.url == BASE["webUrl"]
    assert record.canonical_url == "https://origin.example.com/a"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example.COM:443/a/B?x=1#frag", "https://news.example.com/a/B?x=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=tw&id=7&ref=home&fbclid=z&UTM_Medium=m",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?q=a%20b&gclid=1", "https://example.com/a?q=a%20b"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.com/a", None),
        ("http://[::1]:8080/", None),
        ("javascript:alert(1)", "is not an http(s) URL"),
        ("data:text/html,hi", "is not an http(s) URL"),
        ("/relative/path", "is not an http(s) URL"),
        ("https://", "has no valid host"),
        ("https://exa mple.com/", "contains spaces or control characters"),
        ("https://u:p@example.com/", "contains credentials"),
        ("https://example.com:99999/", "is not a valid URL"),
    ],
)
def test_url_problem(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


@pytest.mark.parametrize(("value", "expected"), [(None, True), (True, True), (False, False)])
def test_published_flag(value: Any, expected: bool) -> None:
    assert check(published=value).is_published is expected


def test_yaml_no_means_not_published() -> None:
    assert check(**yaml.safe_load("published: no")).is_published is False


@pytest.mark.parametrize("value", ["false", "no", 0, 1, [True]])
def test_published_must_be_a_boolean(value: Any) -> None:
    assert rejected(published=value).field == "published"


def test_numbers_are_text_but_lists_are_not() -> None:
    assert check(title=2024).title == "2024"
    assert check(title=" Two\n  lines ").title == "Two lines"
    assert rejected(title={"a": 1}).field == "title"
    assert rejected(title=True).field == "title"


def test_topics_accept_one_name_and_drop_repeats_and_blanks() -> None:
    assert check(topics="AI").topics == ("AI",)
    assert check(topics=["AI", " ai ", None, "", "Space", 7]).topics == ("AI", "Space", "7")
    assert rejected(topics=[["nested"]]).field == "topics[0]"
    assert rejected(topics=[str(n) for n in range(101)]).field == "topics"


def test_excerpt_is_sanitized_and_entities_decoded() -> None:
    record = check(
        excerpt='It&#8217;s <b>here</b><script>alert(1)</script><a href="javascript:x">l</a>'
    )
    assert record.excerpt is not None
    assert "\u2019" in record.excerpt
    assert "<b>here</b>" in record.excerpt
    assert "script" not in record.excerpt
    assert "javascript" not in record.excerpt


def test_markdown_body_becomes_html() -> None:
    record = check(body="Some *text* with [a link](https://example.com/).\n")
    assert record.body_html is not None
    assert "<em>text</em>" in record.body_html
    assert 'href="https://example.com/"' in record.body_html
    assert check(body="  \n\n").body_html is None


def test_provider_forms() -> None:
    full = check(provider={"name": "The Paper", "domain": "paper.example", "images": []})
    assert (full.provider.name, full.provider.url) == ("The Paper", "https://paper.example")
    assert check(provider="Just A Name").provider.url is None
    assert check(provider={"domain": "only.example"}).provider.name == "only.example"
    assert check(provider={"name": "Bad Domain", "domain": "not a host"}).provider.domain is None
    assert check(provider={}).provider is None


def test_images_without_http_urls_are_dropped() -> None:
    record = check(
        images=[
            {"url": "javascript:alert(1)", "width": 10},
            {"url": "https://img.example/a.jpg", "width": 1280, "height": "720"},
            {"url": "https://img.example/b.jpg", "width": True, "height": -5},
            "https://img.example/c.jpg",
            42,
        ]
    )
    assert [(i.url, i.width, i.height) for i in record.images] == [
        ("https://img.example/a.jpg", 1280, 720),
        ("https://img.example/b.jpg", None, None),
        ("https://img.example/c.jpg", None, None),
    ]


def test_related_items_without_a_valid_url_are_dropped() -> None:
    record = check(
        related=[
            {"title": "No link"},
            {"title": "Script", "webUrl": "javascript:alert(1)"},
            {
                "title": "Kept",
                "webUrl": "https://other.example/k",
                "publishedDateTime": "2024-04-30T08:00:00Z",
                "provider": {"name": "Other", "domain": "other.example"},
                "excerpt": "<p onclick='x()'>Hi</p>",
            },
            {
                "title": "Bad date kept",
                "webUrl": "https://other.example/d",
                "publishedDateTime": [],
            },
            {"title": "Repeat", "webUrl": "https://other.example/k"},
            "not a mapping",
        ]
    )
    assert [(r.title, r.url) for r in record.related] == [
        ("Kept", "https://other.example/k"),
        ("Bad date kept", "https://other.example/d"),
    ]
    kept = record.related[0]
    assert kept.published_at == datetime(2024, 4, 30, 8, tzinfo=UTC)
    assert kept.provider is not None and kept.provider.name == "Other"
    assert kept.excerpt == "<p>Hi</p>"
    assert record.related[1].published_at is None


def test_quality_and_heat_are_numbers() -> None:
    record = check(quality=137, heat="12.5")
    assert (record.quality, record.heat) == (137.0, 12.5)
    assert rejected(heat=float("nan")).field == "heat"
    assert rejected(quality=[1]).field == "quality"


def test_secured_is_never_kept() -> None:
    record = check(secured="opaque-blob-xyz")
    assert "opaque-blob-xyz" not in repr(record)


def test_title_of_only_forbidden_characters_is_blank() -> None:
    error = rejected(title="\x1b\x00\ufffe")
    assert (error.field, error.message) == ("title", "is blank; give the record a title")


# The fast paths for plain URLs must agree with urlsplit on every URL they accept.
_URL_PIECES = st.sampled_from(
    [
        "http",
        "HTTPS",
        "https",
        "hTtp",
        "://",
        "/",
        ".",
        "..",
        "-",
        "a",
        "Z",
        "0",
        "9",
        "x-y",
        "@",
        ":",
        ":80",
        ":0",
        "?",
        "#",
        "&",
        "=",
        "utm_source=x",
        "ref=y",
        "%20",
        " ",
        "\t",
        "\n",
        "[",
        "]",
        "é",
        "\x7f",
        "example.com",
        "www.",
        "user:pw@",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_URL_PIECES, max_size=12).map("".join))
def test_fast_url_paths_agree_with_urlsplit(url: str) -> None:
    assert url_problem(url) == parsed_url_problem(url)
    if url_problem(url) is None:
        assert canonical_url(url) == parsed_canonical_url(url)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTP://"]),
    st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
def test_fast_url_paths_agree_on_url_shaped_text(scheme: str, host: str, rest: str) -> None:
    for url in (scheme + host, f"{scheme}{host}/{rest}", f"{scheme}{host}?{rest}"):
        assert url_problem(url) == parsed_url_problem(url)
        if url_problem(url) is None:
            assert canonical_url(url) == parsed_canonical_url(url)


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from([" a  b ", "x\u2028y"]))
def test_plain_text_fast_path_equals_cleaning_it(value: str) -> None:
    from feeds.records.fields import text_field as _text
    from feeds.records.sanitize import clean_text

    expected = " ".join(clean_text(value).split()) or None
    assert _text(value, "title") == expected
