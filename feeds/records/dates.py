"""Validate stage: a date field → an aware UTC datetime, from ISO 8601, RFC 822 or a YAML
timestamp (naive means UTC), or ``Invalid`` naming the field; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any

from dateutil.parser import isoparse

from .raw import Invalid, found, kind_of


def required_date(data: Mapping[str, Any], field: str) -> datetime:
    moment = date_field(data.get(field), field)
    if moment is None:
        raise Invalid(field, "missing; every record needs a publication date")
    return moment


def date_field(value: Any, field: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601, RFC 822 or a YAML timestamp; naive means UTC."""
    if value is None or value == "":
        return None
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        moment = _parse_date_text(value.strip(), field)
    else:
        raise Invalid(
            field,
            f"must be a date (found {kind_of(value)}); write e.g. 2024-05-01T09:30:00Z",
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid(field, f"date out of range (found {found(str(value))})") from None


def _parse_date_text(text: str, field: str) -> datetime:
    try:
        return isoparse(text)
    except (ValueError, OverflowError):
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    raise Invalid(
        field,
        f"not a date (found {found(text)}); use ISO 8601 such as 2024-05-01T09:30:00Z",
    )
