"""Sending a digest exactly once to a real SMTP server on loopback, with faults injected by the server."""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.mail import database, deliveries, subscribers
from publisher.mail import message as mail
from publisher.mail.send import Outcome, SendOptions, SendReport, send_digest, send_lock
from publisher.mail.state import load_state
from publisher.mail.webapp import UnsubscribeApp
from tests.mail.fixtures import (
    DIGEST_ID,
    PASSWORD,
    SECRET,
    Faults,
    add_subscribers,
    smtp_server,
    subscriber_rows,
    write_digest,
    write_project,
)

ENV = {"PUBLISHER_SECRET": SECRET}
TOKEN_IN_TEXT = re.compile(r"https://news\.example\.org/unsubscribe\?token=([0-9]+\.[A-Za-z0-9_-]{43})")


def project(tmp_path: Path, port: int, count: int, **smtp: object) -> Settings:
    settings = write_project(tmp_path / "site", port, **smtp)
    write_digest(settings.out_dir)
    add_subscribers(settings, subscriber_rows(count))
    return settings


def statuses(settings: Settings, digest_id: str = DIGEST_ID) -> dict[str, int]:
    conn = database.connect(settings.database_path)
    try:
        return {k: v for k, v in deliveries.counts(conn, digest_id).items() if v}
    finally:
        conn.close()


def delivery_of(settings: Settings, address: str) -> deliveries.Delivery:
    conn = database.connect(settings.database_path)
    try:
        found = [d for d in deliveries.list_deliveries(conn, DIGEST_ID) if d.email == address]
    finally:
        conn.close()
    assert len(found) == 1
    return found[0]


def send(settings: Settings, **options: object) -> SendReport:
    return send_digest(settings, SendOptions(**options), environ=ENV)  # type: ignore[arg-type]


def test_each_of_300_subscribers_gets_one_personalised_message(tmp_path: Path) -> None:
    progress: list[tuple[int, int, Outcome | None]] = []
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 300)
        report = send_digest(settings, progress=lambda *call: progress.append(call), environ=ENV)
    rows = {address: (name, lang) for address, name, lang in subscriber_rows(300)}
    assert (report.sent, report.failed, report.skipped, report.unknown) == (300, (), 0, ())
    assert report.ok and report.marked_sent
    assert handler.per_recipient() == dict.fromkeys(rows, 1)
    assert handler.connections == 1
    assert progress[0] == (0, 300, None) and progress[-1][:2] == (300, 300)
    assert len(progress) == 301

    conn = database.connect(settings.database_path)
    message_ids = set()
    for (sender, recipients, _), message in zip(handler.messages, handler.received(), strict=True):
        address = recipients[0]
        name, lang = rows[address]
        assert sender == "news@example.org"
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == name
        assert str(message["Subject"]) == "Wochenrückblick: „Neues“ aus München"
        assert message["Message-ID"] == mail.message_id_for(DIGEST_ID, address, "example.org")
        message_ids.add(message["Message-ID"])
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        text, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
        greeting = mail.greeting_line(lang, name)
        assert text.startswith(greeting + "\n") and f"<p>{greeting}</p>" in html
        assert "%%" not in text + html + str(message["List-Unsubscribe"])
        token = TOKEN_IN_TEXT.search(text).group(1)  # type: ignore[union-attr]
        assert f"token={token}" in html and f"token={token}>" in str(message["List-Unsubscribe"])
        owner = subscribers.subscriber_for_token(conn, SECRET.encode(), token)
        assert owner is not None and owner.email == address
    conn.close()
    assert len(message_ids) == 300
    assert statuses(settings) == {"sent": 300}
    last = load_state(settings.state_path).last
    assert last is not None and last.digest_id == DIGEST_ID
    assert last.entry_ids == (
        "tag:news.example.org,2024-05-13:rathaus",
        "tag:news.example.org,2024-05-12:plaene",
    )
    assert last.window_end.isoformat() == "2024-05-14T09:00:00+02:00"


