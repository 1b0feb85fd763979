"""The parse cache, the no-change shortcut, parallel parsing and the fast YAML path change
nothing in the output: every way of building the same files gives the same bytes. Each
test also checks, by the speed session's counts, that the fast path it is about ran."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from feeds.records import fastyaml
from feeds.speed.codec import decode_outcome
from feeds.speed.workers import Reading, Workers, read_files
from tests.helpers import run_counted, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"


def corpus(root: Path, count: int = 200) -> Path:
    for n in range(count):
        write_record(
            root / "records" / f"{n % 7}",
            f"r{n:04d}.md",
            f"title: 'Story {n}'\npublishedDateTime: 2026-0{1 + n % 9}-1{n % 10}T0{n % 10}:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\ntopics: [T{n % 5}, T{n % 3}]\n"
            f"published: {'false' if n % 11 == 0 else 'true'}\n"
            f"excerpt: '<p>Excerpt {n} &amp; more</p>'\n"
            "provider:\n  name: Example\n  domain: example.com\n",
            body=f"Body *{n}*\n",
        )
    return write_config(
        root,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n",
    )


def feeds_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.xml")}


def cold(config: Path, root: Path, name: str) -> dict[str, bytes]:
    """A build from nothing, without cache, into its own folder."""
    out = root / name
    result = run_feeds("build", "--config", config, "--now", NOW, "--no-cache", "--output", out)
    assert result.returncode == 0, result.stderr
    return feeds_of(out)


def change_one_percent(root: Path) -> None:
    (root / "records" / "0" / "r0000.md").unlink()
    write_record(
        root / "records" / "new",
        "added.md",
        "title: Added\npublishedDateTime: 2026-09-30T00:00:00Z\n"
        "webUrl: https://news.example.com/added\ntopics: [T1]\n",
    )
    edited = root / "records" / "1" / "r0008.md"  # among the newest: in the feeds
    edited.write_text(edited.read_text().replace("Story 8", "Story eight, edited"))


def test_cached_warm_and_changed_builds_equal_cold_builds(tmp_path: Path) -> None:
    config = corpus(tmp_path)
    out = tmp_path / "public"
    first, counts = run_counted("build", "--config", config, "--now", NOW)
    assert first.returncode == 0
    assert counts["parsed_in_workers"] == (200 if (os.cpu_count() or 1) > 1 else 0)
    assert feeds_of(out) == cold(config, tmp_path, "cold1")
    assert (tmp_path / "config" / ".feeds-cache" / "records.sqlite3").exists()

    warm, counts = run_counted("build", "--config", config, "--now", NOW, "-v")
    assert warm.returncode == 0
    assert "0 written" in warm.stdout
    assert counts["shortcut"] == 1 and counts["parsed_here"] == counts["parsed_in_workers"] == 0
    assert feeds_of(out) == cold(config, tmp_path, "cold2")

    change_one_percent(tmp_path)
    changed, counts = run_counted("build", "--config", config, "--now", NOW, "-v")
    assert changed.returncode == 0 and "0 written" not in changed.stdout
    # 198 unchanged files from the cache, the added and the edited one read (light),
    # then the complete records of those that reach a feed.
    assert counts["shortcut"] == 0 and counts["cache_hits"] >= 198
    after = feeds_of(out)
    assert after == cold(config, tmp_path, "cold3")
    assert b"Story eight, edited" in after["rss.xml"]


def test_no_change_run_repeats_the_report_and_notices_what_matters(tmp_path: Path) -> None:
    config = corpus(tmp_path, 30)
    write_record(
        tmp_path / "records",
        "later.md",
        "title: Embargoed\npublishedDateTime: 2026-11-01T00:00:00Z\n"
        "webUrl: https://news.example.com/later\ntopics: [T0]\n",
    )
    first = run_feeds("build", "--config", config, "--now", NOW, "-v")
    again, counts = run_counted("build", "--config", config, "--now", NOW, "-v")
    assert "0 unchanged" in first.stdout and " 0 written" in again.stdout
    assert counts["shortcut"] == 1
    assert first.stdout.split(";")[0] == again.stdout.split(";")[0]  # same record counts
    # The embargo lifts: the shortcut must not hide it.
    due, counts = run_counted("build", "--config", config, "--now", "2026-11-02T00:00:00Z")
    assert due.returncode == 0 and counts["shortcut"] == 0
    assert b"Embargoed" in (tmp_path / "public" / "rss.xml").read_bytes()
    # A deleted feed file is rebuilt even though no record changed.
    (tmp_path / "public" / "t0" / "atom.xml").unlink()
    assert run_feeds("build", "--config", config, "--now", "2026-11-02T00:00:00Z").returncode == 0
    assert (tmp_path / "public" / "t0" / "atom.xml").exists()
    # So are the pages and the OPML list, edited or deleted on their own.
    for name in ("index.html", "feeds.opml", "t0/index.html"):
        page = tmp_path / "public" / name
        before = page.read_bytes()
        page.unlink()
        assert (
            run_feeds("build", "--config", config, "--now", "2026-11-02T00:00:00Z").returncode == 0
        )
        assert page.read_bytes() == before, name
    # A config change rebuilds.
    config.write_text(config.read_text() + "limit: 2\n")
    assert run_feeds("build", "--config", config, "--now", "2026-11-02T00:00:00Z").returncode == 0
    assert (tmp_path / "public" / "rss.xml").read_bytes().count(b"<item>") == 2


@pytest.mark.parametrize("damage", ["garbage", "foreign-pickle", "wrong-shape"])
def test_a_damaged_or_foreign_cache_is_discarded_not_trusted(tmp_path: Path, damage: str) -> None:
    config = corpus(tmp_path, 40)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    expected = feeds_of(tmp_path / "public")
    cache = tmp_path / "config" / ".feeds-cache"
    marker = tmp_path / "pwned"
    db_path = cache / "records.sqlite3"
    if damage == "garbage":
        for extra in cache.glob("records.sqlite3*"):
            extra.unlink()
        db_path.write_bytes(b"this is not a database" * 100)
    else:

        class Evil:
            def __reduce__(self) -> tuple[object, ...]:
                return (shutil.copy, (str(config), str(marker)))

        payload = pickle.dumps(Evil()) if damage == "foreign-pickle" else pickle.dumps([1, 2])
        with sqlite3.connect(db_path) as db:
            db.execute("UPDATE files SET data = ?", (payload,))
    (cache / "last-run.json").unlink()  # make the run read the cache
    result, counts = run_counted(
        "build", "--config", config, "--now", NOW, "--output", tmp_path / "o2"
    )
    assert result.returncode == 0
    assert "cache" in result.stderr and result.stderr.count("\n") == 1
    assert not marker.exists()
    assert feeds_of(tmp_path / "o2") == expected
    # The next run has a working cache again: every file's light records come from it.
    final, counts = run_counted(
        "build", "--config", config, "--now", NOW, "--output", tmp_path / "o3"
    )
    assert (final.returncode, final.stderr) == (0, "")
    assert counts["cache_hits"] >= 40 and counts["parsed_here"] == 0


def test_parallel_and_fast_yaml_paths_equal_the_plain_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(tmp_path, 120)
    from feeds.sources.local import find_record_files

    files, _ = find_record_files([tmp_path / "records"])
    reading = Reading(1 << 20)
    with Workers() as pool:
        parallel = list(read_files(files, reading, pool=pool))
        assert pool.started  # the workers were asked, and answered
    serial = list(read_files(files, reading))
    monkeypatch.setattr(fastyaml, "parse", lambda text: None)  # PyYAML reads everything
    plain = list(read_files(files, reading))
    decoded = [
        [decode_outcome(data, f.display) for f, data in zip(files, outcome, strict=True)]
        for outcome in (parallel, serial, plain)
    ]
    assert decoded[0] == decoded[1] == decoded[2]
    assert len(decoded[1]) == 120 and all(entry[0] for entry in decoded[1])


def test_reused_feeds_equal_rendered_ones_and_edited_files_are_rendered_again(
    tmp_path: Path,
) -> None:
    config = corpus(tmp_path, 60)
    out = tmp_path / "public"
    cache = tmp_path / "config" / ".feeds-cache"
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    assert (cache / "rendered.json").exists()
    # One record changes: feeds that do not hold it are read back, not rendered; the
    # result must equal a cold build all the same.
    edited = tmp_path / "records" / "1" / "r0008.md"
    edited.write_text(edited.read_text().replace("Story 8", "Story eight"))
    result, counts = run_counted("build", "--config", config, "--now", NOW)
    assert result.returncode == 0 and counts["memo_hits"] > 0
    assert feeds_of(out) == cold(config, tmp_path, "cold")
    # A feed file edited by hand is not "the file the last run left": it is rendered
    # again even though no input changed (and the no-change shortcut notices it too).
    target = out / "t2" / "atom.xml"
    good = target.read_bytes()
    target.write_bytes(good.replace(b"</feed>", b"<!-- tampered --></feed>"))
    (cache / "last-run.json").unlink()
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    assert target.read_bytes() == good
    # A damaged memo is ignored.
    (cache / "rendered.json").write_text("{not json", encoding="utf-8")
    (cache / "last-run.json").unlink()
    result = run_feeds("build", "--config", config, "--now", NOW, "-v")
    assert result.returncode == 0 and " 0 written" in result.stdout
    assert feeds_of(out) == cold(config, tmp_path, "cold2")


def test_a_listing_split_in_two_processes_notices_changes_in_either_half(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    from feeds import build as build_module
    from feeds.config.load import read_config
    from feeds.speed import fast

    config = read_config(corpus(tmp_path, 60))
    now = datetime.fromisoformat(NOW)
    monkeypatch.setattr(fast, "SPLIT_LISTING_FROM", 1)  # split even 60 files
    first = build_module.build(config, now=now)
    assert first.counts.read == 60
    again = build_module.build(config, now=now)
    assert not any(f.changed for f in again.feeds)  # nothing changed: nothing written
    # The last published file listed is in the forked helper's half: its edit must show.
    last = [p for p in sorted((tmp_path / "records" / "6").iterdir()) if "true" in p.read_text()][
        -1
    ]
    last.write_text(last.read_text().replace("title: 'Story", "title: 'Edited story"))
    changed = build_module.build(config, now=now)
    assert any(f.changed for f in changed.feeds)
    assert any(b"Edited story" in p.read_bytes() for p in (tmp_path / "public").rglob("*.xml"))
    assert feeds_of(tmp_path / "public") == cold(tmp_path / "config" / "feeds.yaml", tmp_path, "c")
