"""The subscriber database on a real SQLite file: created, migrated, reopened, refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from publisher.errors import PublisherError
from publisher.mail import database, subscribers


def test_new_database_has_schema_version_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "publisher.db"
    database.connect(path).close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(database.migrations())
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"subscribers", "deliveries"} <= tables
    raw.close()


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "publisher.db"
    first = database.connect(path)
    subscribers.add_subscriber(first, "anna@example.org", name="Anna")
    first.close()
    second = database.connect(path)
    assert [s.email for s in subscribers.list_subscribers(second)] == ["anna@example.org"]
    second.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "publisher.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(database.migrations()) + 1}")
    raw.close()
    with pytest.raises(PublisherError, match=r"schema version .* upgrade publisher"):
        database.connect(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "publisher.db"
    path.write_bytes(b"this is not sqlite, just text " * 100)
    with pytest.raises(PublisherError, match=r"publisher\.db: the subscriber database failed .* SQLite"):
        database.connect(path)
