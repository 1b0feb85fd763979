"""Cron safety with real processes: the output lock, the last-good-feed rule, killed runs,
a full disk, and leftovers of killed runs."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.helpers import ROOT, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"


def make_site(tmp_path: Path, extra: str = "") -> Path:
    return write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n" + extra,
    )


def add_records(tmp_path: Path, count: int, *, topics: int = 4, start: int = 0) -> None:
    for n in range(start, start + count):
        write_record(
            tmp_path / "records",
            f"r{n:05d}.md",
            f"title: Story {n}\npublishedDateTime: 2026-01-01T00:00:00Z\n"
            f"updatedDateTime: 2026-01-01T{n % 24:02d}:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\ntopics: [T{n % topics}]\n",
            body=f"Body of story {n}, " * 20,
        )


def xml_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.xml")}


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".feeds-tmp")]


def entries(data: bytes) -> int:
    root = etree.fromstring(data)  # strict: a truncated file raises
    return len(root.findall(".//item")) + len(root.findall("{http://www.w3.org/2005/Atom}entry"))


def hold_lock(out: Path) -> subprocess.Popen[str]:
    """A process holding the output lock (as a running build would) until killed."""
    out.mkdir(parents=True, exist_ok=True)
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(out / '.feeds.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, b'424242\\n')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[1]))\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, "60"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    """Kill the holder, as SIGKILL would end a build that hung."""
    holder.kill()
    holder.wait()
    if holder.stdout is not None:
        holder.stdout.close()


# ---- the lock ---------------------------------------------------------------------------


def test_second_run_gives_up_with_exit_4_when_the_lock_is_held(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 3)
    holder = hold_lock(tmp_path / "public")
    try:
        result = run_feeds("build", "--config", config, "--lock-timeout", "0.5", cwd=tmp_path)
    finally:
        release(holder)
    assert result.returncode == 4
    assert result.stderr == (
        "feeds: another feeds build (pid 424242) is writing public; gave up after 0.5 s "
        "(lock_timeout in the config or --lock-timeout)\n"
    )
    assert xml_files(tmp_path / "public") == {}


def test_a_killed_holder_never_blocks_the_next_run(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 3)
    holder = hold_lock(tmp_path / "public")
    release(holder)
    assert (tmp_path / "public" / ".feeds.lock").exists()  # the file stays; the lock does not
    result = run_feeds("build", "--config", config, "--lock-timeout", "0", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert entries(xml_files(tmp_path / "public")["rss.xml"]) == 3


def test_a_waiting_run_proceeds_once_the_lock_is_released(tmp_path: Path) -> None:
    config = make_site(tmp_path, "lock_timeout: 30\n")
    add_records(tmp_path, 3)
    holder = hold_lock(tmp_path / "public")
    waiting = subprocess.Popen(
        [sys.executable, "-m", "feeds", "build", "--config", str(config), "--now", NOW],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    assert waiting.poll() is None, "the second run did not wait for the lock"
    assert xml_files(tmp_path / "public") == {}
    release(holder)
    _, stderr = waiting.communicate(timeout=60)
    assert (waiting.returncode, stderr) == (0, "")
    assert entries(xml_files(tmp_path / "public")["rss.xml"]) == 3


def test_concurrent_runs_never_interleave(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 300, topics=20)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "feeds", "build", "--config", str(config), "--now", NOW],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(r.wait(timeout=120), r.communicate()[1]) for r in runs]
    assert results == [(0, "")] * 4
    out = tmp_path / "public"
    assert temp_files(out) == []
    files = xml_files(out)
    assert len(files) == 42
    assert all(not feedparser.parse(data).bozo for data in files.values())


# ---- last good feed wins ---------------------------------------------------------------


def test_feeds_that_would_shrink_too_far_are_held_back(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 40, topics=4)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = xml_files(tmp_path / "public")
    for path in sorted((tmp_path / "records").iterdir())[5:]:
        path.unlink()  # the folder is half gone, as during a failed sync
    report = tmp_path / "report.json"
    result = run_feeds(
        "build", "--config", config, "--now", NOW, "--report", report, "-v", cwd=tmp_path
    )
    assert result.returncode == 5
    lines = result.stderr.splitlines()
    assert len(lines) == 16  # every feed shrank: RSS, Atom and JSON Feed of 5 feeds; a summary
    assert lines[-1].startswith("feeds: 15 feed files held back"), lines[-1]
    assert (
        "rss.xml: kept the previous feed (40 entries); this run would leave 5 (fewer than "
        "shrink_threshold 0.5 of them); check the sources, or run with --force to publish it"
    ) in lines
    assert xml_files(tmp_path / "public") == before
    forced = run_feeds("build", "--config", config, "--now", NOW, "--force")
    assert (forced.returncode, forced.stderr) == (0, "")
    assert entries(xml_files(tmp_path / "public")["atom.xml"]) == 5


def test_a_feed_written_as_json_feed_alone_is_held_back_too(tmp_path: Path) -> None:
    config = make_site(tmp_path, "defaults: {formats: [json]}\n")
    add_records(tmp_path, 40, topics=4)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    site_feed = tmp_path / "public" / "feed.json"
    before = site_feed.read_bytes()
    assert len(json.loads(before)["items"]) == 40
    for path in sorted((tmp_path / "records").iterdir())[5:]:
        path.unlink()
    result = run_feeds("build", "--config", config, "--now", NOW, "-v")
    assert result.returncode == 5
    assert "feed.json: kept the previous feed (40 entries); this run would leave 5" in result.stderr
    assert site_feed.read_bytes() == before
    # the site-wide feed and four topics, once each; then the summary
    assert len(result.stderr.splitlines()) == 6


def test_an_emptied_source_folder_keeps_every_feed(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 8, topics=2)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = xml_files(tmp_path / "public")
    for path in (tmp_path / "records").iterdir():
        path.unlink()  # an unmounted share reads as an empty folder
    result = run_feeds("build", "--config", config, "--now", NOW, "-q")
    assert result.returncode == 5
    assert result.stderr.startswith("feeds: 3 feed files held back")  # one line, even with -q
    assert len(result.stderr.splitlines()) == 1
    assert xml_files(tmp_path / "public") == before


def test_one_topic_losing_most_entries_is_held_alone(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 40, topics=4)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    before = xml_files(tmp_path / "public")
    for n in range(0, 40, 4):
        if n != 0:
            (tmp_path / "records" / f"r{n:05d}.md").unlink()  # topic T0: 10 → 1
    (tmp_path / "records" / "r00001.md").unlink()  # topic T1: 10 → 9
    result = run_feeds("build", "--config", config, "--now", NOW, "-v", cwd=tmp_path)
    assert result.returncode == 5
    assert sorted(line.split(":")[0] for line in result.stderr.splitlines()[:-1]) == [
        "t0/atom.xml",
        "t0/feed.json",
        "t0/rss.xml",
    ]
    after = xml_files(tmp_path / "public")
    assert after["t0/rss.xml"] == before["t0/rss.xml"]
    assert entries(after["t1/rss.xml"]) == 9
    assert entries(after["rss.xml"]) == 30


def test_threshold_zero_turns_the_check_off(tmp_path: Path) -> None:
    config = make_site(tmp_path, "shrink_threshold: 0\n")
    add_records(tmp_path, 10)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    for path in list((tmp_path / "records").iterdir())[1:]:
        path.unlink()
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    assert entries(xml_files(tmp_path / "public")["rss.xml"]) == 1


def test_a_source_that_is_not_a_folder_is_an_error(tmp_path: Path) -> None:
    fifo = tmp_path / "records"
    os.mkfifo(fifo)  # reading it would hang: it must not be opened at all
    config = make_site(tmp_path)
    result = run_feeds("build", "--config", config, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "feeds: source records cannot be read (Not a directory); point 'sources' at record "
        "folders or files you can read\n"
    )


def test_pipes_and_devices_among_records_are_skipped(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 2)
    os.mkfifo(tmp_path / "records" / "pipe.md")
    (tmp_path / "records" / "null.md").symlink_to("/dev/null")  # leads outside: skipped
    result = run_feeds("build", "--config", config, "--now", NOW)
    assert result.returncode == 0
    assert "null.md: skipped a link that leads outside" in result.stderr
    assert entries(xml_files(tmp_path / "public")["rss.xml"]) == 2


# ---- killed runs and a full disk ---------------------------------------------------------


def newest_record(tmp_path: Path, n: int) -> None:
    """A new newest record in all 30 topics: the next run rewrites every feed."""
    write_record(
        tmp_path / "records",
        f"new{n:03d}.md",
        f"title: Newest {n}\npublishedDateTime: 2026-09-02T00:{n:02d}:00Z\n"
        f"webUrl: https://news.example.com/new/{n}\n"
        f"topics: [{', '.join(f'T{t}' for t in range(30))}]\n",
    )


def test_builds_killed_at_any_moment_leave_only_complete_feeds(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 300, topics=30)
    out = tmp_path / "public"
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    killed_writing = 0
    for attempt in range(16):
        # A new newest record in every topic: each run rewrites all 62 feeds. The first
        # runs die while reading; the others once 4, 8, 12, … feeds have been replaced.
        newest_record(tmp_path, attempt + 1)
        before = {p: p.stat().st_mtime_ns for p in out.rglob("*.xml")}
        run = subprocess.Popen(
            [sys.executable, "-m", "feeds", "build", "--config", str(config), "--now", NOW],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        target = 4 * (attempt - 2)
        deadline = time.monotonic() + (0.05 * attempt if target <= 0 else 60)
        while time.monotonic() < deadline and run.poll() is None:
            if target > 0 and sum(p.stat().st_mtime_ns != t for p, t in before.items()) >= target:
                break
            time.sleep(0.005)
        run.send_signal(signal.SIGKILL)
        killed = run.wait() == -signal.SIGKILL
        after = xml_files(out)
        killed_writing += killed and any(p.stat().st_mtime_ns != t for p, t in before.items())
        for name, data in after.items():
            # Parses (a truncated file would not) and holds a whole version's entries.
            assert entries(data) >= (50 if "/" not in name else 10), name
    assert killed_writing >= 8, "too few runs were killed while writing"
    final = run_feeds("build", "--config", config, "--now", NOW)
    assert final.returncode == 0, final.stderr
    assert temp_files(out) == []  # whatever the killed runs left is cleaned up
    for data in xml_files(out).values():
        assert not feedparser.parse(data).bozo
    newest = feedparser.parse(xml_files(out)["t7/atom.xml"])
    assert newest.entries[0].title == "Newest 16"


def _small_disk(limit: int) -> None:
    # RLIMIT_FSIZE makes any write past `limit` bytes fail with EFBIG, as a full disk
    # fails with ENOSPC; Python ignores SIGXFSZ, so the write raises OSError.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_keeps_the_previous_feeds(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 20)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    out = tmp_path / "public"
    before = xml_files(out)
    add_records(tmp_path, 20, start=100)
    result = subprocess.run(
        [sys.executable, "-m", "feeds", "build", "--config", str(config), "--now", NOW],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=lambda: _small_disk(4096),
        timeout=120,
        check=False,
    )
    assert result.returncode == 3
    assert result.stderr.startswith("feeds: cannot write ")
    assert result.stderr.endswith("File too large\n") and result.stderr.count("\n") == 1
    assert xml_files(out) == before
    assert temp_files(out) == []


def test_stale_temp_files_of_killed_runs_are_removed(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    add_records(tmp_path, 2)
    stale = tmp_path / "public" / "t0" / ".rss.xml.k1ll3d.feeds-tmp"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"<rss><chann")
    keep = tmp_path / "public" / "t0" / "notes.txt"
    keep.write_text("not ours", encoding="utf-8")
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    assert not stale.exists()
    assert keep.exists()


@pytest.mark.parametrize("value", ["-1", "soon", "90000"])
def test_bad_lock_timeout_is_a_usage_error(value: str) -> None:
    result = run_feeds("build", "--lock-timeout", value)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--lock-timeout" in result.stderr
