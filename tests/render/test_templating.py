"""Templating: locale-correct dates without the process locale, and the escaping rules."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.render.templating import _autoescape, format_date, format_datetime, labels

BERLIN = ZoneInfo("Europe/Berlin")


def test_dates_come_out_in_the_entry_language() -> None:
    moment = datetime(2024, 5, 14, 9, 30, tzinfo=BERLIN)
    assert format_date(moment, "de") == "14. Mai 2024"
    assert format_date(moment, "en") == "May 14, 2024"
    assert format_date(datetime(2024, 3, 1, tzinfo=BERLIN), "de") == "1. März 2024"


def test_language_tags_with_a_region_get_the_regions_dates_and_the_languages_labels() -> None:
    january = datetime(2024, 1, 14, 9, 30, tzinfo=BERLIN)
    assert format_date(january, "de-AT") == "14. Jänner 2024"
    assert format_date(january, "de") == "14. Januar 2024"
    assert format_date(january, "en-GB") == "14 January 2024"
    assert format_date(january, "de-at") == format_date(january, "de_AT") == "14. Jänner 2024"
    assert format_datetime(january, "de-AT") == "14.01.2024, 09:30:00"
    assert format_datetime(january, "en-GB") == "14 Jan 2024, 09:30:00"
    assert labels("de-AT") == labels("de") and labels("en-GB") == labels("en") == labels("fr")


def test_the_same_instant_in_two_zones_keeps_each_zones_date() -> None:
    """23:30 UTC on 13 May is 01:30 on 14 May in Berlin: equal datetimes, different days."""
    utc = datetime(2024, 5, 13, 23, 30, tzinfo=UTC)
    berlin = utc.astimezone(BERLIN)
    assert utc == berlin
    assert format_date(utc, "de") == "13. Mai 2024"
    assert format_date(berlin, "de") == "14. Mai 2024"


def test_html_xml_and_mjml_templates_are_autoescaped_text_templates_are_not() -> None:
    for name in ("entry.html.j2", "digest.mjml.j2", "feed.xml.j2", "page.html"):
        assert _autoescape(name), name
    assert not _autoescape("digest.txt.j2")


def _outcome(function: object, *args: object, **kwargs: object) -> object:
    try:
        return function(*args, **kwargs)  # type: ignore[operator]
    except Exception as exc:  # the same error is part of the same behaviour
        return type(exc).__name__, str(exc)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["de", "en", "en_GB", "de_AT", "de-AT", "fr", "xx", ""]),
    st.sampled_from(["long", "short", "full", "d.M.yyyy"]),
)
def test_format_date_is_babels_format_date_of_the_day(when: datetime, lang: str, fmt: str) -> None:
    """Dates are memoised per day and locales are parsed once; the text (or error) is Babel's own."""
    for _ in range(2):  # the second call is answered from the caches
        # A language tag (de-AT, as entries write it) is Babel's de_AT.
        expected = _outcome(babel_format_date, when.date(), format=fmt, locale=lang.replace("-", "_"))
        assert _outcome(format_date, when, lang, fmt) == expected
