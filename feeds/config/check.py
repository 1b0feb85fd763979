"""Configuration stage, pure part: parsed YAML and where each key sits → a ``Config``, or a
one-line ConfigError naming the file, line and key; no I/O.

The sections and their keys are checked here, each value by ``values.ValueChecker``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import ConfigError, closest
from ..core.location import SourceLocation
from ..core.settings import Config, Defaults, Filters, Site, TopicConfig
from ..core.slugs import slugify
from ..core.sources import RemoteSource
from .keys import FILTER_KEYS, IGNORED_TOPIC_KEYS, KEYS, Key
from .kinds import HINTS, PATH, SOURCES, TOPICS
from .topics import Origin, check_topics
from .values import Mark, ValueChecker, describe

__all__ = ["Mark", "TopicFile", "validate_config"]


@dataclass(frozen=True, slots=True)
class TopicFile:
    """One parsed ``topic_files`` file: what it holds and where each key sits."""

    display: str
    data: object
    marks: Mapping[str, Mark]


def validate_config(
    data: object,
    marks: Mapping[str, Mark],
    path: Path,
    display: str | None = None,
    topic_files: Sequence[TopicFile] = (),
) -> Config:
    """Check parsed YAML against ``KEYS`` and build a ``Config``; paths resolve beside ``path``.

    ``topic_files`` are merged after the file's own ``topics``, in the order given.
    """
    checker = _Checker(marks, display or str(path), path.parent)
    return checker.config(data, path, topic_files)


class _Checker(ValueChecker):
    """Checks the file's sections (site, sources, defaults, topics…) key by key; each
    value goes to ``ValueChecker.value``."""

    def has(self, where: str) -> bool:
        """Whether the file itself sets ``where``."""
        return where in self.marks

    def config(self, data: object, path: Path, topic_files: Sequence[TopicFile] = ()) -> Config:
        if data is None:
            raise ConfigError(
                "the config file is empty; start from the example in README.md",
                SourceLocation(self.display),
            )
        top = self.mapping("", data, "")
        site = self.mapping("site", top.pop("site"), "site.")
        if not site["url"].endswith("/"):
            site["url"] += "/"  # feed URLs are built by appending "topic/rss.xml"
        defaults = self.defaults(top.pop("defaults"))
        hubs = self.mapping("websub", top.pop("websub"), "websub.")["hubs"]
        topics = [self.topic(f"topics[{i}]", t) for i, t in enumerate(top.pop("topics"))]
        origins = [Origin(self, f"topics[{i}]") for i in range(len(topics))]
        for file in topic_files:
            checker = _Checker(file.marks, file.display, self.base)
            topics.append(checker.topic_file(file.data))
            origins.append(Origin(checker, ""))
        check_topics(topics, origins)
        sources = top.pop("sources")
        return Config(
            path=path,
            site=Site(**site),
            topics=tuple(topics),
            defaults=defaults,
            sources=tuple(s for s in sources if isinstance(s, Path)),
            remote=tuple(s for s in sources if isinstance(s, RemoteSource)),
            hubs=tuple(dict.fromkeys(hubs)),
            **top,
        )

    def sources(self, where: str, value: object) -> tuple[Path | RemoteSource, ...]:
        """Folders and files (paths) and remote sources (URLs or ``{url: …}`` mappings)."""
        if value == [] or value is None:
            raise self.wrong_type(where, value, SOURCES)
        items = value if isinstance(value, list) else [value]
        return tuple(
            self.source(f"{where}[{j}]" if items is value else where, item)
            for j, item in enumerate(items)
        )

    def source(self, where: str, item: object) -> Path | RemoteSource:
        if isinstance(item, str) and item.startswith(("http://", "https://")):
            item = {"url": item}
        if not isinstance(item, dict):
            path: Path = self.value(where, item, Key("sources", PATH, None, "record folder", True))
            return path
        options = self.mapping(where, item, "sources[].")
        try:
            return RemoteSource(
                url=options["url"],
                headers=options["headers"] or {},
                next_page_url=options["next_page_url"],
                max_pages=options["max_pages"],
                max_records=options["max_records"],
                max_bytes=options["max_bytes"],
                timeout=(min(5.0, float(options["timeout"])), float(options["timeout"])),
                total_time=float(options["total_time"]),
                max_age=float(options["max_age"]),
                ca_bundle=options["ca_bundle"],
            )
        except ConfigError as error:
            raise self.error(where, error.message.split(": ", 1)[-1]) from None

    def defaults(self, value: object) -> Defaults:
        options = self.mapping("defaults", value, "defaults.")
        filters = Filters(**{name: options.pop(name) for name in FILTER_KEYS})
        return Defaults(**options, filters=filters)

    def topic_file(self, data: object) -> TopicConfig:
        """The one topic a ``topic_files`` file holds."""
        if data is None:
            raise ConfigError(
                "the topic file is empty; write one topic's keys, starting with 'name:'",
                SourceLocation(self.display),
            )
        if not isinstance(data, dict):
            raise self.error(
                "",
                f"a topic file must be a mapping of one topic's keys (found "
                f"{describe(data, None)}); start with 'name:', as in README.md",
            )
        return self.topic("", data)

    def mapping(self, where: str, value: object, prefix: str) -> dict[str, Any]:
        """Check one mapping's keys against ``KEYS`` and convert its values (defaults filled)."""
        if not isinstance(value, dict):
            found = describe(value, self.raw(where))
            if not where:
                raise self.error(
                    where,
                    "the config file must be a mapping of keys such as 'site:' and 'topics:' "
                    f"(found {found}); start from the example in README.md",
                )
            raise self.error(where, f"must be a mapping (found {found}); {HINTS[TOPICS]}")
        allowed = {
            k.name[len(prefix) :]: k
            for k in KEYS
            if k.name.startswith(prefix) and "." not in k.name[len(prefix) :]
        }
        for name in value:
            if name not in allowed:
                child = f"{where}.{name}" if where else str(name)
                close = closest(str(name), list(allowed))
                advice = f"did you mean {close!r}?" if close else "allowed: " + ", ".join(allowed)
                raise self.error(child, f"unknown key; {advice}")
        result: dict[str, Any] = {}
        for name, key in allowed.items():
            child = f"{where}.{name}" if where else name
            if name in value:
                result[name] = self.value(child, value[name], key)
            elif key.required:
                raise self.error(child, f"required key is missing; add it ({key.help})")
            elif key.default is not None:
                result[name] = self.value(child, yaml.safe_load(key.default), key)
            else:
                result[name] = None
        return result

    def value(self, where: str, value: Any, key: Key) -> Any:
        """As ``ValueChecker.value``; sources are a section of their own."""
        if key.kind == SOURCES:
            return self.sources(where, value)
        return super().value(where, value, key)

    def topic(self, where: str, item: object) -> TopicConfig:
        fields = self.mapping(where, item, "topics[].")
        for name in IGNORED_TOPIC_KEYS:
            del fields[name]
        filters = Filters(**{name: fields.pop(name) for name in FILTER_KEYS})
        fields["slug"] = fields["slug"] or slugify(fields["name"])
        location = SourceLocation(self.display, self.line(where))
        return TopicConfig(**fields, filters=filters, location=location)
