"""Data rights: everything stored about one address (export), and erasure that keeps a hashed suppression."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from publisher.errors import PublisherError
from publisher.mail import consent, suppression
from publisher.mail.database import transaction
from publisher.mail.subscribers import existing_subscriber, lookup_key, timestamp

logger = logging.getLogger(__name__)


def _deliveries(conn: sqlite3.Connection, key: str) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT digest_id, status, attempts, last_error, message_id, sent_at FROM deliveries "
        "WHERE subscriber = ? ORDER BY id",
        (key,),
    ).fetchall()
    return [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]


def export(conn: sqlite3.Connection, email: str) -> dict[str, object]:
    """Everything stored about the address (GDPR Art. 15): the subscriber, the consent history and every
    delivery; for an erased address only that it is on the suppression list."""
    key = lookup_key(email)
    found = existing_subscriber(conn, email)
    suppressed = suppression.is_suppressed(conn, key)
    if found is None and not suppressed:
        raise PublisherError(
            f"{email.strip()!r} is not in the list -> 'publisher subscribers list' shows who is"
        )
    return {
        "subscriber": found.as_dict() if found else None,
        "consent": [e.as_dict() for e in consent.history(conn, found.id)] if found else [],
        "deliveries": _deliveries(conn, key),
        "suppressed": suppressed,
    }


@dataclass(frozen=True, slots=True)
class Erasure:
    email: str
    consent_events: int
    deliveries: int


def forget(conn: sqlite3.Connection, email: str, now: datetime | None = None) -> Erasure:
    """Erase the address's personal data (GDPR Art. 17): the subscriber row and its consent history go,
    its delivery rows lose address and Message-ID (the counts stay), and a hash of the address goes on the
    suppression list so that no import or ``subscribers add`` brings it back."""
    key = lookup_key(email)
    stamp = timestamp(now)
    with transaction(conn):
        found = existing_subscriber(conn, email)
        if found is None:
            if suppression.is_suppressed(conn, key):
                return Erasure(email.strip(), 0, 0)
            raise PublisherError(
                f"{email.strip()!r} is not in the list -> 'publisher subscribers list' shows who is"
            )
        events = consent.erase(conn, found.id)
        conn.execute("DELETE FROM subscribers WHERE id = ?", (found.id,))
        # The row id keeps the placeholder unique within a digest (UNIQUE (digest_id, subscriber)).
        anonymised = conn.execute(
            "UPDATE deliveries SET subscriber = 'erased:' || id, email = '', message_id = '', "
            "last_error = '' WHERE subscriber = ?",
            (key,),
        ).rowcount
        suppression.suppress(conn, key, "erased on request", stamp)
    logger.info("erased a subscriber's data (%d consent events, %d deliveries)", events, anonymised)
    return Erasure(found.email, events, anonymised)
