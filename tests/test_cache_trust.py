"""The caches on disk are untrusted input: keyed on the code and libraries that draw the
output (an upgrade redraws), and an entry tampered with, hostile or of the wrong type,
is a miss with one warning, never markup in the output nor a failed build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import ROOT, run_feeds, write_config, write_record

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
            "relatedArticles:\n"
            f"  - title: Related {n}\n    webUrl: https://other.example.com/{n}\n",
            body=f"Body *{n}* [link](https://body.example.com/{n})\n",
        )
    return config


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def package_copy(root: Path) -> Path:
    """A copy of the feeds package, to be found first through PYTHONPATH."""
    shutil.copytree(ROOT / "feeds", root / "pkg" / "feeds", ignore=shutil.ignore_patterns("*.pyc"))
    return root / "pkg"


def build_with(pkg: Path, config: Path, *args: str) -> str:
    result = run_feeds(
        "build", "--config", config, "--now", NOW, *args, cwd=pkg, env={"PYTHONPATH": str(pkg)}
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_changed_code_or_library_versions_redraw_past_every_cache(tmp_path: Path) -> None:
    config = site(tmp_path)
    pkg = package_copy(tmp_path)
    cache, rss = tmp_path / "cache", tmp_path / "public" / "rss.xml"
    build_with(pkg, config)
    assert b"<generator>feeds</generator>" in rss.read_bytes()
    render = pkg / "feeds" / "render.py"
    source = render.read_text(encoding="utf-8")

    # The package's code changes (an upgrade of feeds): the no-change shortcut must not
    # repeat the last run, nor the render memo hand back the feeds the old code drew.
    render.write_text(source.replace('GENERATOR = "feeds"', 'GENERATOR = "feeds 2"'), "utf-8")
    build_with(pkg, config)
    assert b"<generator>feeds 2</generator>" in rss.read_bytes()
    # The memo alone (no shortcut to take): another change is drawn again too.
    (cache / "last-run.json").unlink()
    render.write_text(source.replace('GENERATOR = "feeds"', 'GENERATOR = "feeds 3"'), "utf-8")
    build_with(pkg, config)
    assert b"<generator>feeds 3</generator>" in rss.read_bytes()

    # A library that draws feeds is upgraded (its metadata names another version): the
    # next run is no shortcut and the memo of the last one is not used.
    state = json.loads((cache / "last-run.json").read_bytes())
    memo = json.loads((cache / "rendered.json").read_bytes())
    (pkg / "feedgen-99.0.dist-info").mkdir()
    build_with(pkg, config)
    assert json.loads((cache / "last-run.json").read_bytes())["key"] != state["key"]
    assert json.loads((cache / "rendered.json").read_bytes())["code"] != memo.get("code")
