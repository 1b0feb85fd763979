"""The output lock file with real processes: a planted link or special file is refused,
and an output folder that cannot be written exits 3 (a held lock stays 4: test_cron.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import run_feeds, write_config, write_record

NOW = "2026-10-01T00:00:00Z"
NOBODY = 65534


def make_site(folder: Path) -> Path:
    write_record(
        folder / "records",
        "a.md",
        "title: A\npublishedDateTime: 2026-01-01T00:00:00Z\n"
        "webUrl: https://news.example.com/a\ntopics: [T]\n",
    )
    return write_config(
        folder,
        "site: {title: T, url: 'https://feeds.example.org/'}\n"
        "sources: [../records]\noutput: ../public\n",
    )


def plant_symlink(lock: Path, outside: Path) -> None:
    outside.write_text("precious\n", encoding="utf-8")
    lock.symlink_to(outside)


def plant_dangling_symlink(lock: Path, outside: Path) -> None:
    lock.symlink_to(outside)


def plant_fifo(lock: Path, outside: Path) -> None:
    os.mkfifo(lock)


@pytest.mark.parametrize(
    ("plant", "found"),
    [
        (plant_symlink, "a symbolic link"),
        (plant_dangling_symlink, "a symbolic link"),
        (plant_fifo, "not a regular file"),
    ],
)
def test_a_planted_lock_file_is_refused_and_nothing_outside_is_touched(
    tmp_path: Path, plant: Callable[[Path, Path], None], found: str
) -> None:
    config = make_site(tmp_path)
    out = tmp_path / "public"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    plant(out / ".feeds.lock", outside)
    before = outside.read_bytes() if outside.exists() else None
    result = run_feeds("build", "--config", config, "--now", NOW, cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        f"feeds: public/.feeds.lock: {found}; remove it (feeds creates its own lock file)\n"
    )
    assert (outside.read_bytes() if outside.exists() else None) == before
    assert sorted(p.name for p in out.iterdir()) == [".feeds.lock"]


def test_an_output_path_below_a_file_exits_3(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    (tmp_path / "public").write_text("a file, not a folder\n", encoding="utf-8")
    result = run_feeds("build", "--config", config, "--output", "public/out", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == (
        "feeds: cannot create the output folder public/out (Not a directory); "
        "check the path (output in the config or --output)\n"
    )


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder any user may enter: tmp_path's parents are private to the user running
    pytest, and a root run must hand the site to another user (see ``as_unprivileged``)."""
    folder = Path(tempfile.mkdtemp(prefix="feeds-lock-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def as_unprivileged(folder: Path) -> list[str]:
    """For root, to whom permissions mean nothing: the site given to user nobody and the
    command prefix that runs as nobody; nothing for anyone else."""
    if os.geteuid() != 0:
        return []
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def test_a_read_only_output_folder_exits_3_not_4(shared_folder: Path) -> None:
    config = make_site(shared_folder)
    out = shared_folder / "public"
    out.mkdir()
    (out / "rss.xml").write_text("<rss/>\n", encoding="utf-8")
    prefix = as_unprivileged(shared_folder)
    out.chmod(0o555)
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "feeds", "build", "--config", str(config), "--now", NOW],
        cwd=shared_folder,
        env={**os.environ, "HOME": str(shared_folder)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr == (
        "feeds: public: the output folder is not writable (cannot create .feeds.lock: "
        "Permission denied); make it writable or choose another (output or --output)\n"
    )
    assert (out / "rss.xml").read_text(encoding="utf-8") == "<rss/>\n"
