"""Import subscribers from CSV (email,name,lang,tags): bad rows are reported by line, the rest imported."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher.errors import Problem, PublisherError, warning
from publisher.mail.database import transaction
from publisher.mail.subscribers import (
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

CSV_COLUMNS = ("email", "name", "lang", "tags")


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
    names = tuple(cell.strip().lower() for cell in row)
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


def import_csv(conn: sqlite3.Connection, path: Path, now: datetime | None = None) -> ImportReport:
    """Import ``email,name,lang,tags`` rows (header optional) in one transaction."""
    text = _read_text(path)
    label = str(path)
    problems: list[Problem] = []
    added: list[int] = []
    columns: tuple[str, ...] = CSV_COLUMNS
    seen: dict[str, int] = {}
    stamp = timestamp(now)
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
            lang, tags = values.get("lang", ""), values.get("tags", "")
            errors = check_fields(address, name, lang, tags)
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
            else:
                seen[key] = line
                added.append(insert_subscriber(conn, address, name, lang, parse_tags(tags), stamp))
                continue
            problems.append(warning(label, message, line=line, field="email", hint=hint))
    logger.info("%s: imported %d subscriber(s), %d problem(s)", path, len(added), len(problems))
    return ImportReport(
        added=tuple(get_subscriber(conn, i) for i in added),
        problems=tuple(problems),
        skipped=data_rows - len(added),
    )
