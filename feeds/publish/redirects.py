"""Renamed topics: old feed, page and archive URLs → current ones, as nginx and Apache
config; pure.

A topic's ``previous_slugs`` name the folders its feeds used to live in. Entry ids never
change (they are the stories' canonical URLs), so a reader that follows the permanent
redirect sees no new entries. ``build`` writes the files this module returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from ..core.formats import file_name
from ..core.model import FeedSpec

NGINX_FILE = "redirects.nginx.conf"
"""In the output folder; ``include`` it inside the site's ``server { … }`` block."""
APACHE_FILE = "redirects.apache.conf"
"""In the output folder; ``Include`` it in the virtual host, or copy it into ``.htaccess``."""


@dataclass(frozen=True, slots=True)
class Redirect:
    """One permanent redirect from an old URL path to the current URL."""

    old_path: str
    """The old URL's path, e.g. ``/feeds/powerapps/rss.xml``."""
    new_url: str
    """The current absolute URL."""
    prefix: bool = False
    """Every path below ``old_path`` moves too (``…/archive/3/rss.xml``), to the same
    place below ``new_url``."""


class Moved(NamedTuple):
    """One URL path of a renamed topic, relative to the site root: where it was, where
    it is now, and whether everything below it moves too."""

    old: str
    new: str
    prefix: bool = False


def moved_paths(old: str, new: str, formats: Iterable[str], archive: bool) -> list[Moved]:
    """What a topic moved from folder ``old`` to ``new`` takes along: its feed files,
    its subscribe page (``old/``) and, when it keeps an archive, its archive pages."""
    moved = [Moved(f"{old}/{file_name(f)}", f"{new}/{file_name(f)}") for f in formats]
    moved.append(Moved(f"{old}/", f"{new}/"))
    if archive:
        moved.append(Moved(f"{old}/archive/", f"{new}/archive/", prefix=True))
    return moved


def plan_redirects(specs: Iterable[FeedSpec], site_url: str) -> list[Redirect]:
    """For each previous slug of every feed, a redirect per path it moved
    (``moved_paths``), sorted by old path."""
    base = urlsplit(site_url).path or "/"
    found = [
        Redirect(base + m.old, site_url + m.new, m.prefix)
        for spec in specs
        if spec.slug is not None
        for old in spec.previous_slugs
        for m in moved_paths(old, spec.slug, spec.formats, spec.archive)
    ]
    return sorted(found, key=lambda r: r.old_path)


def nginx_conf(redirects: Iterable[Redirect]) -> str:
    """``location`` blocks answering 301 with the new URL: exact matches, and for a moved
    folder a prefix match that keeps the rest of the path. Every value is quoted."""
    lines = [
        "# Written by feeds: topic feeds that moved (previous_slugs). Inside the site's",
        f"# server {{ }} block: include /path/to/output/{NGINX_FILE};",
    ]
    moves = ((r.old_path, _inert(r.new_url), r.prefix) for r in redirects)
    lines += [f"{opening} {{ {directive} }}" for opening, directive in nginx_locations(moves)]
    return "\n".join(lines) + "\n"


def nginx_locations(
    moves: Iterable[tuple[str, str, bool]], quoted: Callable[[str], str] | None = None
) -> Iterator[tuple[str, str]]:
    """The nginx redirect of each (old path, new URL or path, prefix) move, as a
    ``location`` opening and the one directive inside it: ``return 301`` for a path, a
    ``rewrite … permanent`` keeping the rest of the path for a moved folder (``prefix``).
    ``quoted`` writes a value (default: double-quoted, for the build's map); the
    ``serve-config`` snippet passes ``str``, its paths being plain already."""
    quote = _nginx_quoted if quoted is None else quoted
    for old, new, prefix in moves:
        if prefix:
            pattern = quote("^" + re.escape(old) + "(.*)$")
            yield f"location ^~ {quote(old)}", f"rewrite {pattern} {quote(new + '$1')} permanent;"
        else:
            yield f"location = {quote(old)}", f"return 301 {quote(new)};"


def apache_conf(redirects: Iterable[Redirect]) -> str:
    """mod_alias ``Redirect permanent`` lines (valid in a virtual host and in .htaccess);
    ``Redirect`` matches a path and everything below it, keeping the rest."""
    lines = [
        "# Written by feeds: topic feeds that moved (previous_slugs). Include it in the",
        "# virtual host (Include /path/to/output/" + APACHE_FILE + ") or copy it into .htaccess.",
    ]
    lines += [
        f"Redirect permanent {_apache_quoted(r.old_path)} {_apache_quoted(_inert(r.new_url))}"
        for r in redirects
    ]
    return "\n".join(lines) + "\n"


# Config checks keep quotes, backslashes, braces, spaces and control characters out of
# site.url (configcheck ``_NOT_IN_URL``); quoting is the second wall, should one get by.


def _nginx_quoted(text: str) -> str:
    """A double-quoted nginx string: ``;``, ``{`` and ``}`` inside are plain text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apache_quoted(text: str) -> str:
    """A double-quoted Apache argument (Apache unescapes ``\\"`` alone)."""
    return '"' + text.replace('"', '\\"') + '"'


def _inert(url: str) -> str:
    """``url`` with ``$`` percent-encoded: nginx expands ``$name`` in a redirect target and
    Apache ``${NAME}`` anywhere; both decode ``%24`` back to ``$`` in a path."""
    return url.replace("$", "%24")


def redirect_files(specs: Iterable[FeedSpec], site_url: str) -> dict[str, bytes]:
    """The files to write into the output folder (path → bytes); empty without redirects."""
    redirects = plan_redirects(specs, site_url)
    if not redirects:
        return {}
    return {
        NGINX_FILE: nginx_conf(redirects).encode("utf-8"),
        APACHE_FILE: apache_conf(redirects).encode("utf-8"),
    }
