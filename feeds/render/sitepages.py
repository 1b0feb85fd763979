"""Render stage: the site's subscribe pages (``index.html``, ``<slug>/index.html``) and
``feeds.opml``, describing the feeds as published (held-back ones as kept); no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from ..config.topics import parents
from ..core.formats import OPML_FILE
from ..core.model import Record
from ..core.settings import Config
from ..publish.guard import Previous
from ..selection.select import PlannedFeed
from .documents import INDEX_FILE, Rendered, SideFile, page_url
from .opml import OpmlFeed, choose_feeds, render_opml
from .pages import FeedLink, TopicPage, render_index_page, render_topic_page
from .safe import safe_entries


def site_files(
    config: Config,
    planned: Sequence[PlannedFeed[Record]],
    rendered: Rendered,
    kept: Mapping[str, Previous] | None = None,
) -> list[SideFile]:
    """``feeds.opml``, the root ``index.html`` and each topic's ``<slug>/index.html``,
    describing the feeds as published: ``kept`` holds what each held-back feed's kept
    file holds, by path (see ``guard``).

    A run's input is only as good as the guard found it, so the pages never show what it
    rejected. A held-back topic's page is left out: its previous page was drawn from the
    entries its kept feed still holds. ``index.html`` and ``feeds.opml`` speak for the
    whole site and are left out with the site-wide feed (the whole input is then suspect;
    a topic that grew meanwhile is shown by the next good run). Otherwise they are drawn
    afresh, each held-back topic with its kept feed's count and newest date. The
    OPML's date is the newest of the published feeds' dates; with none, it has none
    (never 1970). The OPML lists the feeds ``config.opml`` asks for, each set of feeds
    with the same entries once (a held-back feed's entries are unknown: never merged).
    """
    site = config.site
    above = parents(config.topics)
    held = kept or {}
    opml_url = site.url + OPML_FILE
    pages: list[TopicPage] = []
    topic_pages: list[SideFile] = []
    outlines: list[OpmlFeed] = []
    dates: list[datetime] = []
    site_held = False
    for feed in planned:
        spec = feed.spec
        first = spec.path(spec.formats[0])
        # As the feed drew them (``render_feed``): cached records are untrusted input.
        entries = safe_entries(rendered.current.get(first, feed.entries))
        parent = above.get(spec.topic) if spec.topic is not None else None
        home = page_url(spec, site.url)
        page = TopicPage(
            topic=spec.topic,
            title=spec.title,
            description=spec.description,
            url=home,
            feeds=tuple(FeedLink(fmt, spec.feed_url(fmt, site.url)) for fmt in spec.formats),
            parent=parent,
            entries=len(entries),
            newest=max((r.published_at for r in entries), default=None),
            archive_url=rendered.archives.get(first),
        )
        previous = held.get(first)
        if previous is None:
            dates.extend([feed.updated] if entries else [])
            if spec.slug is not None:
                path = f"{spec.slug}/{INDEX_FILE}"
                topic_pages.append(
                    SideFile(path, render_topic_page(site, page, entries, opml_url=opml_url))
                )
        else:
            site_held = site_held or spec.topic is None
            dates.extend([previous.updated] if previous.updated else [])
            page = replace(page, entries=previous.entries, newest=previous.newest)
        pages.append(page)
        # One outline per topic (its first format): importing three formats of one feed
        # would subscribe a reader to every story three times.
        url = spec.feed_url(spec.formats[0], site.url)
        ids = frozenset(r.canonical_url for r in entries) if previous is None else None
        outlines.append(
            OpmlFeed(spec.title, spec.title, url, home, parent=parent, topic=spec.topic, ids=ids)
        )
    if site_held:
        return topic_pages
    listed = choose_feeds(outlines, config.opml)
    opml = render_opml(site, listed, updated=max(dates, default=None))
    index = render_index_page(site, pages, opml_url=opml_url)
    return [SideFile(OPML_FILE, opml), SideFile(INDEX_FILE, index), *topic_pages]
