"""Finding and reading rendered digest folders (the digest contract, as the sender sees it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.errors import PublisherError
from publisher.mail import outbox
from tests.mail.fixtures import DIGEST_ID, write_digest


def test_latest_is_the_newest_dated_folder_with_metadata(tmp_path: Path) -> None:
    write_digest(tmp_path, date="2024-05-07", digest_id="older")
    newest = write_digest(tmp_path, date="2024-05-14")
    (tmp_path / "digests" / "2024-05-21").mkdir()  # no digest.json: not a digest
    (tmp_path / "digests" / "drafts").mkdir()
    assert outbox.latest_digest(tmp_path) == newest
    digest = outbox.load_digest(newest)
    assert (digest.digest_id, digest.date, digest.lang) == (DIGEST_ID, "2024-05-14", "de")
    assert digest.window_end.isoformat() == "2024-05-14T09:00:00+02:00"
    assert digest.file_names == ("digest.html", "digest.txt", "message.eml")
    assert digest.message.startswith(b"Subject: ")


def test_no_digest_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(PublisherError, match=r"no rendered digest found -> run 'publisher digest' first"):
        outbox.latest_digest(tmp_path)


def test_missing_message_is_named(tmp_path: Path) -> None:
    folder = write_digest(tmp_path)
    (folder / "message.eml").unlink()
    with pytest.raises(PublisherError, match=r"message\.eml: missing -> re-render it"):
        outbox.load_digest(folder)


def test_invalid_json_is_named(tmp_path: Path) -> None:
    folder = write_digest(tmp_path)
    (folder / "digest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PublisherError, match=r"digest\.json: not valid UTF-8 JSON"):
        outbox.load_digest(folder)


def test_every_bad_field_is_reported(tmp_path: Path) -> None:
    folder = write_digest(tmp_path)
    (folder / "digest.json").write_text(
        '{"digest_id": "x", "date": "2024-05-14", "now": "yesterday", "window_end": "2024-05-14T09:00:00",'
        ' "entry_ids": [1]}',
        encoding="utf-8",
    )
    with pytest.raises(PublisherError) as caught:
        outbox.load_digest(folder)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"subject", "lang", "now", "window_start", "window_end", "entry_ids", "files"}
    assert "window_end: is missing or not an ISO time with offset (no UTC offset)" in str(caught.value)
