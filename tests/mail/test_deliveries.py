"""The delivery log on a real SQLite file: claiming is exclusive, stale claims become unknown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from publisher.mail import database, deliveries, subscribers
from publisher.mail.deliveries import Status

DIGEST = "digest-1"


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = database.connect(tmp_path / "publisher.db")
    for address in ("anna@example.org", "bob@example.org", "carl@example.org"):
        subscribers.add_subscriber(connection, address)
    yield connection
    connection.close()


def test_prepare_adds_one_pending_row_per_active_subscriber_once(conn: sqlite3.Connection) -> None:
    assert deliveries.prepare(conn, DIGEST) == 0
    assert deliveries.prepare(conn, DIGEST) == 0
    assert deliveries.counts(conn, DIGEST)["pending"] == 3
    assert not deliveries.has_started(conn, DIGEST)


def test_a_row_is_claimed_once(conn: sqlite3.Connection) -> None:
    deliveries.prepare(conn, DIGEST)
    delivery, _ = deliveries.work_list(conn, DIGEST, [Status.PENDING])[0]
    assert deliveries.claim(conn, delivery.id, "<m@x>", [Status.PENDING])
    assert not deliveries.claim(conn, delivery.id, "<m@x>", [Status.PENDING])
    assert deliveries.has_started(conn, DIGEST)
    deliveries.mark_sent(conn, delivery.id)
    assert not deliveries.claim(conn, delivery.id, "<m@x>", [Status.PENDING, Status.FAILED])
    row = deliveries.list_deliveries(conn, DIGEST, [Status.SENT])[0]
    assert (row.email, row.attempts, row.message_id) == ("anna@example.org", 1, "<m@x>")


def test_a_stale_claim_becomes_unknown_and_is_not_in_the_work_list(conn: sqlite3.Connection) -> None:
    deliveries.prepare(conn, DIGEST)
    delivery, _ = deliveries.work_list(conn, DIGEST, [Status.PENDING])[0]
    deliveries.claim(conn, delivery.id, "<m@x>", [Status.PENDING])
    assert deliveries.claims_to_unknown(conn, DIGEST) == 1
    assert deliveries.counts(conn, DIGEST)["unknown"] == 1
    retry = [d.email for d, _ in deliveries.work_list(conn, DIGEST, [Status.PENDING, Status.FAILED])]
    assert retry == ["bob@example.org", "carl@example.org"]
    assert deliveries.unresolved(conn, DIGEST) == 3
    assert [d.email for d in deliveries.unknown_to_sent(conn, DIGEST)] == ["anna@example.org"]
    assert deliveries.unresolved(conn, DIGEST) == 2


def test_pending_rows_of_people_who_left_are_dropped(conn: sqlite3.Connection) -> None:
    deliveries.prepare(conn, DIGEST)
    bob = subscribers.existing_subscriber(conn, "bob@example.org")
    assert bob is not None
    subscribers.unsubscribe(conn, bob.id)
    subscribers.remove_subscriber(conn, "carl@example.org")
    assert deliveries.prepare(conn, DIGEST) == 2
    assert [d.email for d in deliveries.list_deliveries(conn, DIGEST)] == ["anna@example.org"]
    row, _ = deliveries.work_list(conn, DIGEST, [Status.PENDING])[0]
    subscribers.unsubscribe(conn, subscribers.existing_subscriber(conn, "anna@example.org").id)  # type: ignore[union-attr]
    assert not deliveries.claim(conn, row.id, "<m@x>", [Status.PENDING])  # unsubscribed: not claimable
