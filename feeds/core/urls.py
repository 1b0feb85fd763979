"""Record URLs: whether one can be a feed link, and a story's canonical form (its
identity across copies); no I/O.

Plain ASCII http(s) URLs, nearly every URL in real records, take a regular-expression
path; anything else goes through urlsplit (property tests check both ways agree).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

_TRACKING = frozenset({"ref", "fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")

# Plain ASCII http(s) URLs with a valid host name, no user, port or spaces: nearly every
# URL in real records. They need no urlsplit (the property tests check both ways agree).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_LABELS = rf"{_LABEL}(?:\.{_LABEL})*"
_PLAIN_URL = re.compile(rf"[Hh][Tt][Tt][Pp][Ss]?://{_HOST_LABELS}\.?(?:[/?#][!-~]*)?")
# ... and of those, the ones already canonical but for an empty path.
_CANONICAL_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:/[!-\"$->@-~]*)?")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed link, or None when it can."""
    return None if _PLAIN_URL.fullmatch(url) else parsed_url_problem(url)


def parsed_url_problem(url: str) -> str | None:
    """``url_problem`` the long way, through urlsplit (any URL)."""
    if not url:
        return "is blank"
    if _BAD_URL_CHAR.search(url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "contains credentials"
    host = (parts.hostname or "").lower()
    if not host or not (is_host_name(host) or _is_ip_literal(parts.netloc)):
        return "has no valid host"
    if port == 0:
        return "has an invalid port"
    return None


def is_host_name(host: str) -> bool:
    """Whether ``host`` (lowercase) is a valid DNS host name."""
    return _HOST.match(host) is not None


def _is_ip_literal(netloc: str) -> bool:
    return netloc.startswith("[") and "]" in netloc


def canonical_url(url: str) -> str:
    """The story's identity: scheme and host lowercased, default port, fragment and
    tracking parameters (``utm_*``, ``ref``, ``fbclid``, …) removed."""
    if _CANONICAL_URL.fullmatch(url):
        return url if url.count("/") > 2 else url + "/"
    return parsed_canonical_url(url)


def parsed_canonical_url(url: str) -> str:
    """``canonical_url`` the long way, through urlsplit (any URL)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    # Filter the query pair by pair, keeping each pair's own encoding: the id must not
    # change because a re-encoder prefers '+' to '%20'.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(unquote_plus(pair.partition("=")[0]))
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING
