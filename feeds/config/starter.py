"""``feeds init``: a starter config for a records folder, and where it may be written.

Reads the records and looks for a Jekyll site's ``_data/topics`` around them; the text is
returned, ``cli`` writes it. ``placeholders`` tells ``feeds check`` what was never edited.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.errors import ConfigError, UsageError, plural
from ..core.location import SourceLocation
from ..core.settings import Config, Site
from ..core.slugs import topic_key
from ..records.reading import load_records
from ..sources.local import display_path
from .load import parse_yaml_file, topic_files_in
from .values import Mark

PLACEHOLDER = Site("My feeds", "https://example.org/feeds/")
"""The site init writes; ``feeds check`` says so while either value is left in."""

_JEKYLL_MARKERS = ("_config.yml", "_config.yaml", "_config.toml", "_data")


def _absolute(path: Path) -> Path:
    """``path`` absolute with ``..`` folded away (symlinks kept, as the user named them)."""
    return Path(os.path.normpath(path.absolute()))


def _yaml_text(text: str) -> str:
    """``text`` as a YAML scalar: plain when it reads back as itself, else double-quoted."""
    plain = re.fullmatch(r"[A-Za-z./_][\w .+/&()'-]*", text) and not text.endswith(" ")
    if plain and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _config_path_text(target: Path, base: Path) -> str:
    """``target`` as written in a config in ``base``: relative when the two sit near each
    other (they move together), else absolute."""
    relative = Path(os.path.relpath(target, base))
    near = relative.parts[:1] != ("..",) or relative.parts[1:2] not in ((), ("..",))
    return _yaml_text((relative if near else target).as_posix())


# --- where things are ----------------------------------------------------------------------


def jekyll_site(path: Path) -> tuple[Path, str] | None:
    """The Jekyll site folder holding ``path`` (itself or its nearest ancestor with a
    ``_config.yml`` or ``_data/``) and the marker found, or ``None``."""
    for folder in (path, *path.parents):
        for marker in _JEKYLL_MARKERS:
            if (folder / marker).exists():
                return folder, marker + ("/" if marker == "_data" else "")
    return None


def site_topic_files(records: Path) -> Path | None:
    """A Jekyll ``_data/topics`` folder beside the records or above them, holding at least
    one ``*.yaml``/``*.yml`` file; the search stops at the site's (or repository's) root."""
    for folder in (records, *records.parents):
        topics = folder / "_data" / "topics"
        if topics.is_dir() and topic_files_in(topics):
            return topics
        if any((folder / marker).exists() for marker in (".git", *_JEKYLL_MARKERS)):
            return None
    return None


def refuse_published_folders(config_path: Path) -> None:
    """Raise UsageError when a Jekyll site would publish the config or its output folder:
    both must lie outside any site, or below one of its ``_``/``.`` folders Jekyll skips."""
    found = jekyll_site(_absolute(config_path).parent)
    if found is None:
        return
    root, marker = found
    output = output_folder(config_path)
    for path in (_absolute(config_path), output):
        if path.is_relative_to(root) and not path.relative_to(root).parts[0].startswith(("_", ".")):
            suggestion = os.path.relpath(root / "_feeds" / "feeds.yaml")
            raise UsageError(
                f"init: {display_path(config_path)} and {display_path(output)}/ would be "
                f"published by the Jekyll site {root} (it has {marker}); run feeds init from "
                f"a folder outside the site, or pass --config {suggestion}"
            )


def output_folder(config_path: Path) -> Path:
    """Where a starter config sends its feeds: ``public/`` beside a ``config/`` folder,
    else beside the config file."""
    folder = _absolute(config_path).parent
    return folder.parent / "public" if folder.name == "config" else folder / "public"


# --- the config ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Starter:
    """What ``feeds init`` writes, and the topic folder it found (``None``: topics listed)."""

    text: str
    topic_files: Path | None


def _key_marks(path: Path) -> dict[str, Mark]:
    """Where each key of a config or topic file sits, read as ``feeds check`` reads it
    (size, depth and alias limits); ``{}`` when it cannot be read."""
    try:
        return parse_yaml_file(path, "")[1]
    except (OSError, ConfigError, ValueError):
        return {}


def _topic_names(folder: Path) -> set[str]:
    """The ``name`` of each topic file in ``folder`` (unreadable ones are for check to report)."""
    keys = set()
    for file in topic_files_in(folder):
        name = _key_marks(file).get("name")
        if name is not None and name.text:
            keys.add(topic_key(name.text))
    return keys


def starter_config(folder: Path, config_path: Path) -> Starter:
    """A starter ``feeds.yaml`` reading ``folder``: its site's ``_data/topics`` when there is
    one, else one topic per name its records use, most used first."""
    folder, base = _absolute(folder), _absolute(config_path).parent
    output = output_folder(config_path)
    probe = Config(path=config_path, site=PLACEHOLDER, sources=(folder,), output=output)
    records = load_records(probe).records
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for record in records:
        for name in dict.fromkeys(" ".join(t.split()) for t in record.topics):
            key = topic_key(name)
            if key:
                counts[key] += 1
                spelling.setdefault(key, name)
    lines = [
        "# Starter configuration written by `feeds init`; every key is described in README.md.",
        "# Paths are relative to this file's folder.",
        "site:",
        f"  title: {PLACEHOLDER.title}                      # change me",
        f"  url: {PLACEHOLDER.url}      # where the output folder will be served",
        "  language: en",
        f"sources: [{_config_path_text(folder, base)}]",
        f"output: {_config_path_text(output, base)}",
        "limit: 50",
        "discover: true",
    ]
    topic_files = site_topic_files(folder)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if topic_files:
        defined = _topic_names(topic_files)
        lines.append(f"topic_files: {_config_path_text(topic_files, base)}  # the site's topics")
        lines += [
            f"# {spelling[key]}: {count} of {len(records)} records, not in the topic files"
            for key, count in ranked
            if key not in defined
        ]
    elif counts:
        lines.append(f"topics:                              # found in {len(records)} records")
        for key, count in ranked:
            lines.append(f"  - name: {_yaml_text(spelling[key])}  # {plural(count, 'record')}")
    else:
        lines.append("topics: []                           # no topics found in the records")
    return Starter("\n".join(lines) + "\n", topic_files)


# --- feeds check ---------------------------------------------------------------------------


def placeholders(config: Config) -> tuple[str, ...]:
    """One line for each of ``site.title`` and ``site.url`` still as ``feeds init`` wrote it."""
    left = [
        (key, found, advice)
        for key, found, placeholder, advice in (
            ("title", config.site.title, PLACEHOLDER.title, "set it to your site's name"),
            (
                "url",
                config.site.url,
                PLACEHOLDER.url,
                "set it to the address the output folder is served from",
            ),
        )
        if found == placeholder
    ]
    if not left:
        return ()
    display = display_path(config.path)
    lines = _site_lines(config.path)
    return tuple(
        f"{SourceLocation(display, lines.get(key, lines.get('')))}: site.{key}: still the "
        f"placeholder {found!r} that feeds init wrote; {advice}"
        for key, found, advice in left
    )


def _site_lines(path: Path) -> dict[str, int]:
    """The line of ``site`` ('') and of each key in it; read again on this rare path only."""
    marks = _key_marks(path)
    if "site" not in marks:
        return {}
    found = {"": marks["site"].line}
    for where, mark in marks.items():
        key = where.removeprefix("site.")
        if key != where and "." not in key and "[" not in key:
            found[key] = mark.line
    return found