@pytest.fixture
def wsgi_url(tmp_path: Path) -> Iterator[tuple[str, list[UnsubscribeApp]]]:
    """The unsubscribe app under wsgiref on a free loopback port; the test installs the app."""
    apps: list[UnsubscribeApp] = []

    def app(environ: dict, start_response: object) -> object:
        return apps[0](environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", apps
    server.shutdown()
    server.server_close()


def test_the_link_in_a_received_mail_unsubscribes_via_the_web_app(
    tmp_path: Path, wsgi_url: tuple[str, list[UnsubscribeApp]]
) -> None:
    base, apps = wsgi_url
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 5)
        send(settings)
    apps.append(UnsubscribeApp.from_settings(settings, SECRET.encode()))
    received = {m[1][0]: handler.received()[i] for i, m in enumerate(handler.messages)}
    header = str(received["user0002@example.org"]["List-Unsubscribe"])
    link = re.search(r"<(https://[^>]+)>", header).group(1)  # type: ignore[union-attr]
    local = link.replace("https://news.example.org", base)

    with urllib.request.urlopen(local) as response:  # GET: a confirmation page, nothing changes
        page = response.read().decode()
    assert "Abbestellen" in page and "user0002@example.org" in page
    assert [s.status for s in list_all(settings)].count("unsubscribed") == 0

    request = urllib.request.Request(local, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request) as response:  # RFC 8058 one-click POST
        assert response.status == 200
        assert "ist abgemeldet" in response.read().decode()
    gone = [s.email for s in list_all(settings) if s.status == "unsubscribed"]
    assert gone == ["user0002@example.org"]

    forged = local[:-3] + ("xyz" if not local.endswith("xyz") else "abc")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(forged, data=b"List-Unsubscribe=One-Click"))
    caught.value.close()
    assert caught.value.code == 400
    assert [s.email for s in list_all(settings) if s.status == "unsubscribed"] == ["user0002@example.org"]


def list_all(settings: Settings) -> list[subscribers.Subscriber]:
    conn = database.connect(settings.database_path)
    try:
        return subscribers.list_subscribers(conn)
    finally:
        conn.close()


def test_451_is_retried_with_backoff_and_delivered(tmp_path: Path) -> None:
    faults = Faults(temporary={"user0003@example.org": 2, "user0010@example.org": 3})
    with smtp_server(faults) as (controller, handler):
        settings = project(tmp_path, controller.port, 30, max_attempts=4)
        report = send(settings)
    assert report.ok and report.sent == 30
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(30)}
    assert (
        sorted(handler.rejections)
        == [("user0003@example.org", 451)] * 2 + [("user0010@example.org", 451)] * 3
    )
    assert delivery_of(settings, "user0010@example.org").attempts == 4
    assert delivery_of(settings, "user0011@example.org").attempts == 1
    # a greylisted address waits in the retry queue; the others are not held up behind it
    order = [m[1][0] for m in handler.messages]
    assert order.index("user0010@example.org") > order.index("user0011@example.org")


def test_451_beyond_max_attempts_is_a_failure(tmp_path: Path) -> None:
    with smtp_server(Faults(temporary={"user0001@example.org": 99})) as (controller, _):
        settings = project(tmp_path, controller.port, 5, max_attempts=3)
        report = send(settings)
    assert [(o.email, o.error) for o in report.failed] == [
        (
            "user0001@example.org",
            "gave up after 3 attempts: RCPT TO: 451 4.7.1 greylisted, try again later (test)",
        )
    ]
    assert report.sent == 4 and not report.ok
    assert delivery_of(settings, "user0001@example.org").status == "failed"


def test_550_marks_one_failed_and_everyone_else_is_delivered(tmp_path: Path) -> None:
    with smtp_server(Faults(permanent={"user0005@example.org"})) as (controller, handler):
        settings = project(tmp_path, controller.port, 40)
        report = send(settings)
    assert [o.email for o in report.failed] == ["user0005@example.org"]
    assert report.sent == 39 and not report.ok
    assert handler.rejections == [("user0005@example.org", 550)]  # permanent: not retried
    assert "user0005@example.org" not in handler.per_recipient()
    assert statuses(settings) == {"sent": 39, "failed": 1}
    assert delivery_of(settings, "user0005@example.org").last_error.startswith("RCPT TO: 550 5.1.1")
    assert report.marked_sent  # a bounce is final; the next digest moves on


def test_dropped_connections_mid_run_reconnect_and_continue(tmp_path: Path) -> None:
    with smtp_server(Faults(drop_at_mail={20, 21, 60})) as (controller, handler):
        settings = project(tmp_path, controller.port, 100)
        report = send(settings)
    assert report.ok and report.sent == 100
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(100)}
    assert handler.connections == 4


