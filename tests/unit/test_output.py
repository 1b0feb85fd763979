"""Atomic, change-only writes inside the output folder (feeds/publish/output.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.core.errors import OutputError
from feeds.publish.output import (
    TEMP_SUFFIX,
    contained_path,
    write_atomic,
    write_files,
    write_if_changed,
)

OLD = 1_000_000_000  # 2001-09-09: an mtime no write during the test could produce


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"*{TEMP_SUFFIX}"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


# --- write_if_changed -----------------------------------------------------------------


def test_creates_nested_folders(tmp_path: Path) -> None:
    root = tmp_path / "public"
    assert write_if_changed(root, "a/b/c/rss.xml", b"<rss/>") is True
    assert (root / "a" / "b" / "c" / "rss.xml").read_bytes() == b"<rss/>"
    assert temp_files(tmp_path) == []


def test_identical_write_is_a_no_op(tmp_path: Path) -> None:
    target = tmp_path / "topic" / "atom.xml"
    assert write_if_changed(tmp_path, "topic/atom.xml", b"<feed/>") is True
    os.utime(target, (OLD, OLD))
    before = target.stat()
    assert write_if_changed(tmp_path, "topic/atom.xml", b"<feed/>") is False
    after = target.stat()
    assert after.st_mtime == OLD
    assert after.st_ino == before.st_ino
    assert target.read_bytes() == b"<feed/>"
    assert temp_files(tmp_path) == []


def test_changed_content_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "rss.xml"
    assert write_if_changed(tmp_path, "rss.xml", b"old") is True
    os.utime(target, (OLD, OLD))
    assert write_if_changed(tmp_path, "rss.xml", b"new and longer") is True
    assert target.read_bytes() == b"new and longer"
    assert target.stat().st_mtime != OLD
    assert write_if_changed(tmp_path, "rss.xml", b"") is True
    assert target.read_bytes() == b""
    assert temp_files(tmp_path) == []


def test_replacing_keeps_a_reader_on_the_old_file(tmp_path: Path) -> None:
    # A rename, not an in-place rewrite: an open handle still sees the old bytes.
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old")
    with target.open("rb") as reader:
        assert write_if_changed(tmp_path, "rss.xml", b"new") is True
        assert reader.read() == b"old"
    assert target.read_bytes() == b"new"


# --- contained_path -------------------------------------------------------------------


def test_contained_path_joins_inside_the_root(tmp_path: Path) -> None:
    assert contained_path(tmp_path, "a/rss.xml") == tmp_path.resolve() / "a" / "rss.xml"
    assert contained_path(tmp_path, "a/../rss.xml") == tmp_path.resolve() / "rss.xml"


@pytest.mark.parametrize("relpath", ["../x", "../../etc/passwd", "a/../../x", "", "."])
def test_contained_path_refuses_escapes(tmp_path: Path, relpath: str) -> None:
    root = tmp_path / "public"
    root.mkdir()
    with pytest.raises(OutputError, match="refusing to write outside the output folder"):
        contained_path(root, relpath)


def test_contained_path_refuses_absolute_paths(tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    outside = tmp_path / "elsewhere.xml"
    with pytest.raises(OutputError, match="outside the output folder"):
        contained_path(root, str(outside))
    with pytest.raises(OutputError):
        contained_path(root, "/etc/passwd")


def test_contained_path_allows_an_absolute_path_inside_the_root(tmp_path: Path) -> None:
    inside = tmp_path.resolve() / "rss.xml"
    assert contained_path(tmp_path, str(inside)) == inside


def test_contained_path_refuses_symlinked_escapes(tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "topic").symlink_to(outside, target_is_directory=True)
    (root / "rss.xml").symlink_to(tmp_path / "victim.xml")
    with pytest.raises(OutputError):
        contained_path(root, "topic/rss.xml")
    with pytest.raises(OutputError):
        contained_path(root, "rss.xml")


def test_write_if_changed_does_not_write_through_an_escaping_link(tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "topic").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputError):
        write_if_changed(root, "topic/rss.xml", b"data")
    assert list(outside.iterdir()) == []


def test_the_error_is_an_output_error_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught:
        contained_path(tmp_path, "../x")
    assert "'../x'" in str(caught.value)
    assert caught.value.exit_code == 3


# --- write_atomic ---------------------------------------------------------------------


def test_write_atomic_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "rss.xml"
    for data in (b"one", b"two", b"two"):
        write_atomic(target, data)
        assert target.read_bytes() == data
        assert temp_files(tmp_path) == []
        assert sorted(p.name for p in target.parent.iterdir()) == ["rss.xml"]


def test_unwritable_target_keeps_what_was_there(tmp_path: Path) -> None:
    # The target cannot be replaced (it is a non-empty folder), whoever runs the test:
    # the error is an OutputError, nothing is lost, no temp is left.
    target = tmp_path / "rss.xml"
    target.mkdir()
    (target / "keep").write_bytes(b"old")
    with pytest.raises(OutputError, match="cannot read"):
        write_atomic(target, b"new")
    assert (target / "keep").read_bytes() == b"old"
    assert temp_files(tmp_path) == []


def test_failure_after_the_temp_file_exists_cleans_it_up(tmp_path: Path) -> None:
    # Runs as root too: writing str to the binary temp file fails mid-way.
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert temp_files(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["rss.xml"]


def test_unwritable_parent_is_an_output_error(tmp_path: Path) -> None:
    # The "folder" is a file, so it cannot be created (fails for root too).
    blocker = tmp_path / "topic"
    blocker.write_bytes(b"a file")
    with pytest.raises(OutputError, match="cannot"):
        write_atomic(blocker / "rss.xml", b"data")
    assert blocker.read_bytes() == b"a file"
    assert temp_files(tmp_path) == []


def test_target_that_is_a_folder_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "rss.xml"
    target.mkdir()
    with pytest.raises(OutputError, match="cannot read"):
        write_atomic(target, b"data")
    assert target.is_dir()
    assert temp_files(tmp_path) == []


@pytest.mark.usefixtures("umask_022")
def test_new_files_get_the_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "rss.xml"
    write_atomic(target, b"data")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_new_files_follow_another_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "rss.xml", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "rss.xml").stat().st_mode) == 0o640


@pytest.mark.usefixtures("umask_022")
def test_write_atomic_does_not_change_the_umask(tmp_path: Path) -> None:
    write_atomic(tmp_path / "rss.xml", b"data")
    current = os.umask(0o022)
    assert current == 0o022


@pytest.mark.usefixtures("umask_022")
def test_replacing_keeps_the_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "rss.xml"
    target.write_bytes(b"old")
    target.chmod(0o604)
    assert write_atomic(target, b"new") is True
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert target.read_bytes() == b"new"


# --- write_files ----------------------------------------------------------------------


@pytest.fixture
def fsynced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each fsync of this test synced, in order: a folder's path, or "file" (the
    real fsync still runs)."""
    synced: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        real(fd)
        folder = stat.S_ISDIR(os.fstat(fd).st_mode)
        synced.append(str(Path(f"/proc/self/fd/{fd}").readlink()) if folder else "file")

    monkeypatch.setattr(os, "fsync", recording)
    return synced


def test_a_batch_writes_what_changed_and_reports_each(tmp_path: Path) -> None:
    (tmp_path / "same.xml").write_bytes(b"same")
    (tmp_path / "old.xml").write_bytes(b"old")
    files = [
        (tmp_path / "same.xml", b"same"),
        (tmp_path / "old.xml", b"new"),
        (tmp_path / "a" / "b" / "fresh.xml", b"fresh"),
    ]
    assert write_files(files) == [False, True, True]
    assert [target.read_bytes() for target, _ in files] == [b"same", b"new", b"fresh"]
    assert temp_files(tmp_path) == []


def test_a_batch_syncs_every_file_then_each_folder_once(tmp_path: Path, fsynced: list[str]) -> None:
    names = [f"topic/{name}" for name in ("rss.xml", "atom.xml", "feed.json")] + ["index.html"]
    files = [(tmp_path / name, f"new {name}".encode()) for name in names]
    assert write_files(files) == [True] * 4
    assert fsynced[:4] == ["file"] * 4  # every file's data, before any rename
    assert sorted(fsynced[4:]) == sorted([str(tmp_path), str(tmp_path / "topic")])
    assert (tmp_path / "topic" / "atom.xml").read_bytes() == b"new topic/atom.xml"


def test_a_batch_that_cannot_write_one_file_replaces_none(tmp_path: Path) -> None:
    (tmp_path / "topic").mkdir()
    (tmp_path / "topic" / "rss.xml").write_bytes(b"old")
    (tmp_path / "blocked").write_bytes(b"a file where a folder is wanted")
    files = [(tmp_path / "topic" / "rss.xml", b"new"), (tmp_path / "blocked" / "rss.xml", b"x")]
    with pytest.raises(OutputError, match="blocked"):
        write_files(files)
    assert (tmp_path / "topic" / "rss.xml").read_bytes() == b"old"
    assert temp_files(tmp_path) == []


def test_a_batch_larger_than_the_descriptors_it_may_hold_open(tmp_path: Path) -> None:
    files = [(tmp_path / f"{n:03}.xml", str(n).encode()) for n in range(200)]
    with open("/dev/null") as probe:  # noqa: PTH123 - a descriptor number, to compare
        first_free = probe.fileno()
    assert write_files(files) == [True] * 200
    assert [target.read_bytes() for target, _ in files] == [str(n).encode() for n in range(200)]
    with open("/dev/null") as probe:  # noqa: PTH123
        assert probe.fileno() == first_free  # every descriptor closed again
    assert temp_files(tmp_path) == []


def test_a_single_write_syncs_the_file_then_its_folder(tmp_path: Path, fsynced: list[str]) -> None:
    write_atomic(tmp_path / "rss.xml", b"new")
    assert fsynced == ["file", str(tmp_path)]
