"""Preview links: the built pages link to the production ``site.url``; the preview server
makes those links root-relative so a click stays on the preview. ``find_site_url`` reads
a built folder's feeds (I/O); ``local_links`` is pure.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from ..core.formats import FEED_FORMATS

_SELF = "{http://www.w3.org/2005/Atom}link"
"""RSS's ``atom:link`` and Atom's ``link``: the same qualified name in both formats."""


def local_links(page: bytes, site_url: str) -> bytes:
    """``page`` with every ``href``/``src`` value under ``site_url`` made root-relative
    (``https://example.org/feeds/ai/`` → ``/ai/``); other links and the text are kept."""
    # The pages are ours (feeds.pages): attribute values are double-quoted and escaped.
    prefix = re.escape(escape(site_url, quote=True).encode("utf-8"))
    return re.sub(rb'(\s(?:href|src)=")' + prefix, rb"\1/", page)


def _self_url(path: Path) -> str | None:
    """The URL a feed file says it is published at (RSS/Atom self link, JSON feed_url)."""
    try:
        with path.open("rb") as handle:
            if path.suffix == ".json":
                url = json.load(handle).get("feed_url")
                return url if isinstance(url, str) else None
            for _, element in iterparse(handle, events=("start",)):
                if element.tag == _SELF and element.get("rel") == "self":
                    href = element.get("href")
                    return href if isinstance(href, str) else None
    except (OSError, ValueError, ParseError, AttributeError):  # missing, not a feed
        return None
    return None


def find_site_url(root: Path) -> str | None:
    """The ``site.url`` a folder was built for, from the self link of its site-wide feed
    (or else a topic's); None when no feed there names one."""
    names = tuple(fmt.file_name for fmt in FEED_FORMATS)
    candidates = [root / name for name in names]
    candidates += sorted(p for name in names for p in root.glob(f"*/{name}"))
    for path in candidates:
        relative = path.relative_to(root).as_posix()
        url = _self_url(path)
        if url and url.startswith(("https://", "http://")) and url.endswith("/" + relative):
            return url[: -len(relative)]
    return None
