"""Shared test helpers: paths, the CLI as a subprocess, record and config writers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from feeds.core.location import SourceLocation
from feeds.core.model import FeedSpec, Record

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "powerapps"


def run_feeds(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m feeds ARGS`` as a real subprocess; stdin is closed, as under cron.

    ``env`` adds variables; proxies are bypassed for 127.0.0.1, the only host tests reach.
    ``stdout``, a file descriptor, replaces the captured stdout (``result.stdout`` is None).
    """
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "feeds", *map(str, args)],
        cwd=cwd or ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def run_counted(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, int]]:
    """``run_feeds(*args)`` and what its speed session's fast paths did (``speed.plain.Counts``):
    proof that a fast path ran, or did not."""
    import json
    import tempfile

    from feeds.speed.plain import COUNTS_ENV

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "counts.json"
        result = run_feeds(*args, cwd=cwd, env={**(env or {}), COUNTS_ENV: str(target)})
        counts: dict[str, int] = json.loads(target.read_text(encoding="utf-8"))
    return result, counts


def write_config(folder: Path, body: str) -> Path:
    """Write ``folder/config/feeds.yaml`` holding ``body`` and return its path."""
    path = folder / "config" / "feeds.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def write_record(folder: Path, name: str, front_matter: str, body: str = "") -> Path:
    """Write a Markdown record with the given front matter (YAML text) and body."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter.strip()}\n---\n{body}", encoding="utf-8")
    return path


AI_SPEC = FeedSpec(
    topic="AI",
    slug="ai",
    title="Example News: AI",
    description="Latest AI stories from Example News",
    site_url="https://news.example.org/",
    language="en",
    author="Example News",
    limit=50,
)
"""A topic feed as selection would plan it, for renderer tests."""

TRICKY_TITLE = 'Tom & Jerry\'s "big" <b>day</b> 🚀 שלום עולם مرحبا'
"""Markup, quotes, an ampersand, emoji and right-to-left scripts in one title."""


def make_record(
    n: int, *, newest: datetime = datetime(2026, 3, 1, tzinfo=UTC), **changes: Any
) -> Record:
    """Record ``n``, published ``n`` days before ``newest``; ``changes`` override fields."""
    values: dict[str, Any] = {
        "source": SourceLocation(f"records/{n}.md", 1),
        "title": f"Story {n}",
        "url": f"https://news.example.org/story-{n}",
        "canonical_url": f"https://origin.example.com/story-{n}",
        "published_at": newest - timedelta(days=n),
    }
    values.update(changes)
    return Record(**values)
