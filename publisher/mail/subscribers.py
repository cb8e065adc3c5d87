"""The subscribers table: its schema, and add, import, list, remove, unsubscribe."""

from __future__ import annotations

import json
import logging
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from publisher.config import LANGUAGES
from publisher.errors import Problem, PublisherError
from publisher.mail import consent, suppression, tokens
from publisher.mail.database import transaction

logger = logging.getLogger(__name__)

PENDING = "pending"  # signed up (or imported without consent), waiting for the confirmation link
CONFIRMED = "confirmed"  # receives the digest
UNSUBSCRIBED = "unsubscribed"
SUPPRESSED = "suppressed"  # erased on request: only a hash is left (see ``suppression``)
ACTIVE = CONFIRMED  # who gets mail
STATUSES = (PENDING, CONFIRMED, UNSUBSCRIBED, SUPPRESSED)
MAX_NAME = 200

# The statements each schema version adds to this table (see ``database.migrations``).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a removed subscriber's tokens stay dead
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed')),
            created TEXT NOT NULL,
            unsubscribed_at TEXT
        )""",
    ),
    # Version 2: statuses pending/confirmed/unsubscribed ("active" became "confirmed"), and when a
    # subscriber confirmed. SQLite cannot change a CHECK constraint in place: the table is rebuilt, and
    # its AUTOINCREMENT counter carried over, so ids of removed subscribers stay unused.
    2: (
        """CREATE TABLE subscribers_v2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
            created TEXT NOT NULL,
            confirmed_at TEXT,
            unsubscribed_at TEXT
        )""",
        """INSERT INTO subscribers_v2
            (id, email, email_key, name, lang, tags, status, created, confirmed_at, unsubscribed_at)
            SELECT id, email, email_key, name, lang, tags,
                CASE status WHEN 'active' THEN 'confirmed' ELSE status END, created, NULL, unsubscribed_at
            FROM subscribers""",
        "DELETE FROM sqlite_sequence WHERE name = 'subscribers_v2'",
        """INSERT INTO sqlite_sequence (name, seq)
            SELECT 'subscribers_v2', seq FROM sqlite_sequence WHERE name = 'subscribers'""",
        "DROP TABLE subscribers",
        "ALTER TABLE subscribers_v2 RENAME TO subscribers",
    ),
}


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    name: str
    lang: str
    tags: tuple[str, ...]
    status: str
    created: str
    unsubscribed_at: str | None
    confirmed_at: str | None = None

    @property
    def key(self) -> str:
        return email_key(self.email)

    @property
    def topics(self) -> tuple[str, ...]:
        """Topics are the subscriber's tags: one list, two names (``tags`` in the database and CSV)."""
        return self.tags

    def as_dict(self) -> dict[str, object]:
        return {
            "email": self.email,
            "name": self.name,
            "lang": self.lang,
            "tags": list(self.tags),
            "status": self.status,
            "created": self.created,
            "confirmed_at": self.confirmed_at,
            "unsubscribed_at": self.unsubscribed_at,
        }


def timestamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def row_to_subscriber(row: Mapping[str, Any] | sqlite3.Row) -> Subscriber:
    names = list(row.keys())  # a sqlite3.Row's ``in`` looks at values, not names
    return Subscriber(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        lang=row["lang"],
        tags=tuple(json.loads(row["tags"])),
        status=row["status"],
        created=row["created"],
        unsubscribed_at=row["unsubscribed_at"],
        confirmed_at=row["confirmed_at"] if "confirmed_at" in names else None,
    )


# --- validation ----------------------------------------------------------------------------------


def email_key(email: str) -> str:
    """Addresses are unique case-insensitively: this is the key they are compared by."""
    return email.casefold()


def normalise_email(value: str) -> str:
    """A valid address in plain-ASCII normal form; raises ValueError with the reason.

    International domains are stored in their ASCII (IDNA) form, so every address works without SMTPUTF8;
    non-ASCII before the "@" is refused for the same reason.
    """
    try:
        valid = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return valid.ascii_email or valid.normalized


def check_fields(email: str, name: str, lang: str, tags: str | Iterable[str]) -> list[tuple[str, str, str]]:
    """Validate the fields of one subscriber; return the problems as (field, message, hint)."""
    errors: list[tuple[str, str, str]] = []
    if not email.strip():
        errors.append(("email", "is empty", "every row needs an address"))
    else:
        try:
            normalise_email(email)
        except ValueError as exc:
            errors.append(("email", f"{email.strip()!r} is not a valid address: {exc}", "fix or remove it"))
    if len(name) > MAX_NAME:
        errors.append(("name", f"is {len(name)} characters long, at most {MAX_NAME} fit", "shorten it"))
    if any(unicodedata.category(c) == "Cc" for c in name):
        errors.append(
            (
                "name",
                "contains a line break or another control character",
                "write the name on one line (in a CSV file, a quoted cell can span lines)",
            )
        )
    if lang and lang not in LANGUAGES:
        errors.append(
            ("lang", f"{lang!r} is not supported", f"use one of {', '.join(LANGUAGES)} or leave it empty")
        )
    if any(unicodedata.category(c) == "Cc" for tag in parse_tags(tags) for c in tag):
        errors.append(
            ("tags", "must not contain control characters or line breaks", "write the tags on one line")
        )
    return errors


def parse_tags(tags: str | Iterable[str]) -> tuple[str, ...]:
    """Tags from "a, b; c" or a list: trimmed, empty ones dropped, duplicates removed, order kept."""
    items = tags.replace(";", ",").split(",") if isinstance(tags, str) else list(tags)
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return tuple(seen)


def insert_subscriber(
    conn: sqlite3.Connection,
    email: str,
    name: str,
    lang: str,
    tags: tuple[str, ...],
    now: str,
    status: str = CONFIRMED,
) -> int:
    cursor = conn.execute(
        "INSERT INTO subscribers (email, email_key, name, lang, tags, status, created, confirmed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            email,
            email_key(email),
            name,
            lang,
            json.dumps(list(tags), ensure_ascii=False),
            status,
            now,
            now if status == CONFIRMED else None,
        ),
    )
    return int(cursor.lastrowid or 0)


def lookup_key(email: str) -> str:
    """The key an address given on the command line is looked up by: normalised like a stored address
    (``anna@münchen.de`` is stored as ``anna@xn--mnchen-3ya.de``), or as written if it is not valid."""
    try:
        return email_key(normalise_email(email))
    except ValueError:
        return email_key(email.strip())


def existing_subscriber(conn: sqlite3.Connection, email: str) -> Subscriber | None:
    row = conn.execute("SELECT * FROM subscribers WHERE email_key = ?", (lookup_key(email),)).fetchone()
    return row_to_subscriber(row) if row else None


SUPPRESSED_HINT = (
    "it was erased on request ('publisher subscribers forget') and may only come back by signing up "
    "on the web form and confirming the mail"
)


def duplicate_hint(existing: Subscriber) -> str:
    if existing.status == PENDING:
        return "it waits for its confirmation link to be clicked; nothing to do"
    if existing.status == UNSUBSCRIBED:
        return (
            f"it unsubscribed on {existing.unsubscribed_at}; only if the person asked to come back, "
            "'publisher subscribers remove' it and add it again"
        )
    return "it is already subscribed; nothing to do"


# --- operations ----------------------------------------------------------------------------------


