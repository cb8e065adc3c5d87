"""publisher.importing.dates: German and English dates in datelines and in sentences."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.importing.dates import (
    MONTHS,
    Dateline,
    NotADate,
    find_dates,
    is_label,
    read_dateline,
)

D = date(2024, 5, 14)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def parse_dateline(line: str) -> Dateline | None:
    """A dateline's date, or None (also for a dateline whose date does not exist)."""
    result = read_dateline(line)
    return result if isinstance(result, Dateline) else None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("14.05.2024", Dateline(D)),
        ("14.5.2024", Dateline(D)),
        ("14. Mai 2024", Dateline(D)),
        ("14. Jan. 2024", Dateline(date(2024, 1, 14))),
        ("14. Maiglöckchen 2024", None),
        ("2024-05-14", Dateline(D)),
        ("May 14, 2024", Dateline(D)),
        ("May 14th, 2024", Dateline(D)),
        ("14 May 2024", Dateline(D)),
        ("Pressemitteilung vom 14.05.2024", Dateline(D)),
        ("Meldung | 14.05.2024, 10:30 Uhr", Dateline(D)),
        ("Dienstag, 14. Mai 2024", Dateline(D)),
        ("Published on 14 May 2024", Dateline(D)),
        ("Stand: 2024-05-14", Dateline(D)),
        ("Berlin, 14.05.2024", Dateline(D, "Berlin")),
        ("Am 14. Mai 2024 fand die Konferenz statt.", None),
        ("14.05.2024 und 15.05.2024", None),
        ("31.02.2024", None),
        ("Mai 2024", None),
        ("14.05.24", Dateline(D)),
        ("14.5.24", Dateline(D)),
        ("Meldung vom 14.05.24", Dateline(D)),
        ("Version 1.2.24", None),
        ("14. Mai 2024 – Berlin", Dateline(D, "Berlin")),
        ("14.05.2024, Frankfurt am Main", Dateline(D, "Frankfurt am Main")),
        ("14.05.2024, 10:30 Uhr – Halle (Saale)", Dateline(D, "Halle (Saale)")),
        ("May 14, 2024 – Brussels", Dateline(D, "Brussels")),
        ("14 May 2024 - St. Augustin", Dateline(D, "St. Augustin")),
        ("14. Mai 2024 – Neue Förderung gestartet", None),
        ("14.05.2024 – Berlin Startup Days", None),
        ("14.05.2024 – Frankfurt an der Oder", Dateline(D, "Frankfurt an der Oder")),
        ("Berlin, 14. Mai 2024 – Bonn", None),
        ("Pressemitteilung Nr. 12/2024 vom 14. Mai 2024", Dateline(D)),
        ("Press release No. 12/2024 of 14 May 2024", Dateline(D)),
        ("Pressemitteilung Nr. 7 vom 14.05.2024", Dateline(D)),
        ("29.02.2023", None),
        ("Hamburg, den 14. Mai 2024", Dateline(D, "Hamburg")),
        ("Berlin, den 14.05.2024", Dateline(D, "Berlin")),
        ("Köln, am 14. Mai 2024", Dateline(D, "Köln")),
        ("Berlin – 14. Mai 2024", Dateline(D, "Berlin")),
        ("Frankfurt am Main, 14.05.2024", Dateline(D, "Frankfurt am Main")),
        ("Halle (Saale), den 14.05.2024", Dateline(D, "Halle (Saale)")),
        ("Frankfurt am Main - 14.05.2024", Dateline(D, "Frankfurt am Main")),
        ("Jena, 14.05.2024.", Dateline(D, "Jena")),
        ("14.05.2024.", Dateline(D)),
        ("14.05.2024 · Berlin", Dateline(D, "Berlin")),
        ("14.05.2024 / Berlin", Dateline(D, "Berlin")),
        ("Mo 13.05.2024", Dateline(date(2024, 5, 13))),
        ("Di., 14.05.2024", Dateline(D)),
        ("Tue, May 14, 2024", Dateline(D)),
        ("Last updated: 14 May 2024", Dateline(D)),
        ("Zuletzt aktualisiert: 14.05.2024", Dateline(D)),
        ("Neue Förderung für Berlin – 14. Mai 2024", None),
        ("Berlin, den 14. Mai 2024 – Bonn", None),
        ("Am 14. Mai 2024 fand sie statt.", None),
        ("14.05.2024 / Berlin Startup Days", None),
    ],
)
def test_parse_dateline(line: str, expected: Dateline | None) -> None:
    assert parse_dateline(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("29.02.2023", NotADate("29.02.2023", "February 2023 has 28 days")),
        ("31. April 2024 – Berlin", NotADate("31. April 2024", "April 2024 has 30 days", "Berlin")),
        ("Pressemitteilung vom 32.05.2024", NotADate("32.05.2024", "no month has 32 days")),
        ("2024-13-01", NotADate("2024-13-01", "there is no month 13")),
        ("00.05.2024", NotADate("00.05.2024", "there is no day 0")),
        ("30.02.24", NotADate("30.02.24", "February 2024 has 29 days")),
        ("14.05.2024", Dateline(D)),
        ("Am 29.02.2023 fand nichts statt.", None),
        ("29.02.2023 und 14.05.2024", None),
    ],
)
def test_read_dateline_tells_a_date_shaped_line_that_is_no_date(
    line: str, expected: Dateline | NotADate | None
) -> None:
    assert read_dateline(line) == expected
    assert parse_dateline(line) == (expected if isinstance(expected, Dateline) else None)


