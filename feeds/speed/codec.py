"""A file's outcome (its records, rejections and record count) as bytes and back: what
workers send to the build and the parse cache stores; no I/O.

Records travel as plain tuples of plain values (dates as integers), pickled: decoding
refuses every class reference, so bytes from a damaged or foreign cache can build
nothing but plain data, and building the records ourselves is several times faster
than unpickling dataclasses.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import astuple, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ..core.location import SourceLocation
from ..core.media import Video
from ..core.model import Image, Provider, Record, RelatedItem, Story
from ..core.report import Rejection
from .entrycheck import check_plain

Outcome = tuple[Sequence[Story], Sequence[Rejection], int]
"""A file's stories (records, when read in full), rejections and how many records it held."""

S = TypeVar("S", bound=Story)
_Set = Callable[[Any, Any], None]


def _setters(cls: type, names: str, inherited: int = 0) -> tuple[_Set, ...]:
    """The slot setter of each field of ``cls`` named in ``names``, which must be its
    fields past the first ``inherited``, in order: a frozen dataclass with slots and no
    ``__post_init__`` (nothing its ``__init__`` would check or compute)."""
    own = [field.name for field in fields(cls)][inherited:]
    if own != names.split() or "__post_init__" in vars(cls) or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} cannot be built slot by slot from {names!r}")
    return tuple(getattr(cls, name).__set__ for name in own)


# Decoding the cache of a large site builds 100,000 stories: setting each slot through its
# own descriptor takes half the time of a frozen ``__init__``, which looks up
# ``object.__setattr__`` and the field's name for each. The values are those ``__init__``
# would store (the classes check nothing), and the names are checked above at import.
_NEW = object.__new__
_PATH, _LINE = _setters(SourceLocation, "path line")
(
    _SOURCE, _CANONICAL, _PUBLISHED, _UPDATED, _TOPICS, _IS_PUBLISHED,
    _PROVIDER, _RELATED, _CATEGORY, _TYPE, _QUALITY, _HEAT,
) = _setters(
    Story, "source canonical_url published_at updated_at topics is_published"
    " provider related category type quality heat",
)  # fmt: skip
_TITLE, _URL, _EXCERPT, _BODY, _IMAGES, _VIDEO = _setters(
    Record, "title url excerpt body_html images video", inherited=12
)
_ITEM_TITLE, _ITEM_URL, _ITEM_EXCERPT, _ITEM_PUBLISHED, _ITEM_PROVIDER, _ITEM_TYPE = _setters(
    RelatedItem, "title url excerpt published_at provider type"
)


