"""The real pipeline: `publisher digest` renders, `publisher send` delivers, the next digest moves on;
and what goes wrong at its edges (a killed sender, a refusing server, odd names, a late entry)."""

from __future__ import annotations

import email.utils
import json
import os
import random
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.mail import database, deliveries
from publisher.mail.state import load_state
from tests.digest.fixtures import NOW, make_cli_project, write_entry_file
from tests.mail.fixtures import (
    PASSWORD,
    SECRET,
    Faults,
    RecordingHandler,
    add_subscribers,
    parse,
    smtp_server,
    write_csv,
)

REPO = Path(__file__).resolve().parents[2]
ENV = {"PUBLISHER_SECRET": SECRET}
INJECTED = (
    "=?utf-8?b?eA0KQmNjOiB2aWN0aW1AZXZpbC5leGFtcGxlDQpTdWJqZWN0OiBZb3VyIGFjY291bnQgaXMgbG9ja2VkDQoNCkNsaWNr"
    "IGh0dHBzOi8vZXZpbC5leGFtcGxlLw==?="
)


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={**ENV, **(env or {})})


def newsroom(root: Path, port: int, entries: int = 3, people: int = 2, **smtp: object) -> Path:
    """A project with ``entries`` entry files, ``people`` subscribers and [smtp] on the test server."""
    values = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "retry_backoff": 0.01,
        "rate_per_second": 10_000,
        **smtp,
    }
    config = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    settings = make_cli_project(root, entries, extra_config=config)
    add_subscribers(settings, [(f"user{i:04d}@example.org", "", "") for i in range(people)])
    return root


def received_titles(handler: RecordingHandler) -> dict[str, list[str]]:
    """Address -> the entry titles of every message it got, in order."""
    got: dict[str, list[str]] = {}
    for (_, recipients, _), message in zip(handler.messages, handler.received(), strict=True):
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        titles = [line.strip() for line in text.splitlines() if line.strip().startswith("Meldung ")]
        for address in recipients:
            got.setdefault(address.lower(), []).extend(titles)
    return got


