"""The web app's signup, confirmation and preferences, called as WSGI on a real SQLite file, with a real
SMTP server on loopback receiving the confirmation mails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from publisher.config import Settings, load_settings
from publisher.mail import consent, database, subscribers, tokens
from publisher.mail.webapp import WebApp
from tests.mail.fixtures import LoopbackController, RecordingHandler, smtp_server, write_project
from tests.mail.test_store_faults import damage_table, read_only
from tests.mail.test_webapp import Response, call

SECRET = b"signup-test-secret-5d2e8b"
NOW = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)
SIGNUP_CONFIG = """
[subscribe]
url = "https://app.example.org/news/subscribe"
topics = ["Energie", "Öffentlicher Nahverkehr"]
consent_version = "2024-05"

[legal]
imprint = "Netzwerk e. V.\\nMusterstraße 1, 50667 Köln"
privacy_url = "https://news.example.org/datenschutz"
"""


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server() -> Iterator[tuple[LoopbackController, RecordingHandler]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mail(server: tuple[LoopbackController, RecordingHandler]) -> RecordingHandler:
    return server[1]


@pytest.fixture
def settings(tmp_path: Path, server: tuple[LoopbackController, RecordingHandler]) -> Settings:
    root = tmp_path / "site"
    write_project(root, server[0].port)
    with (root / "publisher.toml").open("a", encoding="utf-8") as config:
        config.write(SIGNUP_CONFIG)
    return load_settings(root / "publisher.toml")


def post(app: WebApp, path: str, fields: dict[str, Any], ip: str = "192.0.2.10", query: str = "") -> Response:
    body = urlencode(fields, doseq=True).encode()
    return call(app, "POST", path=path, body=body, query=query, extra={"REMOTE_ADDR": ip})


def signup_fields(email: str = "anna@example.org", **changes: Any) -> dict[str, Any]:
    return {
        "email": email,
        "name": "Anna Müller",
        "lang": "de",
        "topics": ["energie", "oeffentlicher-nahverkehr"],
        "consent": "yes",
        "website": "",
    } | changes


def link_in(handler: RecordingHandler, index: int = -1) -> str:
    text = handler.received()[index].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"https://app\.example\.org/news/confirm\?token=\S+", text)
    assert found, text
    return found.group(0)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def subscriber(settings: Settings, email: str) -> subscribers.Subscriber | None:
    conn = database.connect(settings.database_path)
    try:
        return subscribers.existing_subscriber(conn, email)
    finally:
        conn.close()


def test_the_form_offers_topics_consent_and_a_trap(settings: Settings) -> None:
    page = call(WebApp(settings, SECRET), path="/subscribe")
    assert page.status == "200 OK" and '<html lang="de">' in page.text
    for name in ('name="email"', 'name="name"', 'name="lang"', 'name="consent"', 'name="website"'):
        assert name in page.text
    assert 'value="energie"' in page.text and 'value="oeffentlicher-nahverkehr"' in page.text
    assert "Öffentlicher Nahverkehr" in page.text
    assert "Ja, ich möchte die Neuigkeiten von Beispiel Nachrichten per E-Mail erhalten." in page.text
    assert 'href="https://news.example.org/datenschutz"' in page.text
    english = call(WebApp(settings, SECRET), path="/subscribe", query="lang=en")
    assert '<html lang="en">' in english.text and "Yes, I want to receive the news" in english.text


def test_signup_confirm_and_preferences(settings: Settings, mail: RecordingHandler) -> None:
    clock = Clock()
    app = WebApp(settings, SECRET, clock)
    answer = post(app, "/subscribe", signup_fields(), ip="192.0.2.77")
    assert answer.status == "200 OK" and "Bitte sehen Sie in Ihr Postfach" in answer.text
    [message] = mail.received()
    assert message["To"] == "Anna Müller <anna@example.org>"
    assert message["Subject"] == "Bitte bestätigen Sie Ihr Abonnement: Beispiel Nachrichten"
    assert message["Auto-Submitted"] == "auto-generated" and message["List-Unsubscribe"] is None
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (text, html):
        assert "Netzwerk e. V." in part and "Musterstraße 1, 50667 Köln" in part  # the imprint
        assert "https://app.example.org/news/confirm?token=" in part
        assert "https://news.example.org/datenschutz" in part
    assert "Beispiel Nachrichten" in text and "news@example.org" in text  # who is asking
    token = token_of(link_in(mail))
    # A GET (a mail scanner, a preview) shows a button and changes nothing.
    clock.now += timedelta(hours=3)
    page = call(app, path="/confirm", query=urlencode({"token": token}))
    assert page.status == "200 OK" and "Ja, Abonnement bestätigen" in page.text
    assert subscriber(settings, "anna@example.org").status == "pending"  # type: ignore[union-attr]
    done = post(app, "/confirm", {"token": token}, ip="198.51.100.23")
    assert done.status == "200 OK" and "anna@example.org ist jetzt angemeldet" in done.text
    anna = subscriber(settings, "anna@example.org")
    assert anna is not None and (anna.status, anna.lang, anna.topics) == (
        "confirmed", "de", ("energie", "oeffentlicher-nahverkehr"),
    )  # fmt: skip
    conn = database.connect(settings.database_path)
    signup_event, confirm_event = consent.history(conn, anna.id)
    conn.close()
    assert (signup_event.at, signup_event.ip, signup_event.source) == (
        "2024-05-14T09:00:00+00:00",
        "192.0.2.0",
        "web",
    )
    assert signup_event.consent_version == "2024-05" and signup_event.consent_text.startswith(
        "Ja, ich möchte"
    )
    assert len(signup_event.mail_sha256) == 64
    assert (confirm_event.at, confirm_event.ip) == ("2024-05-14T12:00:00+00:00", "198.51.100.0")
    # The confirmation page links to the preferences page.
    preferences_link = re.search(r'href="(preferences\?token=[^"]+)"', done.text)
    assert preferences_link
    preferences_token = parse_qs(urlsplit(preferences_link.group(1).replace("&amp;", "&")).query)["token"][0]
    assert preferences_token == tokens.make_token(SECRET, anna.id, anna.key)
    page = call(app, path="/preferences", query=urlencode({"token": preferences_token}))
    assert page.status == "200 OK" and "Einstellungen für anna@example.org" in page.text
    saved = post(
        app,
        "/preferences",
        {"token": preferences_token, "name": "Dr. Anna Müller", "lang": "en", "topics": ["energie"]},
    )
    assert saved.status == "200 OK" and "Your settings are saved." in saved.text
    anna = subscriber(settings, "anna@example.org")
    assert anna is not None and (anna.name, anna.lang, anna.topics) == ("Dr. Anna Müller", "en", ("energie",))
    assert post(app, "/confirm", {"token": token}).text.count("bereits verwendet") == 1  # used once only


def test_the_answer_is_the_same_for_every_kind_of_address(settings: Settings, mail: RecordingHandler) -> None:
    conn = database.connect(settings.database_path)
    subscribers.add_subscriber(conn, "confirmed@example.org")
    subscribers.unsubscribe(conn, subscribers.add_subscriber(conn, "left@example.org").id)
    conn.close()
    app = WebApp(settings, SECRET, Clock())
    post(app, "/subscribe", signup_fields("pending@example.org"))
    answers = {
        address: post(app, "/subscribe", signup_fields(address), ip=f"192.0.2.{n}")
        for n, address in enumerate(
            ["new@example.org", "pending@example.org", "confirmed@example.org", "left@example.org"]
        )
    }
    assert {(a.status, a.body) for a in answers.values()} == {
        (answers["new@example.org"].status, answers["new@example.org"].body)
    }
    assert subscriber(settings, "confirmed@example.org").status == "confirmed"  # type: ignore[union-attr]
    # Mails: pending (first signup), new, left (a new opt-in); not the confirmed one, not pending twice.
    assert sorted(m["To"].addresses[0].addr_spec for m in mail.received()) == [
        "left@example.org", "new@example.org", "pending@example.org",
    ]  # fmt: skip


def test_honeypot_missing_consent_and_bad_fields(settings: Settings, mail: RecordingHandler) -> None:
    app = WebApp(settings, SECRET, Clock())
    robot = post(app, "/subscribe", signup_fields(website="http://spam.example"))
    assert robot.status == "200 OK" and "Postfach" in robot.text
    no_consent = post(app, "/subscribe", signup_fields(consent=""))
    assert no_consent.status == "400 Bad Request" and "Bitte stimmen Sie zu" in no_consent.text
    assert 'value="anna@example.org"' in no_consent.text  # what was typed stays
    bad = post(app, "/subscribe", signup_fields("kaputt", name="<script>x</script>"))
    assert bad.status == "400 Bad Request" and "is not a valid address" in bad.text
    assert "<script>x" not in bad.text
    assert mail.received() == [] and subscriber(settings, "anna@example.org") is None


def test_per_ip_limit(settings: Settings, mail: RecordingHandler) -> None:
    app = WebApp(settings, SECRET, Clock())
    statuses = [
        post(app, "/subscribe", signup_fields(f"p{n}@example.org"), ip="203.0.113.9").status
        for n in range(12)
    ]
    assert statuses == ["200 OK"] * 10 + ["429 Too Many Requests"] * 2
    assert post(app, "/subscribe", signup_fields("other@example.org"), ip="203.0.113.10").status == "200 OK"
    assert len(mail.received()) == 11


def test_expired_and_forged_confirmation_links(settings: Settings, mail: RecordingHandler) -> None:
    clock = Clock()
    app = WebApp(settings, SECRET, clock)
    post(app, "/subscribe", signup_fields())
    token = token_of(link_in(mail))
    forged = post(app, "/confirm", {"token": token[:-2] + "AA"})
    assert forged.status == "400 Bad Request" and "nichts geändert" in forged.text
    clock.now += timedelta(days=8)
    expired = post(app, "/confirm", {"token": token})
    assert expired.status == "410 Gone" and "abgelaufen" in expired.text
    assert subscriber(settings, "anna@example.org").status == "pending"  # type: ignore[union-attr]


def test_limits_and_errors_show_no_internals(settings: Settings) -> None:
    app = WebApp(settings, SECRET, Clock())
    big = call(app, "POST", path="/subscribe", body=b"email=" + b"a" * 20_000)
    assert big.status == "413 Content Too Large"
    assert call(app, path="/admin").status == "404 Not Found"
    assert call(app, "DELETE", path="/subscribe").status == "405 Method Not Allowed"
    bad_preferences = call(app, path="/preferences", query="token=1.xyz")
    assert bad_preferences.status == "400 Bad Request"


def test_a_damaged_database_answers_503_not_500(settings: Settings) -> None:
    conn = database.connect(settings.database_path)
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    conn.close()
    token = tokens.make_token(SECRET, anna.id, anna.key)
    damage_table(settings.database_path)
    app = WebApp(settings, SECRET, Clock())
    for response in (
        call(app, path="/unsubscribe", query=f"token={token}"),
        post(app, "/subscribe", signup_fields("new@example.org")),
    ):
        assert response.status == "503 Service Unavailable"
        assert "Bitte versuchen Sie es später" in response.text and "Traceback" not in response.text
        assert "publisher.db" not in response.text


def test_a_read_only_database_answers_503(settings: Settings) -> None:
    conn = database.connect(settings.database_path)
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    conn.close()
    token = tokens.make_token(SECRET, anna.id, anna.key)
    app = WebApp(settings, SECRET, Clock())
    with read_only(settings.database_path):
        response = post(app, "/unsubscribe", {"token": token, "List-Unsubscribe": "One-Click"})
    assert response.status == "503 Service Unavailable" and "später" in response.text
    assert subscriber(settings, "anna@example.org").status == "confirmed"  # type: ignore[union-attr]
