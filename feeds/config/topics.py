"""Configured topics as a whole: clashes between them, the parent tree, and lookups; pure.

``check_topics`` runs once the topics of every config file are read (``config``);
``TopicIndex`` answers "which topic is this name?" and "what lies below it?" (``selection``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..core.errors import ConfigError, closest
from ..core.settings import TopicConfig
from ..core.slugs import topic_key


class Locator(Protocol):
    """Where the keys of one config file sit (``config._Checker``)."""

    display: str

    def line(self, where: str) -> int | None: ...

    def has(self, where: str) -> bool: ...

    def error(self, where: str, message: str) -> ConfigError: ...


@dataclass(frozen=True, slots=True)
class Origin:
    """One topic's place: its file (a ``Locator``) and key path prefix (``topics[2]`` or ``""``)."""

    locator: Locator
    where: str

    def key(self, name: str) -> str:
        """The full key path of ``name`` in this topic."""
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, message: str) -> ConfigError:
        """A ConfigError located at this topic's key ``name``."""
        return self.locator.error(self.key(name), message)

    def has(self, name: str) -> bool:
        """Whether the file sets ``name`` for this topic."""
        return self.locator.has(self.key(name))

    def ref(self, other: Origin) -> str:
        """How a message here names ``other``'s place: ``line 5`` or ``file:5``."""
        line = other.locator.line(other.where)
        if other.locator.display == self.locator.display:
            return f"line {line}"
        return f"{other.locator.display}:{line}" if line else other.locator.display


def check_topics(topics: Sequence[TopicConfig], origins: Sequence[Origin]) -> None:
    """Raise the first ConfigError among the topics: a duplicate definition, two topics
    writing the same files or claiming the same name, a reused previous slug, an unknown
    parent or a cycle of parents."""
    _check_clashes(topics, origins)
    _check_previous_slugs(topics, origins)
    _check_parents(topics, origins)


def _check_clashes(topics: Sequence[TopicConfig], origins: Sequence[Origin]) -> None:
    names: dict[str, int] = {}
    slugs: dict[str, int] = {}
    terms: dict[str, int] = {}
    for i, (topic, here) in enumerate(zip(topics, origins, strict=True)):
        other = names.setdefault(topic_key(topic.name), i)
        if other != i:
            there = origins[other]
            place = (
                f"on {here.ref(there)}"
                if there.locator.display == here.locator.display
                else f"in {here.ref(there)}"
            )
            raise here.error(
                "name",
                f"topic {topic.name!r} is already defined {place}; keep one of the two definitions",
            )
        other = slugs.setdefault(topic.slug, i)
        if other != i:
            raise here.error(
                "slug" if here.has("slug") else "name",
                f"topic {topic.name!r} and topic {topics[other].name!r} "
                f"({here.ref(origins[other])}) would both write "
                f"{topic.slug}/rss.xml and {topic.slug}/atom.xml; "
                "give one of them a different slug",
            )
        listed = here.has("aliases[0]")
        aliases = [
            (a, f"aliases[{j}]" if listed else "aliases") for j, a in enumerate(topic.aliases)
        ]
        for term, at in [(topic.name, "name"), *aliases]:
            other = terms.setdefault(topic_key(term), i)
            if other != i:
                raise here.error(
                    at,
                    f"topic {topic.name!r} lists {term!r}, which topic "
                    f"{topics[other].name!r} ({here.ref(origins[other])}) "
                    "already uses as a name or alias; keep it in one topic only",
                )


def _check_previous_slugs(topics: Sequence[TopicConfig], origins: Sequence[Origin]) -> None:
    current = {t.slug: i for i, t in enumerate(topics)}
    previous: dict[str, int] = {}
    for i, (topic, here) in enumerate(zip(topics, origins, strict=True)):
        listed = here.has("previous_slugs[0]")
        for j, slug in enumerate(topic.previous_slugs):
            at = f"previous_slugs[{j}]" if listed else "previous_slugs"
            owner = current.get(slug)
            if owner == i:
                raise here.error(
                    at, f"{slug!r} is this topic's current slug; list only slugs it had before"
                )
            if owner is not None:
                raise here.error(
                    at,
                    f"{slug!r} is the slug of topic {topics[owner].name!r} "
                    f"({here.ref(origins[owner])}); a previous slug must not be in use",
                )
            other = previous.setdefault(slug, i)
            if other != i:
                raise here.error(
                    at,
                    f"topic {topics[other].name!r} ({here.ref(origins[other])}) also lists "
                    f"{slug!r} as a previous slug; keep it in one topic only",
                )


