"""Double opt-in: a signup request (pending, with its consent), its confirmation, and the subscriber's own
changes on the preferences page. Every step appends to the consent history; nothing here sends mail."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from publisher.errors import Problem, PublisherError
from publisher.mail import consent, suppression, tokens
from publisher.mail.consent import ConsentEvent, Event
from publisher.mail.database import transaction
from publisher.mail.subscribers import (
    CONFIRMED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    check_fields,
    email_key,
    existing_subscriber,
    get_subscriber,
    insert_subscriber,
    normalise_email,
    parse_tags,
    timestamp,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignupRequest:
    """What the form (or an import asked to confirm) says. ``ip`` is already as it is to be recorded."""

    email: str
    name: str
    lang: str
    topics: tuple[str, ...]
    consent_text: str
    consent_version: str
    ip: str = ""
    source: str = "web"


@dataclass(frozen=True, slots=True)
class Policy:
    """``[subscribe]``: how long a confirmation link lives and how often one address may get one."""

    confirm_days: int = 7
    interval: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    """A confirmation mail to send now: for this signup event, valid until ``expires``."""

    event_id: int
    email: str
    name: str
    lang: str
    expires: datetime

    def token(self, secret: bytes) -> str:
        return tokens.make_confirm_token(
            secret, self.event_id, int(self.expires.timestamp()), email_key(self.email)
        )


def check_request(request: SignupRequest) -> list[Problem]:
    """The request's problems by form field (no address is looked up: the answer must not tell whether an
    address is subscribed)."""
    errors = check_fields(request.email, request.name, request.lang, request.topics)
    return [Problem("signup", message, field=field, hint=hint) for field, message, hint in errors]


def request_signup(
    conn: sqlite3.Connection, request: SignupRequest, policy: Policy, now: datetime
) -> PendingConfirmation | None:
    """Record a signup; return the confirmation mail to send, or None when none may go out: the address is
    confirmed already (a new signup never unconfirms it), or it got a confirmation mail within the interval.

    The mail is reserved inside the transaction (``mail_sent_at`` is set), so parallel requests for one
    address send one mail; ``mail_not_sent`` gives the reservation back when sending fails."""
    problems = check_request(request)
    if problems:
        raise PublisherError("the signup has problems", problems)
    address = normalise_email(request.email)
    stamp = timestamp(now)
    with transaction(conn):
        _purge_expired(conn, now - timedelta(days=policy.confirm_days + 1))
        existing = existing_subscriber(conn, address)
        if existing is not None and existing.status == CONFIRMED:
            logger.info("signup for an address that is confirmed already: nothing sent")
            return None
        if existing is not None:
            last = consent.last_mail_sent(conn, existing.id)
            if last is not None and datetime.fromisoformat(last) > now - policy.interval:
                logger.info("signup within the confirmation interval: no second mail")
                return None
        if existing is None:
            subscriber_id = insert_subscriber(conn, address, "", "", (), stamp, PENDING)
        else:
            subscriber_id = existing.id
        event_id = consent.record(
            conn,
            subscriber_id,
            Event.SIGNUP,
            stamp,
            ip=request.ip,
            source=request.source,
            consent_text=request.consent_text,
            consent_version=request.consent_version,
            name=request.name.strip(),
            lang=request.lang,
            topics=parse_tags(request.topics),
        )
        conn.execute("UPDATE consent_events SET mail_sent_at = ? WHERE id = ?", (stamp, event_id))
    return PendingConfirmation(
        event_id, address, request.name.strip(), request.lang, now + timedelta(days=policy.confirm_days)
    )


def mail_sent(conn: sqlite3.Connection, confirmation: PendingConfirmation, mail_sha256: str) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE consent_events SET mail_sha256 = ? WHERE id = ?", (mail_sha256, confirmation.event_id)
        )


def mail_not_sent(conn: sqlite3.Connection, confirmation: PendingConfirmation) -> None:
    """Sending failed: the address may get a mail at the next attempt."""
    with transaction(conn):
        conn.execute("UPDATE consent_events SET mail_sent_at = NULL WHERE id = ?", (confirmation.event_id,))


def _purge_expired(conn: sqlite3.Connection, before: datetime) -> None:
    """Web signups that were never confirmed are deleted once their link has expired (no consent, no data)."""
    stale = conn.execute(
        "SELECT s.id FROM subscribers s JOIN consent_events e ON e.subscriber_id = s.id "
        "WHERE s.status = 'pending' GROUP BY s.id "
        "HAVING MAX(e.at) < ? AND SUM(e.event != 'signup' OR e.source != 'web') = 0",
        (timestamp(before),),
    ).fetchall()
    for (subscriber_id,) in stale:
        consent.erase(conn, subscriber_id)
        conn.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))
    if stale:
        logger.info("deleted %d unconfirmed signup(s) whose link expired", len(stale))


class Outcome(Enum):
    CONFIRMED = "confirmed"
    ALREADY = "already"  # this link was used before (or the address confirmed since)
    EXPIRED = "expired"
    INVALID = "invalid"  # forged, malformed, or its signup is gone


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    outcome: Outcome
    subscriber: Subscriber | None = None
    signup: ConsentEvent | None = None


def check_confirm_token(conn: sqlite3.Connection, secret: bytes, token: str, now: datetime) -> ConfirmResult:
    """What a confirmation link stands for, without changing anything (the page a GET shows)."""
    parts = tokens.confirm_token_parts(token)
    if parts is None:
        return ConfirmResult(Outcome.INVALID)
    event_id, expires = parts
    signup = consent.get_event(conn, event_id)
    if signup is None or signup.event != Event.SIGNUP:
        return ConfirmResult(Outcome.INVALID)
    row = conn.execute("SELECT id FROM subscribers WHERE id = ?", (signup.subscriber_id,)).fetchone()
    if row is None:
        return ConfirmResult(Outcome.INVALID)
    subscriber = get_subscriber(conn, signup.subscriber_id)
    if not tokens.verify_confirm_token(secret, token, event_id, expires, subscriber.key):
        return ConfirmResult(Outcome.INVALID)
    used = conn.execute(
        "SELECT 1 FROM consent_events WHERE subscriber_id = ? AND event = 'confirm' AND id > ?",
        (subscriber.id, event_id),
    ).fetchone()
    if used is not None:
        return ConfirmResult(Outcome.ALREADY, subscriber, signup)
    if now.timestamp() > expires:
        return ConfirmResult(Outcome.EXPIRED, subscriber, signup)
    return ConfirmResult(Outcome.CONFIRMED, subscriber, signup)


def confirm(conn: sqlite3.Connection, secret: bytes, token: str, ip: str, now: datetime) -> ConfirmResult:
    """Confirm the signup a link stands for: the subscriber becomes confirmed with the name, language and
    topics of that signup, the confirmation (time, IP) joins the history, and a suppression is lifted."""
    with transaction(conn):
        checked = check_confirm_token(conn, secret, token, now)
        if checked.outcome is not Outcome.CONFIRMED:
            return checked
        assert checked.subscriber is not None and checked.signup is not None
        signup, stamp = checked.signup, timestamp(now)
        conn.execute(
            "UPDATE subscribers SET status = 'confirmed', confirmed_at = ?, unsubscribed_at = NULL, "
            "name = ?, lang = ?, tags = ? WHERE id = ?",
            (
                stamp,
                signup.name,
                signup.lang,
                json.dumps(list(signup.topics), ensure_ascii=False),
                signup.subscriber_id,
            ),
        )
        consent.record(
            conn,
            signup.subscriber_id,
            Event.CONFIRM,
            stamp,
            ip=ip,
            source=signup.source,
            detail=f"confirms signup event {signup.id}",
            consent_text=signup.consent_text,
            consent_version=signup.consent_version,
            mail_sha256=signup.mail_sha256,
            name=signup.name,
            lang=signup.lang,
            topics=signup.topics,
        )
        suppression.lift(conn, checked.subscriber.key)
    logger.info("a signup was confirmed")
    return ConfirmResult(Outcome.CONFIRMED, get_subscriber(conn, signup.subscriber_id), signup)


def update_preferences(
    conn: sqlite3.Connection,
    subscriber: Subscriber,
    name: str,
    lang: str,
    topics: Iterable[str],
    ip: str,
    now: datetime,
) -> Subscriber:
    """The subscriber's own change of name, language or topics; recorded in the history."""
    chosen = parse_tags(topics)
    errors = check_fields(subscriber.email, name.strip(), lang, chosen)
    if errors:
        raise PublisherError(
            "the preferences have problems",
            [Problem("preferences", message, field=field, hint=hint) for field, message, hint in errors],
        )
    if subscriber.status == UNSUBSCRIBED:
        raise PublisherError("an unsubscribed address has no preferences to change")
    with transaction(conn):
        conn.execute(
            "UPDATE subscribers SET name = ?, lang = ?, tags = ? WHERE id = ?",
            (name.strip(), lang, json.dumps(list(chosen), ensure_ascii=False), subscriber.id),
        )
        consent.record(
            conn, subscriber.id, Event.PREFERENCES, timestamp(now), ip=ip, source="web",
            name=name.strip(), lang=lang, topics=chosen,
        )  # fmt: skip
    return get_subscriber(conn, subscriber.id)
