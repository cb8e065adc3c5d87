"""The consent history: one row per event (signup, confirmation, import, change, unsubscribe), kept.

This is what proves consent for one address (BGH I ZR 164/09, GDPR Art. 7(1)): when and from which IP
the address was entered and confirmed, on which form or from which source, the exact consent text and its
version, a hash of the confirmation mail's text, and the language and topics chosen then.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum

SIGNUP = "signup"  # an opt-in request: the web form, or an import asked to confirm (source says which)
CONFIRM = "confirm"  # the confirmation link's button was pressed


class Event(StrEnum):
    SIGNUP = SIGNUP
    CONFIRM = CONFIRM
    IMPORT = "import"  # a CSV row (with the consent it was given elsewhere, if the file says so)
    ADD = "add"  # `publisher subscribers add`: the operator vouches for the consent
    PREFERENCES = "preferences"  # name, language or topics changed on the preferences page
    UNSUBSCRIBE = "unsubscribe"
    LEGACY = "legacy"  # the subscriber was added before consent was recorded


# The statements each schema version adds (see ``database.migrations``). Version 2 also records, for
# every subscriber already there, that they came before consent records existed.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        """CREATE TABLE consent_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subscriber_id INTEGER NOT NULL,
            event TEXT NOT NULL,
            at TEXT NOT NULL,
            ip TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            consent_text TEXT NOT NULL DEFAULT '',
            consent_version TEXT NOT NULL DEFAULT '',
            mail_sha256 TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT '',
            topics TEXT NOT NULL DEFAULT '[]',
            mail_sent_at TEXT
        )""",
        "CREATE INDEX consent_events_subscriber ON consent_events (subscriber_id, id)",
        """INSERT INTO consent_events (subscriber_id, event, at, source, detail, name, lang, topics)
            SELECT id, 'legacy', created, 'cli', 'added before consent was recorded', name, lang, tags
            FROM subscribers ORDER BY id""",
    ),
}


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    id: int
    subscriber_id: int
    event: str
    at: str
    ip: str
    source: str
    detail: str
    consent_text: str
    consent_version: str
    mail_sha256: str
    name: str
    lang: str
    topics: tuple[str, ...]
    mail_sent_at: str | None

    def as_dict(self) -> dict[str, object]:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("subscriber_id",)}
        return values | {"topics": list(self.topics)}


def _event(row: sqlite3.Row) -> ConsentEvent:
    values = {f.name: row[f.name] for f in fields(ConsentEvent)}
    return ConsentEvent(**values | {"topics": tuple(json.loads(values["topics"]))})


def record(
    conn: sqlite3.Connection,
    subscriber_id: int,
    event: Event,
    at: str,
    *,
    ip: str = "",
    source: str = "",
    detail: str = "",
    consent_text: str = "",
    consent_version: str = "",
    mail_sha256: str = "",
    name: str = "",
    lang: str = "",
    topics: Iterable[str] = (),
) -> int:
    """Append one event (inside the caller's transaction); returns its id."""
    cursor = conn.execute(
        "INSERT INTO consent_events (subscriber_id, event, at, ip, source, detail, consent_text, "
        "consent_version, mail_sha256, name, lang, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            subscriber_id,
            str(event),
            at,
            ip,
            source,
            detail,
            consent_text,
            consent_version,
            mail_sha256,
            name,
            lang,
            json.dumps(list(topics), ensure_ascii=False),
        ),
    )
    return int(cursor.lastrowid or 0)


def mail_sent(conn: sqlite3.Connection, event_id: int, mail_sha256: str, at: str) -> None:
    """The confirmation mail of a signup went out: its text's hash and the time."""
    conn.execute(
        "UPDATE consent_events SET mail_sha256 = ?, mail_sent_at = ? WHERE id = ?",
        (mail_sha256, at, event_id),
    )


def history(conn: sqlite3.Connection, subscriber_id: int) -> list[ConsentEvent]:
    rows = conn.execute(
        "SELECT * FROM consent_events WHERE subscriber_id = ? ORDER BY id", (subscriber_id,)
    ).fetchall()
    return [_event(r) for r in rows]


def get_event(conn: sqlite3.Connection, event_id: int) -> ConsentEvent | None:
    row = conn.execute("SELECT * FROM consent_events WHERE id = ?", (event_id,)).fetchone()
    return _event(row) if row else None


def last_mail_sent(conn: sqlite3.Connection, subscriber_id: int) -> str | None:
    """When the newest confirmation mail for this subscriber went out (None: never)."""
    row = conn.execute(
        "SELECT MAX(mail_sent_at) FROM consent_events WHERE subscriber_id = ? AND event = 'signup'",
        (subscriber_id,),
    ).fetchone()
    return row[0] if row else None


def erase(conn: sqlite3.Connection, subscriber_id: int) -> int:
    """Delete a subscriber's history (erasure on request); returns how many events went."""
    return conn.execute("DELETE FROM consent_events WHERE subscriber_id = ?", (subscriber_id,)).rowcount


def recorded_ip(address: str, mode: str) -> str:
    """The IP as ``[subscribe] record_ip`` wants it kept: ``full``, ``truncated`` (the last IPv4 byte, or all
    but the first 48 bits of IPv6, zeroed: the network, not the machine) or ``none``."""
    if mode == "none" or not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if mode == "full":
        return str(ip)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
