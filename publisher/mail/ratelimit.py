"""Rate limits kept in the subscriber database, so that every worker process and thread shares them."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3

from publisher.mail.database import transaction

MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        """CREATE TABLE rate_events (
            bucket TEXT NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX rate_events_bucket ON rate_events (bucket, at)",
    ),
}


KEEP_AT_MOST = 24 * 3600.0  # no window is longer than a day


def bucket(kind: str, value: str, secret: bytes) -> str:
    """A bucket name that does not reveal the value (an IP address is personal data)."""
    mac = hmac.new(secret, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{kind}:{mac}"


def allow(conn: sqlite3.Connection, name: str, limit: int, window: float, now: float) -> bool:
    """Count one event in the bucket if fewer than ``limit`` happened in the last ``window`` seconds.

    Check and count are one write transaction, so parallel requests cannot both slip under the limit.
    Events older than the window are deleted on the way (nothing is kept longer than needed)."""
    with transaction(conn):
        conn.execute("DELETE FROM rate_events WHERE bucket = ? AND at <= ?", (name, now - window))
        conn.execute("DELETE FROM rate_events WHERE at <= ?", (now - KEEP_AT_MOST,))
        count = conn.execute("SELECT COUNT(*) FROM rate_events WHERE bucket = ?", (name,)).fetchone()[0]
        if count >= limit:
            return False
        conn.execute("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", (name, now))
    return True
