"""Remote sources (feeds/sources/remote.py, feeds/net/httpcache.py) against a real 127.0.0.1 server
serving a copy of ../shared/corpus/powerapps/api/news/ (18 pages, 428 records)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from feeds import __version__
from feeds.core.errors import ConfigError
from feeds.net.retry import Timing
from feeds.records.validate import validate_record
from feeds.sources.remote import RemoteResult, RemoteSource, fetch, user_agent
from feeds.sources.remotepages import page_url_of
from tests.helpers import SHARED

from .httpserver import FixtureServer, local_session, serve

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the project")
NEWS = SHARED / "corpus" / "powerapps" / "api" / "news"

PAGES = 18
RECORDS = 428
SITE = "https://feeds.example.org/"
SECRET = "s3cr3t-token-4f9a2c"


def page_path(number: int) -> str:
    return "api/news/index.json" if number == 1 else f"api/news/page/{number}/index.json"


@dataclass
class Harness:
    """A server on a copy of the corpus, a session, a cache folder and a fetch helper."""

    server: FixtureServer
    root: Path
    session: requests.Session
    cache: Path
    sleeps: list[float] = field(default_factory=list)

    def source(self, path: str = "api/news/index.json", **options: Any) -> RemoteSource:
        options = {"timeout": (2.0, 0.5), "backoff": 0.01, **options}
        return RemoteSource(self.server.url(path), **options)

    def fetch(
        self, source: RemoteSource | None = None, clock: Callable[[], float] = time.time
    ) -> RemoteResult:
        return fetch(
            source or self.source(),
            session=self.session,
            cache_dir=self.cache,
            user_agent=user_agent(SITE),
            max_size=1024 * 1024,
            timing=Timing(clock=clock, sleep=self.sleeps.append),
        )

    def edit(self, path: str, change: Any) -> None:
        """Rewrite a served JSON file through ``change(data)``."""
        target = self.root / path
        data = json.loads(target.read_text(encoding="utf-8"))
        change(data)
        target.write_text(json.dumps(data, indent=2), encoding="utf-8")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Harness]:
    root = tmp_path / "site"
    for file in NEWS.rglob("*"):
        if file.is_file():  # copied by hand: the corpus is read-only, the copy must not be
            target = root / "api" / "news" / file.relative_to(NEWS)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    with serve(root) as server, local_session() as session:
        yield Harness(server, root, session, tmp_path / "cache")


def test_reads_all_records_across_all_pages(web: Harness) -> None:
    result = web.fetch()
    assert result.ok and not result.from_cache
    assert (result.warnings, result.errors) == ([], [])
    assert len(result.records) == RECORDS
    assert result.requests == PAGES
    assert [s.path for s in web.server.seen] == ["/" + page_path(n) for n in range(1, PAGES + 1)]
    assert {r.source.path for r in result.records} == {
        web.server.url(page_path(n)) for n in range(1, PAGES + 1)
    }
    assert all(validate_record(raw).title for raw in result.records)  # same checks as local
    assert all(s.headers["User-Agent"] == f"feeds/{__version__} (+{SITE})" for s in web.server.seen)


def test_second_fetch_is_conditional_and_downloads_nothing(web: Harness) -> None:
    first = web.fetch()
    assert web.server.body_bytes > 0
    web.server.reset()
    second = web.fetch()
    seen = web.server.seen
    assert len(seen) == PAGES
    assert all("If-None-Match" in s.headers and "If-Modified-Since" in s.headers for s in seen)
    assert {s.status for s in seen} == {304}
    assert web.server.body_bytes == 0
    assert second.ok and not second.from_cache and second.warnings == []
    assert [r.data for r in second.records] == [r.data for r in first.records]


def test_changed_page_is_refetched_and_others_are_not(web: Harness) -> None:
    web.fetch()
    web.edit(page_path(5), lambda d: d["value"][0].update(title="A changed title"))
    web.server.reset()
    result = web.fetch()
    statuses = {s.path: s.status for s in web.server.seen}
    assert statuses.pop("/" + page_path(5)) == 200
    assert set(statuses.values()) == {304}
    assert sum(r.data["title"] == "A changed title" for r in result.records) == 1
    web.server.reset()
    web.fetch()  # the changed page was cached too
    assert {s.status for s in web.server.seen} == {304}


def test_a_new_page_at_the_end_is_followed(web: Harness) -> None:
    web.fetch()
    web.edit(page_path(18), lambda d: d.update(nextPage=19))
    extra = {"page": 19, "value": [], "nextPage": None}
    (web.root / page_path(19)).parent.mkdir(parents=True)
    (web.root / page_path(19)).write_text(json.dumps(extra), encoding="utf-8")
    result = web.fetch()
    assert result.ok and len(result.records) == RECORDS
    assert web.server.count(page_path(19)) == 1


def test_500_retries_then_falls_back_to_the_cached_copy(web: Harness) -> None:
    web.fetch()
    web.server.reset()
    web.server.fail(page_path(3), "500")
    result = web.fetch()
    assert web.server.count(page_path(3)) == 3  # three tries, two backoff waits
    assert len(web.sleeps) == 2
    assert result.ok and result.from_cache
    assert len(result.records) == RECORDS
    [warning] = result.warnings
    assert warning.startswith(web.server.url(page_path(3)) + ": HTTP 500 Internal Server Error")
    assert "used the cached copy of " + web.server.url(page_path(1)) in warning


def test_a_transient_500_is_retried_and_succeeds(web: Harness) -> None:
    web.server.fail(page_path(2), "500", times=1)
    result = web.fetch()
    assert result.ok and not result.from_cache and result.warnings == []
    assert web.server.count(page_path(2)) == 2
    assert len(result.records) == RECORDS


def test_no_cached_copy_means_no_records_and_a_warning(web: Harness) -> None:
    web.server.fail(page_path(7), "500")
    result = web.fetch()
    assert not result.ok and result.records == []
    [warning] = result.warnings
    assert warning.startswith(web.server.url(page_path(7)) + ": HTTP 500")
    assert "no cached copy" in warning and "adds no records this run" in warning


def test_a_hung_response_times_out_and_the_cache_stands_in(web: Harness) -> None:
    web.fetch()
    web.server.reset()
    web.server.fail(page_path(2), "hang")
    result = web.fetch()
    assert web.server.count(page_path(2)) == 3
    assert result.ok and result.from_cache and len(result.records) == RECORDS
    [warning] = result.warnings
    assert warning.startswith(web.server.url(page_path(2)) + ": timed out")


def test_truncated_json_is_not_retried_and_the_cache_stands_in(web: Harness) -> None:
    web.fetch()
    web.edit(page_path(4), lambda d: d["value"][0].update(title="changed, so not a 304"))
    web.server.reset()
    web.server.fail(page_path(4), "truncate")
    result = web.fetch()
    assert web.server.count(page_path(4)) == 1
    assert result.ok and result.from_cache and len(result.records) == RECORDS
    assert all(r.data["title"] != "changed, so not a 304" for r in result.records)
    [warning] = result.warnings
    assert warning.startswith(web.server.url(page_path(4)) + ": invalid JSON")


def test_429_waits_for_retry_after_then_succeeds(web: Harness) -> None:
    web.server.fail(page_path(6), "429", times=1, retry_after="1")
    result = web.fetch()
    assert result.ok and result.warnings == [] and len(result.records) == RECORDS
    assert web.server.count(page_path(6)) == 2
    assert web.sleeps == [1.0]


def test_429_asking_for_too_long_a_wait_fails_without_waiting(web: Harness) -> None:
    web.server.fail(page_path(6), "429", retry_after="3600")
    result = web.fetch()
    assert not result.ok and web.sleeps == []
    assert web.server.count(page_path(6)) == 1
    assert "HTTP 429 Too Many Requests; the server asks to retry after 3600 s" in result.warnings[0]


def test_a_page_that_is_not_a_listing_fails_the_source(web: Harness) -> None:
    (web.root / page_path(9)).write_text('{"title": "one record"}', encoding="utf-8")
    result = web.fetch()
    assert not result.ok
    assert result.warnings[0].startswith(web.server.url(page_path(9)) + ": not a listing")


def test_an_oversized_response_is_refused(web: Harness) -> None:
    result = web.fetch(web.source(max_bytes=10_000))
    assert not result.ok
    assert "over max_bytes (10000)" in result.warnings[0]


def test_max_pages_stops_with_a_warning(web: Harness) -> None:
    result = web.fetch(web.source(max_pages=3))
    assert result.ok and len(result.records) == 75 and result.requests == 3
    assert "stopped after max_pages (3) pages" in result.warnings[0]


def test_time_budget_ends_the_fetch(web: Harness) -> None:
    ticks = iter(range(0, 10_000, 50))
    result = web.fetch(web.source(total_time=120), clock=lambda: float(next(ticks)))
    assert not result.ok and 0 < result.requests < PAGES
    assert "time budget used up (total_time 120 s)" in result.warnings[0]


def test_a_stale_cached_copy_is_not_used(web: Harness) -> None:
    web.fetch()
    web.server.fail(page_path(2), "500")
    later = 8 * 24 * 3600.0
    result = web.fetch(clock=lambda: time.time() + later)
    assert not result.ok and result.records == []
    assert "is older than max_age (7 days)" in result.warnings[0]


def test_a_corrupt_cache_file_is_ignored_and_rewritten(web: Harness) -> None:
    web.fetch()
    for file in web.cache.glob("*.http"):
        file.write_bytes(b"garbage")
        break
    web.server.reset()
    result = web.fetch()
    assert result.ok and len(result.records) == RECORDS
    assert len(result.warnings) == 1 and "corrupt cache file" in result.warnings[0]
    assert sorted(s.status for s in web.server.seen) == [200] + [304] * (PAGES - 1)
    assert web.fetch().warnings == []


def test_a_malformed_record_is_rejected_alone(web: Harness) -> None:
    web.edit(page_path(2), lambda d: d["value"].insert(3, "not a record"))
    result = web.fetch()
    assert result.ok and len(result.records) == RECORDS
    [error] = result.errors
    assert error.location is not None and error.location.path == web.server.url(page_path(2))
    assert "item 4 is text" in str(error)


def test_a_topic_listing_and_a_single_record_file(web: Harness) -> None:
    topic = web.fetch(web.source("api/news/canvas-apps/index.json"))
    assert topic.ok and len(topic.records) == 18 and topic.requests == 1
    record = web.root / "api" / "story.md"
    record.write_text(
        "---\ntitle: One story\nwebUrl: https://example.org/one\n"
        "publishedDateTime: 2024-01-02T03:04:05Z\n---\nBody text.\n",
        encoding="utf-8",
    )
    single = web.fetch(web.source("api/story.md"))
    [raw] = single.records
    assert raw.source.path == web.server.url("api/story.md")
    assert validate_record(raw).title == "One story"


def test_secret_header_reaches_the_server_and_nowhere_else(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDS_TEST_TOKEN", SECRET)
    source = web.source(headers={"Authorization": "Bearer ${FEEDS_TEST_TOKEN}"})
    good = web.fetch(source)
    assert {s.headers.get("Authorization") for s in web.server.seen} == {f"Bearer {SECRET}"}
    web.server.fail(page_path(2), "500")
    web.server.fail(page_path(3), "redirect:http://localhost:9/elsewhere")
    failed = web.fetch(source)
    monkeypatch.setenv("FEEDS_TEST_TOKEN", SECRET + "\nX-Injected: 1")
    broken = web.fetch(source)
    monkeypatch.delenv("FEEDS_TEST_TOKEN")
    missing = web.fetch(source)
    assert "environment variable FEEDS_TEST_TOKEN is not set" in missing.warnings[0]
    assert "header Authorization: value holds a control character" in broken.warnings[0]
    shown = repr(source) + str(source)
    for result in (good, failed, broken, missing):
        shown += repr(result) + "".join(result.warnings) + "".join(map(str, result.errors))
        shown += "".join(repr(r.data) + r.body for r in result.records)
    shown += "".join(f.read_text(encoding="utf-8", errors="replace") for f in web.cache.iterdir())
    assert SECRET not in shown and "s3cr3t" not in shown


def test_private_headers_are_not_sent_to_another_origin(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDS_TEST_TOKEN", SECRET)
    with serve(web.root) as other:
        moved = other.url(page_path(2))  # another port: another origin
        web.server.fail(page_path(2), "redirect:" + moved)
        source = web.source(headers={"X-Api-Key": "${FEEDS_TEST_TOKEN}"})
        result = web.fetch(source)
        assert result.ok and len(result.records) == RECORDS
        [hop] = other.seen
        assert "X-Api-Key" not in hop.headers and "User-Agent" in hop.headers


def test_connection_refused_is_retried_and_reported(web: Harness) -> None:
    with serve(web.root) as gone:
        url = gone.url("api/news/index.json")
    result = web.fetch(RemoteSource(url, timeout=(0.5, 0.5), backoff=0.01))
    assert not result.ok and result.requests == 3
    assert result.warnings[0].startswith(f"{url}: connection failed (")


@pytest.mark.parametrize(
    ("listing", "number", "expected"),
    [
        ("https://x.org/api/news/index.json", 2, "https://x.org/api/news/page/2/index.json"),
        ("https://x.org/api/news/page/3/index.json", 4, "https://x.org/api/news/page/4/index.json"),
        ("https://x.org/index.json?lang=en", 2, "https://x.org/page/2/index.json?lang=en"),
    ],
)
def test_page_urls_are_derived_from_the_listing_url(
    listing: str, number: int, expected: str
) -> None:
    assert page_url_of(listing, number) == expected


def test_next_page_url_field_and_template_win_over_derivation(web: Harness) -> None:
    web.edit(page_path(1), lambda d: d.update(nextPageUrl="/api/news/page/17/index.json"))
    result = web.fetch()
    assert result.ok and len(result.records) == 25 + 25 + 3
    web.edit(page_path(1), lambda d: d.pop("nextPageUrl"))
    (web.root / "api" / "alt").mkdir()
    (web.root / "api" / "alt" / "p2.json").write_text('{"value": []}', encoding="utf-8")
    templated = web.fetch(web.source(next_page_url=web.server.url("api/alt/p{page}.json")))
    assert templated.ok and len(templated.records) == 25


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"url": "ftp://x.org/index.json"}, "absolute http(s) URL"),
        ({"url": "https://u:pw@x.org/index.json"}, "not in the URL"),
        ({"url": "https://x.org/feed.xml"}, "must end in index.json"),
        ({"next_page_url": "https://x.org/p.json"}, "with {page} in it"),
        ({"headers": {"Bad Name": "v"}}, "header name 'Bad Name'"),
        ({"max_pages": 0}, "at least 1"),
        ({"timeout": (5, 0)}, "must be positive"),
    ],
)
def test_unworkable_settings_are_config_errors(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match="remote source") as caught:
        RemoteSource(**{"url": "https://x.org/api/index.json", **options})
    assert problem in str(caught.value) and "pw" not in str(caught.value)
