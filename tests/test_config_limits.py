"""Hostile config and topic files through the CLI: alias bombs, recursive aliases, deep
nesting and oversized files each end with one line and exit 2, quickly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_feeds, write_config

SITE = "site: {title: T, url: 'https://feeds.example.org/'}\nsources: [../records]\n"


def bomb(levels: int, width: int = 9) -> str:
    """Anchors whose aliases multiply: ``width ** levels`` nodes once expanded."""
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def build(home: Path) -> tuple[int, str]:
    (home / "records").mkdir(exist_ok=True)
    result = run_feeds("build", cwd=home)
    return result.returncode, result.stderr


def test_an_alias_bomb_in_the_config_is_refused_at_its_alias(tmp_path: Path) -> None:
    write_config(tmp_path, SITE + "x-bomb:\n" + "  " + bomb(5).replace("\n", "\n  "))
    assert build(tmp_path) == (
        2,
        "feeds: config/feeds.yaml:8: alias *a3 expands the file past 10000 nodes; "
        "write the values out instead of repeating aliases\n",
    )


def test_an_alias_bomb_in_a_topic_file_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, SITE)
    topic = tmp_path / "config" / "topics" / "bomb.yaml"
    topic.parent.mkdir()
    topic.write_text("name: Bomb\n" + bomb(5), encoding="utf-8")
    code, stderr = build(tmp_path)
    assert (code, stderr.count("\n")) == (2, 1)
    assert stderr.startswith(
        "feeds: config/topics/bomb.yaml:6: alias *a3 expands the file past 10000"
    )


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("site: &s\n  title: T\n  url: https://e.org/\n  again: *s\n", 4),
        ("site: {title: T, url: 'https://e.org/'}\ntopics: &t\n  - name: A\n  - *t\n", 4),
    ],
    ids=["mapping", "list"],
)
def test_a_recursive_alias_is_refused_not_a_crash(tmp_path: Path, body: str, line: int) -> None:
    write_config(tmp_path, body)
    alias = body.split("*")[1].split()[0]
    assert build(tmp_path) == (
        2,
        f"feeds: config/feeds.yaml:{line}: alias *{alias} refers to a node that contains it; "
        "remove the alias\n",
    )


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    write_config(tmp_path, SITE + "x-deep: " + "[" * 999 + "]" * 999 + "\n")
    assert build(tmp_path) == (
        2,
        "feeds: config/feeds.yaml:3: nested more than 64 levels deep; flatten it\n",
    )


def test_an_oversized_config_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    config = write_config(tmp_path, SITE)
    with config.open("a", encoding="utf-8") as handle:
        handle.write("# padding\n" * 5_000_000)  # 50 MB
    assert build(tmp_path) == (
        2,
        f"feeds: config/feeds.yaml: larger than 1 MiB (found {config.stat().st_size:,} bytes); "
        "check that --config names the right file\n",
    )


def test_an_oversized_topic_file_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, SITE)
    topic = tmp_path / "config" / "topics" / "big.yml"
    topic.parent.mkdir()
    topic.write_text("name: Big\n" + "# padding\n" * 110_000, encoding="utf-8")
    assert build(tmp_path) == (
        2,
        f"feeds: config/topics/big.yml: larger than 1 MiB (found {topic.stat().st_size:,} bytes); "
        "keep one topic's keys in a topic file\n",
    )


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        SITE
        + "topics:\n"
        + "  - &ai {name: AI, limit: 5, formats: [rss, atom]}\n"
        + "  - {<<: *ai, name: ML}\n"
        + "".join(f"  - {{<<: *ai, name: T{n}}}\n" for n in range(50)),
    )
    (tmp_path / "records").mkdir()
    result = run_feeds("topics", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert [row.split()[0] for row in result.stdout.splitlines()[1:4]] == ["AI", "ML", "T0"]
