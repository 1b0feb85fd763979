"""Archive stage (RFC 5005 §4, archived feeds): split a feed's entries into the current
feed and numbered archive pages, and name each document's links; no I/O.

Membership rules, and why:

- The current (subscription) feed holds the first ``limit`` entries in the order given
  (newest first, as ``selection`` sorts them). Every other entry is archived.
- Archived entries are ordered by a key that never changes while the record lives:
  ``(published_at, canonical_url)``. An update does not move an entry between pages.
- Pages are numbered from the oldest: page 1 holds the oldest ``page_size`` entries, page 2
  the next, and so on. Only the newest page may be short; a full page is *sealed*.
- RFC 5005 says the entries of an archive document "SHOULD NOT change over time", and
  clients may cache it forever. New entries arrive at the newest end, so adding entries
  never touches a sealed page.
- Removal (a record deleted, unpublished, or backdated into an old range) is the hard case.
  Counting from the oldest alone would shift every later page by one entry. So the plan
  returns ``sealed``: the key of the newest entry of each full page. Pass it back on the
  next run (``sealed=``) and those pages keep their key ranges: a removed or backdated
  entry changes only its own page, the page numbers and every other page stay as they
  were. Without ``sealed`` (first run, or the state was lost) pages are counted afresh.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..core.formats import file_name
from ..core.model import Record

FH_NS = "http://purl.org/syndication/history/1.0"
"""The feed-history namespace; archive documents carry an empty ``<fh:archive/>``."""

PageKey = tuple[datetime, str]
"""An entry's place in the archive: (published_at, canonical_url); oldest sorts first."""


def page_key(record: Record) -> PageKey:
    """The stable key that orders archived entries (an update does not change it)."""
    return (record.published_at, record.canonical_url)


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """One archive document."""

    number: int
    """1 for the oldest page; never reused for other entries."""
    entries: tuple[Record, ...]
    """Newest first, like every feed."""
    full: bool
    """Sealed: its entry set no longer changes as entries arrive (cache it forever)."""


@dataclass(frozen=True, slots=True)
class ArchivePlan:
    """The current feed's entries and the archive pages, oldest page first."""

    current: tuple[Record, ...]
    """Newest first: what the subscription document shows."""
    pages: tuple[ArchivePage, ...]
    sealed: tuple[PageKey, ...]
    """The newest key of each full page, in page order: pass it to the next run."""

    @property
    def newest_page(self) -> int | None:
        """The highest page number, ``None`` when nothing is archived."""
        return self.pages[-1].number if self.pages else None


def plan_archive(
    entries_newest_first: Sequence[Record],
    limit: int,
    page_size: int | None = None,
    *,
    sealed: Sequence[PageKey] = (),
) -> ArchivePlan:
    """Split entries into the current feed (the first ``limit``) and archive pages.

    ``sealed`` is the previous plan's ``sealed``: those pages keep their key ranges (and
    numbers) even when entries inside them are removed, so nothing else shifts.
    """
    size = limit if page_size is None else page_size
    if limit < 0 or size < 1:
        raise ValueError(f"need limit >= 0 and page_size >= 1 (found {limit}, {size})")
    bounds = list(sealed)
    if any(b >= a for a, b in zip(bounds[1:], bounds, strict=False)):
        raise ValueError("sealed keys must increase page by page")
    current = tuple(entries_newest_first[:limit])
    rest = sorted(entries_newest_first[limit:], key=page_key)  # oldest first

    pages: list[ArchivePage] = []
    start = 0
    for number, bound in enumerate(bounds, start=1):
        end = start
        while end < len(rest) and page_key(rest[end]) <= bound:
            end += 1
        pages.append(ArchivePage(number, tuple(reversed(rest[start:end])), full=True))
        start = end
    for offset in range(start, len(rest), size):
        chunk = rest[offset : offset + size]
        pages.append(ArchivePage(len(pages) + 1, tuple(reversed(chunk)), len(chunk) == size))

    new_seals = [page_key(p.entries[0]) for p in pages[len(bounds) :] if p.full]
    return ArchivePlan(current, tuple(pages), (*bounds, *new_seals))


def archive_path(slug: str | None, number: int, fmt: str) -> str:
    """Archive page ``number``'s path under the output folder: ``<slug>/archive/<n>/rss.xml``
    (the format's file name)."""
    if number < 1:
        raise ValueError(f"archive pages start at 1 (found {number})")
    name = f"archive/{number}/{file_name(fmt)}"
    return name if slug is None else f"{slug}/{name}"


def current_path(slug: str | None, fmt: str) -> str:
    """The current feed's path, as ``FeedSpec.path`` gives it."""
    name = file_name(fmt)
    return name if slug is None else f"{slug}/{name}"


def archive_links(
    plan: ArchivePlan, page: int | None, *, base_url: str, slug: str | None, fmt: str
) -> dict[str, str]:
    """The RFC 5005 links (rel → absolute URL) of the current feed (``page=None``) or a page.

    - current feed: ``prev-archive`` → the newest page, when there is one;
    - page n: ``current`` → the current feed; ``prev-archive`` → n-1 unless n is 1;
      ``next-archive`` → n+1 unless n is the newest page (it has none: the current feed
      is reached through ``current``, not ``next-archive``).
    ``base_url`` ends with ``/``. ``self`` is the renderer's business, as for every feed.
    """
    newest = plan.newest_page
    if page is None:
        return (
            {} if newest is None else {"prev-archive": base_url + archive_path(slug, newest, fmt)}
        )
    if newest is None or not 1 <= page <= newest:
        raise ValueError(f"no archive page {page} (pages: 1..{newest or 0})")
    links = {"current": base_url + current_path(slug, fmt)}
    if page > 1:
        links["prev-archive"] = base_url + archive_path(slug, page - 1, fmt)
    if page < newest:
        links["next-archive"] = base_url + archive_path(slug, page + 1, fmt)
    return links


def dump_sealed(sealed: Sequence[PageKey]) -> str:
    """``ArchivePlan.sealed`` as JSON text, for the caller to store between runs."""
    return json.dumps([[when.isoformat(), url] for when, url in sealed])


def load_sealed(text: str) -> tuple[PageKey, ...]:
    """The keys ``dump_sealed`` wrote; raises ValueError on anything else."""
    try:
        data = json.loads(text)
        if not isinstance(data, list):
            raise TypeError("not a JSON list")
        keys = tuple((datetime.fromisoformat(when), str(url)) for when, url in data)
    except (TypeError, ValueError) as error:
        raise ValueError(f"not a list of archive keys: {error}") from error
    if any(when.tzinfo is None for when, _ in keys):
        raise ValueError("archive keys need aware dates")
    return keys