def test_digest_then_send_then_the_next_digest_has_only_new_entries(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        smtp = f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\nretry_backoff = 0.01\n'
        make_cli_project(tmp_path, 3, extra_config=smtp)
        assert run(tmp_path, "digest", "--now", NOW.isoformat()).exit_code == 0
        run(tmp_path, "subscribers", "add", "anna@example.org", "--name", "Anna", "--lang", "de")
        run(tmp_path, "subscribers", "add", "bob@example.org", "--lang", "en")
        sent = run(tmp_path, "send")
        assert sent.exit_code == 0, sent.stderr
        assert sent.stdout.startswith("sent 2, failed 0, skipped 0, unknown 0")

        later = NOW + timedelta(days=7)
        write_entry_file(
            tmp_path, 9, published=later - timedelta(hours=2), title="Neue Meldung nach dem Versand"
        )
        assert run(tmp_path, "digest", "--now", later.isoformat()).exit_code == 0
        second = run(tmp_path, "send")
    assert second.exit_code == 0, second.stderr
    first_ids = json.loads((tmp_path / "out/digests/2024-05-20/digest.json").read_text())["entry_ids"]
    second_ids = json.loads((tmp_path / "out/digests/2024-05-27/digest.json").read_text())["entry_ids"]
    assert len(first_ids) == 3 and second_ids == ["tag:news.example.org,2024:meldung-09"]

    messages = {m[1][0]: parse(m[2]) for m in handler.messages[:2]}
    anna = messages["anna@example.org"]
    assert str(anna["To"]) == "Anna <anna@example.org>"
    assert str(anna["From"]) == "Stadtwerke Neustadt <news@example.org>"
    assert str(anna["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    text, html = (p.get_content() for p in anna.iter_parts())
    assert "Hallo Anna," in text and "Hallo Anna," in html
    assert "Meldung 1: Neues aus den Stadtwerken" in text
    assert "https://news.example.org/unsubscribe?token=" in text
    assert "%%" not in text + html
    bob_text = messages["bob@example.org"].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert bob_text.lstrip().startswith("Hello,")
    assert [m[1][0] for m in handler.messages[2:]] == ["anna@example.org", "bob@example.org"]
    assert "Neue Meldung nach dem Versand" in handler.received()[2].get_body(("plain",)).get_content()  # type: ignore[union-attr]


# --- entries that never reached a digest ---------------------------------------------------------


def test_an_entry_dated_before_a_sent_digest_but_published_after_it_is_mailed(tmp_path: Path) -> None:
    """A digest sent at 10:01; an entry dated 09:30 the same day, imported later, appeared on the site
    and in the feeds but never in a digest ("No new entries")."""
    now = datetime.now(UTC).replace(microsecond=0)
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, entries=0)
        write_entry_file(root, 1, published=now - timedelta(hours=3))
        assert run(root, "build").exit_code == 0
        sent_at = now - timedelta(hours=1)
        assert run(root, "digest", "--now", sent_at.isoformat()).exit_code == 0
        assert run(root, "send").exit_code == 0
        write_entry_file(
            root, 2, published=sent_at - timedelta(minutes=31), title="Meldung 2: spät importiert"
        )
        assert run(root, "build").exit_code == 0  # the entry appears on the site now, after the digest
        digest = run(
            root,
            "digest",
            "--now",
            (datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)).isoformat(),
        )
        assert digest.exit_code == 0 and digest.stdout.startswith("Digest "), digest.stdout
        assert run(root, "send").exit_code == 0
    assert received_titles(handler) == {
        f"user{i:04d}@example.org": ["Meldung 1: Neues aus den Stadtwerken", "Meldung 2: spät importiert"]
        for i in range(2)
    }


def test_an_entry_dated_at_midnight_of_a_digest_day_is_mailed(tmp_path: Path) -> None:
    """After `digest --now 2026-12-07T09:00+01:00 --mark-sent`, an entry dated 2026-12-07 was never mailed."""
    root = tmp_path / "site"
    make_cli_project(root, 0)
    write_entry_file(root, 1, published=datetime.fromisoformat("2026-12-06T12:00+01:00"))
    assert run(root, "digest", "--now", "2026-12-07T09:00+01:00", "--mark-sent").exit_code == 0
    write_entry_file(root, 2, published=datetime.fromisoformat("2026-12-07T00:00+01:00"))
    result = run(root, "digest", "--now", "2026-12-14T09:00+01:00")
    assert result.exit_code == 0 and result.stdout.startswith("Digest "), result.stdout
    ids = json.loads((root / "out/digests/2026-12-14/digest.json").read_text())["entry_ids"]
    assert ids == ["tag:news.example.org,2024:meldung-02"]


def test_a_new_entry_older_than_lookback_days_is_named(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_cli_project(root, 0, extra_config="")
    write_entry_file(root, 1, published=datetime.fromisoformat("2026-12-06T12:00+01:00"))
    assert run(root, "publish", "--no-send", "--now", "2026-12-07T08:00+01:00").exit_code == 0
    assert run(root, "digest", "--now", "2026-12-07T09:00+01:00", "--mark-sent").exit_code == 0
    old = write_entry_file(root, 2, published=datetime.fromisoformat("2026-10-01T12:00+02:00"))
    result = run(root, "publish", "--no-send", "--now", "2026-12-14T09:00+01:00")
    assert result.exit_code == 0, result.stderr
    assert "digest: nothing new since 2026-12-07T09:00:00+01:00" in result.stdout
    relative = old.relative_to(root).as_posix()
    assert f"{relative}: warning: date: is new on the site since the last digest" in result.stderr
    assert "more than 30 days before the digest: it is not mailed -> " in result.stderr
    again = run(root, "digest", "--now", "2026-12-14T10:00+01:00")  # digest alone names it as well
    assert f"{relative}: warning: date: is new on the site" in again.stderr


# --- a killed sender -----------------------------------------------------------------------------


def start_send(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(root), "send"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO), **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def resolve_unknown_from_the_server_log(root: Path, handler: RecordingHandler) -> Result | None:
    """What the operator does: look up each unknown delivery's Message-ID in the server's log."""
    listed = run(root, "send", "--list-unknown")
    assert listed.exit_code == 0, listed.stderr
    logged = {parse(data)["Message-ID"] for _, _, data in handler.messages}
    arrived, lost = [], []
    for line in listed.stdout.splitlines():
        status, address, message_id, _ = line.split("\t", 3)
        if status == "unknown":
            (arrived if message_id in logged else lost).append(address)
    if not arrived and not lost:
        return None
    args = [a for address in arrived for a in ("--arrived", address)]
    args += [a for address in lost for a in ("--retry", address)]
    return run(root, "send", *args)


@pytest.mark.parametrize("again", ["digest", "next-day digest"])
def test_killed_send_then_digest_again_then_send_nobody_gets_it_twice(tmp_path: Path, again: str) -> None:
    """`digest; send & kill -9; digest; send`: the second digest re-rendered the folder under a new
    id, send took it as new, and half of 150 got two mails; the old rows stayed pending forever."""
    faults = Faults(hold_at_data=75)
    with smtp_server(faults) as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, entries=3, people=150)
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        process = start_send(root)
        try:
            assert faults.held.wait(30), "the sender never reached message 75"
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            faults.release.set()
        later = NOW + (timedelta(hours=1) if again == "digest" else timedelta(days=1))
        digest = run(root, "digest", "--now", later.isoformat())
        assert digest.exit_code == 0
        assert "is still being sent: 'publisher send' finishes it" in digest.stdout
        finished = run(root, "send")
        assert finished.exit_code == 1 and finished.stdout.startswith(
            "sent 75, failed 0, skipped 74, unknown 1"
        )
        resolved = resolve_unknown_from_the_server_log(root, handler)
        assert resolved is not None and resolved.exit_code == 0, resolved.stderr if resolved else ""
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(150)}
    conn = database.connect(root / "publisher.db")
    assert deliveries.in_flight(conn) == []  # no row left pending or "sending"
    conn.close()
    assert load_state(root / ".publisher" / "state.json").last is not None


