"""Speed boundary: what only makes runs cheaper (parse cache, worker pool with its gc and
malloc settings, no-change shortcut, render memo); the pipeline is correct without it.

The parse cache is ``cache`` (a file's outcome coded by ``codec`` and checked on the way
back by ``entrycheck``; every cache keyed by ``codedigest``), the worker pool ``workers``
with a batch run's gc and malloc settings in ``batch``, the no-change shortcut
``runstate`` and the render memo ``rendermemo``.

The pipeline reaches it through one object, a session (``session``): ``build`` lists,
asks for the shortcut, reads (``reading`` asks ``entries``), renders (``parallel``,
``render_memo``) and remembers through it. ``Plain`` (``speed.plain``) does each step
the plain way; ``Fast`` (``speed.fast``) the cheap way, with the same output byte for
byte. The environment variable ``FEEDS_SPEED=off`` switches every fast path off (tests
compare both); ``FEEDS_SPEED_COUNTS=<file>`` has a session write what its fast paths did.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a session starts, not with the package
    from ..core.settings import Config
    from .plain import Plain

ENV = "FEEDS_SPEED"
"""``off`` switches the fast paths off; anything else (or unset) leaves them on."""


def enabled() -> bool:
    """Whether the fast paths are on (``FEEDS_SPEED`` is not ``off``)."""
    return os.environ.get(ENV, "").strip().lower() != "off"


def session(config: Config, *, force: bool = False) -> Plain:
    """The speed session of one build (or one read of the records): ``Fast`` unless
    ``FEEDS_SPEED=off``; ``force`` skips the shortcut and the render memo, as
    ``--force`` does. Use it as a context manager: it stops its workers at the end."""
    if not enabled():
        from .plain import Plain

        return Plain(config, force=force)
    from .fast import Fast

    return Fast(config, force=force)
