"""`feeds build` as cron runs it: a real subprocess, its exit code, its output, its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from tests.helpers import ROOT, run_feeds, write_config, write_record
from tests.test_invalid_records import EXPECTED, INVALID

NOW = "2026-10-01T00:00:00Z"
GOOD = """
title: {title}
publishedDateTime: {date}
webUrl: https://news.example.com/{slug}
topics: [{topics}]
"""


def site(tmp_path: Path, extra: str = "") -> Path:
    """A config over tmp_path/records writing to tmp_path/public."""
    return write_config(
        tmp_path,
        "site: {title: Test Feeds, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n" + extra,
    )


def good(tmp_path: Path, slug: str, *, date: str = "2026-09-01T10:00:00Z", topics: str = "AI"):
    title = slug.replace("-", " ").title()
    front = GOOD.format(title=title, date=date, slug=slug, topics=topics)
    return write_record(tmp_path / "records", f"{slug}.md", front)


def test_success_is_quiet_and_writes_the_feeds(tmp_path: Path) -> None:
    config = site(tmp_path)
    good(tmp_path, "first")
    result = run_feeds("build", "--config", config, "--now", NOW)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    parsed = feedparser.parse((tmp_path / "public" / "ai" / "rss.xml").read_bytes())
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == ["First"]


def test_verbose_prints_one_summary_line(tmp_path: Path) -> None:
    config = site(tmp_path)
    good(tmp_path, "first")
    result = run_feeds("build", "--config", config, "--now", NOW, "-v")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "feeds: 1 record read: 1 published, 0 unpublished, 0 scheduled, 0 duplicates, "
        "0 rejected; 6 feed files: 6 written, 0 unchanged"
    ]


def test_rejected_records_go_to_stderr_one_line_each(tmp_path: Path) -> None:
    config = site(tmp_path)
    good(tmp_path, "kept")
    (tmp_path / "records" / "broken.md").write_text("---\ntitle: x\n", encoding="utf-8")
    result = run_feeds("build", "--config", config, "--now", NOW, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == (
        "records/broken.md:1: front matter is not closed; add a '---' line after the YAML fields\n"
    )
    assert (tmp_path / "public" / "ai" / "atom.xml").exists()


def test_every_invalid_file_is_reported_and_strict_exits_1(tmp_path: Path) -> None:
    # Each file its own source: stderr shows at most 10 rejections a source.
    files = ", ".join(f"'{file}'" for file in sorted(INVALID.iterdir()))
    config = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        f"sources: [{files}]\noutput: ../public\n",
    )
    lenient = run_feeds("build", "--config", config, "--now", NOW, cwd=INVALID)
    strict = run_feeds("build", "--config", config, "--now", NOW, "--strict", cwd=INVALID)
    expected = sorted(line for lines in EXPECTED.values() for line in lines)
    assert lenient.returncode == 0
    assert strict.returncode == 1
    for result in (lenient, strict):
        assert sorted(result.stderr.splitlines()) == expected
    # The one good record among them was published all the same.
    parsed = feedparser.parse((tmp_path / "public" / "rss.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Good item"]


def test_quiet_prints_nothing_even_with_rejections(tmp_path: Path) -> None:
    config = site(tmp_path)
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "empty.md").write_text("", encoding="utf-8")
    result = run_feeds("build", "--config", config, "--now", NOW, "-q", "--strict")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


def test_config_error_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    config = site(tmp_path, "lmit: 5\n")
    good(tmp_path, "first")
    result = run_feeds("build", "--config", "config/feeds.yaml", "--now", NOW, cwd=tmp_path)
    assert config.exists()
    assert result.returncode == 2
    assert result.stderr == "feeds: config/feeds.yaml:4: lmit: unknown key; did you mean 'limit'?\n"
    assert not (tmp_path / "public").exists()


def test_missing_config_and_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = run_feeds("build", "--config", tmp_path / "nope.yaml")
    bad_now = run_feeds("build", "--now", "tomorrow-ish")
    bad_option = run_feeds("build", "--colour")
    for result in (missing, bad_now, bad_option):
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert "nope.yaml" in missing.stderr
    assert bad_now.stderr == (
        "feeds: --now: not an ISO 8601 date (found 'tomorrow-ish'); use e.g. 2024-05-01T09:30:00Z\n"
    )
    assert "--colour" in bad_option.stderr


def test_report_holds_counts_rejections_and_feeds(tmp_path: Path) -> None:
    config = site(tmp_path, "topics: [{name: AI, aliases: [A.I.]}]\n")
    good(tmp_path, "one", topics="A.I.")
    good(tmp_path, "two", date="2026-09-02T10:00:00Z", topics="AI, Space")
    good(tmp_path, "later", date="2026-12-01T00:00:00Z")
    write_record(tmp_path / "records", "bad.md", "title: No date\nwebUrl: https://x.example/")
    report = tmp_path / "out" / "report.json"
    result = run_feeds("build", "--config", config, "--now", NOW, "--report", report)
    assert result.returncode == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["records"] == {
        "read": 4,
        "published": 2,
        "unpublished": 0,
        "scheduled": 1,
        "duplicates": 0,
        "rejected": 1,
    }
    (rejection,) = data["rejected"]
    assert rejection["path"].endswith("records/bad.md")
    assert (rejection["line"], rejection["field"]) == (2, "publishedDateTime")
    feeds = {(f["topic"], f["format"]): f for f in data["feeds"]}
    assert sorted(feeds, key=str) == sorted(
        [(topic, fmt) for topic in (None, "AI", "Space") for fmt in ("rss", "atom", "json")],
        key=str,
    )
    assert feeds[("AI", "atom")] == {
        "topic": "AI",
        "slug": "ai",
        "format": "atom",
        "path": "ai/atom.xml",
        "url": "https://feeds.example.org/ai/atom.xml",
        "entries": 2,
        "changed": True,
        "held_back": False,
        "previous": None,
    }
    assert feeds[(None, "rss")]["path"] == "rss.xml"
    assert feeds[("AI", "json")]["path"] == "ai/feed.json"
    assert feeds[("AI", "json")]["url"] == "https://feeds.example.org/ai/feed.json"
    assert feeds[("AI", "json")]["entries"] == 2


def test_second_run_rewrites_nothing(tmp_path: Path) -> None:
    config = site(tmp_path)
    good(tmp_path, "first")
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    files = sorted((tmp_path / "public").rglob("*.xml"))
    for path in files:
        os.utime(path, (1_000_000_000, 1_000_000_000))
    before = {p: p.read_bytes() for p in files}
    report = tmp_path / "report.json"
    assert run_feeds("build", "--config", config, "--report", report).returncode == 0
    assert all(p.stat().st_mtime == 1_000_000_000 for p in files)
    assert {p: p.read_bytes() for p in files} == before
    assert not any(f["changed"] for f in json.loads(report.read_text())["feeds"])


def test_output_and_source_override_the_config(tmp_path: Path) -> None:
    config = site(tmp_path)
    good(tmp_path, "ignored")
    other = tmp_path / "elsewhere"
    write_record(other, "x.md", GOOD.format(title="Chosen", date=NOW, slug="c", topics="AI"))
    out = tmp_path / "custom-out"
    result = run_feeds(
        "build", "--config", config, "--now", NOW, "--output", out, "--source", other
    )
    assert result.returncode == 0
    assert not (tmp_path / "public").exists()
    parsed = feedparser.parse((out / "atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Chosen"]


def test_missing_source_folder_is_a_config_error(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = run_feeds("build", "--config", config)
    assert result.returncode == 2
    assert result.stderr.endswith("does not exist; check 'sources' in the config or --source\n")
    assert not (tmp_path / "public").exists()


def test_bundled_sample_builds_from_the_project_folder(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = run_feeds("build", "--output", out, "--now", NOW, "-v", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "0 rejected" in result.stdout
    for name in ("rss.xml", "atom.xml", "ai/rss.xml", "space/atom.xml"):
        assert not feedparser.parse((out / name).read_bytes()).bozo


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    result = run_feeds("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("feeds ")


# --- a reader that stops reading (`feeds topics | head -1`, `less` quit early) -----------

BUFFERING = {"buffered": "", "unbuffered": "1"}
"""PYTHONUNBUFFERED: a buffered stdout fails at the flush after the command (or at exit),
an unbuffered one at the first print."""


def closed_pipe_run(*args: str | Path, unbuffered: str = "") -> tuple[int, str]:
    """Exit code and stderr of ``feeds ARGS`` writing to a pipe whose reader has gone."""
    read, write = os.pipe()
    os.close(read)  # gone before the first byte, so every write to stdout fails (EPIPE)
    try:
        result = run_feeds(*args, stdout=write, env={"PYTHONUNBUFFERED": unbuffered})
    finally:
        os.close(write)
    return result.returncode, result.stderr


def output_commands(tmp_path: Path) -> dict[str, tuple[str | Path, ...]]:
    """Every command printing to stdout (build's -v summary is covered by its own test)."""
    config = site(tmp_path)
    good(tmp_path, "first")
    (tmp_path / "starter").mkdir()
    return {
        "bare": (),
        "help": ("--help",),
        "command help": ("preview", "--help"),
        "version": ("--version",),
        "topics": ("topics", "--config", config, "--now", NOW),
        "topics json": ("topics", "--format", "json", "--config", config, "--now", NOW),
        "preview": ("preview", "AI", "--config", config, "--now", NOW),
        "serve-config": ("serve-config", "nginx", "--config", config),
        "init": ("init", tmp_path / "records", "--config", tmp_path / "starter" / "feeds.yaml"),
    }


@pytest.mark.parametrize("unbuffered", BUFFERING.values(), ids=BUFFERING)
def test_a_closed_stdout_ends_every_output_command_quietly(tmp_path: Path, unbuffered: str) -> None:
    commands = output_commands(tmp_path)
    ended = {name: closed_pipe_run(*args, unbuffered=unbuffered) for name, args in commands.items()}
    assert ended == dict.fromkeys(ended, (0, ""))
    assert (tmp_path / "starter" / "feeds.yaml").is_file(), "init did its work"


def test_a_closed_stdout_mid_output_ends_quietly_with_0(tmp_path: Path) -> None:
    # Titles long enough to fill stdout's buffer: the write fails while preview prints.
    config = site(tmp_path)
    for n in range(6):
        date, title = f"2026-09-0{n + 1}T10:00:00Z", f"Story {n} " + "long words " * 200
        front = GOOD.format(title=title, date=date, slug=f"s{n}", topics="AI")
        write_record(tmp_path / "records", f"s{n}.md", front)
    assert closed_pipe_run("preview", "AI", "--config", config, "--now", NOW) == (0, "")


def test_a_finished_command_keeps_its_exit_code_on_a_closed_stdout(tmp_path: Path) -> None:
    config = site(tmp_path)
    write_record(tmp_path / "records", "bad.md", "title: No date\ntopics: [AI]\n")
    code, stderr = closed_pipe_run("check", "--config", config, "--now", NOW)
    assert code == 1, "check found its problem before stdout was flushed"
    assert stderr.startswith("feeds check: ") and len(stderr.splitlines()) == 1, stderr
    # Unbuffered, the first problem's line fails: check stops there, and exits 0.
    assert closed_pipe_run("check", "--config", config, "--now", NOW, unbuffered="1") == (0, "")


@pytest.mark.parametrize("unbuffered", BUFFERING.values(), ids=BUFFERING)
def test_a_build_keeps_its_exit_code_and_report_on_a_closed_stdout(
    tmp_path: Path, unbuffered: str
) -> None:
    # Unbuffered, the -v summary's print fails at once: the report is written before it.
    config = site(tmp_path)
    good(tmp_path, "first")
    report = tmp_path / "report.json"
    args = ("build", "--config", config, "--now", NOW, "-v", "--report", report)
    assert closed_pipe_run(*args, unbuffered=unbuffered) == (0, "")
    assert json.loads(report.read_text(encoding="utf-8"))["records"]["published"] == 1


def test_a_broken_pipe_elsewhere_is_still_an_internal_error() -> None:
    # A worker's or the stat helper's pipe breaking is a bug, not a reader that stopped:
    # stdout is a healthy pipe here, so the error is reported, not swallowed.
    script = (
        "import sys, feeds.cli as cli\n"
        "def broken(args): raise BrokenPipeError(32, 'Broken pipe')\n"
        "cli._COMMANDS['topics'] = broken\n"
        "sys.exit(cli.main(['topics']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 70
    assert result.stderr.startswith("feeds: internal error: BrokenPipeError: "), result.stderr


@pytest.mark.parametrize("debug", [False, True], ids=["one-line", "debug"])
def test_an_internal_error_is_one_line_or_with_debug_its_traceback(debug: bool) -> None:
    words = ["topics", "--debug"] if debug else ["topics"]
    script = (
        "import sys, feeds.cli as cli\n"
        "def broken(args): raise RuntimeError('boom')\n"
        "cli._COMMANDS['topics'] = broken\n"
        f"sys.exit(cli.main({words!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 70
    if debug:
        assert result.stderr.startswith("Traceback (most recent call last):"), result.stderr
        assert result.stderr.endswith("RuntimeError: boom\n")
    else:
        assert result.stderr == (
            "feeds: internal error: RuntimeError: boom; rerun with --debug and report it\n"
        )