def test_ten_kills_at_random_points_nobody_gets_a_digest_twice_everybody_gets_it_once(tmp_path: Path) -> None:
    """Ten times: send, kill -9 at a random point, digest again, send again (and the operator
    settles what is unknown from the server's log). Every digest reaches everyone exactly once.

    The points: soon after the start (before or while connecting), right after a random message
    was accepted (between two transactions), and while the server holds a random message (in the
    middle of its transaction, so its outcome is unknown)."""
    rng = random.Random(20261206)
    people = 30
    faults = Faults()
    with smtp_server(faults) as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, entries=1, people=people, rate_per_second=100)
        outcomes = []
        for week in range(10):
            now = NOW + timedelta(days=7 * week)
            if week:
                write_entry_file(root, 10 + week, published=now - timedelta(hours=1))
            assert run(root, "digest", "--now", now.isoformat()).exit_code == 0
            before = len(handler.messages)
            point = ("start", "between", "inside")[week % 3]
            at = handler.data_commands + rng.randint(1, people)
            faults.held, faults.release, faults.reached = (
                threading.Event(),
                threading.Event(),
                threading.Event(),
            )
            faults.hold_at_data = at if point == "inside" else None
            faults.notify_at = at if point == "between" else None
            process = start_send(root)
            try:
                if point == "start":
                    process.wait(timeout=rng.uniform(0.0, 0.6))
                else:
                    assert (faults.held if point == "inside" else faults.reached).wait(30)
            except subprocess.TimeoutExpired:
                pass
            finally:
                process.send_signal(signal.SIGKILL)
                process.communicate(timeout=30)
                faults.release.set()
                faults.hold_at_data = faults.notify_at = None
            outcomes.append((point, process.returncode, len(handler.messages) - before))
            again = run(root, "digest", "--now", (now + timedelta(minutes=5)).isoformat())
            assert again.exit_code == 0, again.stderr
            finished = run(root, "send")
            assert finished.exit_code in (0, 1), finished.stderr
            resolved = resolve_unknown_from_the_server_log(root, handler)
            assert resolved is None or resolved.exit_code == 0
    per_digest: dict[tuple[str, str], int] = {}
    for (_, recipients, _), message in zip(handler.messages, handler.received(), strict=True):
        digest_part = message["Message-ID"].split(".")[0]
        for address in recipients:
            key = (digest_part, address.lower())
            per_digest[key] = per_digest.get(key, 0) + 1
    assert set(per_digest.values()) == {1}, [k for k, n in per_digest.items() if n > 1]
    assert len(per_digest) == 10 * people
    killed = [count for _, code, count in outcomes if code == -signal.SIGKILL]
    assert len(killed) >= 6 and any(0 < count < people for count in killed)  # some part-way
    print("kill -9 loop (point, returncode, messages the server had before the kill):", outcomes)


