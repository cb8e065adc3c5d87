"""The delivery log: one row per (digest, subscriber), claimed before sending, so nobody gets it twice."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum

from publisher.mail.database import transaction
from publisher.mail.subscribers import Subscriber, row_to_subscriber

logger = logging.getLogger(__name__)


class Status(StrEnum):
    """Where one delivery stands; stored as these words in ``deliveries.status``."""

    PENDING = "pending"  # not attempted yet, or refused for now (the server certainly did not take it)
    SENDING = "sending"  # claimed: the SMTP transaction is under way (or a run died during it)
    SENT = "sent"
    FAILED = "failed"  # refused for good
    UNKNOWN = "unknown"  # the server may have it: the operator decides


# A digest is finished when none of its rows is in one of these states.
UNRESOLVED = (Status.PENDING, Status.SENDING, Status.UNKNOWN)
MAX_ERROR = 500

# The statements each schema version adds to this table (see ``database.migrations``).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            digest_id TEXT NOT NULL,
            subscriber TEXT NOT NULL,
            email TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            message_id TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            UNIQUE (digest_id, subscriber)
        )""",
        "CREATE INDEX deliveries_status ON deliveries (digest_id, status)",
    ),
}


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    digest_id: str
    subscriber: str
    email: str
    status: Status
    attempts: int
    last_error: str
    message_id: str
    sent_at: str | None


def _delivery(row: sqlite3.Row) -> Delivery:
    values = {f.name: row[f.name] for f in fields(Delivery)}
    return Delivery(**values | {"status": Status(values["status"])})


def _placeholders(values: Iterable[Status]) -> tuple[str, tuple[str, ...]]:
    items = tuple(str(v) for v in values)
    return ", ".join("?" * len(items)), items


def counts(conn: sqlite3.Connection, digest_id: str) -> dict[Status, int]:
    """How many rows of a digest are in each status (every status is present, zeros included)."""
    found = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE digest_id = ? GROUP BY status", (digest_id,)
        ).fetchall()
    )
    return {status: found.get(status, 0) for status in Status}


def list_deliveries(
    conn: sqlite3.Connection, digest_id: str, statuses: Iterable[Status] = tuple(Status)
) -> list[Delivery]:
    marks, values = _placeholders(statuses)
    rows = conn.execute(
        f"SELECT * FROM deliveries WHERE digest_id = ? AND status IN ({marks}) ORDER BY subscriber",
        (digest_id, *values),
    ).fetchall()
    return [_delivery(r) for r in rows]


def has_started(conn: sqlite3.Connection, digest_id: str) -> bool:
    """True once any row of the digest left "pending": a run touched the SMTP server."""
    row = conn.execute(
        "SELECT 1 FROM deliveries WHERE digest_id = ? AND status != 'pending' LIMIT 1", (digest_id,)
    ).fetchone()
    return row is not None


def unresolved(conn: sqlite3.Connection, digest_id: str) -> int:
    marks, values = _placeholders(UNRESOLVED)
    return int(
        conn.execute(
            f"SELECT COUNT(*) FROM deliveries WHERE digest_id = ? AND status IN ({marks})",
            (digest_id, *values),
        ).fetchone()[0]
    )


def claims_to_unknown(conn: sqlite3.Connection, digest_id: str) -> int:
    """Rows left "sending" by a run that died mid-transaction: the server may have them. Never resend."""
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE deliveries SET status = 'unknown', "
            "last_error = 'the run stopped during the SMTP transaction; the server may have accepted it' "
            "WHERE digest_id = ? AND status = 'sending'",
            (digest_id,),
        )
    if cursor.rowcount:
        logger.warning(
            "%d delivery(ies) of %s were in flight when a run stopped: unknown", cursor.rowcount, digest_id
        )
    return cursor.rowcount


