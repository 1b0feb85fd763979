"""A build's report as values and as its JSON document (``feeds.core.report``)."""

from __future__ import annotations

import json

from feeds.core.report import Duplicate, FeedResult, RecordCounts, Rejection, Report

REPORT = Report(
    counts=RecordCounts(read=7, published=3, unpublished=1, scheduled=1, duplicates=1, rejected=1),
    rejected=(Rejection("records/bad.md", 4, "webUrl", "is not a URL (found 'x')"),),
    feeds=(
        FeedResult(None, None, "rss", "rss.xml", "https://x.example/rss.xml", 3, True),
        FeedResult("AI", "ai", "atom", "ai/atom.xml", "https://x.example/ai/atom.xml", 2, False),
        FeedResult("Só", "so", "json", "so/feed.json", "https://x.example/so/", 0, False, True, 9),
    ),
    duplicates=(Duplicate("records/old.md:1", "https://news.example/a", "records/new.md:1"),),
    warnings=("records/link.md: skipped a link that leads outside records",),
)


def test_the_json_document_reads_back_as_the_same_report() -> None:
    document = json.loads(json.dumps(REPORT.to_json()))  # through text, as it is stored
    assert Report.from_json(document) == REPORT
    assert (REPORT.written, REPORT.held_back) == (1, 1)


def test_a_repeated_report_wrote_and_held_back_nothing_and_kept_the_rest() -> None:
    again = REPORT.repeated()
    assert (again.written, again.held_back) == (0, 0)
    assert [(f.path, f.entries) for f in again.feeds] == [(f.path, f.entries) for f in REPORT.feeds]
    assert (again.counts, again.rejected, again.duplicates, again.warnings) == (
        REPORT.counts,
        REPORT.rejected,
        REPORT.duplicates,
        REPORT.warnings,
    )


def test_a_report_written_before_previous_existed_still_loads() -> None:
    document = json.loads(json.dumps(REPORT.to_json()))
    assert [f["previous"] for f in document["feeds"]] == [None, None, 9]
    for feed in document["feeds"]:
        del feed["previous"]  # last-run.json and --report files of earlier versions
    old = Report.from_json(document)
    assert [f.previous for f in old.feeds] == [None, None, None]
    assert old.held_back == 1


def test_a_repeated_report_holds_no_previous_count() -> None:
    assert all(f.previous is None for f in REPORT.repeated().feeds)