def test_a_lost_reply_after_data_is_unknown_and_never_resent(tmp_path: Path) -> None:
    with smtp_server(Faults(drop_after_data={10})) as (controller, handler):
        settings = project(tmp_path, controller.port, 30)
        first = send(settings)
        in_flight = handler.messages[9][1][0]
        assert [d.email for d in first.unknown] == [in_flight]
        assert first.sent == 29 and not first.ok and not first.marked_sent
        assert load_state(settings.state_path).last is None  # not done: `publisher digest` must not move on

        with pytest.raises(PublisherError, match=r"already sent in an earlier run .* --resume"):
            send(settings)
        resumed = send(settings, resume=True)
        assert (resumed.sent, resumed.skipped, [d.email for d in resumed.unknown]) == (0, 29, [in_flight])
        assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(30)}

        resolved = send(settings, mark_unknown_sent=True)
    assert resolved.ok and resolved.sent == 0 and resolved.marked_sent
    assert statuses(settings) == {"sent": 30}
    assert delivery_of(settings, in_flight).last_error == "marked sent by the operator (--mark-unknown-sent)"
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(30)}


def test_retry_unknown_resends_only_the_unknown_one(tmp_path: Path) -> None:
    with smtp_server(Faults(drop_after_data={3})) as (controller, handler):
        settings = project(tmp_path, controller.port, 10)
        first = send(settings)
        in_flight = first.unknown[0].email
        again = send(settings, retry_unknown=True)
    assert again.ok and again.sent == 1 and again.marked_sent
    counts = handler.per_recipient()
    assert counts[in_flight] == 2  # the operator chose to risk a duplicate
    assert all(n == 1 for address, n in counts.items() if address != in_flight)


def test_resume_sends_to_new_and_failed_subscribers_only(tmp_path: Path) -> None:
    faults = Faults(permanent={"user0002@example.org"})
    with smtp_server(faults) as (controller, handler):
        settings = project(tmp_path, controller.port, 10)
        send(settings)
        faults.permanent.clear()  # the mailbox exists again
        add_subscribers(settings, [("late@example.org", "Lena", "de")])
        resumed = send(settings, resume=True, force=True)
    assert sorted(o.email for o in resumed.outcomes if o.status == "sent") == [
        "late@example.org",
        "user0002@example.org",
    ]
    assert resumed.skipped == 9
    assert set(handler.per_recipient().values()) == {1}


def test_an_already_sent_digest_needs_force_and_force_never_duplicates(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 10)
        send(settings)
        with pytest.raises(PublisherError, match=r"already marked as sent -> .*--force"):
            send(settings)
        forced = send(settings, force=True, resume=True)
    assert (forced.sent, forced.skipped) == (0, 10)
    assert set(handler.per_recipient().values()) == {1}


def test_unsubscribed_and_removed_subscribers_get_nothing(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 6)
        conn = database.connect(settings.database_path)
        subscribers.unsubscribe(conn, subscribers.existing_subscriber(conn, "user0001@example.org").id)  # type: ignore[union-attr]
        subscribers.remove_subscriber(conn, "user0002@example.org")
        conn.close()
        report = send(settings)
    assert report.sent == 4
    assert set(handler.per_recipient()) == {f"user{i:04d}@example.org" for i in (0, 3, 4, 5)}


def test_someone_unsubscribing_during_the_run_is_skipped(tmp_path: Path) -> None:
    def unsubscribe_user_5(done: int, total: int, outcome: Outcome | None) -> None:
        if done == 2:  # another process (the web app) unsubscribes user0005 while we are sending
            conn = database.connect(settings.database_path)
            found = subscribers.existing_subscriber(conn, "user0005@example.org")
            assert found is not None
            subscribers.unsubscribe(conn, found.id)
            conn.close()

    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 8)
        report = send_digest(settings, progress=unsubscribe_user_5, environ=ENV)
    assert (report.sent, report.skipped) == (7, 1)
    assert "user0005@example.org" not in handler.per_recipient()
    assert statuses(settings) == {"sent": 7}
    assert report.marked_sent


