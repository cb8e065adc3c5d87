"""The subscriber database on a real SQLite file: created, migrated, reopened, refused."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from publisher.errors import PublisherError
from publisher.mail import database, deliveries, subscribers


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


def test_a_database_of_the_first_schema_learns_the_deferred_state_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "publisher.db"
    raw = sqlite3.connect(path)
    for statement in (*subscribers.MIGRATIONS[1], *deliveries.MIGRATIONS[1]):
        raw.execute(statement)
    raw.execute(
        "INSERT INTO deliveries (digest_id, subscriber, email, status, attempts, message_id) "
        "VALUES ('d1', 'anna@example.org', 'anna@example.org', 'unknown', 1, '<m@x>')"
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    conn = database.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(database.migrations()) == 3
    [row] = deliveries.list_deliveries(conn, "d1")
    assert (row.email, row.status, row.attempts, row.message_id) == (
        "anna@example.org",
        "unknown",
        1,
        "<m@x>",
    )
    deliveries.mark_deferred(conn, row.id, "451 later")
    assert deliveries.counts(conn, "d1")[deliveries.Status.DEFERRED] == 1
    conn.close()


def test_many_connections_to_a_new_file_at_once_all_open_it(tmp_path: Path) -> None:
    """The web app's first requests arrive together: one creates and migrates the file while the
    others switch it to WAL, which SQLite refused at once ("database is locked", a 503)."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "publisher.db"
    barrier = threading.Barrier(24)

    def open_it(_: int) -> int:
        barrier.wait()
        conn = database.connect(path)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()

    for _ in range(10):
        path.unlink(missing_ok=True)
        with ThreadPoolExecutor(24) as pool:
            assert set(pool.map(open_it, range(24))) == {len(database.migrations())}