def add_subscriber(
    conn: sqlite3.Connection,
    email: str,
    name: str = "",
    lang: str = "",
    tags: str | Iterable[str] = (),
    now: datetime | None = None,
) -> Subscriber:
    """Add one active subscriber; raise PublisherError for an invalid or duplicate address."""
    name = name.strip()
    errors = check_fields(email, name, lang, tags)
    if errors:
        problems = [
            Problem(
                "subscribers add", message, field=f"--{field}" if field != "email" else "EMAIL", hint=hint
            )
            for field, message, hint in errors
        ]
        raise PublisherError(f"cannot add {email.strip()!r}", problems)
    address = normalise_email(email)
    stamp = timestamp(now)
    topics = parse_tags(tags)
    with transaction(conn):
        existing = existing_subscriber(conn, address)
        if existing is not None:
            raise PublisherError(
                f"{existing.email} is already in the list ({existing.status}) -> " + duplicate_hint(existing)
            )
        if suppression.is_suppressed(conn, email_key(address)):
            raise PublisherError(f"{address} is on the suppression list -> {SUPPRESSED_HINT}")
        new_id = insert_subscriber(conn, address, name, lang, topics, stamp)
        consent.record(
            conn, new_id, consent.Event.ADD, stamp, source="cli", name=name, lang=lang, topics=topics
        )
    logger.info("added subscriber %s", address)
    return get_subscriber(conn, new_id)


def get_subscriber(conn: sqlite3.Connection, subscriber_id: int) -> Subscriber:
    row = conn.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
    if row is None:
        raise PublisherError(f"no subscriber with id {subscriber_id}")
    return row_to_subscriber(row)


def list_subscribers(conn: sqlite3.Connection, status: str | None = None) -> list[Subscriber]:
    """All subscribers (or those with one status), ordered by address for stable output."""
    if status is None:
        rows = conn.execute("SELECT * FROM subscribers ORDER BY email_key").fetchall()

    else:
        rows = conn.execute(
            "SELECT * FROM subscribers WHERE status = ? ORDER BY email_key", (status,)
        ).fetchall()
    return [row_to_subscriber(r) for r in rows]


def remove_subscriber(conn: sqlite3.Connection, email: str) -> Subscriber:
    """Delete a subscriber. The delivery log keeps its rows, so nobody gets a digest twice after re-adding."""
    with transaction(conn):
        existing = existing_subscriber(conn, email.strip())
        if existing is None:
            raise PublisherError(
                f"{email.strip()!r} is not in the list -> 'publisher subscribers list' shows who is"
            )
        conn.execute("DELETE FROM subscribers WHERE id = ?", (existing.id,))
    logger.info("removed subscriber %s", existing.email)
    return existing


def unsubscribe(
    conn: sqlite3.Connection,
    subscriber_id: int,
    now: datetime | None = None,
    ip: str = "",
    source: str = "cli",
) -> Subscriber:
    """Mark a subscriber unsubscribed (idempotent: the first unsubscribe time is kept)."""
    stamp = timestamp(now)
    with transaction(conn):
        changed = conn.execute(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? "
            "WHERE id = ? AND status != 'unsubscribed'",
            (stamp, subscriber_id),
        ).rowcount
        if changed:
            consent.record(conn, subscriber_id, consent.Event.UNSUBSCRIBE, stamp, ip=ip, source=source)
    return get_subscriber(conn, subscriber_id)


def subscriber_for_token(conn: sqlite3.Connection, secret: bytes, token: str) -> Subscriber | None:
    """The subscriber a token was made for, or None if it is forged, malformed or stale (subscriber gone)."""
    subscriber_id = tokens.token_subject(token)
    if subscriber_id is None:
        return None
    row = conn.execute("SELECT * FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
    if row is None:
        return None
    subscriber = row_to_subscriber(row)
    return subscriber if tokens.verify_token(secret, token, subscriber.id, subscriber.key) else None


def unsubscribe_by_token(
    conn: sqlite3.Connection, secret: bytes, token: str, now: datetime | None = None
) -> Subscriber | None:
    """Unsubscribe whoever the token belongs to; a forged or stale token changes nothing and gives None."""
    subscriber = subscriber_for_token(conn, secret, token)
    if subscriber is None:
        logger.info("rejected an unsubscribe token that is forged, malformed or stale")
        return None
    return unsubscribe(conn, subscriber.id, now)
