"""The code digest that keys every cache (``feeds.speed.codedigest``): any change to any
module of the package, at any depth, empties the caches; nothing else does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feeds.speed.codedigest import _PACKAGE, code_digest, package_digest


@pytest.fixture
def package(tmp_path: Path) -> Path:
    copy = tmp_path / "feeds"
    shutil.copytree(_PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_digest_is_the_installed_package_s_and_stable(package: Path) -> None:
    assert package_digest(package) == package_digest(package) == code_digest()


def test_an_edit_to_a_nested_module_changes_the_digest(package: Path) -> None:
    before = package_digest(package)
    module = package / "render" / "feed.py"
    text = module.read_bytes()
    module.write_bytes(text + b"\n# edited\n")
    assert package_digest(package) != before
    module.write_bytes(text)
    assert package_digest(package) == before


def test_a_new_or_renamed_module_changes_the_digest(package: Path) -> None:
    before = package_digest(package)
    (package / "speed" / "extra.py").write_text("")
    added = package_digest(package)
    assert added != before
    (package / "speed" / "extra.py").rename(package / "speed" / "other.py")
    assert package_digest(package) not in {before, added}


def test_files_other_than_modules_leave_the_digest_alone(package: Path) -> None:
    before = package_digest(package)
    (package / "notes.txt").write_text("not code")
    (package / "core" / "__pycache__").mkdir()
    (package / "core" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0")
    assert package_digest(package) == before
