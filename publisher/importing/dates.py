"""Find German and English calendar dates in raw press-release text (datelines and dates in sentences)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "jan": 1, "january": 1,
    "februar": 2, "feb": 2, "febr": 2, "february": 2,
    "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
# "10. und 11. November 2020", "10.-11. Mai 2024", "vom 3. bis 5. Juni 2024": the first day counts.
_MORE_DAYS = r"(?:\s*(?:und|bis|&|[-–/])\s*\d{1,2}\.)*"
_NUMERIC = r"(?<![\d.])(?P<day>\d{1,2})\.\s?(?P<mon>\d{1,2})\.\s?"
PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(_NUMERIC + r"(?P<year>\d{4})(?!\d)"),
    re.compile(r"(?<![\d-])(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})(?![\d-])"),
    re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}})\.{_MORE_DAYS}\s*{_MONTH}\s+(?P<year>\d{{4}})(?!\d)", re.I),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}){_ORD}(?:\s*[-–]\s*\d{{1,2}}{_ORD})?,?\s+(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    re.compile(
        rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORD}(?:\s*[-–]\s*\d{{1,2}}{_ORD})?\s+{_MONTH},?\s+(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    # "12 / 07 / 2021", "12/07/2021": day, month, year as European documents write them
    re.compile(r"(?<![\d/])(?P<day>\d{1,2})\s?/\s?(?P<mon>\d{1,2})\s?/\s?(?P<year>\d{4})(?![\d/])"),
)
# "14.05.24": a two-digit year means 20YY. Only in a dateline: in a sentence "1.2.24" may be a version.
SHORT_YEAR = re.compile(_NUMERIC + r"(?P<year>\d{2})(?!\d|\.\d)")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

LABELS = (
    "meldung", "pressemitteilung", "pressemeldung", "presseinformation", "medieninformation",
    "medienmitteilung", "mitteilung", "news", "nachricht", "nachrichten", "aktuelles", "aktuelle meldung",
    "neuigkeiten", "press release", "media release", "news release", "artikel", "beitrag",
    "for immediate release", "immediate release", "for release", "press releases", "news releases",
    "pressemitteilungen", "pressemeldungen", "presseinformationen", "medieninformationen",
    "medienmitteilungen", "presseerklärung", "pressestatement", "press statement", "press information",
)  # fmt: skip
# A label may name a joint release and carry its number: "Gemeinsame Pressemitteilung Nr. 3",
# "Pressemitteilung 17/2024", "Press release No. 7", "Presseinformation 2024-17", "Pressemitteilung #12".
_LABEL_NUMBER = r"(?:(?:nr|no|nummer|number)\.?\s*|#\s*)?\d{1,4}(?:\s*[/-]\s*\d{1,4})?"
LABEL_RE = re.compile(
    r"^(?:(?:gemeinsame|joint)\s+)?(?:" + "|".join(LABELS) + rf")(?:\s+{_LABEL_NUMBER})?\s*[:.!]?$", re.I
)
WEEKDAYS = (
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
# "Mo 13.05.2024", "Di., 14.05.2024", "Tue, May 14, 2024".
SHORT_WEEKDAYS = (
    "mo", "di", "mi", "do", "fr", "sa", "so",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
)  # fmt: skip
# Words a dateline may carry around its date: "Pressemitteilung vom 14.05.2024, 10:30 Uhr",
# "Last updated: 14 May 2024", "Zuletzt aktualisiert am 14.05.2024".
_FILLER = re.compile(
    r"\b(?:" + "|".join((*LABELS, *WEEKDAYS)) + r"|vom|am|den|dem|stand|datum|veröffentlicht|published|"
    r"posted|updated|aktualisiert|last|zuletzt|on|of|dated|uhr|presse|press|daily|weekly|embargoed|embargo|"
    r"until|sperrfrist|bst|cet|cest|mez|mesz|utc|gmt|\d{1,2}[:.]\d{2})\b"
    r"|\b(?:" + "|".join(SHORT_WEEKDAYS) + r")\b\.?",
    re.I,
)
# Words between a place and its date: "Hamburg, den 14. Mai 2024", "Köln, am 14. Mai 2024".
_PLACE_DATE_WORDS = re.compile(r"(?:\s+(?:den|am|dem|vom))+\s*$", re.I)
# A release number: "Pressemitteilung Nr. 12/2024 vom …", "Press release No. 7 of …".
_NUMBER = re.compile(r"\b(?:nr|no|nummer|number)\.?\s*\d+(?:\s*/\s*\d{2,4})?(?!\d)", re.I)
_PUNCT = re.compile(r"[\s,;:|/·•()\[\]–-]+")
_CITY = re.compile(r"^[A-ZÄÖÜ][\w.\- ]{1,30}$")
# A place after the date ("14. Mai 2024 – Berlin"): at most two capitalised words, with a few particles
# ("Frankfurt am Main", "Halle (Saale)", "Frankfurt an der Oder"), so that a title glued to the date
# ("… – Neue Förderung gestartet", "… – Berlin Startup Days") is not taken for one.
_PLACE_WORD = r"[A-ZÄÖÜ][\w.'’-]*"
_PARTICLE = "am|an|der|im|ob|bei|upon|on|sur|de|del|la|le"
_PLACE = rf"{_PLACE_WORD}(?: (?:{_PARTICLE}))*(?: (?:{_PLACE_WORD}|\({_PLACE_WORD}\)))?"
_PLACE_AFTER = re.compile(rf"^(?P<lead>.*?)\s*(?:,|[–—|·•/]|\s-)\s*(?P<place>{_PLACE})\s*$")
# A place before the date with a dash: "Berlin – 14. Mai 2024" (the same place shape as after the date).
_PLACE_BEFORE_DASH = re.compile(rf"^\s*(?P<place>{_PLACE})\s*(?:[–—]|\s-)\s*$")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text, with the exact words that gave it."""

    value: date
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    """Words shaped like a date; ``value`` None when the calendar has no such day (``why`` says so)."""

    start: int
    end: int
    text: str
    value: date | None
    why: str = ""


