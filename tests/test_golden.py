"""Golden feeds: fixed --now, build into tmp_path, compare bytes with the committed files.

Run ``pytest tests/test_golden.py --update-golden`` to rewrite them, then review the diff.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from feeds.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "config" / "feeds.yaml").exists())
FIXED_NOW = "2026-10-01T00:00:00Z"


def _files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".feeds.lock"
    )


@pytest.mark.parametrize("case", CASES)
def test_golden_feeds(case: str, tmp_path: Path, update_golden: bool) -> None:
    out = tmp_path / "public"
    config = GOLDEN / case / "config" / "feeds.yaml"
    code = main(["build", "--config", str(config), "--output", str(out), "--now", FIXED_NOW, "-q"])
    assert code == 0
    expected = GOLDEN / case / "expected"
    if update_golden:
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected, ignore=shutil.ignore_patterns(".feeds.lock"))
    assert _files(out) == _files(expected)
    for name in _files(expected):
        want = (expected / name).read_text(encoding="utf-8")
        got = (out / name).read_text(encoding="utf-8")
        if got != want:
            diff = difflib.unified_diff(
                want.splitlines(),
                got.splitlines(),
                f"expected/{name}",
                f"built/{name}",
                lineterm="",
            )
            pytest.fail(f"{case}/{name} differs from the golden file:\n" + "\n".join(diff))
        assert (out / name).read_bytes() == (expected / name).read_bytes()


def test_every_case_has_expected_output() -> None:
    assert CASES, "no golden cases found"
    for case in CASES:
        assert _files(GOLDEN / case / "expected"), f"{case} has no expected feeds"
