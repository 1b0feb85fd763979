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

from ..core.media import Video
from ..core.model import Image, Provider, Record, RelatedItem, SourceLocation
from ..core.report import Rejection
from .entrycheck import check_plain

Entry = tuple[Sequence[Record], Sequence[Rejection], int]
"""A file's records, rejections and how many records it held."""

T = TypeVar("T")


def _assembler(cls: type[T]) -> Callable[..., T]:
    """A function that builds ``cls``, a frozen dataclass with slots and no
    ``__post_init__``, from all its fields in order, in half the time its ``__init__``
    takes: each slot is set through its own descriptor, where a frozen ``__init__`` looks
    up ``object.__setattr__`` and the field's name for each. Decoding the cache of a
    large site builds 100,000 records; the values are those ``__init__`` would store."""
    if "__post_init__" in vars(cls) or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} cannot be assembled slot by slot")
    names = [field.name for field in fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set_{name}": getattr(cls, name).__set__ for name in names})
    lines = [f"def assemble({', '.join(names)}):", "    self = new(cls)"]
    lines += [f"    set_{name}(self, {name})" for name in names]
    # Generated from the class's own field names (identifiers), as dataclasses does.
    exec("\n".join([*lines, "    return self"]), scope)  # noqa: S102
    assemble: Callable[..., T] = scope["assemble"]
    return assemble


_new_record = _assembler(Record)
_new_location = _assembler(SourceLocation)
_new_related = _assembler(RelatedItem)


class _Unpickler(pickle.Unpickler):
    """Builds plain data, nothing else: a foreign pickle cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        # repr: the names are the pickle's, and a line break would split the warning.
        raise pickle.UnpicklingError(f"{module + '.' + name!r} is not allowed in the cache")


# Records travel as plain tuples: unpickling dataclasses goes through fields() per
# object, several times slower than calling the constructors ourselves.


def encode_entry(entry: Entry, display: str | None = None) -> bytes:
    """A file's outcome as bytes; records read from the file shown as ``display`` leave
    their source path out (``decode_entry`` puts it back)."""
    records, rejected, read = entry
    plain = (
        [_record(r, display) for r in records],
        [(r.path, r.line, r.field, r.message) for r in rejected],
        read,
    )
    return pickle.dumps(plain, protocol=5)


def decode_entry(data: bytes, display: str | None = None, *, check: bool = False) -> Entry:
    """The inverse of ``encode_entry`` (given the same ``display``); raises on anything
    but a well-formed entry. With ``check`` (bytes from the cache on disk, untrusted),
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


def _record(r: Record, display: str | None = None) -> tuple[Any, ...]:
    return (
        None if r.source.path == display else r.source.path,
        r.source.line,
        r.title,
        r.url,
        r.canonical_url,
        _moment(r.published_at),
        _moment(r.updated_at),
        r.excerpt,
        r.body_html,
        r.topics,
        r.is_published,
        _provider(r.provider),
        tuple((i.url, i.width, i.height) for i in r.images),
        tuple(
            (i.title, i.url, i.excerpt, _moment(i.published_at), _provider(i.provider), i.type)
            for i in r.related
        ),
        r.category,
        r.type,
        r.quality,
        r.heat,
        None if r.video is None else astuple(r.video),
    )


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


def _unrecord(v: tuple[Any, ...], display: str | None = None) -> Record:
    (path, line, title, url, canonical, published, updated, excerpt, body, topics, *rest) = v
    is_published, provider, images, related, category, kind, quality, heat, video = rest
    if path is None:
        if display is None:
            raise ValueError("unexpected data in the cache")
        path = display
    if type(published) is not int:
        raise ValueError("unexpected data in the cache")
    # Positional arguments throughout: the constructors parse them faster.
    return _new_record(
        _new_location(path, line),
        title,
        url,
        canonical,
        _EPOCH + timedelta(0, 0, published),
        None if updated is None else _EPOCH + timedelta(0, 0, updated),
        excerpt,
        body,
        _shared(tuple(topics)),
        bool(is_published),
        None if provider is None else _shared(tuple(provider), _unprovider),
        tuple([Image(*i) for i in images]) if images else (),
        tuple(
            [_new_related(t, u, e, _unmoment(d), _unprovider(p), k) for t, u, e, d, p, k in related]
        )
        if related
        else (),
        None if category is None else _shared(category),
        None if kind is None else _shared(kind),
        quality,
        heat,
        None if video is None else Video(*video),
    )
