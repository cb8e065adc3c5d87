"""Import subscribers from CSV (email,name,lang,topics,consent_source,consented_at): bad rows are reported
by line, the rest imported.

A row that names where and when the person consented (``consent_source`` and ``consented_at``) is imported as
confirmed, with that consent in its history; a row without is imported as pending: it gets no digest until
the person confirms (``publisher subscribers import --confirm`` sends them the confirmation mail)."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from publisher.errors import Problem, PublisherError, warning
from publisher.mail import consent, suppression
from publisher.mail.database import transaction
from publisher.mail.subscribers import (
    CONFIRMED,
    PENDING,
    SUPPRESSED_HINT,
    Subscriber,
    check_fields,
    duplicate_hint,
    email_key,
    existing_subscriber,
    get_subscriber,
    insert_subscriber,
    normalise_email,
    parse_tags,
    timestamp,
)

logger = logging.getLogger(__name__)

CSV_COLUMNS = ("email", "name", "lang", "topics", "consent_source", "consented_at")
# Without a header the columns are in this order (the older four-column files included).
POSITIONAL = ("email", "name", "lang", "topics", "consent_source", "consented_at")
ALIASES = {"tags": "topics"}  # the older name of the topics column


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: the subscribers added, and every row it skipped (errors and duplicate warnings)."""

    added: tuple[Subscriber, ...]
    problems: tuple[Problem, ...]
    skipped: int = 0  # data rows not imported (a warning about the header skips none)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def _delimiter(text: str) -> str:
    """``;`` when the first line has semicolons and no commas (Excel writes that in German and
    other locales whose decimal mark is a comma), else ``,``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first and "," not in first else ","


def _records(
    text: str, label: str, problems: list[Problem], delimiter: str
) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, cells) for every non-blank record; a record the csv module cannot read becomes
    a problem and comes as (line, None)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(label, f"unreadable CSV: {exc}", line=start, hint="fix the quoting"))
            yield start, None
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in row):
            yield line, row


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PublisherError(f"{path}: no such file -> give the path of a CSV file") from None
    except UnicodeDecodeError as exc:
        raise PublisherError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}) -> save the file as UTF-8 CSV"
        ) from None


def _header(row: list[str], line: int, label: str, problems: list[Problem]) -> tuple[str, ...] | None:
    """The column names if this record is a header (it names an "email" column), else None."""
    names = tuple(ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in row)
    if "email" not in names:
        return None
    unknown = [c for c in names if c not in CSV_COLUMNS]
    if unknown:
        problems.append(
            warning(
                label,
                f"unknown column(s) {', '.join(unknown)} ignored",
                line=line,
                hint=f"the columns are {','.join(CSV_COLUMNS)}",
            )
        )
    return names


def _consent_time(value: str, now: datetime) -> tuple[str, str | None]:
    """``consented_at`` as stored (ISO date or date and time), or the problem with it."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "", f"{value!r} is not a date or time; write it like 2023-09-14 or 2023-09-14T10:30:00+02:00"
    if moment.tzinfo is None and len(value) > len("2023-09-14"):
        return "", f"{value!r} has no time zone; add it, e.g. 2023-09-14T10:30:00+02:00"
    day = moment.date() if moment.tzinfo is None else moment.astimezone(UTC).date()
    if day > now.astimezone(UTC).date():
        return "", f"{value!r} is in the future"
    stored = date.isoformat(moment.date()) if len(value) <= len("2023-09-14") else moment.isoformat()
    return stored, None


def _consent_problems(values: dict[str, str], now: datetime) -> tuple[str, list[tuple[str, str, str]]]:
    source, when = values.get("consent_source", ""), values.get("consented_at", "")
    if not source and not when:
        return "", []
    if not source or not when:
        missing = "consent_source" if not source else "consented_at"
        return "", [
            (
                missing,
                "is empty, but the row has the other consent column",
                "give both where and when the person consented, or neither (then they are asked to confirm)",
            )
        ]
    if any(unicodedata.category(c) == "Cc" for c in source):
        return "", [
            ("consent_source", "contains a line break or a control character", "write it on one line")
        ]
    stored, problem = _consent_time(when, now)
    return stored, [("consented_at", problem, "fix the date")] if problem else []


def import_csv(conn: sqlite3.Connection, path: Path, now: datetime | None = None) -> ImportReport:
    """Import rows (header optional) in one transaction; see the module docstring for the columns."""
    text = _read_text(path)
    label = str(path)
    problems: list[Problem] = []
    added: list[int] = []
    columns: tuple[str, ...] = POSITIONAL
    seen: dict[str, int] = {}
    moment = now or datetime.now(UTC)
    stamp = timestamp(moment)
    source = f"import:{path.name}"
    first = True
    data_rows = 0
    delimiter = _delimiter(text)
    with transaction(conn):
        for line, row in _records(text, label, problems, delimiter):
            if row is None:
                data_rows += 1
                continue
            header = _header(row, line, label, problems) if first else None
            first = False
            if header is not None:
                columns = header
                continue
            data_rows += 1
            if len(row) > len(columns):
                mark = "semicolons" if delimiter == ";" else "commas"
                hint = f'quote cells that contain {mark}, e.g. "news{delimiter} tech"'
                problems.append(
                    Problem(label, f"{len(row)} cells, expected at most {len(columns)}", line=line, hint=hint)
                )
                continue
            values = dict(zip(columns, (cell.strip() for cell in row), strict=False))
            address, name = values.get("email", ""), values.get("name", "")
            lang, tags = values.get("lang", ""), values.get("topics", "")
            consented_at, consent_errors = _consent_problems(values, moment)
            errors = check_fields(address, name, lang, tags) + consent_errors
            if errors:
                problems.extend(
                    Problem(label, message, line=line, field=field, hint=hint)
                    for field, message, hint in errors
                )
                continue
            address = normalise_email(address)
            key = email_key(address)
            existing = existing_subscriber(conn, address)
            if key in seen:
                message, hint = (
                    f"{address} is a duplicate of line {seen[key]}",
                    "skipped; remove one of the rows",
                )
            elif existing is not None:
                message = f"{existing.email} is already in the list ({existing.status})"
                hint = "skipped; " + duplicate_hint(existing)
            elif suppression.is_suppressed(conn, key):
                message, hint = f"{address} is on the suppression list", "skipped; " + SUPPRESSED_HINT
            else:
                seen[key] = line
                topics = parse_tags(tags)
                status = CONFIRMED if consented_at else PENDING
                new_id = insert_subscriber(conn, address, name, lang, topics, stamp, status)
                consent.record(
                    conn,
                    new_id,
                    consent.Event.IMPORT,
                    consented_at or stamp,
                    source=source,
                    detail=values.get("consent_source", "") if consented_at else "no consent in the file",
                    name=name,
                    lang=lang,
                    topics=topics,
                )
                added.append(new_id)
                continue
            problems.append(warning(label, message, line=line, field="email", hint=hint))
    logger.info("%s: imported %d subscriber(s), %d problem(s)", path, len(added), len(problems))
    return ImportReport(
        added=tuple(get_subscriber(conn, i) for i in added),
        problems=tuple(problems),
        skipped=data_rows - len(added),
    )
