"""The suppression list: hashes of erased addresses, so that no import or `subscribers add` brings one back.

Only the hash is kept (SHA-256 of the normalised, case-folded address), never the address. A new web signup
with its own double opt-in is the one way back; its confirmation lifts the entry.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        """CREATE TABLE suppressions (
            address_hash TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    ),
}


@dataclass(frozen=True, slots=True)
class Suppression:
    address_hash: str
    reason: str
    at: str


def address_hash(key: str) -> str:
    """``key`` is the case-folded ASCII address (``subscribers.email_key`` of the normalised address)."""
    return hashlib.sha256(b"publisher-suppression\0" + key.encode("utf-8")).hexdigest()


def is_suppressed(conn: sqlite3.Connection, key: str) -> bool:
    row = conn.execute("SELECT 1 FROM suppressions WHERE address_hash = ?", (address_hash(key),)).fetchone()
    return row is not None


def suppress(conn: sqlite3.Connection, key: str, reason: str, at: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO suppressions (address_hash, reason, at) VALUES (?, ?, ?)",
        (address_hash(key), reason, at),
    )


def lift(conn: sqlite3.Connection, key: str) -> bool:
    """The address confirmed a new signup itself: it may receive mail again."""
    return conn.execute("DELETE FROM suppressions WHERE address_hash = ?", (address_hash(key),)).rowcount > 0


def list_suppressions(conn: sqlite3.Connection) -> list[Suppression]:
    rows = conn.execute("SELECT address_hash, reason, at FROM suppressions ORDER BY at, address_hash")
    return [Suppression(r["address_hash"], r["reason"], r["at"]) for r in rows.fetchall()]
