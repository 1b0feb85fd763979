"""Signals end a whole build: a terminal's Ctrl-C (SIGINT to the process group), cron's
or systemd's SIGTERM and a hang-up's SIGHUP (to the pid) end the build and every process
it started within seconds, leave no temporary file, print one line and exit 128 + the
signal's number; the next build is normal. Real builds of 20,000 records, real signals
at many points of their run; survivors are found by their session in /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from feeds.publish.output import TEMP_SUFFIX

from .helpers import ROOT

NOW = "2026-01-01T00:00:00Z"
RECORDS = 20_000
SETTLE = 5.0
"""Seconds the build's processes get to be gone once it has exited."""


@dataclass(frozen=True, slots=True)
class Corpus:
    """The generated records, their config, a completed build's output and timings."""

    root: Path
    config: Path
    output: Path
    reference: dict[str, bytes]
    cold: float
    """Seconds of a cold build (no parse cache)."""
    warm: float
    """Seconds of a build with a parse cache after one record changed (the stat helper)."""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}


def _start(corpus_config: Path, folder: Path, *args: str) -> subprocess.Popen[bytes]:
    """A build in its own session (its id is the build's pid: every process it starts
    keeps it); output to files, which a surviving process cannot keep us waiting on."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "stdout").open("wb") as out, (folder / "stderr").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "feeds", "build", "--config", str(corpus_config)]
            + ["--now", NOW, *args],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def _ready(build: subprocess.Popen[bytes]) -> None:
    """Wait until ``build`` catches SIGTERM and SIGHUP (its handlers are in place: Python
    has started and imported feeds); before that a signal gets Python's default."""
    wanted = 1 << (signal.SIGTERM - 1) | 1 << (signal.SIGHUP - 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and build.poll() is None:
        status = Path(f"/proc/{build.pid}/status").read_text()
        caught = int(status.split("SigCgt:", 1)[1].split()[0], 16)
        if caught & wanted == wanted:
            return
        time.sleep(0.005)
    raise AssertionError(f"build {build.pid} never caught SIGTERM and SIGHUP")


def _in_session(session: int) -> list[int]:
    """Processes of ``session`` still in /proc (zombies included)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:  # ended while we looked
            continue
        fields = text.rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, ...
        if int(fields[3]) == session:
            found.append(int(entry.name))
    return found


def _survivors(session: int) -> list[int]:
    """The session's processes left ``SETTLE`` seconds after its leader ended; killed."""
    deadline = time.monotonic() + SETTLE
    while (left := _in_session(session)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # not left running after the test
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return left


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".feeds.lock"
    }


def _temps(*folders: Path) -> list[str]:
    return [
        str(path)
        for folder in folders
        for path in folder.rglob(f"*{TEMP_SUFFIX}")
        if path.is_file()
    ]


def _timed(config: Path, folder: Path, *args: str) -> float:
    build = _start(config, folder, *args)
    _ready(build)
    start = time.monotonic()
    assert build.wait(120) == 0, (folder / "stderr").read_text()
    assert (folder / "stderr").read_text() == ""
    assert not _survivors(build.pid)
    return time.monotonic() - start


def _touch_one(records: Path, step: int) -> None:
    """Change one record's modification time: the next build is not a no-change run."""
    first = next(records.rglob("*.md"))
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + step * 1000))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("signals")
    config, output = root / "config" / "feeds.yaml", root / "public"
    generate = ROOT / "benchmarks" / "generate.py"
    subprocess.run(
        [sys.executable, generate, root / "records", "--records", str(RECORDS)]
        + ["--config", config, "--output", output],
        check=True,
        capture_output=True,
    )
    # A cold build gives the output every later build must reproduce; one with the parse
    # cache (config/.feeds-cache) fills it.
    cold = _timed(config, root / "logs" / "reference", "--no-cache")
    reference = _tree(output)
    assert "rss.xml" in reference
    _timed(config, root / "logs" / "cache")
    _touch_one(root / "records", 1)
    warm = _timed(config, root / "logs" / "warm")
    return Corpus(root, config, output, reference, cold, warm)


EXPECTED = {
    signal.SIGINT: (130, "feeds: interrupted\n"),
    signal.SIGTERM: (143, "feeds: interrupted by SIGTERM\n"),
    signal.SIGHUP: (129, "feeds: interrupted by SIGHUP\n"),
}