def prepare(conn: sqlite3.Connection, digest_id: str) -> int:
    """Add a pending row for every active subscriber without one; drop pending rows of people who left.

    Returns how many pending rows were dropped (they count as skipped).
    """
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO deliveries (digest_id, subscriber, email) "
            "SELECT ?, email_key, email FROM subscribers WHERE status = 'confirmed' ORDER BY id",
            (digest_id,),
        )
        dropped = conn.execute(
            "DELETE FROM deliveries WHERE digest_id = ? AND status = 'pending' AND subscriber NOT IN "
            "(SELECT email_key FROM subscribers WHERE status = 'confirmed')",
            (digest_id,),
        ).rowcount
    return dropped


def work_list(
    conn: sqlite3.Connection, digest_id: str, statuses: Iterable[Status]
) -> list[tuple[Delivery, Subscriber]]:
    """Rows in the given states whose subscriber is still active, in subscription order."""
    marks, values = _placeholders(statuses)
    rows = conn.execute(
        "SELECT d.*, s.id AS s_id, s.email AS s_email, s.name AS s_name, s.lang AS s_lang, s.tags AS s_tags, "
        "s.status AS s_status, s.created AS s_created, s.unsubscribed_at AS s_unsubscribed_at "
        "FROM deliveries d JOIN subscribers s ON s.email_key = d.subscriber "
        f"WHERE d.digest_id = ? AND d.status IN ({marks}) AND s.status = 'confirmed' ORDER BY s.id",
        (digest_id, *values),
    ).fetchall()
    result = []
    for row in rows:
        names = row.keys()  # sqlite3.Row iterates over values, not names
        subscriber = row_to_subscriber({n.removeprefix("s_"): row[n] for n in names if n.startswith("s_")})
        result.append((_delivery(row), subscriber))
    return result


def claim(conn: sqlite3.Connection, delivery_id: int, message_id: str, allowed: Iterable[Status]) -> bool:
    """Mark a row "sending" in its own committed transaction, before any byte goes to the server.

    False if the row is no longer claimable (already sent, or the subscriber unsubscribed meanwhile).
    """
    marks, values = _placeholders(allowed)
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, message_id = ? "
            f"WHERE id = ? AND status IN ({marks}) AND subscriber IN "
            "(SELECT email_key FROM subscribers WHERE status = 'confirmed')",
            (message_id, delivery_id, *values),
        )
    return cursor.rowcount == 1


def _finish(
    conn: sqlite3.Connection, delivery_id: int, status: Status, error: str, sent_at: str | None
) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE deliveries SET status = ?, last_error = ?, sent_at = COALESCE(?, sent_at) WHERE id = ?",
            (str(status), error[:MAX_ERROR], sent_at, delivery_id),
        )


def mark_sent(conn: sqlite3.Connection, delivery_id: int, now: datetime | None = None) -> None:
    _finish(conn, delivery_id, Status.SENT, "", (now or datetime.now(UTC)).isoformat(timespec="seconds"))


def release(conn: sqlite3.Connection, delivery_id: int, error: str) -> None:
    """The server certainly did not take the message (4xx, or the link broke before the end of DATA)."""
    _finish(conn, delivery_id, Status.PENDING, error, None)


def mark_failed(conn: sqlite3.Connection, delivery_id: int, error: str) -> None:
    _finish(conn, delivery_id, Status.FAILED, error, None)


def mark_unknown(conn: sqlite3.Connection, delivery_id: int, error: str) -> None:
    _finish(conn, delivery_id, Status.UNKNOWN, error, None)


def drop_pending(conn: sqlite3.Connection, delivery_id: int) -> None:
    """Forget a never-attempted row (its subscriber left before we got to it)."""
    with transaction(conn):
        conn.execute("DELETE FROM deliveries WHERE id = ? AND status = 'pending'", (delivery_id,))


def unknown_to_sent(conn: sqlite3.Connection, digest_id: str, now: datetime | None = None) -> list[Delivery]:
    """Operator's decision after checking the server's log: the unknown deliveries did arrive."""
    found = list_deliveries(conn, digest_id, [Status.UNKNOWN])
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    with transaction(conn):
        conn.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, "
            "last_error = 'marked sent by the operator (--mark-unknown-sent)' "
            "WHERE digest_id = ? AND status = 'unknown'",
            (stamp, digest_id),
        )
    return found
