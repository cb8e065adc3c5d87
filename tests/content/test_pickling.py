"""Entries from the build cache share their time zone objects, so that comparing their times is fast."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from publisher.content import pickling
from publisher.content.load import load_site
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of


def test_times_with_the_same_offset_share_one_time_zone_after_the_cache() -> None:
    times = [datetime(2024, 5, day, 9, 30, tzinfo=timezone(timedelta(hours=2))) for day in (14, 15)]
    first, second = (pickle.loads(pickling.dumps(t)) for t in times)
    assert first == times[0] and second == times[1]
    assert first.tzinfo is second.tzinfo
    assert pickle.loads(pickling.dumps(datetime(2024, 1, 1, tzinfo=UTC))).tzinfo is UTC


@given(
    st.datetimes(
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-3, minutes=-30), "X")]
        )
    )
)
def test_any_aware_time_comes_back_equal_with_its_offset_and_name(moment: datetime) -> None:
    back = pickle.loads(pickling.dumps(moment))
    assert back == moment and back.utcoffset() == moment.utcoffset() and back.tzname() == moment.tzname()


def test_loaded_entries_share_the_time_zone_of_their_offset(make_project: MakeProject) -> None:
    root = make_project(
        {
            "2024/a.md": entry("Winter", "2024-01-14T09:30:00+01:00"),
            "2024/b.md": entry("Auch Winter", "2024-01-15T09:30:00+01:00"),
            "2024/c.md": entry("Sommer", "2024-07-15T09:30:00+02:00"),
        }
    )
    site = load_site(settings_of(root))
    try:
        zones = {e.title: e.published.tzinfo for e in site.entries}
    finally:
        site.close()
    assert zones["Winter"] is zones["Auch Winter"]
    assert zones["Sommer"] is not zones["Winter"]
