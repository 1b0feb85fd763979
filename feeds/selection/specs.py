"""Each feed's spec: the titles, descriptions and options of the site-wide feed and of
every topic feed, and the slugs of discovered topics; pure."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.model import FeedSpec
from ..core.settings import Config, TopicConfig
from ..core.slugs import numbered, slugify
from .filters import FeedOptions, feed_options


def topic_spec(
    config: Config, name: str, slug: str, topic: TopicConfig | None, options: FeedOptions
) -> FeedSpec:
    """A topic feed (configured, or discovered with ``topic=None``)."""
    return _spec(config, options, topic, name=name, slug=slug)


def site_spec(config: Config) -> FeedSpec:
    """The site-wide feed of every published record (``defaults`` apply to it too)."""
    return _spec(config, feed_options(config, None), None, name=None, slug=None)


def _titles(config: Config, name: str | None, topic: TopicConfig | None) -> tuple[str, str]:
    """A feed's title and description: configured, else made from the site's and the
    topic's names (``name=None``: the site-wide feed)."""
    site = config.site
    if name is None:
        return site.title, site.description or site.title
    short = (topic.shortname if topic else None) or name
    title = (topic.title if topic else None) or f"{site.title}: {short}"
    description = (
        topic.description if topic else None
    ) or f"Latest {name} stories from {site.title}"
    return title, description


def _spec(
    config: Config,
    options: FeedOptions,
    topic: TopicConfig | None,
    *,
    name: str | None,
    slug: str | None,
) -> FeedSpec:
    """A feed's spec from its resolved options; what topic and site-wide feeds share."""
    title, text = _titles(config, name, topic)
    mine = topic.max_bytes if topic is not None else None
    return FeedSpec(
        topic=name,
        slug=slug,
        title=title,
        description=text,
        site_url=config.site.url,
        language=options.language,
        author=config.site.title,
        limit=options.limit,
        formats=options.formats,
        image=options.image,
        content=options.content,
        previous_slugs=topic.previous_slugs if topic else (),
        max_bytes=mine if mine is not None else config.defaults.max_bytes,
        archive=bool(topic and topic.archive),
    )


def topic_slugs(config: Config, names: Iterable[str]) -> dict[str, str]:
    """Each feed's slug: configured ones as set, discovered ones derived and made unique
    (never taking a configured topic's current or previous slug)."""
    taken = {t.slug for t in config.topics}
    taken.update(s for t in config.topics for s in t.previous_slugs)
    slugs: dict[str, str] = {t.name: t.slug for t in config.topics}
    for name in names:
        if name in slugs:
            continue
        base = slugify(name)
        slug, n = base, 2
        while slug in taken:
            slug, n = numbered(base, n), n + 1
        taken.add(slug)
        slugs[name] = slug
    return slugs
