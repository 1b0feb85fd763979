"""The parse cache read alongside the listing (feeds/speed/cache.py, speed/fast.py): keys in
walk order, several sources in any order, stale entries, damage in the middle."""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import replace
from pathlib import Path

from feeds.core.settings import Config, Site
from feeds.records.reading import load_records
from feeds.sources.local import find_record_files
from feeds.speed.cache import FILE_NAME, ParseCache, cache_settings, path_key
from feeds.speed.fast import Fast
from tests.helpers import write_record


def _record(folder: Path, name: str, n: int) -> None:
    write_record(
        folder,
        name,
        f"title: Story {n}\npublishedDateTime: 2026-01-{1 + n % 28:02d}T00:00:00Z\n"
        f"webUrl: https://news.example.com/{n}\ntopics: [T{n % 3}]\n",
    )


def _config(root: Path, *sources: str) -> Config:
    return Config(
        path=root / "feeds.yaml",
        site=Site(title="Test", url="https://feeds.example.org/"),
        sources=tuple(root / s for s in sources),
        output=root / "public",
        cache=root / "cache",
    )


def _tree(root: Path) -> None:
    # Names that sort differently once joined to paths: "b/c.md" walks before "b.md"
    # (the folder b sorts before b.md), but "/" sorts after "." in a plain string.
    for n, name in enumerate(["a.md", "b/c.md", "b/d/e.md", "b.md", "b-x.md", "bb.md"]):
        _record(root / "one", name, n)
    for n, name in enumerate(["x.md", "y/z.md"], start=10):
        _record(root / "two", name, n)


def _hits(config: Config) -> list[int]:
    files, _ = find_record_files(config.sources)
    cache = ParseCache(config.cache or Path(), cache_settings(config))
    try:
        return list(cache.match(files))
    finally:
        cache.close()


def test_keys_sort_in_walk_order(tmp_path: Path) -> None:
    _tree(tmp_path)
    files, _ = find_record_files([tmp_path / "one"])
    keys = [path_key(f.display) for f in files]
    assert keys == sorted(keys)
    assert [Path(f.path).name for f in files] == ["a.md", "c.md", "e.md", "b-x.md", "b.md", "bb.md"]


def test_every_unchanged_file_is_a_hit_whatever_the_order_of_the_sources(
    tmp_path: Path,
) -> None:
    _tree(tmp_path)
    for sources in (("one", "two"), ("two", "one")):  # the second: not in key order
        config = _config(tmp_path, *sources)
        cold = load_records(replace(config, cache=None))
        assert load_records(config).records == cold.records  # fills the cache (or reuses it)
        assert _hits(config) == [1] * 8
        with Fast(config) as fast:
            warm = load_records(config, speed=fast)
        assert warm.records == cold.records
        assert (fast.counts.cache_hits, fast.counts.parsed_here) == (8, 0)
        # Records come in listing order: the first source's first.
        first = tmp_path / sources[0]
        assert Path(warm.records[0].source.path).is_relative_to(first)


def test_entries_of_files_gone_are_forgotten(tmp_path: Path) -> None:
    _tree(tmp_path)
    config = _config(tmp_path, "one")
    load_records(config)
    (tmp_path / "one" / "b" / "c.md").unlink()
    (tmp_path / "one" / "bb.md").unlink()
    load_records(config)
    with sqlite3.connect(tmp_path / "cache" / FILE_NAME) as db:
        kept = sorted(row[0] for row in db.execute("SELECT path FROM files"))
    files, _ = find_record_files(config.sources)
    assert kept == sorted(path_key(f.display) for f in files)
    assert len(kept) == 4


def test_a_damaged_entry_in_the_middle_is_read_again_with_one_warning(tmp_path: Path) -> None:
    _tree(tmp_path)
    config = _config(tmp_path, "one")
    cold = load_records(config)
    files, _ = find_record_files(config.sources)
    with sqlite3.connect(tmp_path / "cache" / FILE_NAME) as db:
        db.execute(
            "UPDATE files SET data = ? WHERE path = ?",
            (pickle.dumps(("not", "an entry")), path_key(files[3].display)),
        )
    with Fast(config) as fast:
        damaged = load_records(config, speed=fast)
    assert damaged.records == cold.records
    # The entries before the damaged one came from the cache; it and those after were read.
    assert (fast.counts.cache_hits, fast.counts.parsed_here) == (6, 3)
    assert len(damaged.warnings) == 1 and "cannot read the cache" in damaged.warnings[0]
    assert _hits(config) == [1] * 6  # refilled by that run