# --- what the server says ------------------------------------------------------------------------


def test_a_refused_sender_is_never_final_and_the_next_send_delivers(tmp_path: Path) -> None:
    """550 at MAIL FROM: "sent 0, failed 40 … the digest is marked as sent"; the next digest said
    "No new entries", and `send --resume` was refused."""
    faults = Faults(refuse_sender="550 5.7.1 sender not allowed (test)")
    with smtp_server(faults) as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=40)
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        refused = run(root, "send")
        assert refused.exit_code == 1
        assert refused.stdout.startswith("sent 0, failed 0, skipped 0, unknown 0, deferred 40")
        assert "the server refuses the sender news@example.org" in refused.stderr
        assert len(handler.rejections) == 1  # it stopped at the first refusal
        assert load_state(root / ".publisher" / "state.json").last is None
        busy = run(root, "digest", "--now", (NOW + timedelta(days=1)).isoformat())
        assert "is still being sent" in busy.stdout
        faults.refuse_sender = ""  # the server's rules are fixed
        again = run(root, "send")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("sent 40, failed 0, skipped 0, unknown 0, deferred 0")
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(40)}


def test_451_to_everyone_beyond_the_retries_is_deferred_not_sent(tmp_path: Path) -> None:
    people = [f"user{i:04d}@example.org" for i in range(5)]
    faults = Faults(temporary=dict.fromkeys(people, 99))
    with smtp_server(faults) as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=5, max_attempts=2)
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        first = run(root, "send")
        assert first.exit_code == 1 and first.stdout.startswith(
            "sent 0, failed 0, skipped 0, unknown 0, deferred 5"
        )
        assert "tries them again" in first.stderr
        faults.temporary.clear()
        second = run(root, "send")
    assert second.exit_code == 0 and second.stdout.startswith("sent 5,")
    assert handler.per_recipient() == dict.fromkeys(people, 1)


