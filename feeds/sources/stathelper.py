"""The listing's stat helper: a forked copy of the listing process that stats runs of
paths while the walk goes on (``listing.Listing``), so that the stat system calls, most
of a large listing's time, run on two cores. Linux only (a cheap fork and FIONREAD).
A fast path: only the speed session (``speed.fast``) asks for it, on large listings.
"""

from __future__ import annotations

import array
import ast
import contextlib
import fcntl
import os
import signal
import struct
import sys
import termios
from typing import IO, NamedTuple

from ..core.children import as_child

CAN_FORK = sys.platform == "linux" and (os.cpu_count() or 1) > 1
"""Sharing the stats needs a second core and a cheap fork that copies nothing."""


def zeros(typecode: str, count: int) -> array.array[int]:
    """A column of ``count`` zeros (``typecode`` "q" or "Q": 8 bytes each)."""
    return array.array(typecode, bytes(8 * count))


class _Unread(NamedTuple):
    """Stands in for the stat of a file that could not be read."""

    st_size: int = -1
    st_mtime_ns: int = -1
    st_dev: int = 0
    st_ino: int = 0


MISSING = _Unread()


_QUEUE = 1 << 18
"""The helper's queue (its pipe), in bytes: about 2,500 paths, a hundredth of a second of
stats; once this process is done, the helper has at most that much left to do."""
_HEADER = struct.Struct("<QI")
"""A run of paths sent to the helper: its first index and the length of its text."""


class StatHelper:
    """A forked copy of the listing process that stats the runs of paths it is sent,
    while the walk goes on, and answers with their stats when the sending is done: the
    stat system calls, most of the time, then run on two cores. Anything that goes
    wrong leaves its runs to the listing process."""

    def __init__(self, pid: int, requests: IO[bytes], answers: IO[bytes]) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers
        self.ranges: list[tuple[int, int]] = []
        """The runs sent, in order: the answer's stats follow it."""
        self.capacity = _QUEUE
        with contextlib.suppress(OSError, AttributeError):
            self.capacity = fcntl.fcntl(requests.fileno(), fcntl.F_SETPIPE_SZ, _QUEUE)

    @classmethod
    def start(cls) -> StatHelper | None:
        """Fork the helper; None when there are no descriptors or processes for it. Call
        it inside ``children.signals_held`` and keep the helper before they are let go:
        an interrupted listing stops it (``stop``)."""
        try:
            pipes = os.pipe() + os.pipe()
        except OSError:
            return None
        requests_in, requests_out, answers_in, answers_out = pipes
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            for fd in pipes:
                os.close(fd)
            return None
        if pid == 0:  # pragma: no cover - the child; its answer is checked by the parent
            code = 1
            try:
                as_child(parent, tied=False)  # ends at the end of its requests
                os.close(requests_out)
                os.close(answers_in)
                with os.fdopen(requests_in, "rb") as requests:
                    answer = stat_runs(requests)
                with os.fdopen(answers_out, "wb") as answers:
                    answers.write(answer)
                code = 0
            finally:
                os._exit(code)
        os.close(requests_in)
        os.close(answers_out)
        return cls(pid, os.fdopen(requests_out, "wb"), os.fdopen(answers_in, "rb"))

    def offer(self, start: int, stop: int, paths: list[str]) -> bool:
        """Ask for the stats of ``paths[start:stop]`` if the helper's queue has room for
        them now (this process never waits for it); false when not, or when it is gone."""
        text = "\0".join(paths[start:stop]).encode("utf-8", "surrogateescape")
        message = _HEADER.pack(start, len(text)) + text
        try:
            queued = array.array("i", [0])
            fcntl.ioctl(self.requests.fileno(), termios.FIONREAD, queued)
            if len(message) > self.capacity - queued[0]:
                return False
            self.requests.write(message)
            self.requests.flush()
        except OSError:
            return False
        self.ranges.append((start, stop))
        return True

    def done_sending(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()

    def results(self) -> tuple[tuple[array.array[int], ...], dict[int, str]] | None:
        """The stats of the runs sent, in their order, as four columns (size, time,
        device, inode), and the failures by path index; None when the helper failed or
        its answer is incomplete or malformed."""
        return parse_answer(self._answer(), sum(stop - start for start, stop in self.ranges))

    def _answer(self) -> bytes | None:
        """The helper's answer (``stat_runs``), read whole; None when it failed."""
        try:
            with self.answers:
                data = self.answers.read()
            _, status = os.waitpid(self.pid, 0)
        except OSError:
            return None
        return data if status == 0 else None

    def stop(self) -> None:
        """End the helper now, whatever it was doing (a listing given up midway)."""
        for step in (self.requests.close, self.answers.close):
            with contextlib.suppress(OSError):
                step()
        with contextlib.suppress(OSError):  # gone already: nothing to stop
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def stat_runs(requests: IO[bytes]) -> bytes:
    """The helper's work: stat every path of every run until the requests end; answer
    with their count, four columns (size, time, device, inode) and the failures."""
    columns = (zeros("q", 0), zeros("q", 0), zeros("Q", 0), zeros("Q", 0))
    sizes, mtimes, devices, inodes = columns
    failed: dict[int, str] = {}
    while header := requests.read(_HEADER.size):
        start, length = _HEADER.unpack(header)
        text = requests.read(length).decode("utf-8", "surrogateescape")
        for index, path in enumerate(text.split("\0"), start):
            try:
                stat = os.lstat(path)
            except OSError as exc:
                failed[index] = exc.strerror or str(exc)
                stat = MISSING  # type: ignore[assignment]
            sizes.append(stat.st_size)
            mtimes.append(stat.st_mtime_ns)
            devices.append(stat.st_dev)
            inodes.append(stat.st_ino)
    count = len(sizes).to_bytes(8, "little")
    failures = repr(failed).encode("utf-8", "surrogateescape")
    return count + b"".join(column.tobytes() for column in columns) + failures


def parse_answer(
    answer: bytes | None, count: int
) -> tuple[tuple[array.array[int], ...], dict[int, str]] | None:
    """The columns and failures of a ``stat_runs`` answer for ``count`` paths; None when
    it is incomplete or malformed."""
    if answer is None or len(answer) < 8 + count * 32:
        return None
    if int.from_bytes(answer[:8], "little") != count:
        return None
    try:
        failed = ast.literal_eval(answer[8 + count * 32 :].decode("utf-8", "surrogateescape"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(failed, dict):
        return None
    cut = [8 + part * count * 8 for part in range(5)]
    columns = tuple(
        array.array(code, answer[cut[part] : cut[part + 1]]) for part, code in enumerate("qqQQ")
    )
    return columns, failed