class _Unpickler(pickle.Unpickler):
    """Builds plain data, nothing else: a foreign pickle cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        # repr: the names are the pickle's, and a line break would split the warning.
        raise pickle.UnpicklingError(f"{module + '.' + name!r} is not allowed in the cache")


# Records travel as plain tuples: unpickling dataclasses goes through fields() per
# object, several times slower than calling the constructors ourselves.


def encode_outcome(outcome: Outcome, display: str | None = None) -> bytes:
    """A file's outcome as bytes; records read from the file shown as ``display`` leave
    their source path out (``decode_outcome`` puts it back)."""
    records, rejected, read = outcome
    plain = (
        [_record(r, display) for r in records],
        [(r.path, r.line, r.field, r.message) for r in rejected],
        read,
    )
    return pickle.dumps(plain, protocol=5)


def decode_outcome(data: bytes, display: str | None = None, *, check: bool = False) -> Outcome:
    """The inverse of ``encode_outcome`` (given the same ``display``); raises on anything
    but a well-formed outcome. With ``check`` (bytes from the cache on disk, untrusted),
    also on any value validation could not have produced (``check_plain``).

    Records of the file share the ``display`` string as their source path: a large site
    holds 100,000 of them."""
    records, rejected, read = _Unpickler(io.BytesIO(data)).load()
    if type(read) is not int:
        raise ValueError("unexpected data in the cache")
    if check:
        check_plain(records, rejected)
    return (
        tuple([_unrecord(r, display) for r in records]),
        tuple([Rejection(*r) for r in rejected]) if rejected else (),
        read,
    )


# Dates travel as microseconds since the epoch: a pickle without datetime objects holds
# no class references, so decoding never calls the restricted find_class.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _MICROSECOND


def _unmoment(micros: int | None) -> datetime | None:
    return None if micros is None else _EPOCH + timedelta(0, 0, micros)


_MICROSECOND = timedelta(microseconds=1)


def _provider(p: Provider | None) -> tuple[str, str | None] | None:
    return None if p is None else (p.name, p.domain)


def _unprovider(value: Any) -> Provider | None:
    return None if value is None else Provider(*value)


def _record(r: Story, display: str | None = None) -> tuple[Any, ...]:
    """The plain tuple of a story or a record (see ``_full``)."""
    title, url, excerpt, body, images, video = _full(r) if isinstance(r, Record) else _LIGHT
    return (
        None if r.source.path == display else r.source.path,
        r.source.line,
        title,
        url,
        r.canonical_url,
        _moment(r.published_at),
        _moment(r.updated_at),
        excerpt,
        body,
        r.topics,
        r.is_published,
        _provider(r.provider),
        images,
        tuple(
            (i.title, i.url, i.excerpt, _moment(i.published_at), _provider(i.provider), i.type)
            for i in r.related
        ),
        r.category,
        r.type,
        r.quality,
        r.heat,
        video,
    )


def _full(r: Record) -> tuple[Any, ...]:
    """What a record has and a story lacks, plain: title, link, excerpt, body, images and
    video."""
    images = tuple((i.url, i.width, i.height) for i in r.images)
    video = None if r.video is None else astuple(r.video)
    return (r.title, r.url, r.excerpt, r.body_html, images, video)


_LIGHT = ("", "", None, None, (), None)
"""``_full`` of a story read light: an empty title and link say so (a record's never are)."""


_SHARED: dict[Any, Any] = {}
"""Topic lists, providers and short labels already decoded: 100,000 records name the
same few, and sharing one copy each saves memory and time."""
_SHARED_LIMIT = 65536


def _shared(value: Any, make: Any = None) -> Any:
    """The copy of ``value`` already decoded (``make(value)`` of it, when given)."""
    found = _SHARED.get(value)
    if found is None:
        found = value if make is None else make(value)
        if len(_SHARED) < _SHARED_LIMIT:
            _SHARED[value] = found
    return found


def _unrecord(v: tuple[Any, ...], display: str | None = None) -> Story:
    """The story (or, read in full, the record) a plain tuple of ``_record`` holds."""
    path = v[0]
    if path is None:
        if display is None:
            raise ValueError("unexpected data in the cache")
        path = display
    if type(v[5]) is not int:  # the publication date
        raise ValueError("unexpected data in the cache")
    title = v[2]
    if not title:  # read light: a light story's title is empty, a record's never
        return _unstory(_NEW(Story), v, path)
    record = _unstory(_NEW(Record), v, path)
    _TITLE(record, title)
    _URL(record, v[3])
    _EXCERPT(record, v[7])
    _BODY(record, v[8])
    images, video = v[12], v[18]
    _IMAGES(record, tuple([Image(*i) for i in images]) if images else ())
    _VIDEO(record, None if video is None else Video(*video))
    return record


def _unstory(story: S, v: tuple[Any, ...], path: str) -> S:
    """``story``, new and empty, with the fields of a light story set from ``v``."""
    _, line, _, _, canonical, published, updated, _, _, topics, is_published, *rest = v
    provider, _, related, category, kind, quality, heat, _ = rest
    source = _NEW(SourceLocation)
    _PATH(source, path)
    _LINE(source, line)
    _SOURCE(story, source)
    _CANONICAL(story, canonical)
    _PUBLISHED(story, _EPOCH + timedelta(0, 0, published))
    _UPDATED(story, None if updated is None else _EPOCH + timedelta(0, 0, updated))
    _TOPICS(story, _shared(tuple(topics)))
    _IS_PUBLISHED(story, bool(is_published))
    _PROVIDER(story, None if provider is None else _shared(tuple(provider), _unprovider))
    _RELATED(story, tuple([_unrelated(item) for item in related]) if related else ())
    _CATEGORY(story, None if category is None else _shared(category))
    _TYPE(story, None if kind is None else _shared(kind))
    _QUALITY(story, quality)
    _HEAT(story, heat)
    return story


def _unrelated(v: tuple[Any, ...]) -> RelatedItem:
    title, url, excerpt, published, provider, kind = v
    item = _NEW(RelatedItem)
    _ITEM_TITLE(item, title)
    _ITEM_URL(item, url)
    _ITEM_EXCERPT(item, excerpt)
    _ITEM_PUBLISHED(item, _unmoment(published))
    _ITEM_PROVIDER(item, _unprovider(provider))
    _ITEM_TYPE(item, kind)
    return item
