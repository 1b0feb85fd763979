"""`feeds check`, `feeds topics`, `feeds preview`, `feeds init`: exit codes and exact output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.cli import main
from feeds.commands import loose_key, similar_names
from feeds.config.load import read_config
from tests.helpers import SHARED, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
NEWS = SHARED / "corpus" / "powerapps" / "_news"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")

CONFIG = """\
site: {title: Test, url: 'https://feeds.example.org/'}
sources: [../records]
output: ../public
topics:
  - name: Power Apps
  - name: Portals
    parent: Power Apps
  - name: AI
    aliases: [Artificial Intelligence]
"""


def record(
    home: Path,
    slug: str,
    topics: str,
    date: str = "2026-09-01T10:00:00Z",
    extra: str = "",
) -> None:
    front = (
        f"title: Story {slug}\npublishedDateTime: {date}\n"
        f"webUrl: https://news.example.com/{slug}\ntopics: [{topics}]\n"
        "provider: {name: BBC, domain: bbc.co.uk}\n" + extra
    )
    write_record(home / "records", f"{slug}.md", front)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, CONFIG)
    record(tmp_path, "a", "Portals", "2026-09-02T08:30:00Z")
    record(tmp_path, "b", "Power Apps")
    record(tmp_path, "c", "PowerApps", extra="published: false\n")
    record(tmp_path, "d", "A.I.", "2027-01-01T00:00:00Z")
    return tmp_path


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- check ----------------------------------------------------------------------------------


def test_check_clean_is_quiet_and_writes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("check", "--now", NOW, capsys=capsys) == (0, "", "")
    assert not (home / "public").exists()
    assert not (home / "config" / ".feeds-cache").exists()
    code, out, err = run("check", "--now", NOW, "-v", capsys=capsys)
    assert (code, out, err) == (0, "", "feeds check: 4 records, 12 feed files, 0 problems\n")


def test_check_lists_every_problem(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_record(
        home / "records", "bad1.md", "title: X\npublishedDateTime: soon\nwebUrl: https://x.org/"
    )
    write_record(
        home / "records",
        "bad2.md",
        "title: ''\npublishedDateTime: 2026-01-01\nwebUrl: https://y.org/",
    )
    code, out, err = run("check", "--now", NOW, capsys=capsys)
    assert code == 1
    assert out.splitlines() == [
        "records/bad1.md:3: publishedDateTime: not a date (found 'soon'); "
        "use ISO 8601 such as 2024-05-01T09:30:00Z",
        "records/bad2.md:2: title: is blank; give the record a title",
    ]
    assert err == "feeds check: 6 records, 12 feed files, 2 problems\n"


def test_check_config_error_exits_2(home: Path) -> None:
    write_config(home, CONFIG + "    parent: Nope\n")
    result = run_feeds("check", cwd=home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == (
            "config/feeds.yaml:10: topics[2].parent: not a configured topic (found 'Portals'); "
            "add a topic named 'Portals' or remove the parent\n"
        )
        or "cycle" not in result.stderr
    )


def test_check_warns_of_the_placeholders_init_wrote(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(home, CONFIG.replace("title: Test", "title: My feeds"))
    code, out, err = run("check", "--now", NOW, capsys=capsys)
    assert (code, out) == (
        1,
        "config/feeds.yaml:1: site.title: still the placeholder 'My feeds' that feeds init "
        "wrote; set it to your site's name\n",
    )
    assert err == "feeds check: 4 records, 12 feed files, 1 problem\n"
    write_config(home, CONFIG.replace("'https://feeds.example.org/'", "https://example.org/feeds"))
    code, out, _ = run("check", "--now", NOW, capsys=capsys)
    assert (code, out) == (
        1,
        "config/feeds.yaml:1: site.url: still the placeholder 'https://example.org/feeds/' "
        "that feeds init wrote; set it to the address the output folder is served from\n",
    )


def test_check_as_a_subprocess(home: Path) -> None:
    result = run_feeds("check", "--now", NOW, cwd=home)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# --- topics ---------------------------------------------------------------------------------


def test_topics_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("topics", "--now", NOW, "--format", "json", capsys=capsys)
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert list(rows) == ["Power Apps", "Portals", "AI", "PowerApps", "A.I."]
    assert rows["Power Apps"] == {
        "name": "Power Apps",
        "slug": "power-apps",
        "parent": None,
        "configured": True,
        "records": {"published": 2, "unpublished": 0, "scheduled": 0},
        "newest": "2026-09-02T08:30:00Z",
        "feeds": [
            "https://feeds.example.org/power-apps/rss.xml",
            "https://feeds.example.org/power-apps/atom.xml",
            "https://feeds.example.org/power-apps/feed.json",
        ],
        "similar": ["PowerApps"],
    }
    assert rows["Portals"]["parent"] == "Power Apps"
    assert rows["PowerApps"]["records"] == {"published": 0, "unpublished": 1, "scheduled": 0}
    assert (rows["PowerApps"]["configured"], rows["PowerApps"]["slug"]) == (False, None)
    assert rows["A.I."]["records"]["scheduled"] == 1
    assert rows["A.I."]["similar"] == ["AI"]
    assert rows["AI"]["similar"] == ["A.I."]


def test_topics_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("topics", "--now", NOW, capsys=capsys)
    lines = out.splitlines()
    assert code == 0
    assert " ".join(lines[0].split()) == ("TOPIC SLUG PARENT PUB UNPUB SCHED NEWEST NOTES")
    assert lines[2].split("  ")[0] == "Portals"
    assert " Power Apps " in lines[2] and "2026-09-02" in lines[2]
    assert lines[4].endswith("not configured, no feed; similar…") and len(lines[4]) == 100
    wide = run("topics", "--now", NOW, "--wide", capsys=capsys)[1].splitlines()
    assert wide[4].endswith("not configured, no feed; similar to 'Power Apps'")
    assert "PUBLISHED  UNPUBLISHED  SCHEDULED" in wide[0]
    assert len({line.index("SLUG") if "SLUG" in line else None for line in lines[:1]}) == 1


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["AI", "A.I.", "Art"], {"AI": ("A.I.",), "A.I.": ("AI",), "Art": ()}),
        (
            ["Power Apps", "PowerApps", "power-apps"],
            {
                "Power Apps": ("PowerApps", "power-apps"),
                "PowerApps": ("Power Apps", "power-apps"),
                "power-apps": ("Power Apps", "PowerApps"),
            },
        ),
        (
            ["Canvas app", "Canvas apps", "Python 2", "Python 3"],
            {
                "Canvas app": ("Canvas apps",),
                "Canvas apps": ("Canvas app",),
                "Python 2": (),
                "Python 3": (),
            },
        ),
    ],
)
def test_near_duplicate_spellings(names: list[str], expected: dict[str, tuple[str, ...]]) -> None:
    assert similar_names(names) == expected
    assert loose_key("A.I. & M_L") == "aiml"


# --- preview --------------------------------------------------------------------------------


def test_preview_parent_feed(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("preview", "power apps", "--now", NOW, capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-09-02 08:30  Story a  (BBC)  https://news.example.com/a",
        "2026-09-01 10:00  Story b  (BBC)  https://news.example.com/b",
    ]
    assert run("preview", "power-apps", "-n", "1", "--now", NOW, capsys=capsys)[1] == (
        "2026-09-02 08:30  Story a  (BBC)  https://news.example.com/a\n"
    )
    assert run("preview", "a.i.", "--now", "2027-02-01", capsys=capsys)[1].startswith("2027-01-01")


def test_preview_unknown_topic(home: Path) -> None:
    result = run_feeds("preview", "Portal", cwd=home)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "feeds: preview: no feed for topic 'Portal'; did you mean 'Portals'?\n"
    )
    result = run_feeds("preview", "zzz", cwd=home)
    assert result.stderr == (
        "feeds: preview: no feed for topic 'zzz'; run 'feeds topics' to list them "
        "('site' is the site-wide feed)\n"
    )


@needs_shared
def test_preview_real_topics_parent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topics = SHARED / "corpus" / "powerapps" / "_data" / "topics"
    write_config(
        tmp_path,
        f"site: {{title: PA, url: 'https://x.org/'}}\nsources: ['{NEWS}']\n"
        f"topic_files: '{topics}'\nlimit: 1000\ndiscover: false\n",
    )
    config = str(tmp_path / "config" / "feeds.yaml")
    _, parent, _ = run("preview", "Power Apps", "--config", config, capsys=capsys)
    _, portals, _ = run("preview", "Portals", "--config", config, capsys=capsys)
    assert len(portals.splitlines()) == 36
    assert set(portals.splitlines()) <= set(parent.splitlines())


# --- init -----------------------------------------------------------------------------------


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "config" / "feeds.yaml").unlink()
    record(home, "e", "'no', 'Odd: name'")
    code, out, _ = run("init", "records", capsys=capsys)
    assert (code, out) == (
        0,
        "feeds init: wrote config/feeds.yaml; "
        "set site.title and site.url, then run 'feeds check'\n",
    )
    text = (home / "config" / "feeds.yaml").read_text(encoding="utf-8")
    assert "  - name: Portals  # 1 record\n" in text
    config = read_config(home / "config" / "feeds.yaml")
    assert config.sources == (home / "records",)
    assert [t.name for t in config.topics] == [
        "A.I.", "no", "Odd: name", "Portals", "Power Apps", "PowerApps"
    ]  # fmt: skip
    result = run_feeds("init", "records", cwd=home)
    assert result.returncode == 2
    assert result.stderr == (
        "feeds: init: config/feeds.yaml already exists; edit it, or remove it to start again\n"
    )


def test_init_uses_the_sites_topic_files_and_names_the_others(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "_data" / "topics").mkdir(parents=True)
    (site / "_config.yml").write_text("title: A site\n", encoding="utf-8")
    (site / "_data" / "topics" / "ai.yml").write_text(
        "taxonomy: topic\n_id: ai\nname: AI\nkeywords: [ai]\n", encoding="utf-8"
    )
    record(site / "_posts" / "2026", "a", "AI, Climate")
    record(site / "_posts" / "2026", "b", "Climate")
    work = tmp_path / "site-feeds"
    work.mkdir()
    result = run_feeds("init", "../site/_posts", cwd=work)
    assert (result.returncode, result.stderr) == (0, "")
    assert "(topics from ../site/_data/topics)" not in result.stdout  # outside cwd: absolute
    assert f"(topics from {site / '_data' / 'topics'});" in result.stdout
    text = (work / "config" / "feeds.yaml").read_text(encoding="utf-8")
    assert text.endswith(
        f"topic_files: {site / '_data' / 'topics'}  # the site's topics\n"
        "# Climate: 2 of 2 records, not in the topic files\n"
    )
    assert "\ntopics:" not in text
    config = read_config(work / "config" / "feeds.yaml")
    assert [t.name for t in config.topics] == ["AI"]
    # The site's own _config.yml marks it as a Jekyll source folder too.
    result = run_feeds("init", "_posts", cwd=site)
    assert result.returncode == 2
    assert f"by the Jekyll site {site} (it has _config.yml);" in result.stderr
    assert not (site / "config").exists()


def test_init_needs_a_records_folder(tmp_path: Path) -> None:
    result = run_feeds("init", "nowhere", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "feeds: init: records folder nowhere not found; pass the folder holding your records\n",
    )
    assert not (tmp_path / "config").exists()
