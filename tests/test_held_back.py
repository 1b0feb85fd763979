"""What a held-back run (exit 5) publishes and prints, with the CLI as a subprocess: the
subscribe pages and OPML describe the feeds actually published (the kept ones), and cron
gets one summary line, details under -v and in the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lxml import etree, html

from tests.helpers import ROOT, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
SUMMARY_START = "feeds: 15 feed files held back"


def published(out: Path) -> dict[str, bytes]:
    """Every file of the output folder but the lock, by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != ".feeds.lock"
    }


def opml_date(out: Path) -> str | None:
    root = etree.fromstring((out / "feeds.opml").read_bytes())
    date: str | None = root.findtext("head/dateModified")
    return date


def sample_site(tmp_path: Path) -> Path:
    """The bundled sample (config and records) copied into ``tmp_path``."""
    shutil.copytree(ROOT / "samples" / "articles", tmp_path / "records")
    text = (ROOT / "config" / "feeds.yaml").read_text(encoding="utf-8")
    return write_config(tmp_path, text.replace("../samples/articles", "../records"))


def test_an_emptied_source_leaves_pages_and_opml_as_they_were(tmp_path: Path) -> None:
    config = sample_site(tmp_path)
    out = tmp_path / "public"
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = published(out)
    assert {"index.html", "feeds.opml", "ai/index.html"} <= before.keys()
    shutil.rmtree(tmp_path / "records")
    (tmp_path / "records").mkdir()  # an unmounted share reads as an empty folder

    quiet = run_feeds("build", "--config", config, "--now", NOW, "-q")
    assert quiet.returncode == 5
    lines = quiet.stderr.splitlines()
    assert len(lines) == 1, quiet.stderr
    assert lines[0].startswith(SUMMARY_START), lines[0]
    # what the kept feed holds, beside what this run would leave (issue #13)
    assert "would leave 0 entries in rss.xml (it has 8);" in lines[0], lines[0]
    assert "--force" in lines[0]
    assert published(out) == before

    plain = run_feeds("build", "--config", config, "--now", NOW)
    assert (plain.returncode, plain.stderr.splitlines()) == (5, lines)
    assert published(out) == before

    report = tmp_path / "report.json"
    verbose = run_feeds("build", "--config", config, "--now", NOW, "-v", "--report", report)
    assert verbose.returncode == 5
    details = verbose.stderr.splitlines()
    assert details[-1] == lines[0]
    assert len(details) == 16  # RSS, Atom and JSON Feed of 5 feeds, then the summary
    assert (
        "rss.xml: kept the previous feed (8 entries); this run would leave 0 (fewer than "
        "shrink_threshold 0.5 of them); check the sources, or run with --force to publish it"
    ) in details
    document = json.loads(report.read_text(encoding="utf-8"))
    assert sorted(document["warnings"]) == sorted(details[:-1])
    assert sum(f["held_back"] for f in document["feeds"]) == 15
    site_rss = next(f for f in document["feeds"] if f["path"] == "rss.xml")
    assert (site_rss["entries"], site_rss["previous"]) == (0, 8)
    assert all(f["previous"] is None for f in document["feeds"] if not f["held_back"])
    assert published(out) == before
    assert "1970" not in (opml_date(out) or "")

    forced = run_feeds("build", "--config", config, "--now", NOW, "--force")
    assert (forced.returncode, forced.stderr) == (0, "")
    assert opml_date(out) is None  # nothing published: no date rather than 1970
    index = html.fromstring((out / "index.html").read_bytes())
    assert index.xpath("string(//section[@aria-labelledby='all']//span)") == "0 stories"


def add_stories(records: Path) -> None:
    """40 stories over topics T0-T3, an hour apart; T0's (but story 0) changed in March."""
    for n in range(40):
        changed = "2026-03-01T00:00:00Z" if n % 4 == 0 and n else "2026-01-01T00:00:00Z"
        write_record(
            records,
            f"r{n:02d}.md",
            f"title: Story {n}\npublishedDateTime: 2026-01-01T{n % 24:02d}:00:00Z\n"
            f"updatedDateTime: {changed}\nwebUrl: https://news.example.com/{n}\n"
            f"topics: [T{n % 4}]\n",
        )


def counts(out: Path) -> dict[str, str]:
    """Each topic's story count and newest date as the index page shows them."""
    index = html.fromstring((out / "index.html").read_bytes())
    shown = {}
    for link in index.xpath("//section[@aria-labelledby='topics']//li/a"):
        count = link.getnext()
        stamp = count.xpath("string(time/@datetime)")
        shown[link.text_content()] = f"{count.text.split(',')[0]} {stamp}".strip()
    return shown


def test_a_held_back_topic_keeps_its_page_and_its_line_on_the_index(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n",
    )
    out = tmp_path / "public"
    add_stories(tmp_path / "records")
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = published(out)
    assert counts(out)["T: T0"] == "10 stories 2026-01-01T20:00:00Z"
    assert opml_date(out) == "Sun, 01 Mar 2026 00:00:00 GMT"
    for n in range(4, 40, 4):
        (tmp_path / "records" / f"r{n:02d}.md").unlink()  # T0: 10 stories → 1
    (tmp_path / "records" / "r01.md").unlink()  # T1: 10 → 9, written

    result = run_feeds("build", "--config", config, "--now", NOW, "-q")
    assert result.returncode == 5
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("feeds: 3 feed files held back"), result.stderr
    after = published(out)
    assert after["t0/index.html"] == before["t0/index.html"]
    assert after["t0/rss.xml"] == before["t0/rss.xml"]
    assert after["t1/index.html"] != before["t1/index.html"]
    shown = counts(out)
    assert shown["T: T0"] == "10 stories 2026-01-01T20:00:00Z"  # what the kept feed holds
    assert shown["T: T1"] == "9 stories 2026-01-01T21:00:00Z"
    # The kept T0 feed changed in March: the OPML's date is that of what is published.
    assert opml_date(out) == "Sun, 01 Mar 2026 00:00:00 GMT"

    forced = run_feeds("build", "--config", config, "--now", NOW, "--force")
    assert forced.returncode == 0
    assert counts(out)["T: T0"] == "1 story 2026-01-01T00:00:00Z"
    assert opml_date(out) == "Thu, 01 Jan 2026 23:00:00 GMT"
