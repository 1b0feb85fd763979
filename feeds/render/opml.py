"""Render stage: every published feed → one OPML 2.0 subscription list (``feeds.opml``); no I/O.

Feeds are grouped by parent topic (http://opml.org/spec2.opml); ``parent_tree`` is shared
with the subscribe pages. ``choose_feeds`` decides which feeds the list offers, so that an
import subscribes to each story as few times as the topic tree allows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Generic, TypeVar

from ..core.settings import OPML_MODES, Site
from ..records.sanitize import clean_text

HEAD_ELEMENTS = ("title", "dateCreated", "dateModified", "ownerName", "ownerEmail")
"""What ``<head>`` may hold here: the W3C feed validator rejects the spec's ``<docs>``
(UndefinedElement), so the list keeps to these (only title and dateModified are written)."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed in the list: an ``<outline type="rss">``."""

    title: str
    text: str
    """What readers show; usually the title."""
    xml_url: str
    """The feed's URL (RSS, Atom or JSON Feed)."""
    html_url: str
    """The page the feed belongs to (its subscribe page)."""
    type: str = "rss"
    """Always "rss" in practice: readers use it for Atom and JSON Feed too."""
    parent: str | None = None
    """The parent topic's name; ``None`` at the top level."""
    topic: str | None = None
    """The feed's topic name; ``None`` for the site-wide feed."""
    ids: frozenset[str] | None = None
    """The ids of the feed's entries; ``None`` when unknown (a held-back feed's kept file)."""


@dataclass(frozen=True, slots=True)
class TreeNode(Generic[T]):
    """A topic with its own items (feeds, pages) and its child topics."""

    name: str | None
    items: tuple[T, ...]
    children: tuple[TreeNode[T], ...]


def parent_tree(
    items: Iterable[T], topic: Callable[[T], str | None], parent: Callable[[T], str | None]
) -> list[TreeNode[T]]:
    """Group items by topic and nest topics under their parents, in order of appearance.

    A parent named but without items of its own becomes an empty folder; a topic whose
    parents loop back to it is placed at the top level rather than lost.
    """
    members: dict[str | None, list[T]] = {}
    declared: dict[str, str] = {}
    for item in items:
        name = topic(item)
        members.setdefault(name, []).append(item)
        up = parent(item)
        if name is not None and up is not None and up != name:
            declared.setdefault(name, up)
    order: list[str | None] = []
    for name in members:
        up = declared.get(name) if name is not None else None
        if up is not None and up not in members and up not in order:
            order.append(up)  # a folder of its own, where it is first named
        order.append(name)
    children: dict[str | None, list[str | None]] = {}
    for name in order:
        if name is not None and name in declared:
            children.setdefault(declared[name], []).append(name)
    placed: set[str | None] = set()

    def node(name: str | None) -> TreeNode[T]:
        placed.add(name)
        kids = [node(kid) for kid in children.get(name, []) if kid not in placed]
        return TreeNode(name, tuple(members.get(name, ())), tuple(kids))

    roots = [node(name) for name in order if name is None or name not in declared]
    # Whatever is left sits on a loop of parents: break it at its first member.
    roots.extend(node(name) for name in order if name not in placed)
    return roots


def choose_feeds(feeds: Sequence[OpmlFeed], mode: str = "topics") -> list[OpmlFeed]:
    """The feeds the list offers, in order: see :data:`OPML_MODES`; each set of feeds with
    the same entries is listed once, as its most specific topic.

    ``topics`` falls back to the site-wide feed when there is no topic, ``site`` to the
    topics when there is no site-wide feed. Feeds with no entries, or unknown ones, are
    never merged: two empty topics are not the same subscription.
    """
    if mode not in OPML_MODES:
        raise ValueError(f"opml: unknown mode {mode!r}; use one of {', '.join(OPML_MODES)}")
    site = [f for f in feeds if f.topic is None]
    topics = [f for f in feeds if f.topic is not None]
    chosen = {"topics": topics or site, "site": site or topics, "both": list(feeds)}[mode]
    parents = {f.topic: f.parent for f in feeds if f.topic is not None}
    best: dict[frozenset[str], OpmlFeed] = {}
    for feed in chosen:
        if feed.ids:
            held = best.setdefault(feed.ids, feed)
            if _depth(feed, parents) > _depth(held, parents):
                best[feed.ids] = feed
    return [f for f in chosen if not f.ids or best[f.ids] is f]


def _depth(feed: OpmlFeed, parents: Mapping[str, str | None]) -> int:
    """How far below the top the feed sits: -1 for the site-wide feed, 0 for a top topic."""
    if feed.topic is None:
        return -1
    seen = {feed.topic}
    up = feed.parent
    while up is not None and up not in seen:  # a loop of parents is cut, not followed
        seen.add(up)
        up = parents.get(up)
    return len(seen) - 1


def _outline(parent: ET.Element, feed: OpmlFeed) -> None:
    attrs = {
        "type": clean_text(feed.type),
        "text": clean_text(feed.text or feed.title),
        "title": clean_text(feed.title),
        "xmlUrl": clean_text(feed.xml_url),
        "htmlUrl": clean_text(feed.html_url),
    }
    ET.SubElement(parent, "outline", attrs)


def _add_node(parent: ET.Element, node: TreeNode[OpmlFeed]) -> None:
    if not node.children:
        for feed in node.items:
            _outline(parent, feed)
        return
    # A folder: readers that nest show it as one; its own feeds come before its children's.
    name = clean_text(node.name or "")
    folder = ET.SubElement(parent, "outline", {"text": name, "title": name})
    for feed in node.items:
        _outline(folder, feed)
    for child in node.children:
        _add_node(folder, child)


def render_opml(site: Site, feeds: Sequence[OpmlFeed], *, updated: datetime | None = None) -> bytes:
    """The OPML 2.0 document listing ``feeds``; ``updated`` (never the clock) → dateModified."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = clean_text(site.title)
    if updated is not None:
        if updated.tzinfo is None or updated.utcoffset() is None:
            raise ValueError(f"naive datetime {updated.isoformat()} (dates must carry a zone)")
        stamp = format_datetime(updated.astimezone(UTC), usegmt=True)
        ET.SubElement(head, "dateModified").text = stamp
    body = ET.SubElement(root, "body")
    for node in parent_tree(feeds, lambda f: f.topic, lambda f: f.parent):
        _add_node(body, node)
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + data + b"\n"
