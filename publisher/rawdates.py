"""Find German and English calendar dates in raw press-release text (datelines and dates in sentences)."""

from __future__ import annotations

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
PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.\s?(?P<mon>\d{1,2})\.\s?(?P<year>\d{4})(?!\d)"),
    re.compile(r"(?<![\d-])(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})(?![\d-])"),
    re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}})\.{_MORE_DAYS}\s*{_MONTH}\s+(?P<year>\d{{4}})(?!\d)", re.I),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}){_ORD}(?:\s*[-–]\s*\d{{1,2}}{_ORD})?,?\s+(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}}){_ORD}\s+{_MONTH},?\s+(?P<year>\d{{4}})(?!\d)", re.I),
)

LABELS = (
    "meldung", "pressemitteilung", "pressemeldung", "presseinformation", "medieninformation",
    "medienmitteilung", "mitteilung", "news", "nachricht", "nachrichten", "aktuelles", "aktuelle meldung",
    "neuigkeiten", "press release", "media release", "news release", "artikel", "beitrag",
    "for immediate release", "immediate release", "for release", "press releases", "news releases",
    "pressemitteilungen", "pressemeldungen", "presseinformationen", "medieninformationen",
    "medienmitteilungen", "presseerklärung", "pressestatement", "press statement", "press information",
)  # fmt: skip
LABEL_RE = re.compile(r"^(?:" + "|".join(LABELS) + r")\s*[:.!]?$", re.I)
WEEKDAYS = (
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
# Words a dateline may carry around its date: "Pressemitteilung vom 14.05.2024, 10:30 Uhr".
_FILLER = re.compile(
    r"\b(?:" + "|".join((*LABELS, *WEEKDAYS)) + r"|vom|am|den|dem|stand|datum|veröffentlicht|published|"
    r"posted|updated|aktualisiert|on|uhr|\d{1,2}[:.]\d{2})\b",
    re.I,
)
_PUNCT = re.compile(r"[\s,;:|/·•()\[\]–-]+")
_CITY = re.compile(r"^[A-ZÄÖÜ][\w.\- ]{1,30}$")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text, with the exact words that gave it."""

    value: date
    start: int
    end: int
    text: str


def find_dates(text: str) -> list[FoundDate]:
    """Every valid date in ``text``, in reading order; overlapping matches keep the first pattern's."""
    found: list[FoundDate] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(f.start < match.end() and match.start() < f.end for f in found):
                continue
            value = _to_date(match)
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end(), match.group(0)))
    return sorted(found, key=lambda f: f.start)


def _to_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else MONTHS[groups["month"].lower()]
    try:
        return date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None


def is_label(line: str) -> bool:
    """``Meldung``, ``Pressemitteilung:``, ``News``: a line naming the kind of text, not its content."""
    return bool(LABEL_RE.match(line.strip()))


@dataclass(frozen=True, slots=True)
class Dateline:
    value: date
    place: str = ""  # "Berlin" in "Berlin, 14.05.2024"


def parse_dateline(line: str) -> Dateline | None:
    """The date of a line that is nothing but a dateline, else None.

    Accepts a label, a weekday, a time, "vom"/"am" and a leading place name around one date:
    ``14.05.2024``, ``14. Mai 2024``, ``2024-05-14``, ``May 14, 2024``, ``Pressemitteilung vom 14.05.2024``,
    ``Dienstag, 14. Mai 2024``, ``Berlin, 14.05.2024``. A sentence that merely contains a date is not one.
    """
    if len(line) > 80:
        return None
    dates = find_dates(line)
    if len(dates) != 1:
        return None
    found = dates[0]
    before, after = line[: found.start], line[found.end :]
    if _PUNCT.sub("", _FILLER.sub("", after)):
        return None
    rest_before = _PUNCT.sub(" ", _FILLER.sub("", before)).strip()
    if not rest_before:
        return Dateline(found.value)
    if _CITY.match(rest_before) and before.rstrip().endswith(","):
        return Dateline(found.value, rest_before)
    return None
