"""Which entries the next digest holds: windows, moments, the entries chosen."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.digest.selection import digest_window, parse_moment, select_entries
from publisher.errors import PublisherError
from publisher.mail.state import DigestState, SentDigest
from tests.digest.fixtures import BERLIN, NOW, make_entry


def test_first_digest_covers_window_days_and_nothing_from_the_future() -> None:
    entries = (
        make_entry(1, published=NOW + timedelta(minutes=1)),  # scheduled: not yet
        make_entry(2, published=NOW),
        make_entry(3, published=NOW - timedelta(days=7) + timedelta(seconds=1)),
        make_entry(4, published=NOW - timedelta(days=7)),  # exactly at the start: belongs to the last one
        make_entry(5, published=NOW - timedelta(days=30)),
    )
    window = digest_window(DigestState(), NOW, window_days=7)
    assert (window.start, window.end) == (NOW - timedelta(days=7), NOW)
    chosen = select_entries(entries, DigestState(), window, 20).entries
    assert [e.slug for e in chosen] == ["meldung-02", "meldung-03"]


def test_next_digest_starts_after_the_last_sent_one_and_never_repeats_an_id() -> None:
    last_end = NOW - timedelta(days=2)
    state = DigestState(
        sent=(
            SentDigest("2024-05-18-abcdef12", last_end, last_end, ("tag:news.example.org,2024:meldung-05",)),
        )
    )
    entries = (
        make_entry(1, published=NOW - timedelta(days=1)),
        make_entry(2, published=last_end),  # published exactly at the end of the last window: was in it
        make_entry(3, published=last_end - timedelta(hours=1)),
        make_entry(5, published=NOW - timedelta(hours=5)),  # already sent (its date was edited later)
    )
    window = digest_window(state, NOW, window_days=7)
    assert window.start == last_end
    assert [e.slug for e in select_entries(entries, state, window, 20).entries] == ["meldung-01"]
    explicit = digest_window(state, NOW, window_days=7, since=NOW - timedelta(days=10))
    assert explicit.start_inclusive
    assert [e.slug for e in select_entries(entries, state, explicit, 20).entries] == [
        "meldung-01",
        "meldung-02",
        "meldung-03",
    ]


def test_explicit_windows_since_and_days() -> None:
    since = datetime(2024, 5, 14, tzinfo=BERLIN)
    window = digest_window(DigestState(), NOW, window_days=7, since=since)
    assert window.contains(since) and not window.contains(since - timedelta(seconds=1))
    assert digest_window(DigestState(), NOW, window_days=7, days=2).start == NOW - timedelta(days=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": NOW + timedelta(days=1)}, "is after the digest time"),
        ({"since": NOW - timedelta(days=1), "days": 3}, "either --since or --days"),
    ],
)
def test_bad_windows_are_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(PublisherError, match=message):
        digest_window(DigestState(), NOW, window_days=7, **kwargs)


def test_a_now_before_the_last_sent_digest_is_an_error() -> None:
    state = DigestState(sent=(SentDigest("x", NOW, NOW, ()),))
    with pytest.raises(PublisherError, match="already covers entries up to"):
        digest_window(state, NOW - timedelta(days=1), window_days=7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-20", datetime(2024, 5, 20, tzinfo=BERLIN)),
        ("2024-05-20T09:00+02:00", NOW),
        ("2024-05-20T07:00Z", NOW),
        ("2024-05-20 09:00", NOW),
    ],
)
def test_parse_moment(text: str, expected: datetime) -> None:
    assert parse_moment(text, BERLIN) == expected
    assert parse_moment(text, BERLIN).tzinfo is not None


@pytest.mark.parametrize("text", ["gestern", "2024-13-01", "20.05.2024", ""])
def test_parse_moment_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_moment(text, BERLIN)


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00", "1899-12-31", "9001-01-01"]
)
def test_parse_moment_refuses_times_at_the_calendar_edges(text: str) -> None:
    """Converting them to the site's zone, or a window of days before them, left the calendar."""
    with pytest.raises(ValueError, match="is out of range: give a date between the years 1900 and 9000"):
        parse_moment(text, BERLIN)


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(8999, 12, 30)), st.integers(1, 182_500)
)
def test_any_moment_in_range_makes_a_window_of_any_allowed_length(moment: datetime, days: int) -> None:
    now = parse_moment(moment.isoformat(), BERLIN)
    window = digest_window(DigestState(), now, window_days=7, days=days)
    assert window.start < window.end == now
