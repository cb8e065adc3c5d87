"""Consent on a real SQLite file: the history, double opt-in, data rights, and a database from before it."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.errors import PublisherError
from publisher.mail import (
    consent,
    database,
    privacy,
    signup,
    subscriber_csv,
    subscribers,
    suppression,
    tokens,
)
from tests.mail.fixtures import write_csv

SECRET = b"consent-test-secret-9f3a7c1e"
NOW = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)
SCHEMA_1 = Path(__file__).parent / "data" / "publisher-schema-1.db"
POLICY = signup.Policy()


def request(email: str = "anna@example.org", **changes: object) -> signup.SignupRequest:
    values: dict[str, object] = {
        "email": email,
        "name": "Anna Müller",
        "lang": "de",
        "topics": ("energie", "verkehr"),
        "consent_text": "Ja, ich möchte den Newsletter.",
        "consent_version": "2024-05",
        "ip": "192.0.2.0",
    }
    return signup.SignupRequest(**(values | changes))  # type: ignore[arg-type]


# --- a database made by the version before consent records ------------------------------------------


def test_a_database_from_before_consent_records_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "publisher.db"
    shutil.copy(SCHEMA_1, path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
    conn = database.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(database.migrations())
        found = {s.email: s for s in subscribers.list_subscribers(conn)}
        assert {e: s.status for e, s in found.items()} == {
            "anna@example.org": "confirmed",
            "bob@example.com": "unsubscribed",
            "carla@xn--mnchen-3ya.de": "confirmed",
        }
        anna = found["anna@example.org"]
        assert (anna.name, anna.lang, anna.topics, anna.created) == (
            "Anna Müller", "de", ("presse", "rathaus"), "2024-05-01T08:00:00+00:00",
        )  # fmt: skip
        assert anna.confirmed_at is None  # nothing proves when: the history says so
        [legacy] = consent.history(conn, anna.id)
        assert (legacy.event, legacy.at, legacy.detail) == (
            "legacy", "2024-05-01T08:00:00+00:00", "added before consent was recorded",
        )  # fmt: skip
        # The delivery log is untouched and still joins the subscribers.
        sent = conn.execute("SELECT subscriber, status FROM deliveries ORDER BY subscriber").fetchall()
        assert [tuple(r) for r in sent] == [
            ("anna@example.org", "sent"), ("carla@xn--mnchen-3ya.de", "sent"), ("gone@example.org", "sent"),
        ]  # fmt: skip
        # The removed subscriber's id 4 is never given out again (its old links stay dead).
        assert subscribers.add_subscriber(conn, "new@example.org").id == 5
        assert subscribers.list_subscribers(conn, subscribers.ACTIVE)[0].status == "confirmed"
    finally:
        conn.close()
    again = database.connect(path)  # a second open does not migrate again
    assert len(subscribers.list_subscribers(again)) == 4
    again.close()


# --- double opt-in ---------------------------------------------------------------------------------


def test_signup_confirm_and_the_history_that_proves_it(conn: sqlite3.Connection) -> None:
    pending = signup.request_signup(conn, request(), POLICY, NOW)
    assert pending is not None and pending.expires == NOW + timedelta(days=7)
    [row] = subscribers.list_subscribers(conn)
    assert (row.status, row.name, row.topics) == ("pending", "", ())  # nothing counts before the confirmation
    signup.mail_sent(conn, pending, "ab" * 32)
    token = pending.token(SECRET)
    later = NOW + timedelta(hours=2)
    assert signup.check_confirm_token(conn, SECRET, token, later).outcome is signup.Outcome.CONFIRMED
    assert subscribers.list_subscribers(conn)[0].status == "pending"  # checking changes nothing
    done = signup.confirm(conn, SECRET, token, "198.51.100.0", later)
    assert done.outcome is signup.Outcome.CONFIRMED and done.subscriber is not None
    assert (done.subscriber.status, done.subscriber.name, done.subscriber.lang, done.subscriber.topics) == (
        "confirmed", "Anna Müller", "de", ("energie", "verkehr"),
    )  # fmt: skip
    assert done.subscriber.confirmed_at == "2024-05-14T11:00:00+00:00"
    first, second = consent.history(conn, done.subscriber.id)
    assert (first.event, first.at, first.ip, first.source) == (
        "signup",
        "2024-05-14T09:00:00+00:00",
        "192.0.2.0",
        "web",
    )
    assert (first.consent_text, first.consent_version) == ("Ja, ich möchte den Newsletter.", "2024-05")
    assert (first.mail_sha256, first.mail_sent_at) == ("ab" * 32, "2024-05-14T09:00:00+00:00")
    assert (first.lang, first.topics) == ("de", ("energie", "verkehr"))
    assert (second.event, second.at, second.ip) == ("confirm", "2024-05-14T11:00:00+00:00", "198.51.100.0")
    assert (second.consent_text, second.mail_sha256) == (first.consent_text, first.mail_sha256)
    # The link works once.
    assert signup.confirm(conn, SECRET, token, "", later).outcome is signup.Outcome.ALREADY


def test_a_confirmed_address_is_never_unconfirmed_and_gets_no_mail(conn: sqlite3.Connection) -> None:
    subscribers.add_subscriber(conn, "anna@example.org", name="Anna", lang="en", tags="x")
    assert signup.request_signup(conn, request(lang="de", topics=()), POLICY, NOW) is None
    [anna] = subscribers.list_subscribers(conn)
    assert (anna.status, anna.lang, anna.topics) == ("confirmed", "en", ("x",))


def test_one_confirmation_mail_per_address_per_interval(conn: sqlite3.Connection) -> None:
    first = signup.request_signup(conn, request(), POLICY, NOW)
    assert first is not None
    for minutes in range(1, 20):
        assert signup.request_signup(conn, request(), POLICY, NOW + timedelta(minutes=minutes)) is None
    assert signup.request_signup(conn, request(), POLICY, NOW + timedelta(hours=25)) is not None
    # A mail that could not be sent does not count.
    other = signup.request_signup(conn, request("bob@example.org"), POLICY, NOW)
    assert other is not None
    signup.mail_not_sent(conn, other)
    assert signup.request_signup(conn, request("bob@example.org"), POLICY, NOW) is not None


def test_expired_forged_and_foreign_tokens_change_nothing(conn: sqlite3.Connection) -> None:
    pending = signup.request_signup(conn, request(), POLICY, NOW)
    other = signup.request_signup(conn, request("bob@example.org"), POLICY, NOW)
    assert pending is not None and other is not None
    token = pending.token(SECRET)
    late = NOW + timedelta(days=7, seconds=1)
    assert signup.confirm(conn, SECRET, token, "", late).outcome is signup.Outcome.EXPIRED
    event_id, expires, _ = token.split(".")
    forged = [
        pending.token(b"another-secret-entirely-1234"),
        f"{event_id}.{int(expires) + 86400}.{token.split('.')[2]}",  # a longer life, same MAC
        tokens.make_confirm_token(SECRET, other.event_id, int(expires), "anna@example.org"),  # Anna on Bob's
        "1.2.3",
        "",
    ]
    for bad in forged:
        assert signup.confirm(conn, SECRET, bad, "", NOW).outcome is signup.Outcome.INVALID, bad
    assert {s.status for s in subscribers.list_subscribers(conn)} == {"pending"}


def test_unconfirmed_web_signups_are_deleted_after_their_link_expired(conn: sqlite3.Connection) -> None:
    assert signup.request_signup(conn, request("old@example.org"), POLICY, NOW) is not None
    # An imported row without consent waits for 'import --confirm': it stays.
    subscribers.insert_subscriber(
        conn, "imported@example.org", "", "", (), "2024-05-14T09:00:00+00:00", "pending"
    )
    signup.request_signup(conn, request("new@example.org"), POLICY, NOW + timedelta(days=9))
    assert [s.email for s in subscribers.list_subscribers(conn)] == [
        "imported@example.org",
        "new@example.org",
    ]


def test_an_unsubscribed_address_that_signs_up_again_needs_the_new_confirmation(
    conn: sqlite3.Connection,
) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    subscribers.unsubscribe(conn, anna.id, NOW)
    pending = signup.request_signup(conn, request(), POLICY, NOW + timedelta(days=1))
    assert pending is not None
    assert subscribers.get_subscriber(conn, anna.id).status == "unsubscribed"
    done = signup.confirm(conn, SECRET, pending.token(SECRET), "", NOW + timedelta(days=1))
    assert done.subscriber is not None and done.subscriber.status == "confirmed"
    assert done.subscriber.unsubscribed_at is None
    events = [e.event for e in consent.history(conn, anna.id)]
    assert events == ["add", "unsubscribe", "signup", "confirm"]


def test_preferences_are_a_history_not_an_overwrite(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org", name="Anna", lang="de", tags="a")
    changed = signup.update_preferences(conn, anna, "Dr. Anna Müller", "en", ["b", "c"], "203.0.113.0", NOW)
    assert (changed.name, changed.lang, changed.topics) == ("Dr. Anna Müller", "en", ("b", "c"))
    add, prefs = consent.history(conn, anna.id)
    assert (add.lang, add.topics, add.source) == ("de", ("a",), "cli")
    assert (prefs.event, prefs.lang, prefs.topics, prefs.ip) == (
        "preferences",
        "en",
        ("b", "c"),
        "203.0.113.0",
    )
    with pytest.raises(PublisherError) as info:
        signup.update_preferences(conn, changed, "x", "fr", [], "", NOW)
    assert [p.field for p in info.value.problems] == ["lang"]


@pytest.mark.parametrize(
    ("address", "mode", "kept"),
    [
        ("192.0.2.77", "full", "192.0.2.77"),
        ("192.0.2.77", "truncated", "192.0.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "truncated", "2001:db8:85a3::"),
        ("192.0.2.77", "none", ""),
        ("not an ip", "full", ""),
    ],
)
def test_recorded_ip(address: str, mode: str, kept: str) -> None:
    assert consent.recorded_ip(address, mode) == kept


# --- data rights -----------------------------------------------------------------------------------


def test_export_holds_everything_stored_about_the_address(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@münchen.de", name="Anna", now=NOW)
    conn.execute(
        "INSERT INTO deliveries (digest_id, subscriber, email, status) VALUES ('d1', ?, ?, 'sent')",
        (anna.key, anna.email),
    )
    data = privacy.export(conn, "Anna@München.de")
    assert data["subscriber"] == anna.as_dict()
    assert [e["event"] for e in data["consent"]] == ["add"]  # type: ignore[index]
    assert data["deliveries"] == [
        {
            "digest_id": "d1",
            "status": "sent",
            "attempts": 0,
            "last_error": "",
            "message_id": "",
            "sent_at": None,
        }
    ]
    assert data["suppressed"] is False


def test_forget_erases_suppresses_and_blocks_add_and_import(conn: sqlite3.Connection, tmp_path: Path) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org", name="Anna Müller", now=NOW)
    conn.execute(
        "INSERT INTO deliveries (digest_id, subscriber, email, status, message_id) "
        "VALUES ('d1', ?, ?, 'sent', '<x@example.org>')",
        (anna.key, anna.email),
    )
    erased = privacy.forget(conn, "ANNA@example.org", NOW)
    assert (erased.email, erased.consent_events, erased.deliveries) == ("anna@example.org", 1, 1)
    dump = "\n".join(conn.iterdump())
    assert "anna@example.org" not in dump.lower() and "Anna Müller" not in dump
    assert conn.execute("SELECT status, email, message_id FROM deliveries").fetchone()[:] == ("sent", "", "")
    assert suppression.is_suppressed(conn, "anna@example.org")
    with pytest.raises(PublisherError, match=r"suppression list -> .*web form"):
        subscribers.add_subscriber(conn, "Anna@Example.org")
    report = subscriber_csv.import_csv(
        conn,
        write_csv(
            tmp_path / "list.csv", "email,consent_source,consented_at\nanna@example.org,Messe,2024-01-02\n"
        ),
    )
    assert report.added == () and "suppression list" in str(report.problems[0])
    assert privacy.export(conn, "anna@example.org") == {
        "subscriber": None, "consent": [], "deliveries": [], "suppressed": True,
    }  # fmt: skip
    # Only a web signup with its own confirmation brings the address back.
    pending = signup.request_signup(conn, request(), POLICY, NOW)
    assert pending is not None
    signup.confirm(conn, SECRET, pending.token(SECRET), "", NOW)
    assert not suppression.is_suppressed(conn, "anna@example.org")
    assert subscribers.list_subscribers(conn)[0].status == "confirmed"


# --- CSV with consent given elsewhere --------------------------------------------------------------


def test_csv_consent_columns_decide_confirmed_or_pending(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "messe.csv",
        "email,name,topics,consent_source,consented_at\n"
        "anna@example.org,Anna,energie,Messe Köln 2023 (Formular),2023-09-14\n"
        "bob@example.org,Bob,,,\n"
        "carl@example.org,Carl,,Website,2023-10-01T10:30:00+02:00\n"
        "dora@example.org,Dora,,Website,\n"
        "erik@example.org,Erik,,Website,2099-01-01\n"
        "fritz@example.org,Fritz,,Website,gestern\n",
    )
    report = subscriber_csv.import_csv(conn, path, now=NOW)
    assert [(s.email, s.status) for s in report.added] == [
        ("anna@example.org", "confirmed"), ("bob@example.org", "pending"), ("carl@example.org", "confirmed"),
    ]  # fmt: skip
    assert [(p.line, p.field) for p in report.errors] == [
        (5, "consented_at"),
        (6, "consented_at"),
        (7, "consented_at"),
    ]
    assert "in the future" in str(report.errors[1]) and "2023-09-14" in str(report.errors[2])
    [anna] = consent.history(conn, report.added[0].id)
    assert (anna.event, anna.at, anna.source, anna.detail, anna.topics) == (
        "import", "2023-09-14", "import:messe.csv", "Messe Köln 2023 (Formular)", ("energie",),
    )  # fmt: skip
    [bob] = consent.history(conn, report.added[1].id)
    assert (bob.at, bob.detail) == ("2024-05-14T09:00:00+00:00", "no consent in the file")
    assert consent.history(conn, report.added[2].id)[0].at == "2023-10-01T10:30:00+02:00"
