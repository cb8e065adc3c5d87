"""publisher.rawdates: German and English dates in datelines and in sentences."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.rawdates import MONTHS, Dateline, find_dates, is_label, parse_dateline

D = date(2024, 5, 14)


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
        ("14.05.24", None),
    ],
)
def test_parse_dateline(line: str, expected: Dateline | None) -> None:
    assert parse_dateline(line) == expected


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
    ],
)
def test_labels(label: str) -> None:
    assert is_label(label)
    assert not is_label(f"{label} zur Konferenz")


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