def _scan(text: str, patterns: tuple[re.Pattern[str], ...], keep_invalid: bool) -> list[_Candidate]:
    """Date-shaped words in reading order; overlapping matches keep the first pattern's.

    Without ``keep_invalid`` a match that is no real date is skipped (and blocks nothing).
    """
    found: list[_Candidate] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            if any(f.start < match.end() and match.start() < f.end for f in found):
                continue
            value, why = _to_date(match)
            if value is not None or keep_invalid:
                found.append(_Candidate(match.start(), match.end(), match.group(0), value, why))
    return sorted(found, key=lambda f: f.start)


def find_dates(text: str) -> list[FoundDate]:
    """Every valid date in ``text``, in reading order; overlapping matches keep the first pattern's."""
    return [FoundDate(f.value, f.start, f.end, f.text) for f in _scan(text, PATTERNS, False) if f.value]


def _to_date(match: re.Match[str]) -> tuple[date | None, str]:
    """The date of a match, or None and why the calendar has no such day."""
    groups = match.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else MONTHS[groups["month"].lower()]
    day, year = int(groups["day"]), int(groups["year"])
    if len(groups["year"]) == 2:
        year += 2000
    try:
        return date(year, month, day), ""
    except ValueError:
        pass
    if not 1 <= month <= 12:
        return None, f"there is no month {month}"
    if day == 0:
        return None, "there is no day 0"
    if day > 31:
        return None, f"no month has {day} days"
    if year == 0:
        return None, "there is no year 0"
    days = calendar.monthrange(year, month)[1]
    return None, f"{MONTH_NAMES[month - 1]} {year} has {days} days"


def is_label(line: str) -> bool:
    """``Meldung``, ``Pressemitteilung:``, ``News``: a line naming the kind of text, not its content."""
    return bool(LABEL_RE.match(line.strip()))


@dataclass(frozen=True, slots=True)
class Dateline:
    value: date
    place: str = ""  # "Berlin" in "Berlin, 14.05.2024"


@dataclass(frozen=True, slots=True)
class NotADate:
    """A line shaped like a dateline whose date the calendar does not have: ``29.02.2023``."""

    text: str  # the date as written: "29.02.2023"
    why: str  # "February 2023 has 28 days"
    place: str = ""


def read_dateline(line: str) -> Dateline | NotADate | None:
    """The date of a line that is nothing but a dateline; a NotADate for a dateline whose date the
    calendar lacks (``29.02.2023``); else None.

    Accepts a label, a release number, a weekday (also "Mo", "Di.", "Tue"), a time, "vom"/"am"/"of",
    "last updated", a place name before the date (followed by a comma, ", den", ", am" or a dash) or
    after it (after a comma, dash, "·" or "/") around one date, and a full stop after the date:
    ``14.05.2024``, ``14.05.24``, ``14. Mai 2024``, ``2024-05-14``, ``May 14, 2024``,
    ``Pressemitteilung Nr. 12/2024 vom 14.05.2024``, ``Dienstag, 14. Mai 2024``, ``Berlin, 14.05.2024``,
    ``14. Mai 2024 – Berlin``, ``Hamburg, den 14. Mai 2024``, ``Berlin – 14. Mai 2024``,
    ``Jena, 14.05.2024.``, ``14.05.2024 · Berlin``, ``Mo 13.05.2024``.
    A sentence that merely contains a date is not one.
    """
    if len(line) > 80:
        return None
    found = _scan(line, (*PATTERNS, SHORT_YEAR), keep_invalid=True)
    if len(found) != 1:
        return None
    only = found[0]
    after = line[only.end :].rstrip()
    if after == ".":  # "Jena, 14.05.2024."
        after = ""
    place = _place(line[: only.start], after)
    if place is None:
        return None
    if only.value is None:
        return NotADate(only.text, only.why, place)
    return Dateline(only.value, place)


def _filler_only(text: str) -> bool:
    return not _PUNCT.sub("", _FILLER.sub("", _NUMBER.sub("", text)))


def _place(before: str, after: str) -> str | None:
    """The place name around a dateline's date ("" for none); None when the words around it are more."""
    rest_before = _PUNCT.sub(" ", _FILLER.sub("", _NUMBER.sub("", before))).strip()
    if rest_before:
        if not _filler_only(after):
            return None
        lead = _PLACE_DATE_WORDS.sub("", before.rstrip()).rstrip()
        if _CITY.match(rest_before) and lead.endswith(","):
            as_written = lead[:-1].strip()  # "Frankfurt am Main", "Halle (Saale)": keep every word
            return as_written if re.fullmatch(_PLACE, as_written) else rest_before
        dash = _PLACE_BEFORE_DASH.match(before)
        return dash.group("place") if dash else None
    if _filler_only(after):
        return ""
    match = _PLACE_AFTER.match(after)
    if match and _filler_only(match.group("lead")):
        return match.group("place")
    return None
