"""Dates in front matter and on the command line: ISO 8601, naive times in the site's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from publisher.content.fields import Fields, shown


class DateOutOfRange(ValueError):
    """A real date or time that cannot be placed in the site's time zone (year 1, year 9999)."""


def parse_when(value: Any, tz: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time; naive values are in the site time zone (DST handled by zoneinfo).
    Raises ValueError, or DateOutOfRange for a date too close to the ends of the calendar."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError(f"{type(value).__name__} is not a date")
    if moment.tzinfo is None:
        # A local time that does not exist (02:30 when the clocks jump from 02:00 to 03:00) moves
        # to the real local time at that instant; an ambiguous one (fold=0) is the first.
        try:
            moment = moment.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
        except OverflowError:
            raise DateOutOfRange(
                f"{shown(value)} is out of range (dates from the years 2 to 9998 work)"
            ) from None
    return moment


def when(fields: Fields, name: str, value: Any, tz: ZoneInfo) -> datetime | None:
    """The date or date-time of field ``name``, or None (and an error in ``fields``)."""
    try:
        moment = parse_when(value, tz)
    except DateOutOfRange as exc:
        fields.error(
            name, str(exc), hint=f"write the real date, e.g. {name}: 2024-05-14 or {name}: 2024-05-14 09:30"
        )
    except ValueError:
        fields.error(
            name,
            f"{shown(value)} is not a date",
            hint="write ISO 8601: 2024-05-14, 2024-05-14 09:30 or 2024-05-14T09:30:00+02:00",
        )
    else:
        return whole_minute_offset(moment)
    return None


def whole_minute_offset(moment: datetime) -> datetime:
    """The moment, in UTC if its offset is not whole minutes: local mean time (Berlin before April
    1893 was UTC+00:53:28), which HTML's ``datetime``, Atom, RSS and RFC 3339 cannot write."""
    offset = moment.utcoffset()
    return moment.astimezone(UTC) if offset is not None and offset.total_seconds() % 60 else moment
