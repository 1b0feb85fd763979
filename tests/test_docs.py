"""README.md stays true: every config key and exit code is documented, the test command is CI's."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

import feeds
from feeds.commandline.parser import command_parser
from feeds.config.keys import KEYS, Key
from feeds.core.errors import ExitCode
from feeds.core.formats import FEED_FORMATS, FORMATS
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _row(key: Key) -> str:
    """The README table row for ``key``, built from the same facts as ``KEYS``."""
    default = "required" if key.required else f"`{key.default}`" if key.default else "—"
    return f"| `{key.name}` | {key.kind} | {default} | {key.help} |"


@pytest.mark.parametrize("key", KEYS, ids=[key.name for key in KEYS])
def test_every_config_key_is_in_the_readme_table(key: Key) -> None:
    assert f"`{key.name}`" in README
    assert _row(key) in README.splitlines()


def test_readme_documents_no_key_that_does_not_exist() -> None:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)
    assert documented == [key.name for key in KEYS]


def _documented_exit_codes() -> list[tuple[str, str]]:
    """README's exit-code table: (the code cell, the meaning cell) of each row."""
    section = README.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| ([0-9][0-9, ]*) \| (.*) \|$", section, flags=re.MULTILINE)


def _exit_code_rows() -> list[tuple[str, str]]:
    """The rows ``ExitCode`` gives: codes that share a meaning share a row, in order."""
    rows: dict[str, list[str]] = {}
    for code in ExitCode:
        rows.setdefault(code.meaning, []).append(str(code.value))
    return [(", ".join(codes), meaning) for meaning, codes in rows.items()]


def test_readme_exit_codes_are_the_codes_table() -> None:
    documented = _documented_exit_codes()
    expected = _exit_code_rows()
    assert [codes for codes, _ in documented] == [codes for codes, _ in expected]
    for (codes, text), (_, meaning) in zip(documented, expected, strict=True):
        assert text.startswith(meaning), f"README's row for exit code {codes}"


def _section(heading: str) -> str:
    """README's text under ``heading`` (a ``## `` heading), up to the next one."""
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _table_names(text: str, header: str) -> list[str]:
    """The names in backquotes in the first column of the table under ``header``."""
    table = text.split(header, 1)[1].split("\n\n", 1)[0]
    cells = re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE)
    return [name for cell in cells for name in re.findall(r"`([^`]+)`", cell)]


def _options(command: str) -> list[Sequence[str]]:
    """Each option of ``feeds COMMAND``, as its spellings (``["-q", "--quiet"]``)."""
    parser = command_parser().commands[command]
    return [action.option_strings for action in parser._actions if action.option_strings]


def test_readme_build_options_are_the_parsers() -> None:
    documented = {name.split()[0] for name in _table_names(_section("Usage"), "| option |")}
    parsed = {spelling for option in _options("build") for spelling in option}
    assert documented == parsed - {"-h", "--help"}


def _synopsis(command: str) -> str:
    """README's synopsis of ``feeds COMMAND``: its line (the command, then an argument in
    capitals, an option in brackets or a choice) and the indented lines continuing it."""
    start = rf"^feeds {command} +(?:\[|[A-Z]|\w+\|)"
    found = re.search(rf"{start}.*\n(?: +\S.*\n)*", README, flags=re.MULTILINE)
    assert found, f"README has no synopsis of feeds {command}"
    return found.group()


@pytest.mark.parametrize("command", list(command_parser().commands))
def test_readme_synopsis_names_every_option(command: str) -> None:
    named = set(re.findall(r"(?<![\w-])(--?[a-z][-a-z]*)", _synopsis(command)))
    for option in _options(command):
        if not {"--help", "--debug"} & set(option):  # the table says --debug; every command has it
            assert named & set(option), f"{option} is missing from feeds {command}'s synopsis"


def test_readme_names_every_command() -> None:
    for name in command_parser().commands:
        assert f"`feeds {name}" in README, name


def test_readme_topic_options_are_topic_keys() -> None:
    options = _table_names(_section("Topics"), "| option |")
    topic_keys = {key.name.removeprefix("topics[].") for key in KEYS}
    assert options
    assert [name for name in options if name not in topic_keys] == []


def _readme_test_command() -> str:
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", setup, flags=re.MULTILINE | re.DOTALL)
    lines: list[str] = blocks[1].splitlines()
    return lines[[line.startswith("# 2.") for line in lines].index(True) + 1]


def _ci_test_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    after = lines[[line.startswith("# README's test command") for line in lines].index(True) + 1 :]
    return next(line for line in after if line.strip() and not line.startswith("#"))


def test_readme_test_command_is_the_one_ci_runs() -> None:
    assert _readme_test_command() == _ci_test_command()
    assert _ci_test_command().endswith("pytest")


def _listed(words: list[str], last: str) -> str:
    """``a, b and c``: how README lists several words."""
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else words[0]


def test_readme_names_the_formats_of_the_formats_table() -> None:
    names = [fmt.name for fmt in FEED_FORMATS]
    assert f"per-topic {_listed([f'**{name}**' for name in names], 'and')} feeds" in README
    assert f"| everything: {', '.join(names)} |" in README
    files = ", ".join(f"`public/{fmt.file_name}`" for fmt in FEED_FORMATS)
    assert f"| {files} |" in README


def test_the_package_description_names_every_format() -> None:
    # pyproject's description is what a package index shows; the docstring, help(feeds).
    said = f"per-topic {_listed([fmt.name for fmt in FEED_FORMATS], 'and')} feeds"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^description = ".*{said}', pyproject, flags=re.MULTILINE)
    assert said in (feeds.__doc__ or "")


def test_readme_and_keys_give_the_formats_and_their_default() -> None:
    default = _listed(list(FORMATS), "and")
    key = next(key for key in KEYS if key.name == "defaults.formats")
    assert key.kind == f"{', '.join(FORMATS)} or a list of them"
    assert key.help.endswith(f"; default: {default}")
    choices = ", ".join(f"`{name}`" for name in FORMATS)
    row = f"| `formats` | which files to write: {choices} or a list of them (default: {default}) |"
    assert row in README.splitlines()
