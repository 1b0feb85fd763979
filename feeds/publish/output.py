"""Write stage: put feed bytes on disk atomically and leave unchanged files alone.

The only module that writes files. Whether a feed *may* be replaced is decided in
``build``; this module only knows how to replace one safely.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..core.children import signals_held
from ..core.errors import OutputError

TEMP_SUFFIX = ".feeds-tmp"
"""Suffix of in-flight temporary files; a later run may remove leftovers of a killed one."""


def contained_path(root: Path, relpath: str) -> Path:
    """``root / relpath``, refusing anything that would land outside ``root``."""
    base = root.resolve()
    target = (base / relpath).resolve()
    if not target.is_relative_to(base) or target == base:
        raise OutputError(f"refusing to write outside the output folder ({relpath!r})")
    return target


def _new_file_mode() -> int:
    # mkstemp creates 0600 files; feeds are served by a web server, so give new files
    # the mode a plain open() would: 0666 less the umask.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_if_changed(
    root: Path, relpath: str, data: bytes, synced: set[Path] | None = None
) -> bool:
    """Atomically make ``root/relpath`` hold ``data``; return False if it already did.
    ``synced`` as for ``write_atomic``."""
    return write_atomic(contained_path(root, relpath), data, synced)


def write_atomic(target: Path, data: bytes, synced: set[Path] | None = None) -> bool:
    """Make ``target`` hold ``data``, atomically; return False if it already did.

    A temporary file in the target's folder is written, flushed, fsynced and renamed
    over the target, so readers see the old file or the new one, never a mix. The
    folder is then fsynced, for the rename to be durable; with ``synced`` (from
    ``folders_synced``) it is added there instead, to be fsynced once for a batch.
    """
    try:
        if target.read_bytes() == data:
            return False
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    except OSError as exc:
        raise OutputError(f"cannot read {target}: {exc.strerror or exc}") from exc
    import tempfile  # not loaded by a cron run that writes nothing

    temp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Signals held until ``temp`` names the new file: one landing in between would
        # leave it behind. Delivered (``Interrupted``) here, where it is then removed.
        with signals_held():
            fd, temp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent
            )
            temp = Path(temp_name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        temp.replace(target)
    except BaseException as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    if synced is None:
        _fsync_dir(target.parent)
    else:
        synced.add(target.parent)
    return True


@contextlib.contextmanager
def folders_synced() -> Iterator[set[Path]]:
    """A set for ``write_atomic``'s ``synced``: each folder in it is fsynced once as the
    block ends, however it ends. A topic's three feed files share a folder, so a build
    that rewrites them makes one folder fsync a topic instead of three (each costs as
    much as a file's)."""
    folders: set[Path] = set()
    try:
        yield folders
    finally:
        for folder in sorted(folders):
            _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(root: Path) -> int:
    """Delete temporary files a killed run left below ``root``; returns how many.

    Call it only while holding the output lock: another run's temp files are live.
    """
    removed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    (Path(folder) / name).unlink()
                    removed += 1
    return removed
