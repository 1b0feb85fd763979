"""The caches on disk are untrusted input: keyed on the code and libraries that draw the
output (an upgrade redraws), and an entry tampered with, hostile or of the wrong type,
is a miss with one warning, never markup in the output nor a failed build."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest

from feeds.speed.cache import FILE_NAME
from feeds.speed.codec import decode_outcome, encode_outcome
from tests.helpers import ROOT, run_counted, run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"


def site(root: Path, count: int = 6) -> Path:
    config = write_config(
        root,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\ncache: ../cache\n",
    )
    for n in range(count):
        write_record(
            root / "records",
            f"r{n}.md",
            f"title: 'Story {n}'\npublishedDateTime: 2026-09-0{1 + n}T00:00:00Z\n"
            f"webUrl: https://news.example.com/{n}\ntopics: [AI]\n"
            f"excerpt: '<p>Excerpt {n} &amp; <a href=\"https://x.example/{n}\">more</a></p>'\n"
            "provider:\n  name: Example\n  domain: example.com\n"
            f"images:\n  - url: https://img.example.com/{n}.jpg\n"
            "related:\n"
            f"  - title: Related {n}\n    webUrl: https://other.example.com/{n}\n",
            body=f"Body *{n}* [link](https://body.example.com/{n})\n",
        )
    return config


def outputs(out: Path) -> dict[str, bytes]:
    files = (p for p in out.rglob("*") if p.is_file() and p.name != ".feeds.lock")
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def package_copy(root: Path) -> Path:
    """A copy of the feeds package, to be found first through PYTHONPATH."""
    shutil.copytree(ROOT / "feeds", root / "pkg" / "feeds", ignore=shutil.ignore_patterns("*.pyc"))
    return root / "pkg"


def build_with(pkg: Path, config: Path, *args: str) -> dict[str, int]:
    """Build with the package copy ``pkg``; what the speed session did."""
    result, counts = run_counted(
        "build", "--config", config, "--now", NOW, *args, cwd=pkg, env={"PYTHONPATH": str(pkg)}
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return counts


def test_changed_code_or_library_versions_redraw_past_every_cache(tmp_path: Path) -> None:
    config = site(tmp_path)
    pkg = package_copy(tmp_path)
    cache, rss = tmp_path / "cache", tmp_path / "public" / "rss.xml"
    build_with(pkg, config)
    assert b"<generator>feeds</generator>" in rss.read_bytes()
    assert build_with(pkg, config)["shortcut"] == 1  # unchanged code: the shortcut is taken
    render = pkg / "feeds" / "render" / "feed.py"
    source = render.read_text(encoding="utf-8")

    # The package's code changes (an upgrade of feeds): the no-change shortcut must not
    # repeat the last run, nor the render memo hand back the feeds the old code drew.
    render.write_text(source.replace('GENERATOR = "feeds"', 'GENERATOR = "feeds 2"'), "utf-8")
    counts = build_with(pkg, config)
    assert b"<generator>feeds 2</generator>" in rss.read_bytes()
    assert counts["shortcut"] == counts["memo_hits"] == counts["cache_hits"] == 0
    # The memo alone (no shortcut to take): another change is drawn again too.
    (cache / "last-run.json").unlink()
    render.write_text(source.replace('GENERATOR = "feeds"', 'GENERATOR = "feeds 3"'), "utf-8")
    assert build_with(pkg, config)["memo_hits"] == 0
    assert b"<generator>feeds 3</generator>" in rss.read_bytes()

    # A library that draws feeds is upgraded (its metadata names another version): the
    # next run is no shortcut and the memo of the last one is not used.
    state = json.loads((cache / "last-run.json").read_bytes())
    memo = json.loads((cache / "rendered.json").read_bytes())
    (pkg / "feedgen-99.0.dist-info").mkdir()
    build_with(pkg, config)
    assert json.loads((cache / "last-run.json").read_bytes())["key"] != state["key"]
    assert json.loads((cache / "rendered.json").read_bytes())["code"] != memo.get("code")


HOSTILE = '<script>alert(1)</script><img src="x" onerror="alert(2)">'
SCRIPT_URL = "javascript:alert(3)"

Plain = tuple[Any, ...]


def tamper(cache: Path, change: Callable[[Plain], Plain]) -> None:
    """Rewrite every record of every entry of the parse cache (both tables) through
    ``change``, as well-formed entries: what someone with write access could do."""
    with sqlite3.connect(cache / FILE_NAME) as db:
        for table in ("files", "full"):
            rows = db.execute(f"SELECT path, data FROM {table}").fetchall()
            for key, data in rows:
                display = key.replace(b"\x01", b"/").decode()
                records, rejected, read = decode_outcome(data, display)
                plain = pickle_plain(encode_outcome((records, rejected, read), display))
                plain = ([change(r) for r in plain[0]], plain[1], plain[2])
                db.execute(
                    f"UPDATE {table} SET data = ? WHERE path = ?", (pickle_dumps(plain), key)
                )


def pickle_plain(data: bytes) -> Any:
    import pickle

    return pickle.loads(data)


def pickle_dumps(value: Any) -> bytes:
    import pickle

    return pickle.dumps(value, protocol=5)


def hostile(plain: Plain) -> Plain:
    """Markup and script links in every field that could carry them."""
    values = list(plain)
    values[2] = values[2] or "Pwned"  # a light record turned into a complete one
    values[3] = SCRIPT_URL
    values[7] = f"<p>Excerpt</p>{HOSTILE}"
    values[8] = HOSTILE
    values[12] = ((SCRIPT_URL, None, None),)
    values[13] = (("Related", SCRIPT_URL, HOSTILE, None, None, None),)
    return tuple(values)


def no_script_anywhere(out: Path) -> None:
    """No script, event handler or script link in any file, parsed as what it is."""
    for path in out.rglob("*"):
        if path.suffix == ".html":
            fragments = [path.read_bytes()]
        elif path.name == "feed.json":
            items = json.loads(path.read_bytes())["items"]
            fragments = [i.get("content_html", "").encode() for i in items]
        elif path.suffix == ".xml":
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            fragments = [
                (c.get("value") or "").encode()
                for e in parsed.entries
                for c in [*e.get("content", []), e.get("summary_detail", {})]
            ]
            fragments.append(path.read_bytes())
        else:
            continue
        for fragment in fragments:
            if not fragment.strip():
                continue
            doc = lxml.html.fromstring(fragment)
            assert not doc.xpath("//script"), path
            assert not doc.xpath("//@*[starts-with(name(), 'on')]"), path
        assert not re.search(rb"(?i)javascript:|<script|onerror", path.read_bytes()), path


def cold_outputs(config: Path, root: Path) -> dict[str, bytes]:
    out = root / "cold"
    result = run_feeds("build", "--config", config, "--now", NOW, "--no-cache", "--output", out)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return outputs(out)


WRONG_TYPES: dict[str, Callable[[Plain], Plain]] = {
    "title": lambda p: (*p[:2], 5, *p[3:]),
    "excerpt": lambda p: (*p[:7], ["<p>x</p>"], *p[8:]),
    "topics": lambda p: (*p[:9], (1, 2), *p[10:]),
    "published flag": lambda p: (*p[:10], "no", *p[11:]),
    "images": lambda p: (*p[:12], ((5, "wide", None),), *p[13:]),
}


@pytest.mark.parametrize("case", ["hostile", *WRONG_TYPES])
def test_a_tampered_parse_cache_is_a_miss_with_one_warning(tmp_path: Path, case: str) -> None:
    config = site(tmp_path)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    cache = tmp_path / "cache"
    tamper(cache, hostile if case == "hostile" else WRONG_TYPES[case])
    (cache / "last-run.json").unlink()  # make the run read the cache
    out = tmp_path / "again"
    result = run_feeds("build", "--config", config, "--now", NOW, "--output", out)
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "cache" in result.stderr, result.stderr
    assert outputs(out) == cold_outputs(config, tmp_path)
    no_script_anywhere(out)
    # The cache holds the files' true entries again: the next run has nothing to say.
    final, counts = run_counted(
        "build", "--config", config, "--now", NOW, "--output", tmp_path / "o3"
    )
    assert (final.returncode, final.stderr) == (0, "")
    assert counts["cache_hits"] >= 6 and counts["parsed_here"] == counts["parsed_in_workers"] == 0


def markup_only(plain: Plain) -> Plain:
    """Markup in the HTML fields of complete records, every link left valid: a type tells
    nothing here, so render time has to make it safe."""
    if not plain[2]:
        return plain  # a light record carries no HTML
    values = list(plain)
    values[7] = f"<p>Tampered excerpt</p>{HOSTILE}"
    values[8] = f"<p>Tampered body</p>{HOSTILE}"
    values[13] = tuple((*item[:2], HOSTILE, *item[3:]) for item in values[13])
    return tuple(values)


def test_markup_planted_in_the_parse_cache_is_sanitized_where_it_is_drawn(
    tmp_path: Path,
) -> None:
    config = site(tmp_path)
    assert run_feeds("build", "--config", config, "--now", NOW).returncode == 0
    cache = tmp_path / "cache"
    tamper(cache, markup_only)
    (cache / "last-run.json").unlink()  # make the run read the cache
    out = tmp_path / "again"
    result = run_feeds("build", "--config", config, "--now", NOW, "--output", out)
    assert (result.returncode, result.stderr) == (0, "")
    text = b"".join(outputs(out).values())
    assert b"Tampered excerpt" in text and b"Tampered body" in text  # the entries were drawn
    no_script_anywhere(out)


def wrong_report(state: dict[str, Any]) -> None:
    report = state["report"]
    report["warnings"] = "\x1b[2Jab"
    report["records"]["read"] = "many"
    report["feeds"][0]["entries"] = [1]
    report["rejected"] = [{"path": 1, "line": "x", "field": None, "message": None}]


def wrong_memo(memo: dict[str, Any]) -> None:
    for entry, kept in zip(memo["feeds"].values(), ("all", -5, True), strict=False):
        entry[1] = kept  # entries kept


def wrong_counts(state: dict[str, Any]) -> None:
    state["report"]["rejected_by_source"] = {"records": "\x1b[2Jlots"}


def cut_short(text: str) -> str:
    return text[: len(text) // 2]


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("last-run.json", wrong_report),
        ("last-run.json", wrong_counts),
        ("last-run.json", cut_short),
        ("rendered.json", wrong_memo),
        ("rendered.json", cut_short),
    ],
)
def test_a_damaged_run_state_or_render_memo_is_a_miss_with_one_warning(
    tmp_path: Path, name: str, damage: Callable[[Any], Any]
) -> None:
    config = site(tmp_path)
    first = run_feeds("build", "--config", config, "--now", NOW)
    assert (first.returncode, first.stderr) == (0, "")  # no state yet: a miss, no warning
    cache = tmp_path / "cache"
    text = (cache / name).read_text(encoding="utf-8")
    if damage is cut_short:
        text = cut_short(text)
    else:
        state = json.loads(text)
        damage(state)
        text = json.dumps(state)
    (cache / name).write_text(text, encoding="utf-8")
    if name == "rendered.json":
        (cache / "last-run.json").unlink()  # make the run consult the memo
    result = run_feeds("build", "--config", config, "--now", NOW, "-v")
    # A miss costs only time: the run reads and draws everything again, and says why.
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{cache / name}: ") and " ignored (" in lines[0], lines[0]
    assert "\x1b" not in result.stderr and "lots" not in result.stderr
    assert "many" not in result.stdout and "\x1b" not in result.stdout
    assert outputs(tmp_path / "public") == cold_outputs(config, tmp_path)
    # The files are whole again, and the warning was this run's alone: a no-change run
    # repeats the last report without it.
    again = run_feeds("build", "--config", config, "--now", NOW)
    assert (again.returncode, again.stderr) == (0, "")


def test_a_flood_of_rejections_is_remembered_capped_and_repeated_alike(tmp_path: Path) -> None:
    config = site(tmp_path, count=2)
    for n in range(25):
        write_record(tmp_path / "records", f"bad{n:02d}.md", "title: [\n")
    runs = []
    for name in ("first", "again"):
        report = tmp_path / f"{name}.json"
        result = run_feeds("build", "--config", config, "--now", NOW, "--report", report)
        assert result.returncode == 0, result.stderr
        runs.append((result.stderr, json.loads(report.read_bytes())))
    (first, first_report), (again, again_report) = runs
    assert len(first.splitlines()) == 11 and "and 15 more rejected" in first, first
    # the no-change run printed and reported what the first did (but for files written)
    assert again == first
    for key in ("records", "rejected", "rejected_by_source", "duplicates", "warnings"):
        assert again_report[key] == first_report[key], key
    assert not any(f["changed"] for f in again_report["feeds"])
    state = json.loads((tmp_path / "cache" / "last-run.json").read_bytes())["report"]
    assert len(state["rejected"]) == 10
    assert list(state["rejected_by_source"].values()) == [25]
    assert state["records"]["rejected"] == 25
