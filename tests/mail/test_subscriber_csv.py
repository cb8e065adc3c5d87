"""CSV import of subscribers into a real SQLite file: bad rows by line, duplicates, encodings."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.mail import database, subscriber_csv, subscribers
from tests.mail.fixtures import write_csv


def test_import_reports_bad_rows_by_line_and_imports_the_rest(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        "email,name,lang,tags\n"
        'bob@example.org,Bob,en,"news, tech"\n'
        "not-an-address,X,de,\n"
        "\n"
        "dora@example.org,Dörte „Dora“,de,presse\n"
        "carl@example.org,Carl,fr,\n"
        '"multi\nline@example.org",,,\n'
        "erik@example.org,Erik,,\n",
    )
    report = subscriber_csv.import_csv(conn, path)
    assert [s.email for s in report.added] == ["bob@example.org", "dora@example.org", "erik@example.org"]
    assert [(p.line, p.field) for p in report.errors] == [(3, "email"), (6, "lang"), (7, "email")]
    assert str(report.errors[0]).startswith(f"{path}:3: email: 'not-an-address' is not a valid address")
    assert report.added[0].tags == ("news", "tech")
    assert {s.email for s in subscribers.list_subscribers(conn)} == {
        "bob@example.org",
        "dora@example.org",
        "erik@example.org",
    }


def test_import_reports_duplicates_in_the_file_and_in_the_list(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    subscribers.add_subscriber(conn, "anna@example.org")
    path = write_csv(
        tmp_path / "list.csv",
        "email,name\nANNA@example.org,Anna\nbob@example.org,Bob\nBob@Example.org,Bobby\n",
    )
    report = subscriber_csv.import_csv(conn, path)
    assert [s.email for s in report.added] == ["bob@example.org"]
    assert report.errors == ()
    messages = [(p.line, p.message) for p in report.problems]
    assert messages == [
        (2, "anna@example.org is already in the list (confirmed)"),
        (4, "Bob@example.org is a duplicate of line 3"),
    ]
    assert subscribers.existing_subscriber(conn, "bob@example.org").name == "Bob"  # type: ignore[union-attr]


def test_unreadable_record_is_reported_and_the_rest_imported(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = write_csv(tmp_path / "list.csv", f"email,name\na@example.org,{huge}\nb@example.org,B\n")
    report = subscriber_csv.import_csv(conn, path)
    assert [(p.line, "unreadable CSV" in p.message) for p in report.errors] == [(2, True)]
    assert [s.email for s in report.added] == ["b@example.org"]


def test_import_without_header_uses_the_column_order(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", "anna@example.org,Anna,de,presse\nbob@example.org\n")
    report = subscriber_csv.import_csv(conn, path)
    assert [(s.email, s.name, s.lang, s.tags) for s in report.added] == [
        ("anna@example.org", "Anna", "de", ("presse",)),
        ("bob@example.org", "", "", ()),
    ]


def test_import_accepts_a_byte_order_mark_and_reorders_columns(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", "\ufefflang,Email,name\nen,anna@example.org,Anna\n")
    report = subscriber_csv.import_csv(conn, path)
    assert [(s.email, s.lang) for s in report.added] == [("anna@example.org", "en")]


def test_import_of_latin1_file_is_a_clear_error(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", "email,name\nj@example.org,Jürgen\n", encoding="latin-1")
    with pytest.raises(PublisherError, match=r"list\.csv: not UTF-8 .* save the file as UTF-8"):
        subscriber_csv.import_csv(conn, path)
    assert subscribers.list_subscribers(conn) == []


def test_import_of_missing_file_is_a_clear_error(conn: sqlite3.Connection, tmp_path: Path) -> None:
    with pytest.raises(PublisherError, match="no such file"):
        subscriber_csv.import_csv(conn, tmp_path / "missing.csv")


def test_row_with_too_many_cells_is_reported(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv", "email,name,lang,tags\na@example.org,A,de,x,y\nb@example.org,B,,\n"
    )
    report = subscriber_csv.import_csv(conn, path)
    assert [p.line for p in report.errors] == [2]
    assert "quote cells that contain commas" in str(report.errors[0])
    assert [s.email for s in report.added] == ["b@example.org"]


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
addresses = st.from_regex(r"[a-z]{1,6}@[a-z]{1,6}\.(org|de)", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.one_of(addresses, cells), cells, st.sampled_from(["", "de", "en", "fr"])), max_size=8
    )
)
def test_every_row_is_either_imported_or_reported(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Nothing is lost silently: each non-blank data row is imported or has a problem with its line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "name", "lang"])
    writer.writerows(rows)
    path = write_csv(tmp_path / "prop.csv", buffer.getvalue())
    db_path = tmp_path / "prop.db"
    db_path.unlink(missing_ok=True)
    conn = database.connect(db_path)
    try:
        report = subscriber_csv.import_csv(conn, path)
        stored = subscribers.list_subscribers(conn)
    finally:
        conn.close()
    data_rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))[1:]
    non_blank = sum(1 for r in data_rows if any(c.strip() for c in r))
    reported_lines = {p.line for p in report.problems}
    assert len(report.added) + len(reported_lines) == non_blank
    assert len(stored) == len(report.added)
    assert all(p.line is not None and p.line >= 2 for p in report.problems)


def test_a_header_warning_skips_no_row(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv", "email,name,lang,tags,extra\nw2@example.org,W,,\nw3@example.org,W,,\n"
    )
    report = subscriber_csv.import_csv(conn, path)
    assert [s.email for s in report.added] == ["w2@example.org", "w3@example.org"]
    assert [(p.line, p.is_error) for p in report.problems] == [(1, False)]
    assert report.skipped == 0


def test_skipped_counts_every_row_not_imported(conn: sqlite3.Connection, tmp_path: Path) -> None:
    text = "email,name\nkaputt,A\na@example.org,A\na@example.org,again\nb@example.org,B,de,x,y\n"
    report = subscriber_csv.import_csv(conn, write_csv(tmp_path / "list.csv", text))
    assert [s.email for s in report.added] == ["a@example.org"]
    assert report.skipped == 3


def test_semicolon_separated_csv_from_excel_is_read(conn: sqlite3.Connection, tmp_path: Path) -> None:
    text = "email;name;lang;tags\nanna@example.org;Anna Müller;de;presse, rathaus\nbob@example.org;Bob;en;\n"
    report = subscriber_csv.import_csv(conn, write_csv(tmp_path / "excel.csv", text, encoding="utf-8-sig"))
    assert not report.problems
    assert [(s.email, s.name, s.lang, s.tags) for s in report.added] == [
        ("anna@example.org", "Anna Müller", "de", ("presse", "rathaus")),
        ("bob@example.org", "Bob", "en", ()),
    ]


def test_a_row_with_too_many_cells_in_a_semicolon_file_talks_of_semicolons(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    text = "email;name;lang;tags\nanna@example.org;Anna Müller;de;presse;rathaus\n"
    [problem] = subscriber_csv.import_csv(conn, write_csv(tmp_path / "excel.csv", text)).problems
    assert problem.message == "5 cells, expected at most 4"
    assert problem.hint == 'quote cells that contain semicolons, e.g. "news; tech"'
