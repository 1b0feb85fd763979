"""What decides the output besides the inputs: a digest of this package's source files and
of the versions of the libraries that parse and render, which keys every cache; reads the
package's files and lists the folders on ``sys.path`` (no import of those libraries).

``__version__`` never changed between releases, so keying caches on it kept feeds drawn
by old code after an upgrade of feeds or of feedgen, nh3, markdown-it, lxml.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

LIBRARIES = ("feedgen", "nh3", "markdown_it_py", "lxml", "pyyaml", "python_dateutil")
"""Distributions whose code shapes a feed (normalized names, as in dist-info folders)."""

_PACKAGE = Path(__file__).resolve().parent.parent
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


@functools.cache  # once a process: the parse cache, the shortcut and the memo share it
def code_digest() -> str:
    """A hex digest of the package's ``.py`` files (names and bytes), the Python version
    and the installed versions of ``LIBRARIES``; another value empties every cache."""
    return package_digest(_PACKAGE)


def package_digest(package: Path) -> str:
    """``code_digest`` of the package in the folder ``package``."""
    digest = hashlib.sha256(f"{sys.version}\n".encode())
    # Reading the 100 small files costs about a millisecond; their stats would be cheaper
    # but miss a file rewritten within the file system's time resolution.
    root = str(package) + os.sep
    for name in _sources(root):
        with open(root + name, "rb") as handle:  # noqa: PTH123 - str paths, see _sources
            data = handle.read()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    for name, version in sorted(library_versions().items()):
        digest.update(f"{name}={version}\n".encode())
    return digest.hexdigest()


def _sources(root: str) -> list[str]:
    """The ``.py`` files below ``root``, as sorted relative paths (os.walk: ``rglob`` and
    ``Path`` objects took half the time of the whole digest)."""
    found = []
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        prefix = "" if relative == "." else relative + os.sep
        found += [prefix + name for name in names if name.endswith(".py")]
    return sorted(found, key=lambda name: name.split(os.sep))  # noqa: PTH206 - as above


def library_versions() -> dict[str, str]:
    """The version of each of ``LIBRARIES`` that imports would find, ``"?"`` when none is
    installed: the name of the first metadata folder on ``sys.path``, as
    ``importlib.metadata`` reads it, without its 20 ms import."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.scandir(entry or ".")
        except OSError:
            continue  # a zip file or a folder gone
        with listing:
            for item in listing:
                if not item.name.endswith(_METADATA_SUFFIXES):
                    continue
                name, _, version = item.name.rpartition(".")[0].partition("-")
                key = name.lower().replace("-", "_").replace(".", "_")
                if key in LIBRARIES and key not in found:
                    found[key] = version
    return {name: found.get(name, "?") for name in LIBRARIES}
