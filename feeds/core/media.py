"""Frozen value types for what a record shows besides text: a featured video and an image's
enclosure facts; no I/O.

``records.video`` recognises a video, ``net.enclosures`` learns an enclosure; the model and
the renderers only carry them, so they live here at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

_PROVIDER_NAMES = {"youtube": "YouTube", "vimeo": "Vimeo"}


@dataclass(frozen=True, slots=True)
class Video:
    """A video hosted by a known provider, with URLs rebuilt from its id."""

    watch_url: str
    """The page where people watch it: the entry's link to the video."""
    player_url: str
    """The embeddable player: Media RSS ``media:player``."""
    thumbnail_url: str | None
    """A still image, when the provider has one at a fixed address (YouTube does)."""
    provider: str
    """``"youtube"`` or ``"vimeo"``."""
    width: int | None = None
    """The embed's width in pixels, when the iframe gave one."""
    height: int | None = None

    @property
    def provider_name(self) -> str:
        """The provider as people write it: ``YouTube``, ``Vimeo``."""
        return _PROVIDER_NAMES[self.provider]


@dataclass(frozen=True, slots=True)
class Enclosure:
    """What an RSS ``<enclosure url= type= length=>`` needs (RSS 2.0 requires all three)."""

    url: str
    """The image URL as the record gave it (not a redirect's target)."""
    type: str
    """An ``image/*`` media type, lowercased, without parameters."""
    length: int
    """Bytes, from ``Content-Length``; always positive."""
