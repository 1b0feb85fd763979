"""Fuzzing whole builds: folders of valid, broken and garbage record files.

Whatever the files hold, the build finishes, reports each bad file by its path, loses no
good record and writes feeds a strict XML parser and feedparser accept. Example counts
come from the hypothesis profile (tests/conftest.py): HYPOTHESIS_PROFILE=long for more.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.build import build
from feeds.core.report import SHOWN_PER_SOURCE
from feeds.core.settings import Config, Site

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TOPICS = ["AI", "Space", "C/C++", "Café", "../up", "🚀", "<b>x</b>"]

# Text that tries to break out of XML and HTML, plus ordinary unicode.
nasty_text = st.one_of(
    st.text(min_size=1, max_size=30),
    st.sampled_from(
        [
            "]]>",
            "<script>alert(1)</script>",
            "&amp; &#0; &#xD800; &nbsp;",
            "\x00\x01\x1b\ufffe",
            '"><img src=x onerror=alert(1)>',
            "שלום 👋 مرحبا",
            "\u202e\u200b",
        ]
    ),
)


@dataclass
class Item:
    name: str
    data: bytes
    good_url: str | None
    """Set for an untouched valid record: it must reach the feeds."""
    bad: bool
    """A mutation that must get the file rejected."""


def _record(n: int, title: str, excerpt: str, topics: list[str], days: int) -> dict[str, object]:
    return {
        "title": title,
        "excerpt": excerpt,
        "publishedDateTime": f"2026-05-{days:02d}T12:00:00Z",
        "webUrl": f"https://news.example.com/{n}",
        "topics": topics,
        "provider": {"name": title[:10], "domain": "example.com"},
        "images": [{"url": "javascript:alert(1)"}, {"url": f"https://img.example/{n}.jpg"}],
        "related": [{"title": excerpt, "webUrl": "data:text/html,x"}],
        "secured": "SECRET-BLOB",
    }


def _markdown(record: dict[str, object], body: str) -> bytes:
    front = json.dumps(record, ensure_ascii=False)  # JSON is YAML: a flow mapping
    return f"---\n{front}\n---\n{body}\n".encode("utf-8", "surrogatepass")


MUTATIONS = {
    "unclosed": lambda d: d.replace(b"\n---\n", b"\n", 1),
    "nul": lambda d: d[:10] + b"\x00" + d[10:],
    "latin1": lambda d: d[:5] + b"\xff\xfe" + d[5:],
    "title-list": lambda d: d.replace(b'"title": ', b'"title": [1], "x": ', 1),
    "no-date": lambda d: d.replace(b"publishedDateTime", b"publishedDate", 1),
}


@st.composite
def items(draw: st.DrawFn, n: int) -> Item:
    kind = draw(st.sampled_from(["valid", "valid", "mutated", "garbage", "truncated"]))
    name = f"{n:03d} {draw(st.sampled_from(['a', 'é', 'ü x', '日本']))}.md"
    record = _record(
        n,
        draw(nasty_text.filter(lambda s: any(c.isalnum() for c in s))),
        draw(nasty_text),
        draw(st.lists(st.sampled_from(TOPICS), max_size=3)),
        draw(st.integers(min_value=1, max_value=31)),
    )
    # A NUL byte makes a file binary (rejected: the "nul" mutation); valid ones have none.
    data = _markdown(record, draw(nasty_text)).replace(b"\x00", b"")
    if kind == "valid":
        return Item(name, data, f"https://news.example.com/{n}", False)
    if kind == "mutated":
        mutation = draw(st.sampled_from(sorted(MUTATIONS)))
        return Item(name, MUTATIONS[mutation](data), None, True)
    if kind == "truncated":
        return Item(name, data[: draw(st.integers(0, len(data)))], None, False)
    return Item(name, draw(st.binary(max_size=300)), None, False)


def _valid_title(item: Item) -> bool:
    return item.good_url is not None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(1, 12).flatmap(lambda k: st.tuples(*(items(n) for n in range(k)))))
def test_any_folder_of_files_builds_safely(files: tuple[Item, ...]) -> None:
    root = Path(tempfile.mkdtemp(prefix="feeds-fuzz-"))
    try:
        folder = root / "records"
        folder.mkdir()
        for item in files:
            (folder / item.name).write_bytes(item.data)
        config = Config(
            path=root / "feeds.yaml",
            site=Site(title="Fuzz", url="https://feeds.example.org/"),
            sources=(folder,),
            output=root / "public",
            limit=100,
            shrink_threshold=0,
        )
        report = build(config, now=NOW)  # never raises

        rejected_paths = {Path(r.path).name for r in report.rejected}
        for rejection in report.rejected:
            assert rejection.message and "\n" not in str(rejection)
        # Every bad file is rejected: listed by name, or, past the report's cap of
        # SHOWN_PER_SOURCE listed rejections in a source, counted.
        bad = [item.name for item in files if item.bad]
        assert report.counts.rejected >= len(bad)
        unlisted = [name for name in bad if name not in rejected_paths]
        if unlisted:
            assert len(report.rejected) == SHOWN_PER_SOURCE, unlisted
            assert sum(count for _, count in report.rejected_by_source) >= len(bad)

        site = feedparser.parse((config.output / "atom.xml").read_bytes())
        links = {e.link for e in site.entries}
        assert {i.good_url for i in files if i.good_url} <= links, "a good record was lost"

        for feed in report.feeds:
            data = (config.output / feed.path).read_bytes()
            assert b"SECRET-BLOB" not in data
            if feed.format == "json":
                assert len(json.loads(data)["items"]) == feed.entries
                continue
            etree.fromstring(data)  # strict XML
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (feed.path, parsed.get("bozo_exception"))
            assert b"SECRET-BLOB" not in data
            assert b"javascript:" not in data and b"data:text" not in data
            assert len(parsed.entries) == feed.entries
    finally:
        shutil.rmtree(root)
