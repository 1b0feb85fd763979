"""Configuration stage: ``config/feeds.yaml`` → ``Config``.

``read_config`` does the I/O (read the file and the topic files, parse YAML, note where
each key sits); ``check.validate_config`` checks the result against ``keys.KEYS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import ConfigError, tab_problem, utf8_text
from ..core.location import SourceLocation
from ..core.settings import Config
from ..sources.local import display_path
from .check import Mark, TopicFile, validate_config
from .keys import KEYS, Key
from .limits import SAFE_LOADER, check_events, read_limited

__all__ = ["KEYS", "Key", "parse_yaml_file", "read_config", "topic_files_in", "validate_config"]

DEFAULT_CONFIG = "config/feeds.yaml"
"""Where the commands look without --config."""

_Base: Any = SAFE_LOADER


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, composing nodes first so each key's line can be noted."""

    def load_marked(self, display: str) -> tuple[Any, dict[str, Mark]]:
        """The document's data and a ``Mark`` for every key path ("site.url", "topics[0]")."""
        node = self.get_single_node()
        if node is None:
            return None, {}
        marks = {"": Mark(node.start_mark.line + 1)}
        _note_marks(node, "", marks, display)
        try:
            return self.construct_document(node), marks
        except (ValueError, OverflowError) as exc:
            raise self.bad_value(node, display, exc) from None

    def bad_value(self, root: yaml.Node, display: str, error: Exception) -> ConfigError:
        """A ConfigError at the first scalar YAML types but cannot build (2024-13-45)."""
        for node in _scalars(root):
            build = self.yaml_constructors.get(node.tag)
            try:
                if build is not None:
                    build(self, node)
            except (ValueError, OverflowError):
                kind = _TYPE_NAMES.get(node.tag.rsplit(":", 1)[-1], "a value")
                return ConfigError(
                    f"not a valid value (found {node.value}, which YAML reads as {kind}: "
                    f'{error}); fix it, or quote it to keep it as text: "{node.value}"',
                    SourceLocation(display, node.start_mark.line + 1),
                )
        return ConfigError(
            f"not a valid value ({error}); fix it, or quote it to keep it as text",
            SourceLocation(display),
        )


_TYPE_NAMES = {"timestamp": "a date", "int": "a number", "float": "a number"}


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """The scalar nodes below ``node``, in document order."""
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(key)
            yield from _scalars(value)


def _note_marks(node: yaml.Node, where: str, marks: dict[str, Mark], display: str) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            child = f"{where}.{key_node.value}" if where else str(key_node.value)
            line = key_node.start_mark.line + 1
            if child in marks:
                # YAML keeps the last of two equal keys silently; one was surely a mistake.
                raise ConfigError(
                    f"duplicate key (also on line {marks[child].line}); keep only one",
                    SourceLocation(display, line),
                    child,
                )
            marks[child] = Mark(line, _scalar_text(value_node))
            _note_marks(value_node, child, marks, display)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{where}[{index}]"
            marks[child] = Mark(item.start_mark.line + 1, _scalar_text(item))
            _note_marks(item, child, marks, display)


def _scalar_text(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def read_config(path: Path) -> Config:
    """Read, parse and validate the config file and its topic files; any problem is a
    one-line ``ConfigError``."""
    display = display_path(path)
    try:
        raw = read_limited(path, "check that --config names the right file")
    except FileNotFoundError:
        init = "feeds init RECORDS_FOLDER" + (
            "" if display == DEFAULT_CONFIG else f" --config {display}"
        )
        raise ConfigError(
            f"config file {display} not found; run '{init}' to write one, or pass --config FILE"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file ({exc.strerror or exc}); pass a readable file",
            SourceLocation(display),
        ) from None
    data, marks = _parse_yaml(raw, display)
    topic_files = [
        TopicFile(display_path(file), *_parse_yaml(_read_topic_file(file), display_path(file)))
        for file in _topic_file_paths(path, data, marks)
    ]
    return validate_config(data, marks, path.absolute(), display, topic_files)


def _topic_file_paths(path: Path, data: object, marks: Mapping[str, Mark]) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files of the topic folder, sorted by name; none when the
    default folder is missing (a folder named in the config must exist)."""
    folder = data.get("topic_files") if isinstance(data, dict) else None
    if not isinstance(folder, str) or not folder.strip():
        folder = "topics"  # the default, or a bad value validate_config will report
    where = Path(os.path.normpath(path.absolute().parent / Path(folder).expanduser()))
    if not where.is_dir():
        if "topic_files" in marks and where.exists():
            raise ConfigError(
                f"not a folder (found {folder!r}); name a folder of topic files",
                SourceLocation(display_path(path), marks["topic_files"].line),
                "topic_files",
            )
        if "topic_files" in marks:
            raise ConfigError(
                f"folder not found (found {folder!r}); create it or remove the key",
                SourceLocation(display_path(path), marks["topic_files"].line),
                "topic_files",
            )
        return []
    return topic_files_in(where)


def topic_files_in(folder: Path) -> list[Path]:
    """The files of ``folder`` read as topic files: ``*.yaml`` and ``*.yml``, hidden ones
    skipped, sorted by name."""
    return sorted(
        file
        for file in folder.iterdir()
        if file.suffix in (".yaml", ".yml") and not file.name.startswith(".") and file.is_file()
    )


def parse_yaml_file(path: Path, advice: str) -> tuple[Any, dict[str, Mark]]:
    """A config or topic file's data and a ``Mark`` per key path, within the size, depth
    and alias limits; a one-line ConfigError on bad input, OSError when unreadable."""
    return _parse_yaml(read_limited(path, advice), display_path(path))


def _read_topic_file(path: Path) -> bytes:
    try:
        return read_limited(path, "keep one topic's keys in a topic file")
    except OSError as exc:
        raise ConfigError(
            f"cannot read the topic file ({exc.strerror or exc}); make it readable",
            SourceLocation(display_path(path)),
        ) from None


def _parse_yaml(raw: bytes, display: str) -> tuple[Any, dict[str, Mark]]:
    """YAML bytes → data and a ``Mark`` per key path; a one-line ConfigError on bad input."""
    text = utf8_text(raw, display, ConfigError)
    check_events(text, display)
    loader = _Loader(text)
    try:
        return loader.load_marked(display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end of stream" in str(exc.problem):
            # An unclosed quote or bracket is reported at the end of the file: point at its start.
            mark = exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        problem = f"not valid YAML: {exc.problem}{context}; check indentation, quotes and brackets"
        if mark is not None:
            problem = tab_problem(text, mark.line, mark.column, str(exc.problem)) or problem
        raise ConfigError(
            problem,
            SourceLocation(display, mark.line + 1 if mark else None),
        ) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigError(
            f"not valid YAML: control character #x{exc.character:04x} is not allowed; remove it",
            # libyaml counts bytes, PyYAML characters: find the character instead.
            SourceLocation(display, text[: text.find(chr(exc.character))].count("\n") + 1),
        ) from None
    finally:
        loader.dispose()
