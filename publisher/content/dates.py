"""Dates in front matter and on the command line: ISO 8601, naive times in the site's time zone."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from publisher.content.fields import Fields, shown

_SPACED_OFFSET = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s+([+-]\d{2}:?\d{2})$"
)


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
        # Jekyll writes "2024-05-14 10:30:00 +0200": the offset after a space
        text = _SPACED_OFFSET.sub(r"\1\2", text)
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
        message, hint = why_not_a_date(value, name)
        fields.error(name, message, hint=hint)
    else:
        return whole_minute_offset(moment)
    return None


def whole_minute_offset(moment: datetime) -> datetime:
    """The moment, in UTC if its offset is not whole minutes: local mean time (Berlin before April
    1893 was UTC+00:53:28), which HTML's ``datetime``, Atom, RSS and RFC 3339 cannot write."""
    offset = moment.utcoffset()
    return moment.astimezone(UTC) if offset is not None and offset.total_seconds() % 60 else moment


ISO_HINT = "write ISO 8601: 2024-05-14, 2024-05-14 09:30 or 2024-05-14T09:30:00+02:00"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
GERMAN_MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_TIME = r"(?:,?\s+(?:um\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:\s*Uhr)?)?"
_GERMAN_NUMERIC = re.compile(rf"(?P<day>\d{{1,2}})\.\s*(?P<month>\d{{1,2}})\.\s*(?P<year>\d{{4}}){_TIME}")
_GERMAN_NAMED = re.compile(rf"(?P<day>\d{{1,2}})\.?\s*(?P<month>[^\W\d_]+)\.?\s+(?P<year>\d{{4}}){_TIME}")
_ISO_PARTS = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2}).*)?"
)


def why_not_a_date(value: Any, name: str = "date") -> tuple[str, str]:
    """The message and hint for a front-matter value that is not an ISO date: a German date
    (``31.01.2024``, ``14. Mai 2024``) is named as such with its ISO spelling; a day that does not
    exist (``2024-02-30``) says why."""
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    german = _GERMAN_NUMERIC.fullmatch(text) or _GERMAN_NAMED.fullmatch(text)
    if german is not None:
        month_text = german.group("month")
        month = int(month_text) if month_text.isdigit() else GERMAN_MONTHS.get(month_text.lower().rstrip("."))
        if month is not None:
            year, day = int(german.group("year")), int(german.group("day"))
            hour, minute = german.group("hour"), german.group("minute")
            problem, example = _impossible(year, month, day, hour, minute)
            if problem:
                return (
                    f"{shown(value)} is a German date, but {problem}",
                    f"write the real date year-month-day, e.g. {name}: {example}",
                )
            return (
                f"{shown(value)} is a German date; dates are written year-month-day (ISO 8601)",
                f"write {name}: {_iso(year, month, day, hour, minute)}",
            )
    parts = _ISO_PARTS.fullmatch(text)
    if parts is not None:
        year, month, day = (int(parts.group(key)) for key in ("year", "month", "day"))
        problem, example = _impossible(year, month, day, parts.group("hour"), parts.group("minute"))
        if problem:
            return f"{shown(value)} is not a date: {problem}", f"write the real date, e.g. {name}: {example}"
    return f"{shown(value)} is not a date", ISO_HINT


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31


def _impossible(year: int, month: int, day: int, hour: str | None, minute: str | None) -> tuple[str, str]:
    """What makes the date or time impossible ("" when it exists), and a real one near it."""
    if not 1 <= month <= 12:
        near = min(max(month, 1), 12)
        return f"there is no month {month} (months are 1 to 12)", _iso(
            year, near, min(day, 28) or 1, None, None
        )
    last = _last_day(year, month)
    if not 1 <= day <= last:
        return f"{MONTHS[month - 1]} {year} has {last} days, so there is no day {day}", _iso(
            year, month, min(max(day, 1), last), None, None
        )
    if hour is not None and not 0 <= int(hour) <= 23:
        return f"there is no hour {int(hour)} (hours are 0 to 23)", _iso(year, month, day, "23", "59")
    if minute is not None and not 0 <= int(minute) <= 59:
        return f"there is no minute {int(minute)} (minutes are 0 to 59)", _iso(year, month, day, hour, "59")
    return "", ""


def _iso(year: int, month: int, day: int, hour: str | None, minute: str | None) -> str:
    day_text = f"{year:04d}-{month:02d}-{day:02d}"
    return day_text if hour is None else f"{day_text} {int(hour):02d}:{minute}"