def test_two_digit_years_count_in_datelines_only() -> None:
    assert find_dates("Version 1.2.24 kam am 14.05.24 heraus.") == []
    assert [f.value for f in find_dates("Am 14.05.2024 und 1.2.24.")] == [D]


@given(st.integers(0, 40), st.integers(0, 14), st.integers(1990, 2099), st.booleans())
def test_a_numeric_dateline_is_a_date_exactly_when_the_calendar_has_it(
    day: int, month: int, year: int, short: bool
) -> None:
    written = f"{day:02d}.{month:02d}.{year % 100 if short else year:02d}"
    try:
        value: date | None = date(2000 + year % 100 if short else year, month, day)
    except ValueError:
        value = None
    result = read_dateline(f"Meldung vom {written}")
    if value is None:
        assert isinstance(result, NotADate) and result.text == written and result.why, result
    else:
        assert result == Dateline(value)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(
        ["Berlin", "Brussels", "Frankfurt am Main", "Halle (Saale)", "St. Augustin", "Bad Homburg"]
    ),
    st.sampled_from([" – ", " - ", " — ", ", ", " | "]),
)
def test_a_place_after_the_date_is_split_off(value: date, place: str, sep: str) -> None:
    month = ENGLISH_MONTHS[value.month - 1]
    for form in (
        f"{value:%d.%m.%Y}",
        f"{value.day} {month} {value.year}",
        f"{month} {value.day}, {value.year}",
    ):
        assert parse_dateline(f"{form}{sep}{place}") == Dateline(value, place), form


def test_find_dates_in_sentences_first_day_of_a_range() -> None:
    text = (
        "Die 7. Ausgabe fand am 10. und 11. November 2020 statt, dann vom 3.-5. Juni 2021 "
        "und vom 3. bis 5. Juli 2022; on May 3rd, 2024 and 2nd June 2023; im März 2024 nichts."
    )
    assert [(f.value, f.text) for f in find_dates(text)] == [
        (date(2020, 11, 10), "10. und 11. November 2020"),
        (date(2021, 6, 3), "3.-5. Juni 2021"),
        (date(2022, 7, 3), "3. bis 5. Juli 2022"),
        (date(2024, 5, 3), "May 3rd, 2024"),
        (date(2023, 6, 2), "2nd June 2023"),
    ]
    assert text[find_dates(text)[0].start :].startswith("10. und 11.")


@pytest.mark.parametrize(
    "label",
    [
        "Meldung",
        "Pressemitteilung:",
        "NEWS",
        "Press release",
        "Presseinformation",
        "FOR IMMEDIATE RELEASE",
        "For immediate release:",
        "Press Release:",
        "Pressemitteilungen",
        "Medienmitteilungen",
        "Pressemitteilung Nr. 17/2024",
        "Gemeinsame Pressemitteilung",
        "Gemeinsame Pressemitteilung Nr. 3:",
        "Joint press release",
        "Pressemitteilung 17/2024",
        "Press release No. 7",
        "Medieninformation Nr. 5",
        "Presseinformation 2024-17",
        "Pressemitteilung #12",
    ],
)
def test_labels(label: str) -> None:
    assert is_label(label)
    assert not is_label(f"{label} zur Konferenz")


@pytest.mark.parametrize(
    "line",
    [
        "Gemeinsame Ziele",
        "Pressemitteilung 2024: Cluster wachsen",
        "Pressemitteilung Nr. 12/2024 vom 14. Mai 2024",
        "Pressemitteilung 14.05.2024",
        "Nr. 17/2024",
        "Gemeinsame Erklärung zur Konferenz",
    ],
)
def test_no_label(line: str) -> None:
    assert not is_label(line)


@given(st.sampled_from(["Pressemitteilung", "Press release", "Medieninformation"]), st.integers(1, 9999))
def test_a_label_with_a_release_number_is_a_label(label: str, number: int) -> None:
    for line in (f"{label} Nr. {number}", f"{label} {number}/2024", f"{label} No. {number}"):
        assert is_label(line), line


def test_an_english_label_with_a_date_is_a_dateline() -> None:
    assert parse_dateline("FOR IMMEDIATE RELEASE – May 14, 2024") == Dateline(date(2024, 5, 14))


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(sorted(MONTHS)))
def test_every_written_form_of_a_date_is_found(value: date, month_name: str) -> None:
    forms = [f"{value:%d.%m.%Y}", f"{value.day}.{value.month}.{value.year}", value.isoformat()]
    if MONTHS[month_name] == value.month:
        forms += [
            f"{value.day}. {month_name.title()} {value.year}",
            f"{month_name.title()} {value.day}, {value.year}",
        ]
    for form in forms:
        assert parse_dateline(form) == Dateline(value), form
        assert [f.value for f in find_dates(f"Es war am {form} so weit.")] == [value], form
