"""Topic names → safe folder names (slugs), and the key topics are matched by; pure."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

# Symbols that carry meaning in topic names ("C++", "C#", "R&D") get words, so that
# "C" and "C++" do not collapse into the same slug.
_SYMBOL_WORDS = {"+": " plus ", "#": " sharp ", "&": " and ", "@": " at "}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SPACE = re.compile(r"\s+")
MAX_SLUG_LENGTH = 60


@functools.lru_cache(maxsize=65536)  # a site names a few hundred topics, records repeat them
def topic_key(name: str) -> str:
    """The form topic names are compared in: trimmed, white space collapsed, case-folded."""
    return _SPACE.sub(" ", name).strip().casefold()


def slugify(name: str) -> str:
    """A lowercase ASCII slug with hyphens; never empty, never a path.

    Accents are transliterated ("Café" → "cafe"); a name with no letters or digits left
    (emoji only, "../..") gets ``topic-`` and a short hash of the name, so it stays unique.
    """
    text = "".join(_SYMBOL_WORDS.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_SLUG.sub("-", text).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug:
        digest = hashlib.sha1(topic_key(name).encode("utf-8")).hexdigest()[:8]
        slug = f"topic-{digest}"
    return slug


def numbered(slug: str, n: int) -> str:
    """``slug`` with a ``-n`` suffix, shortened so the result is still a valid slug."""
    suffix = f"-{n}"
    return slug[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


def is_valid_slug(slug: str) -> bool:
    """Whether ``slug`` is one that :func:`slugify` could produce (safe as a folder name)."""
    return len(slug) <= MAX_SLUG_LENGTH and bool(_SLUG.match(slug))