def _send(build: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        if signum == signal.SIGINT:
            os.killpg(build.pid, signum)  # a terminal's Ctrl-C: the whole foreground group
        else:
            build.send_signal(signum)  # kill PID, cron's timeout, systemd: the parent only


def _interrupt(
    build: subprocess.Popen[bytes], folder: Path, after: float, signals: list[signal.Signals]
) -> tuple[bool, list[str]]:
    """Signal ``build`` ``after`` seconds from its start (a second signal 30 ms later,
    as a second Ctrl-C); whether it was interrupted, and what went wrong."""
    _ready(build)
    time.sleep(after)
    for index, signum in enumerate(signals):
        if index:
            time.sleep(0.03)
        _send(build, signum)
    try:
        code = build.wait(30)
    except subprocess.TimeoutExpired:
        code = None
    survivors = _survivors(build.pid)
    stderr = (folder / "stderr").read_text(errors="replace")
    where = f"{signals[0].name} at {after:.2f} s"
    problems = []
    if survivors:
        problems.append(f"{where}: processes left running: {survivors}")
    if code is None:
        build.kill()
        build.wait()
        problems.append(f"{where}: the build did not end within 30 s")
    elif code == 0:  # it finished first: a normal run
        if stderr:
            problems.append(f"{where}: finished, but printed {stderr!r}")
        return False, problems
    elif (code, stderr) != EXPECTED[signals[0]]:
        problems.append(f"{where}: exit {code}, stderr {stderr[-2000:]!r}")
    return True, problems


def test_signals_end_a_build_and_all_its_processes(corpus: Corpus) -> None:
    cycle = [signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
    cache = corpus.config.parent / ".feeds-cache"
    problems: list[str] = []
    interrupted = trials = 0
    # Cold builds, each into an empty output folder (every feed file is new: temporary
    # files are in flight while publishing), signalled from just after start-up to near
    # the end; every fifth gets a second signal while it cleans up.
    points = 30
    for n in range(points):
        after = corpus.cold * 0.85 * n / (points - 1)
        signals = [cycle[n % 4]] + ([signal.SIGINT] if n % 5 == 4 else [])
        folder = corpus.root / "cold" / str(n)
        build = _start(corpus.config, folder, "--no-cache", "--output", str(folder / "public"))
        hit, found = _interrupt(build, folder, after, signals)
        interrupted, trials, problems = interrupted + hit, trials + 1, problems + found
        problems += [f"cold {n}: temporary file left: {t}" for t in _temps(folder)]
    # Builds with the parse cache after one record changed: the listing's stat helper.
    for n in range(4):
        after = corpus.warm * 0.85 * n / 3
        _touch_one(corpus.root / "records", n + 2)
        folder = corpus.root / "warm" / str(n)
        build = _start(corpus.config, folder)
        hit, found = _interrupt(build, folder, after, [cycle[(n + 1) % 4]])
        interrupted, trials, problems = interrupted + hit, trials + 1, problems + found
        problems += [f"warm {n}: temporary file left: {t}" for t in _temps(corpus.output, cache)]
    assert not problems, "\n".join(problems)
    assert interrupted >= trials * 3 // 4, f"only {interrupted} of {trials} builds were signalled"
    # The next build is normal: exit 0, silent, the same feeds as the reference build.
    _touch_one(corpus.root / "records", 99)
    _timed(corpus.config, corpus.root / "logs" / "after")
    assert _tree(corpus.output) == corpus.reference
    parsed = feedparser.parse(corpus.reference["rss.xml"])
    assert not parsed.bozo
    assert len(parsed.entries) == 50


# A process busy in one long call of C code (lxml, pickle, sqlite; or waiting for the
# lock another thread holds) runs its signal handlers only when the call returns, and
# Python runs them in signal-number order, not in the order they came. The first signal
# must decide the exit code: cron's SIGTERM followed by a Ctrl-C is 143, not 130.
_BUSY = """
import sys
from feeds.core.children import catch_signals
from feeds.core.errors import Interrupted
try:
    with catch_signals():
        print("ready", flush=True)
        while True:
            sum(range(20_000_000))  # one C call: handlers wait until it returns
except Interrupted as error:
    print(error.exit_code, error, flush=True)
"""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (signal.SIGTERM, signal.SIGINT),
        (signal.SIGHUP, signal.SIGINT),
        (signal.SIGTERM, signal.SIGHUP),
        (signal.SIGHUP, signal.SIGTERM),
    ],
)
def test_the_first_of_two_signals_decides_however_late_they_are_handled(
    first: signal.Signals, second: signal.Signals
) -> None:
    busy = subprocess.Popen(
        [sys.executable, "-c", _BUSY],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert busy.stdout is not None
    assert busy.stdout.readline() == b"ready\n"
    time.sleep(0.05)
    busy.send_signal(first)
    time.sleep(0.03)  # apart, as two senders are: sent together, the kernel orders them too
    busy.send_signal(second)
    out, err = busy.communicate(timeout=30)
    code, line = EXPECTED[first]
    message = line.removeprefix("feeds: ")
    assert (out.decode(), err, busy.returncode) == (f"{code} {message}", b"", 0)
