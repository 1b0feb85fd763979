"""The one URL checker: whether a URL is usable, under the policy of where it comes from,
and a story's canonical form (its identity across copies); no I/O.

Policies, strictest first:
- ``url_problem``: a record's link (its own URL, images, related items), put in feeds as
  is: http(s), a valid host, no credentials, spaces or control characters.
- ``config_url``: a URL in the config: absolute http(s) with a host; the callers add
  their own rules (no query in ``site.url``, no credentials in a remote source).
- ``server_url``: a URL a server sent (a redirect's ``Location``, a next-page link),
  resolved against the URL it came from; never raises.
- ``page_link``: an ``href``/``src`` in a record's body, resolved against the record's
  page: http(s) with a network location, or mailto.

Plain ASCII http(s) URLs, nearly every URL in real records, take a regular-expression
path in ``url_problem``; anything else goes through urlsplit (property tests check both
ways agree).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote_plus, urljoin, urlsplit, urlunsplit

_TRACKING = frozenset({"ref", "fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HTTP = ("http", "https")

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
    if parts.scheme.lower() not in HTTP:
        return "is not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "contains credentials"
    host = (parts.hostname or "").lower()
    if not host or not (is_host_name(host) or _is_ip_literal(parts.netloc)):
        return "has no valid host"
    if port == 0:
        return "has an invalid port"
    return None


def config_url(url: str) -> SplitResult | None:
    """``url``'s parts when it is an absolute http(s) URL with a host (the config's
    policy), else None."""
    parts = _split(url)
    return parts if parts is not None and _is_http(parts) else None


def server_url(base: str, link: str) -> str | None:
    """``link`` (a redirect's ``Location``, a next-page link) resolved against ``base``,
    when that gives a usable http(s) URL (a port in range included); else None.
    ``urlsplit`` raises on some links (``http://[::1``): every server-given URL passes
    through here first."""
    if _CONTROL.search(link):
        return None
    try:
        url = urljoin(base, link.strip())
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    return url if _is_http(parts) else None


def page_link(base: str, value: str) -> str | None:
    """An ``href``/``src`` of a record's body resolved against ``base`` (its page), when
    that gives an http(s) URL with a network location or a mailto: link; else None."""
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
    except ValueError:
        return None  # e.g. a malformed IPv6 host
    scheme = parts.scheme.lower()
    return url if scheme == "mailto" or (scheme in HTTP and parts.netloc) else None


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _is_http(parts: SplitResult) -> bool:
    return parts.scheme in HTTP and bool(parts.hostname)


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
