"""Finding record files below the configured sources (feeds/sources/local.py)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feeds.core.errors import ConfigError
from feeds.sources import listing as listing_module
from feeds.sources import stathelper
from feeds.sources.local import (
    Listing,
    SourceFile,
    display_path,
    find_record_files,
    list_record_files,
)


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shown(*parts: str) -> str:
    """A relative path as the platform prints it."""
    return str(Path(*parts))


def names(files: list[SourceFile], root: Path) -> list[str]:
    """The files' paths below ``root`` (a path below the working folder is relative)."""
    return [Path(f.path).absolute().relative_to(root.absolute()).as_posix() for f in files]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    return folder


def test_finds_record_files_recursively(src: Path) -> None:
    for name in [
        "a.md",
        "b.markdown",
        "c.yaml",
        "d.yml",
        "e.json",
        "sub/f.md",
        "sub/deeper/g.json",
        "UPPER.MD",
        "notes.txt",
        "image.png",
        "README",
        "archive.md.bak",
        "sub/h.html",
    ]:
        touch(src / name)
    files, warnings = find_record_files([src])
    assert names(files, src) == [
        "UPPER.MD",
        "a.md",
        "b.markdown",
        "c.yaml",
        "d.yml",
        "e.json",
        "sub/deeper/g.json",
        "sub/f.md",
    ]
    assert warnings == []


def test_order_is_sorted_and_independent_of_creation_order(tmp_path: Path) -> None:
    listings = []
    for attempt, order in enumerate([["b", "a", "c"], ["c", "b", "a"]]):
        root = tmp_path / str(attempt)
        for name in order:
            touch(root / name / f"{name}.md")
            touch(root / f"{name}.md")
        files, _ = find_record_files([root])
        listings.append(names(files, root))
    assert listings[0] == listings[1]
    assert listings[0] == ["a/a.md", "a.md", "b/b.md", "b.md", "c/c.md", "c.md"]


def test_folders_come_in_name_order_among_files(src: Path) -> None:
    # Entries are sorted by name, whether file or folder ("a-b" < "a.md" < "a_b").
    touch(src / "a.md")
    touch(src / "a-b" / "x.md")
    touch(src / "a_b" / "y.md")
    files, _ = find_record_files([src])
    assert names(files, src) == ["a-b/x.md", "a.md", "a_b/y.md"]


def test_dot_files_and_dot_folders_are_skipped(src: Path) -> None:
    touch(src / ".hidden.md")
    touch(src / ".git" / "x.md")
    touch(src / "sub" / ".cache" / "y.yaml")
    touch(src / "sub" / ".z.json")
    touch(src / "sub" / "ok.md")
    files, warnings = find_record_files([src])
    assert names(files, src) == ["sub/ok.md"]
    assert warnings == []


def test_a_dot_folder_given_as_the_source_is_searched(tmp_path: Path) -> None:
    source = tmp_path / ".records"
    touch(source / "a.md")
    files, _ = find_record_files([source])
    assert names(files, source) == ["a.md"]


def test_a_single_file_source(src: Path) -> None:
    record = touch(src / "one.md")
    files, warnings = find_record_files([record])
    assert [Path(f.path) for f in files] == [record]
    assert warnings == []


def test_a_single_file_source_of_any_suffix_is_taken(src: Path) -> None:
    # A file named explicitly is the user's choice; only folder searches filter suffixes.
    record = touch(src / "list.txt")
    files, _ = find_record_files([record])
    assert [Path(f.path) for f in files] == [record]


def test_several_sources_keep_their_order(tmp_path: Path) -> None:
    b = touch(tmp_path / "b" / "x.md").parent
    a = touch(tmp_path / "a" / "y.md").parent
    single = touch(tmp_path / "single.json")
    files, _ = find_record_files([b, single, a])
    assert [Path(f.path) for f in files] == [b / "x.md", single, a / "y.md"]


def test_a_file_reached_twice_is_listed_once(src: Path) -> None:
    record = touch(src / "a.md")
    files, _ = find_record_files([src, record, src])
    assert [Path(f.path) for f in files] == [record]


def test_no_sources_and_empty_folders(src: Path) -> None:
    assert find_record_files([]) == ([], [])
    (src / "empty").mkdir()
    assert find_record_files([src]) == ([], [])


def test_missing_source_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        find_record_files([tmp_path / "nowhere"])
    assert str(caught.value) == (
        "source nowhere does not exist; check 'sources' in the config or --source"
    )
    assert caught.value.exit_code == 2


def test_missing_source_outside_cwd_is_shown_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    missing = tmp_path / "gone"
    with pytest.raises(ConfigError, match="does not exist") as caught:
        find_record_files([missing])
    assert caught.value.message == (
        f"source {missing} does not exist; check 'sources' in the config or --source"
    )


