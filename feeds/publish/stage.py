"""Write stage of a build: hold back feeds that would shrink too far, write the rest
atomically under the output lock, and what surrounds writing (archive state, image
enclosures, redirect maps, WebSub pings)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ..core.formats import JSON_FEED
from ..core.model import FeedExtras, FeedSpec, Record, Story
from ..core.report import FeedResult
from ..core.settings import Config
from ..records.reading import cache_folder
from ..render.archive import PageKey, load_sealed
from ..render.documents import RenderedFeed, SideFile, state_path
from ..selection.select import PlannedFeed
from .guard import Candidate, HeldBack, Previous, held_back
from .lock import output_lock
from .output import contained_path, remove_stale_temps, write_files
from .redirects import APACHE_FILE, NGINX_FILE, apache_conf, nginx_conf, redirect_files


def feed_results(
    rendered: Sequence[RenderedFeed], changed: Collection[str], held: Collection[str] = ()
) -> list[FeedResult]:
    """What became of each feed: whether its file was rewritten (its path in ``changed``)
    or ``held`` back."""
    return [
        FeedResult(
            topic=r.feed.spec.topic,
            slug=r.feed.spec.slug,
            format=r.format,
            path=r.path,
            url=r.url,
            entries=r.entries,
            changed=r.path in changed,
            held_back=r.path in held,
        )
        for r in rendered
    ]


def redirect_maps(config: Config, planned: Sequence[PlannedFeed[Story]]) -> list[SideFile]:
    """The redirect maps of renamed topics. When no topic is renamed any more, existing
    maps are emptied rather than left redirecting."""
    files = redirect_files((p.spec for p in planned), config.site.url)
    if not files:
        empty = {NGINX_FILE: nginx_conf([]), APACHE_FILE: apache_conf([])}
        files = {
            name: text.encode("utf-8")
            for name, text in empty.items()
            if (config.output / name).exists()
        }
    return [SideFile(path, data) for path, data in files.items()]


def _held(
    rendered: Sequence[RenderedFeed], output: Path, config: Config, sources_failed: bool
) -> list[HeldBack]:
    """The feeds to keep at their previous version (see ``guard``).

    A feed's JSON Feed follows its RSS and Atom files (counted in the XML); a feed
    written as JSON Feed alone is counted in it. Entries left out for ``max_bytes``
    count as kept: trimming is no shrink.
    """
    with_xml = {r.feed.spec for r in rendered if r.format != JSON_FEED.key}
    followers = [r for r in rendered if r.format == JSON_FEED.key and r.feed.spec in with_xml]
    judged = [r for r in rendered if r.format != JSON_FEED.key or r.feed.spec not in with_xml]
    candidates = [
        Candidate(r.path, r.wanted, r.feed.spec.limit, r.feed.spec.topic is None) for r in judged
    ]
    held = held_back(output, candidates, config.shrink_threshold, sources_failed=sources_failed)
    leader: dict[FeedSpec, HeldBack] = {}  # each feed's first held file: its JSON follows it
    by_path = {h.path: h for h in held}
    for r in judged:
        if r.path in by_path:
            leader.setdefault(r.feed.spec, by_path[r.path])
    return held + [
        replace(leader[r.feed.spec], path=r.path) for r in followers if r.feed.spec in leader
    ]


Pages = Callable[[Mapping[str, Previous]], Sequence[SideFile]]
"""Draws the pages and OPML given what each held-back feed's kept file holds, by path
(``sitepages.site_files``)."""


def publish(
    config: Config,
    rendered: Sequence[RenderedFeed],
    *,
    force: bool,
    extra: Sequence[SideFile] = (),
    sources_failed: bool = False,
    pages: Pages | None = None,
) -> tuple[list[FeedResult], list[HeldBack], list[SideFile]]:
    """Under the output lock: clear a killed run's temp files, hold back feeds that would
    shrink too far (unless ``force``), write the rest, then the ``extra`` files (those
    belonging to a held-back feed, such as its archive pages, are kept as they are).

    The ``pages`` are drawn only now, once it is known which feeds stay as they were, so
    they describe the feeds as published; they are returned with the results.
    """
    with output_lock(config.output, config.lock_timeout):
        remove_stale_temps(config.output)
        held = [] if force else _held(rendered, config.output, config, sources_failed)
        paths = {h.path for h in held}
        drawn = list(pages({h.path: h.kept for h in held})) if pages is not None else []
        kept = {r.feed.spec for r in rendered if r.path in paths}
        # One batch: feeds, then their side files and pages (those of a held-back feed
        # stay as they are); nothing is replaced if any of them cannot be written.
        files = [(r.path, r.data) for r in rendered if r.path not in paths] + [
            (f.path, f.data)
            for f in sorted([*extra, *drawn], key=lambda f: f.path)
            if f.owner is None or f.owner not in kept
        ]
        written = write_files([(contained_path(config.output, p), d) for p, d in files])
        changed = {path for (path, _), done in zip(files, written, strict=True) if done}
        return feed_results(rendered, changed, paths), held, drawn


def read_sealed(
    config: Config, planned: Sequence[PlannedFeed[Story]]
) -> tuple[dict[str, tuple[PageKey, ...]], list[str]]:
    """The sealed archive pages of each archived feed, as the last run left them.

    A missing state file starts the archive afresh; an unreadable one too, with a warning.
    """
    sealed: dict[str, tuple[PageKey, ...]] = {}
    warnings: list[str] = []
    for feed in planned:
        if not feed.spec.archive:
            continue
        path = state_path(feed.spec.slug)
        try:
            sealed[path] = load_sealed((config.output / path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            warnings.append(f"{path}: unreadable archive state, pages counted afresh ({error})")
    return sealed, warnings


def learn_enclosures(
    config: Config, planned: Sequence[PlannedFeed[Record]]
) -> tuple[FeedExtras, list[str]]:
    """With ``images: enclosure``: each entry image's type and length, asked once per URL
    ever by HTTP HEAD and remembered in ``<cache>/enclosures.json``."""
    if config.images != "enclosure":
        return FeedExtras(), []
    from ..net.enclosures import EnclosureCache
    from ..net.guard import Reach
    from ..sources.remote import user_agent

    urls = [r.images[0].url for feed in planned for r in feed.entries if r.images]
    with contextlib.ExitStack() as stack:
        cache = EnclosureCache(cache_folder(config, stack))
        found = cache.lookup(
            urls, user_agent=user_agent(config.site.url), reach=Reach(config.private_images)
        )
    enclosures = tuple(e for e in found.values() if e is not None)
    return FeedExtras(enclosures=enclosures), cache.warnings


def notify_hubs(config: Config, results: Sequence[FeedResult]) -> list[str]:
    """Ping every hub for exactly the feeds whose bytes changed; failures are warnings."""
    changed = [r.url for r in results if r.changed and not r.held_back]
    if not config.hubs or not changed:
        return []
    import requests

    from .notify import ping_hubs

    with requests.Session() as session:
        return ping_hubs(config.hubs, changed, session=session)