def test_a_reply_that_echoes_the_password_is_redacted_everywhere(tmp_path: Path) -> None:
    """A server reply after DATA that echoed the password was printed and stored in last_error."""
    faults = Faults(data_reply=f"554 5.7.1 rejected: the password {PASSWORD} was seen in the message")
    with smtp_server(faults, password=PASSWORD) as (controller, _):
        root = newsroom(tmp_path / "site", controller.port, people=1, username="mailer")
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        result = run(root, "send", env={"PUBLISHER_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 1
    assert PASSWORD not in result.stdout + result.stderr
    assert "end of DATA: 554 5.7.1 rejected: the password *** was seen" in result.stderr
    conn = database.connect(root / "publisher.db")
    errors = [row[0] for row in conn.execute("SELECT last_error FROM deliveries")]
    conn.close()
    assert errors and all(PASSWORD not in e and "***" in e for e in errors)


# --- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["add", "csv"])
def test_a_name_cannot_add_headers_to_the_mail(tmp_path: Path, how: str) -> None:
    """`subscribers add v@example.org --name '=?utf-8?b?…?='`: the mail came with a Bcc, a forged
    Subject and a forged body."""
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=0)
        if how == "add":
            assert run(root, "subscribers", "add", "v@example.org", "--name", INJECTED).exit_code == 0
        else:
            rows = f"email,name,consent_source,consented_at\nv@example.org,{INJECTED},Messe,2024-01-02\n"
            csv = write_csv(tmp_path / "list.csv", rows)
            assert run(root, "subscribers", "import", str(csv)).exit_code == 0
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        assert run(root, "send").exit_code == 0
    [(_, recipients, data)] = handler.messages
    assert recipients == ["v@example.org"]
    head = data.partition(b"\r\n\r\n")[0]
    assert b"Bcc" not in head and b"locked" not in data and b"evil.example" not in data
    message = parse(data)
    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Stadtwerke Neustadt: 3 neue Meldungen (20. Mai 2024)"
    assert message["To"].addresses[0].display_name.replace(" ", "") == INJECTED


def test_headers_come_from_the_configuration_in_force_at_send_time(tmp_path: Path) -> None:
    """Rendered without [smtp] from_address, sent after adding it: every mail went out From
    noreply@… with List-Unsubscribe mailto:news@…; and Date was the digest's --now."""
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=1)
        config = (root / "publisher.toml").read_text(encoding="utf-8")
        without = config.replace('author_email = "presse@example.org"\n', "").replace(
            'from_address = "news@example.org"\n', ""
        )
        (root / "publisher.toml").write_text(without, encoding="utf-8")
        rendered = run(root, "digest", "--now", NOW.isoformat())
        assert "no sender address, so message.eml is From noreply@news.example.org" in rendered.stderr
        (root / "publisher.toml").write_text(
            without + 'from_address = "news@example.org"\n', encoding="utf-8"
        )
        before = datetime.now(UTC)
        assert run(root, "send").exit_code == 0
    [(envelope_from, _, data)] = handler.messages
    message = parse(data)
    assert envelope_from == "news@example.org"
    assert message["From"].addresses[0].addr_spec == "news@example.org"
    assert str(message["List-Unsubscribe"]).endswith("<mailto:news@example.org?subject=unsubscribe>")
    sent_date = email.utils.parsedate_to_datetime(str(message["Date"]))
    assert before - timedelta(seconds=5) <= sent_date <= datetime.now(UTC) + timedelta(seconds=5)


# --- the operator decides about unknown deliveries, one by one ------------------------------------


def test_unknown_deliveries_are_listed_and_settled_per_address(tmp_path: Path) -> None:
    """Four unknowns, three of which had reached the server: the only choices were all sent (one
    lost) or all again (three duplicates)."""
    with smtp_server(Faults(drop_after_data={2, 4, 6, 8})) as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=10)
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        first = run(root, "send")
        assert first.exit_code == 1 and "unknown 4" in first.stdout
        listed = run(root, "send", "--list-unknown")
        rows = [line.split("\t") for line in listed.stdout.splitlines()]
        assert [r[0] for r in rows] == ["unknown"] * 4
        lost_address = rows[3][1]
        with handler.lock:  # the server lost one of them after all
            handler.messages = [m for m in handler.messages if m[1][0] != lost_address]
        logged = {parse(m[2])["Message-ID"] for m in handler.messages}
        arrived = [r[1] for r in rows if r[2] in logged]
        assert len(arrived) == 3 and lost_address not in arrived
        wrong = run(root, "send", "--arrived", "nobody@example.org")
        assert wrong.exit_code == 1 and "nobody@example.org: no delivery that is unknown" in wrong.stderr
        settled = run(root, "send", *(a for x in arrived for a in ("--arrived", x)), "--retry", lost_address)
    assert settled.exit_code == 0, settled.stderr
    assert settled.stdout.startswith("sent 1, failed 0, skipped 9, unknown 0")
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(10)}
    assert load_state(root / ".publisher" / "state.json").last is not None