def _check_parents(topics: Sequence[TopicConfig], origins: Sequence[Origin]) -> None:
    index = TopicIndex(topics)
    position = {t.name: i for i, t in enumerate(topics)}
    parent_of: dict[int, int] = {}
    for i, (topic, here) in enumerate(zip(topics, origins, strict=True)):
        if topic.parent is None:
            continue
        parent = index.configured(topic.parent)
        if parent is None:
            names = [t.name for t in topics if t.name != topic.name]
            close = closest(topic.parent, names)
            advice = (
                f"did you mean {close!r}?"
                if close
                else f"add a topic named {topic.parent!r} or remove the parent"
            )
            raise here.error("parent", f"not a configured topic (found {topic.parent!r}); {advice}")
        parent_of[i] = position[parent.name]
    for start in range(len(topics)):
        path = [start]
        step = parent_of.get(start)
        while step is not None and step not in path:
            path.append(step)
            step = parent_of.get(step)
        if step == start:
            here = origins[start]
            chain = [repr(topics[start].name)] + [
                f"{topics[k].name!r} ({here.ref(origins[k])})" for k in path[1:]
            ]
            raise here.error(
                "parent",
                f"topics form a cycle (found {' → '.join([*chain, repr(topics[start].name)])}); "
                "remove the parent of one of them",
            )


class TopicIndex:
    """Lookups over the configured topics: by any spelling, and down the parent tree."""

    def __init__(self, topics: Iterable[TopicConfig]) -> None:
        self.topics = tuple(topics)
        self._by_key: dict[str, TopicConfig] = {}
        for topic in self.topics:
            for spelling in (topic.name, *topic.aliases):
                self._by_key.setdefault(topic_key(spelling), topic)
        self._children: dict[str, list[TopicConfig]] = {}
        for topic in self.topics:
            parent = self.configured(topic.parent) if topic.parent is not None else None
            if parent is not None and parent.name != topic.name:
                self._children.setdefault(parent.name, []).append(topic)

    def configured(self, name: str) -> TopicConfig | None:
        """The configured topic ``name`` is the name or an alias of, if any."""
        return self._by_key.get(topic_key(name))

    def key(self, name: str) -> str:
        """The key records naming ``name`` are grouped under: the configured topic's, or its own."""
        topic = self.configured(name)
        return topic_key(topic.name if topic is not None else name)

    def children(self, name: str) -> tuple[TopicConfig, ...]:
        """The topics whose parent is ``name`` (a configured name), in config order."""
        return tuple(self._children.get(name, ()))

    def descendants(self, name: str) -> list[TopicConfig]:
        """Every topic below ``name``, depth first; safe on cycles (``check_topics`` forbids them,
        but a Config can be built by hand)."""
        found: list[TopicConfig] = []
        seen = {name}
        stack = list(reversed(self.children(name)))
        while stack:
            topic = stack.pop()
            if topic.name in seen:
                continue
            seen.add(topic.name)
            found.append(topic)
            stack.extend(reversed(self.children(topic.name)))
        return found

    def expand(self, names: Iterable[str], *, children: bool = True) -> set[str]:
        """The keys of ``names`` and, with ``children``, of every configured topic below them."""
        keys: set[str] = set()
        for name in names:
            keys.add(self.key(name))
            topic = self.configured(name)
            if children and topic is not None:
                keys.update(topic_key(t.name) for t in self.descendants(topic.name))
        return keys


def parents(topics: Sequence[TopicConfig]) -> Mapping[str, str]:
    """Each configured topic's name → its parent's configured name (topics with a parent only)."""
    index = TopicIndex(topics)
    found: dict[str, str] = {}
    for topic in topics:
        parent = index.configured(topic.parent) if topic.parent is not None else None
        if parent is not None:
            found[topic.name] = parent.name
    return found