def test_dry_run_sends_nothing_and_changes_nothing(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 8)
        report = send(settings, dry_run=True)
    assert report.dry_run and [o.status for o in report.outcomes] == ["planned"] * 8
    assert report.outcomes[1].greeting == "Hallo Jürgen 1,"
    assert report.outcomes[0].greeting == "Hello,"
    assert handler.messages == [] and handler.connections == 0
    assert statuses(settings) == {}
    assert not settings.state_path.exists()


def test_the_newest_digest_is_sent_unless_one_is_picked(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 2)
        older = write_digest(settings.out_dir, date="2024-05-07", digest_id="digest-2024-05-07")
        newest = send(settings)
        picked = send(settings, digest_dir=older)
    assert (newest.digest_id, picked.digest_id) == (DIGEST_ID, "digest-2024-05-07")
    assert [d.digest_id for d in load_state(settings.state_path).sent] == [DIGEST_ID, "digest-2024-05-07"]
    assert set(handler.per_recipient().values()) == {2}


def test_no_rendered_digest(tmp_path: Path) -> None:
    settings = write_project(tmp_path, 25)
    add_subscribers(settings, subscriber_rows(2))
    with pytest.raises(PublisherError, match=r"no rendered digest found -> run 'publisher digest' first"):
        send(settings)


def test_a_second_sender_on_the_same_database_is_refused(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 2)
        with (
            send_lock(settings.database_path),
            pytest.raises(PublisherError, match="another 'publisher send'"),
        ):
            send(settings)
        assert send(settings).sent == 2  # the lock is gone with its holder
    assert len(handler.messages) == 2


@pytest.mark.parametrize("who", ["nobody", "only-unsubscribed"])
def test_an_empty_list_is_an_error(tmp_path: Path, who: str) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 0 if who == "nobody" else 1)
        if who == "only-unsubscribed":
            conn = database.connect(settings.database_path)
            subscribers.unsubscribe(conn, subscribers.list_subscribers(conn)[0].id)
            conn.close()
        with pytest.raises(PublisherError, match="no active subscribers -> add some"):
            send(settings)
    assert handler.connections == 0


def test_missing_secret_stops_before_anything(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        settings = project(tmp_path, controller.port, 2)
        with pytest.raises(PublisherError, match="PUBLISHER_SECRET is not set"):
            send_digest(settings, environ={})
    assert handler.connections == 0 and statuses(settings) == {}


def test_unreachable_server_is_a_clear_error_and_nothing_is_claimed(tmp_path: Path) -> None:
    with smtp_server() as (controller, _):
        port = controller.port
    settings = project(tmp_path, port, 3, max_attempts=2)
    with pytest.raises(PublisherError) as caught:
        send(settings)
    message = str(caught.value)
    assert f"cannot connect to 127.0.0.1:{port}" in message
    assert "check [smtp] host and port" in message
    assert statuses(settings) == {"pending": 3}
    with smtp_server() as (controller, _):  # the server is back: a plain send just works
        settings = replace(settings, smtp=replace(settings.smtp, port=controller.port))
        assert send(settings).sent == 3


def test_wrong_credentials_stop_before_any_delivery(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="publisher")  # the test server's own log ("mail.log") is not ours
    wrong = "not-the-password-42"
    with smtp_server(password=PASSWORD) as (controller, handler):
        settings = project(tmp_path, controller.port, 3, username="mailer")
        with pytest.raises(PublisherError) as caught:
            send_digest(settings, environ={**ENV, "PUBLISHER_SMTP_PASSWORD": wrong})
        assert "rejected the login for user 'mailer'" in str(caught.value)
        ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("publisher"))
        assert wrong not in str(caught.value) and wrong not in ours
        assert statuses(settings) == {"pending": 3}
        report = send_digest(settings, environ={**ENV, "PUBLISHER_SMTP_PASSWORD": PASSWORD})
    assert report.sent == 3 and handler.authenticated == [True] * 3
    assert PASSWORD not in "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("publisher"))


def test_rate_limit_asks_for_pauses_between_messages(tmp_path: Path) -> None:
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    with smtp_server() as (controller, _):
        settings = project(tmp_path, controller.port, 6, rate_per_second=50)
        send_digest(settings, environ=ENV, sleep=sleep)
    spaced = [p for p in pauses if p > 0]
    assert len(spaced) >= 4  # the first message goes at once; most later ones wait for their slot
    assert all(p <= 1 / 50 + 1e-9 for p in spaced)