def test_missing_source_is_an_error_even_after_good_ones(src: Path) -> None:
    touch(src / "a.md")
    with pytest.raises(ConfigError):
        find_record_files([src, src / "missing"])


def test_a_broken_link_as_source_is_missing(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nothing")
    with pytest.raises(ConfigError, match="does not exist"):
        find_record_files([link])


# --- symbolic links -------------------------------------------------------------------


def test_link_leading_outside_is_skipped_with_a_warning(
    tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside"
    touch(outside / "secret.md")
    touch(tmp_path / "loose.md")
    touch(src / "ok.md")
    (src / "escape").symlink_to(outside, target_is_directory=True)
    (src / "file-link.md").symlink_to(tmp_path / "loose.md")
    files, warnings = find_record_files([src])
    assert names(files, src) == ["ok.md"]
    root = src.resolve()
    assert warnings == [
        f"records/escape: skipped a link that leads outside {root}",
        f"records/file-link.md: skipped a link that leads outside {root}",
    ]


def test_link_to_the_parent_of_the_source_is_skipped(src: Path) -> None:
    touch(src / "a.md")
    (src / "up").symlink_to(src.parent, target_is_directory=True)
    files, warnings = find_record_files([src])
    assert names(files, src) == ["a.md"]
    assert len(warnings) == 1
    assert "up: skipped a link that leads outside" in warnings[0]


def test_link_loop_terminates(src: Path) -> None:
    touch(src / "a.md")
    touch(src / "sub" / "b.md")
    (src / "sub" / "loop").symlink_to(src / "sub", target_is_directory=True)
    (src / "sub" / "back").symlink_to("..", target_is_directory=True)
    files, warnings = find_record_files([src])
    assert names(files, src) == ["a.md", "sub/b.md"]
    assert warnings == []


def test_self_referencing_link_terminates(src: Path) -> None:
    touch(src / "a.md")
    (src / "self.md").symlink_to(src / "self.md")
    (src / "ping").symlink_to(src / "pong")
    (src / "pong").symlink_to(src / "ping")
    files, _ = find_record_files([src])
    assert names(files, src) == ["a.md"]


def test_dangling_link_inside_is_skipped(src: Path) -> None:
    touch(src / "a.md")
    (src / "gone.md").symlink_to(src / "never-there.md")
    files, _ = find_record_files([src])
    assert names(files, src) == ["a.md"]


def test_link_to_a_folder_inside_is_followed(src: Path) -> None:
    touch(src / "archive" / "2024" / "a.md")
    (src / "latest").symlink_to(src / "archive" / "2024", target_is_directory=True)
    files, warnings = find_record_files([src])
    # The folder is searched once: through the link or directly, never both.
    found = names(files, src)
    assert len(found) == 1
    assert found[0] in ("archive/2024/a.md", "latest/a.md")
    assert warnings == []


def test_link_to_a_folder_found_only_through_it(tmp_path: Path, src: Path) -> None:
    hidden = src / ".store"
    touch(hidden / "a.md")
    (src / "view").symlink_to(hidden, target_is_directory=True)
    files, warnings = find_record_files([src])
    assert names(files, src) == ["view/a.md"]
    assert warnings == []


def test_link_to_a_file_inside_is_followed(src: Path) -> None:
    touch(src / ".drafts" / "story.md")
    (src / "story.md").symlink_to(src / ".drafts" / "story.md")
    (src / "other.yaml").symlink_to(Path(".drafts") / "story.md")  # relative link target
    files, _ = find_record_files([src])
    # Both links lead to the same file: it is listed once, under the first name.
    assert names(files, src) == ["other.yaml"]


def test_linked_file_and_its_target_are_listed_once(src: Path) -> None:
    touch(src / "z-real.md")
    (src / "a-link.md").symlink_to(src / "z-real.md")
    files, _ = find_record_files([src])
    assert len(files) == 1


def test_linked_file_is_listed_once_with_a_relative_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "records" / "z-real.md")
    (tmp_path / "records" / "a-link.md").symlink_to(tmp_path / "records" / "z-real.md")
    files, _ = find_record_files([Path("records")])
    assert len(files) == 1


def test_link_with_a_non_record_suffix_to_a_record_is_skipped(src: Path) -> None:
    touch(src / ".store" / "a.md")
    (src / "a.txt").symlink_to(src / ".store" / "a.md")
    files, _ = find_record_files([src])
    assert files == []


def test_source_reached_through_a_link_is_searched(tmp_path: Path) -> None:
    real = tmp_path / "real"
    touch(real / "a.md")
    touch(real / "sub" / "b.md")
    (real / "sub" / "up").symlink_to(real, target_is_directory=True)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    files, warnings = find_record_files([link])
    assert names(files, link) == ["a.md", "sub/b.md"]
    assert warnings == []


# --- names and display paths ----------------------------------------------------------


def test_names_with_spaces_and_non_ascii(src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(src.parent)
    touch(src / "my story.md")
    touch(src / "café" / "naïve résumé.yaml")
    touch(src / "日本" / "記事.json")
    files, warnings = find_record_files([src])
    assert names(files, src) == ["café/naïve résumé.yaml", "my story.md", "日本/記事.json"]
    assert [f.display for f in files] == [
        shown("records", "café", "naïve résumé.yaml"),
        shown("records", "my story.md"),
        shown("records", "日本", "記事.json"),
    ]
    assert all(Path(f.path).is_file() for f in files)
    assert warnings == []


def test_display_paths_are_relative_to_cwd(
    tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(src / "sub" / "a.md")
    single = touch(tmp_path / "single.md")
    monkeypatch.chdir(tmp_path)
    files, _ = find_record_files([src, single])
    assert [f.display for f in files] == [shown("records", "sub", "a.md"), "single.md"]
    # Below the working folder a file is opened by its shown path: one string for both.
    assert all(f.path is f.display and Path(f.path).is_file() for f in files)


def test_display_paths_of_a_relative_source(
    tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(src / "a.md")
    monkeypatch.chdir(tmp_path)
    files, _ = find_record_files([Path("records")])
    assert [(str(f.path), f.display) for f in files] == [
        (shown("records", "a.md"), shown("records", "a.md"))
    ]


def test_display_paths_outside_cwd_are_absolute(
    tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(src / "a.md")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    files, _ = find_record_files([src])
    assert [f.display for f in files] == [str(src / "a.md")]


def test_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "a" / "b.md") == shown("a", "b.md")
    assert display_path(Path("/somewhere/else.md")) == "/somewhere/else.md"
    assert display_path(Path("relative.md")) == "relative.md"


# --- a listing split between two processes ----------------------------------------------


def _tree(src: Path) -> None:
    for name in ["a.md", "b/c.md", "b/d.yaml", "e.json", ".hidden.md", "f/g/h.md", "z.md"]:
        touch(src / name, name)
    (src / "link.md").symlink_to(src / "b" / "c.md")  # the same file as b/c.md
    os.link(src / "z.md", src / "y-hard.md")  # a hard link: listed once, first by name


@pytest.fixture(params=["helper takes all", "runs shared"])
def sharing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs of one path each; with "runs shared", the helper's queue turns every other
    run away (as a full queue does), so both processes stat some of them."""
    monkeypatch.setattr(listing_module, "RUN", 1)
    if request.param == "runs shared":
        offer = stathelper.StatHelper.offer
        turns = iter(range(10**6))

        def every_other(helper: object, start: int, stop: int, paths: list[str]) -> bool:
            return next(turns) % 2 == 0 and offer(helper, start, stop, paths)  # type: ignore[arg-type]

        monkeypatch.setattr(stathelper.StatHelper, "offer", every_other)
    return str(request.param)


def test_split_listing_equals_the_plain_one(src: Path, sharing: str) -> None:
    _tree(src)
    plain = list_record_files([src])
    split = list_record_files([src], split_from=0)
    assert split.files == plain.files
    assert split.warnings == plain.warnings
    assert list(split.digest()) == list(plain.digest())
    assert names(split.files, src) == [
        "a.md",
        "b/c.md",
        "b/d.yaml",
        "e.json",
        "f/g/h.md",
        "y-hard.md",
    ]
    assert [f.size for f in split.files] == [
        len(n) for n in ("a.md", "b/c.md", "b/d.yaml", "e.json", "f/g/h.md", "z.md")
    ]


def test_digest_notices_a_touched_file_wherever_it_is_read(src: Path, sharing: str) -> None:
    for index in range(8):
        touch(src / f"{index}.md")
    before = b"".join(list_record_files([src], split_from=0).digest())
    for index in range(8):
        path = src / f"{index}.md"
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))
        after = b"".join(list_record_files([src], split_from=0).digest())
        assert after != before
        before = after


def test_a_file_gone_before_its_stat_is_skipped_with_a_warning(src: Path, sharing: str) -> None:
    touch(src / "a.md")
    listing = Listing(split_from=0)
    listing.add(str(src / "a.md"))
    listing.add(str(src / "gone.md"))  # vanished between the walk and its stat
    listing.settle()
    assert names(listing.files, src) == ["a.md"]
    assert len(listing.warnings) == 1
    assert listing.warnings[0].endswith("gone.md: skipped (No such file or directory)")


def test_a_helper_killed_midway_leaves_its_runs_to_the_listing_process(src: Path) -> None:
    for index in range(6):
        touch(src / f"{index}.md", "x" * index)
    listing = Listing(split_from=0)
    for index in range(6):
        listing.add(str(src / f"{index}.md"))
    listing._hand_over()  # the helper starts and is sent every path
    helper = listing._helper
    assert helper is not None and helper.ranges == [(0, 6)]
    os.kill(helper.pid, signal.SIGKILL)
    listing.settle()
    assert [f.size for f in listing.files] == list(range(6))
    assert listing.warnings == []


def test_a_listing_given_up_midway_stops_its_helper(
    tmp_path: Path, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(3):
        touch(src / f"{index}.md")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # a source that cannot be listed, after one that started the helper
    started: list[stathelper.StatHelper] = []
    start = stathelper.StatHelper.start

    def recorded() -> stathelper.StatHelper | None:
        helper = start()
        if helper is not None:
            started.append(helper)
        return helper

    monkeypatch.setattr(listing_module, "RUN", 1)
    monkeypatch.setattr(stathelper.StatHelper, "start", staticmethod(recorded))
    with pytest.raises(ConfigError, match="cannot be read"):
        list_record_files([src, pipe], split_from=0)
    assert len(started) == 1
    with pytest.raises(ProcessLookupError):  # stopped and reaped, not left waiting
        os.kill(started[0].pid, 0)


def test_an_incomplete_or_malformed_answer_from_the_helper_is_refused(src: Path) -> None:
    paths = [str(touch(src / f"{index}.md", "x" * index)) for index in range(3)]
    whole = stathelper.stat_runs(io.BytesIO(_request(0, paths[:1]) + _request(2, paths[2:])))
    for bad in (None, whole[:-3][:20], whole[:-2] + b"{[", whole.replace(b"{}", b"[]")):
        assert stathelper.parse_answer(bad, 2) is None
    assert stathelper.parse_answer(whole, 3) is None  # answers for fewer paths than sent
    parsed = stathelper.parse_answer(whole, 2)
    assert parsed is not None
    (sizes, mtimes, _, inodes), failed = parsed
    assert list(sizes) == [0, 2]  # in the order of the runs: paths 0 and 2
    stats = [Path(paths[0]).stat(), Path(paths[2]).stat()]
    assert list(inodes) == [stat.st_ino for stat in stats]
    assert list(mtimes) == [stat.st_mtime_ns for stat in stats]
    assert failed == {}


def test_a_helper_reports_the_paths_it_could_not_stat_by_index(src: Path) -> None:
    answer = stathelper.stat_runs(io.BytesIO(_request(5, [str(src / "gone.md")])))
    parsed = stathelper.parse_answer(answer, 1)
    assert parsed is not None
    assert parsed[1] == {5: "No such file or directory"}


def _request(start: int, paths: list[str]) -> bytes:
    text = "\0".join(paths).encode()
    return stathelper._HEADER.pack(start, len(text)) + text


def test_without_file_descriptors_for_a_helper_one_process_reads_every_stat(src: Path) -> None:
    for index in range(4):
        touch(src / f"{index}.md", "x" * index)
    script = f"""
import os, resource
from feeds.sources.local import Listing
listing = Listing(split_from=0)
for index in range(4):
    listing.add({str(src)!r} + f"/{{index}}.md")
lowest_free = os.dup(0)
os.close(lowest_free)
resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free + 1, lowest_free + 1))
listing.settle()  # os.pipe needs two descriptors: only one is left
print([f.size for f in listing.files], listing.warnings)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "[0, 1, 2, 3] []"


def _gone(pid: int) -> bool:
    """No such process, or only its exit status left (a zombie nobody reaped yet)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_a_helper_ends_when_its_listing_process_is_killed(src: Path) -> None:
    # The helper is not tied to its parent by the kernel: it ends at the end of its
    # requests, which a killed parent's pipe gives it.
    for index in range(3):
        touch(src / f"{index}.md")
    script = (
        "import sys, time\n"
        "from feeds.sources.local import Listing\n"
        "listing = Listing(split_from=0)\n"
        "for path in sys.argv[1:]:\n"
        "    listing.add(path)\n"
        "listing._hand_over()\n"  # started and sent the paths; the requests stay open
        "print(listing._helper.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    paths = [str(src / f"{index}.md") for index in range(3)]
    parent = subprocess.Popen(
        [sys.executable, "-c", script, *paths], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    assert not _gone(pid)  # alive, waiting for more requests
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(pid)
