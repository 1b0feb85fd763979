"""What a first-time user meets at the command line: the command list, did-you-mean,
one `feeds:` line per error, plurals, `json` in the help, preview names, tab errors,
a 100-column topics table and a progress line on a terminal (issue #14, item 9)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.core.formats import FORMATS
from tests.helpers import CORPUS, ROOT, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
COMMANDS = ("build", "check", "topics", "preview", "init", "serve", "serve-config")
CONFIG = """\
site: {title: Test, url: 'https://feeds.example.org/'}
sources: [../records]
output: ../public
topics:
  - name: Power Apps
    shortname: PA
  - name: AI
"""


def story(home: Path, slug: str, topics: str = "AI", extra: str = "") -> None:
    front = (
        f"title: Story {slug}\npublishedDateTime: 2026-09-0{len(slug)}T10:00:00Z\n"
        f"webUrl: https://news.example.com/{slug}\ntopics: [{topics}]\n" + extra
    )
    write_record(home / "records", f"{slug}.md", front)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    write_config(tmp_path, CONFIG)
    story(tmp_path, "a", "AI")
    story(tmp_path, "bb", "Power Apps")
    return tmp_path


# --- the command list and did-you-mean ------------------------------------------------------


def test_bare_feeds_prints_the_command_list() -> None:
    result = run_feeds()
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: feeds ")
    assert re.findall(r"^ {4}(\S+)", result.stdout, re.MULTILINE) == list(COMMANDS)


def test_unknown_command_gets_did_you_mean() -> None:
    typo = run_feeds("bulid")
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == "feeds: unknown command 'bulid'; did you mean 'build'?\n"
    nothing_close = run_feeds("zzz", "--now", NOW)
    assert nothing_close.stderr == (
        "feeds: unknown command 'zzz'; the commands are " + ", ".join(COMMANDS) + "\n"
    )


def test_unknown_option_gets_did_you_mean() -> None:
    result = run_feeds("build", "--quite")
    assert result.returncode == 2
    assert result.stderr == (
        "feeds: build: unknown option '--quite'; did you mean '--quiet'? "
        "(see 'feeds build --help')\n"
    )


# --- every error is one line starting with `feeds:` -----------------------------------------


ERRORS = [
    ("build", "--colour"),
    ("build", "-q", "-v"),
    ("build", "--config", "nope.yaml"),
    ("build", "--now", "tomorrow-ish"),
    ("build", "--lock-timeout", "soon"),
    ("check", "--config", "config/bad.yaml"),
    ("topics", "--format", "xml"),
    ("preview",),
    ("preview", "zzz"),
    ("preview", "AI", "-n", "0"),
    ("init", "no-such-folder", "--config", "new.yaml"),
    ("init", "records"),
    ("serve", "--port", "http"),
    ("serve", "public", "--output", "public"),
    ("serve-config", "ngnix"),
    ("serve-config", "nginx", "--max-age", "-1"),
    ("--colour",),
]


@pytest.mark.parametrize("args", ERRORS, ids=" ".join)
def test_every_error_is_one_line_starting_with_feeds(home: Path, args: tuple[str, ...]) -> None:
    (home / "config" / "bad.yaml").write_text("site: [\n", encoding="utf-8")
    result = run_feeds(*args, cwd=home)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("feeds: "), result.stderr
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr


def test_missing_config_suggests_init(tmp_path: Path) -> None:
    result = run_feeds("build", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "feeds: config file config/feeds.yaml not found; run 'feeds init RECORDS_FOLDER' "
        "to write one, or pass --config FILE\n"
    )


# --- plurals ----------------------------------------------------------------------------------


def test_one_is_singular_in_summaries(home: Path) -> None:
    story(home, "ccc", "AI", extra="originalUrl: https://news.example.com/a\n")
    built = run_feeds("build", "-v", "--now", NOW, cwd=home)
    assert built.returncode == 0, built.stderr
    summary = built.stdout.splitlines()[-1]
    assert " 1 duplicate, " in summary and "duplicates" not in summary, summary
    write_record(home / "records", "bad.md", "title: [\n")
    checked = run_feeds("check", "--now", NOW, cwd=home)
    assert checked.stderr.endswith(", 1 problem\n"), checked.stderr


def test_one_entry_left_is_singular(home: Path) -> None:
    for slug in ("c", "dd", "eee", "ffff"):
        story(home, slug, "AI")
    assert run_feeds("build", "--now", NOW, cwd=home).returncode == 0
    for slug in ("a", "bb", "c", "dd", "eee"):
        (home / "records" / f"{slug}.md").unlink()
    result = run_feeds("build", "-v", "--now", NOW, cwd=home)
    assert result.returncode == 5, result.stderr
    assert "would leave 1 entry in" in result.stderr, result.stderr
    assert "1 entries" not in result.stderr


# --- json among the formats -------------------------------------------------------------------


def test_help_and_readme_name_every_format() -> None:
    help_text = run_feeds("--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    topic_row = next(line for line in readme.splitlines() if line.startswith("| `formats` |"))
    for fmt in FORMATS:
        name = {"rss": "RSS", "atom": "Atom", "json": "JSON"}[fmt]
        assert name in help_text, fmt
        assert f"`{fmt}`" in topic_row, topic_row


# --- preview: the site-wide feed and shortnames ------------------------------------------------


@pytest.mark.parametrize("name", ["site", "all", "rss.xml", "Test"])
def test_preview_the_site_wide_feed(home: Path, name: str) -> None:
    result = run_feeds("preview", name, "--now", NOW, cwd=home)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert [line.split("  ")[1] for line in result.stdout.splitlines()] == [
        "Story bb",
        "Story a",
    ]


def test_preview_a_shortname(home: Path) -> None:
    result = run_feeds("preview", "pa", "--now", NOW, cwd=home)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.split("  ")[1] == "Story bb"


def test_preview_a_real_shortname(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f"site: {{title: PA, url: 'https://x.org/'}}\nsources: ['{CORPUS / '_news'}']\n"
        f"topic_files: '{CORPUS / '_data' / 'topics'}'\n",
    )
    by_short = run_feeds("preview", "CDS", cwd=tmp_path)
    by_name = run_feeds("preview", "Common Data Service", cwd=tmp_path)
    assert (by_short.returncode, by_short.stderr) == (0, "")
    assert by_short.stdout == by_name.stdout and by_short.stdout.count("\n") == 1


# --- a tab in YAML ----------------------------------------------------------------------------


def test_a_tab_in_a_records_front_matter_says_tab(home: Path) -> None:
    write_record(home / "records", "tab.md", "title: Tab\ntopics:\n\t- AI\n")
    result = run_feeds("build", "--now", NOW, cwd=home)
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.endswith(
        "tab.md:4: a tab character in the indentation (column 1); indent with spaces, not tabs\n"
    ), result.stderr


def test_a_tab_in_the_config_says_tab(home: Path) -> None:
    write_config(home, CONFIG.replace("  - name: AI", "\t- name: AI"))
    result = run_feeds("build", "--now", NOW, cwd=home)
    assert result.returncode == 2
    assert result.stderr == (
        "feeds: config/feeds.yaml:7: a tab character in the indentation (column 1); "
        "indent with spaces, not tabs\n"
    )


def test_a_tab_in_a_topic_file_says_tab(home: Path) -> None:
    write_config(home, CONFIG.split("topics:")[0] + "topic_files: ../topics\n")
    (home / "topics").mkdir()
    (home / "topics" / "ai.yaml").write_text("name: AI\nkeywords:\n  - ai\n\t- ml\n", "utf-8")
    result = run_feeds("topics", cwd=home)
    assert result.returncode == 2
    assert result.stderr.startswith("feeds: ") and "ai.yaml:4: a tab character" in result.stderr


# --- feeds topics in 100 columns --------------------------------------------------------------


def test_topics_fit_100_columns_and_wide_shows_everything(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f"site: {{title: PA, url: 'https://powerapps.example.org/'}}\n"
        f"sources: ['{CORPUS / '_news'}']\ntopic_files: '{CORPUS / '_data' / 'topics'}'\n"
        "discover: true\n",
    )
    narrow = run_feeds("topics", cwd=tmp_path)
    wide = run_feeds("topics", "--wide", cwd=tmp_path)
    assert narrow.returncode == wide.returncode == 0
    lines = narrow.stdout.splitlines()
    assert len(lines) == len(wide.stdout.splitlines()) > 7
    assert max(map(len, lines)) <= 100, "\n".join(lines)
    assert "Common Data Service" in narrow.stdout
    assert max(map(len, wide.stdout.splitlines())) > 100
    url = "https://powerapps.example.org/common-data-service/feed.json"
    assert url in wide.stdout and url not in narrow.stdout


# --- a progress line while rendering, on a terminal only --------------------------------------


def _stderr_on_a_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run feeds with stderr on a pseudo-terminal; (exit code, what the terminal got)."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    process = subprocess.Popen(
        [sys.executable, "-m", "feeds", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=child,
    )
    os.close(child)
    received = b""
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(main)
    return process.wait(timeout=60), received.decode("utf-8", "replace")


def test_a_progress_line_while_rendering_on_a_terminal(home: Path) -> None:
    code, terminal = _stderr_on_a_terminal("build", "--now", NOW, cwd=home)
    assert code == 0, terminal
    assert "reading records: 2/2" in terminal
    assert "rendering feeds: 3/3" in terminal, repr(terminal)
    assert terminal.endswith("\r\x1b[K"), repr(terminal)  # the line is cleared at the end
    piped = run_feeds("build", "--now", NOW, "--output", home / "again", cwd=home)
    assert (piped.returncode, piped.stderr) == (0, "")
