"""A damaged cache entry is one warning on one line, whatever bytes the entry holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.helpers import run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"


def test_a_cache_entry_naming_a_class_with_a_line_break_warns_on_one_line(
    tmp_path: Path,
) -> None:
    write_record(
        tmp_path / "records",
        "a.md",
        "title: A\npublishedDateTime: 2026-01-01T00:00:00Z\n"
        "webUrl: https://news.example.com/a\ntopics: [T]\n",
    )
    config = write_config(
        tmp_path,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n",
    )
    assert run_feeds("build", "--config", config, "--now", NOW, cwd=tmp_path).returncode == 0
    cache = tmp_path / "config" / ".feeds-cache"
    (cache / "last-run.json").unlink()  # make the run read the cache
    # A pickle asking for class "x" of a module whose name holds a line break and ESC.
    module = b"evil\n\x1b[31mmodule"
    payload = b"\x80\x04\x8c" + bytes([len(module)]) + module + b"\x8c\x01x\x93."
    with sqlite3.connect(cache / "records.sqlite3") as db:
        db.execute("UPDATE files SET data = ?", (payload,))
    result = run_feeds("build", "--config", config, "--now", NOW, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert (
        "cannot read the cache's entry for records/a.md "
        "('evil\\n\\x1b[31mmodule.x' is not allowed in the cache)"
    ) in result.stderr
