"""The record of when each entry first appeared on the site: written by builds, read by digests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from publisher.digest.appearances import appearances_path, load_appearances, record_appearances
from publisher.errors import PublisherError
from publisher.mail.state import SentDigest, record_sent
from tests.digest.fixtures import NOW, make_project


def test_each_id_keeps_the_time_it_first_appeared(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    assert record_appearances(settings, ["b", "a"], NOW) == ("a", "b")
    later = NOW + timedelta(days=1)
    assert record_appearances(settings, ["a", "b", "c"], later) == ("c",)
    before = appearances_path(settings).read_bytes()
    assert record_appearances(settings, ["c", "a"], later + timedelta(days=1)) == ()
    assert appearances_path(settings).read_bytes() == before  # nothing new: not written again
    record = load_appearances(settings)
    assert record.first == {"a": NOW, "b": NOW, "c": later}
    assert record.since(NOW) == {"c"} and record.since(NOW - timedelta(seconds=1)) == {"a", "b", "c"}
    assert appearances_path(settings) == settings.state_path.with_name("appeared.json")


@pytest.mark.parametrize(
    "text",
    ['{"version": 2, "runs": []}', '{"version": 1, "runs": [{"at": "2024-05-20", "ids": []}]}', "[1]", "{"],
)
def test_a_corrupt_record_is_an_error_that_says_what_to_do(tmp_path: Path, text: str) -> None:
    settings = make_project(tmp_path)
    appearances_path(settings).parent.mkdir(parents=True, exist_ok=True)
    appearances_path(settings).write_text(text, encoding="utf-8")
    with pytest.raises(
        PublisherError, match=r"appeared\.json: the record of when entries appeared is corrupt"
    ):
        load_appearances(settings)


def test_an_unwritable_record_does_not_stop_a_build(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_project(tmp_path)
    appearances_path(settings).parent.parent.mkdir(parents=True, exist_ok=True)
    appearances_path(settings).parent.write_text("a file where the folder should be", encoding="utf-8")
    assert record_appearances(settings, ["a"], datetime(2024, 5, 20, tzinfo=NOW.tzinfo)) == ()
    assert "could not record which entries appeared" in caplog.text


def test_a_first_record_after_a_sent_digest_holds_the_entries_as_there_by_then(tmp_path: Path) -> None:
    """A project from before the record (or a deleted record): its entries are not new, only unrecorded."""
    settings = make_project(tmp_path)
    last = NOW - timedelta(days=3)
    record_sent(settings.state_path, SentDigest("d1", last, last, ()))
    assert record_appearances(settings, ["old", "older"], NOW) == ("old", "older")
    assert load_appearances(settings).first == {"old": last, "older": last}
    assert record_appearances(settings, ["old", "new"], NOW) == ("new",)
    assert load_appearances(settings).first["new"] == NOW
