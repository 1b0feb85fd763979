"""The speed boundary changes nothing but the time: over random corpora and random edits,
every output file (all formats, pages, OPML, archives, redirect maps) and the report of a
build with the fast paths on equal, byte for byte, those of a build with them off
(``FEEDS_SPEED=off``): cold, again unchanged (the no-change shortcut), and warm after the
edits (parse cache, render memo). The session's counts show the fast paths did run.
"""

from __future__ import annotations

import contextlib
import json
import os
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.build import build
from feeds.config.load import read_config
from feeds.speed import ENV
from feeds.speed.plain import COUNTS_ENV
from tests.helpers import write_record

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TOPICS = ["Alpha", "Beta", "Gamma", "Delta"]

record_st = st.fixed_dictionaries(
    {
        "title": st.text(string.ascii_letters + " &<é", min_size=1, max_size=12).filter(str.strip),
        "topics": st.lists(st.sampled_from(TOPICS), max_size=2),
        "day": st.integers(min_value=1, max_value=28),
        "month": st.sampled_from([3, 4, 5, 7]),  # July: scheduled, after NOW
        "published": st.sampled_from(["true", "true", "false", None]),
        "url": st.integers(min_value=0, max_value=12),  # few URLs: duplicates happen
        "body": st.text("ab *_#\n", max_size=20),
    }
)
edit_st = st.tuples(
    st.sampled_from(["add", "edit", "delete", "touch"]), st.integers(0, 50), record_st
)


def write(folder: Path, name: str, item: dict[str, Any]) -> Path:
    published = f"published: {item['published']}\n" if item["published"] else ""
    return write_record(
        folder,
        name,
        f"title: {json.dumps(item['title'])}\n"
        f"publishedDateTime: 2026-{item['month']:02d}-{item['day']:02d}T08:00:00Z\n"
        f"webUrl: https://news.example.com/{item['url']}\n"
        f"topics: {json.dumps(item['topics'])}\n{published}",
        body=item["body"],
    )


def site(root: Path, records: Path) -> Path:
    """A config with every kind of output: three formats, an archived topic with a
    former slug (redirect maps), a child topic (OPML tree), discovered topics."""
    path = root / "feeds.yaml"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "site: {title: Props, url: 'https://feeds.example.org/'}\n"
        f"sources: [{records}]\noutput: {root / 'public'}\ncache: {root / 'cache'}\n"
        "limit: 3\ndiscover: true\ndefaults: {formats: [rss, atom, json]}\n"
        "topics:\n"
        "  - {name: Alpha, archive: true, previous_slugs: [old-alpha]}\n"
        "  - {name: Beta, parent: Alpha}\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(config: Path, speed: str) -> tuple[dict[str, bytes], str, dict[str, int]]:
    """Build with the fast paths ``speed`` (on/off): every output file, the report as
    JSON (its paths made relative) and the session's counts."""
    root = config.parent
    counts = root / "counts.json"
    with environment(**{ENV: speed, COUNTS_ENV: str(counts)}):
        report = build(read_config(config), now=NOW)
    out = root / "public"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    text = json.dumps(report.to_json(), sort_keys=True).replace(str(root), "ROOT")
    return files, text, json.loads(counts.read_text(encoding="utf-8"))


def edit(records: Path, edits: list[tuple[str, int, dict[str, Any]]]) -> None:
    """Apply the edits; each changed file gets a later modification time, as an edit
    minutes after the last build would (the cache trusts size and time)."""
    for step, (kind, index, item) in enumerate(edits, 1):
        files = sorted(records.glob("*.md"))
        if kind == "add" or not files:
            path = write(records, f"new{step}.md", item)
        else:
            path = files[index % len(files)]
            if kind == "delete":
                path.unlink()
                continue
            if kind == "edit":
                write(records, path.name, item)
        stat = path.stat()
        later = stat.st_mtime_ns + step * 1_000_000_000
        os.utime(path, ns=(later, later))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(record_st, min_size=1, max_size=14),
    edits=st.lists(edit_st, min_size=1, max_size=4),
    more=st.lists(edit_st, max_size=3),
)
def test_every_output_is_the_same_with_the_fast_paths_on_or_off(
    tmp_path_factory: Any,
    items: list[dict[str, Any]],
    edits: list[tuple[str, int, Any]],
    more: list[tuple[str, int, Any]],
) -> None:
    root = Path(tmp_path_factory.mktemp("speed"))
    records = root / "records"
    for n, item in enumerate(items):
        write(records, f"r{n:02d}.md", item)
    fast, plain = site(root / "on", records), site(root / "off", records)

    cold = run(fast, "on")
    assert cold[:2] == run(plain, "off")[:2]
    assert cold[2]["shortcut"] == 0 and cold[2]["parsed_here"] + cold[2]["parsed_in_workers"]

    again = run(fast, "on")
    assert again[2]["shortcut"] == 1  # nothing changed: the last report repeated
    assert again[:2] == run(plain, "off")[:2]

    edit(records, edits)
    warm = run(fast, "on")
    off = run(plain, "off")
    assert warm[:2] == off[:2]
    assert off[2]["cache_hits"] == off[2]["shortcut"] == off[2]["memo_hits"] == 0
    unchanged = len(items) - len(edits)
    if unchanged > 0:  # some files untouched: they came from the parse cache
        assert warm[2]["cache_hits"] > 0

    edit(records, more)  # a cache and a memo that have been through edits already
    assert run(fast, "on")[:2] == run(plain, "off")[:2]
    # Off, nothing was remembered: no parse cache, run state or render memo.
    assert not (root / "off" / "cache").exists()
    assert {p.name for p in (root / "on" / "cache").iterdir()} >= {
        "records.sqlite3",
        "last-run.json",
        "rendered.json",
    }
