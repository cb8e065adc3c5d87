"""The CLI for subscribers, send and serve: real commands, exit codes, stdout vs stderr, a killed process."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.mail import database, deliveries, subscribers, tokens
from publisher.mail.state import load_state
from tests.mail.fixtures import (
    DIGEST_ID,
    PASSWORD,
    SECRET,
    Faults,
    add_subscribers,
    publisher_serve,
    smtp_server,
    subscriber_rows,
    write_digest,
    write_project,
)

REPO = Path(__file__).resolve().parents[2]
ENV = {"PUBLISHER_SECRET": SECRET}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={**ENV, **(env or {})})


def site(tmp_path: Path, port: int = 25, count: int = 0, **smtp: object) -> Path:
    root = tmp_path / "site"
    settings = write_project(root, port, **smtp)
    write_digest(settings.out_dir)
    add_subscribers(settings, subscriber_rows(count))
    return root


# --- subscribers ---------------------------------------------------------------------------------


def test_add_list_remove(tmp_path: Path) -> None:
    root = site(tmp_path)
    added = run(
        root,
        "subscribers",
        "add",
        "anna@example.org",
        "--name",
        "Anna Müller",
        "--lang",
        "de",
        "--tags",
        "a,b",
    )
    assert (added.exit_code, added.stdout) == (0, "added anna@example.org\n")
    assert run(root, "subscribers", "add", "bob@example.org").exit_code == 0
    listed = run(root, "subscribers", "list")
    assert listed.stdout.splitlines() == [
        "anna@example.org\tAnna Müller\tde\tconfirmed\ta,b",
        "bob@example.org\t\t-\tconfirmed\t",
    ]
    assert listed.stderr == "2 subscriber(s), 0 suppressed\n"
    as_json = run(root, "subscribers", "list", "--json")
    assert (
        '"name": "Anna Müller"' in as_json.stdout
        and '"tags": [\n      "a",\n      "b"\n    ]' in as_json.stdout
    )
    removed = run(root, "subscribers", "remove", "ANNA@example.org")
    assert (removed.exit_code, removed.stdout) == (0, "removed anna@example.org\n")
    assert run(root, "subscribers", "list").stdout == "bob@example.org\t\t-\tconfirmed\t\n"


def test_duplicate_and_invalid_addresses_exit_1(tmp_path: Path) -> None:
    root = site(tmp_path)
    run(root, "subscribers", "add", "anna@example.org")
    duplicate = run(root, "subscribers", "add", "Anna@Example.org")
    assert duplicate.exit_code == 1 and "already in the list" in duplicate.stderr and duplicate.stdout == ""
    invalid = run(root, "subscribers", "add", "anna-at-example.org")
    assert invalid.exit_code == 1
    assert "subscribers add: EMAIL: 'anna-at-example.org' is not a valid address" in invalid.stderr
    missing = run(root, "subscribers", "remove", "nobody@example.org")
    assert missing.exit_code == 1 and "is not in the list" in missing.stderr


def test_import_reports_bad_lines_on_stderr(tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "list.csv").write_text(
        "email,name,lang,tags\nanna@example.org,Anna,de,\nkaputt,,,\nbob@example.org,Bob,en,x\nanna@example.org,,,\n",
        encoding="utf-8",
    )
    result = run(root, "subscribers", "import", "list.csv")
    assert result.exit_code == 1
    assert result.stdout == "imported 2 (0 confirmed, 2 pending), skipped 2 row(s) with problems\n"
    assert "list.csv:3: email: 'kaputt' is not a valid address" in result.stderr
    assert "list.csv:5: warning: email: anna@example.org is a duplicate of line 2" in result.stderr
    assert len(run(root, "subscribers", "list").stdout.splitlines()) == 2


def test_unsubscribe_token_command(tmp_path: Path) -> None:
    root = site(tmp_path, count=2)
    conn = database.connect(root / "publisher.db")
    first = subscribers.list_subscribers(conn)[0]
    conn.close()
    token = tokens.make_token(SECRET.encode(), first.id, first.key)
    forged = run(root, "subscribers", "unsubscribe", token[:-2] + "xx")
    assert forged.exit_code == 1 and "nothing was changed" in forged.stderr
    done = run(root, "subscribers", "unsubscribe", token)
    assert (done.exit_code, done.stdout) == (0, f"unsubscribed {first.email}\n")
    assert "\tunsubscribed\t" in run(root, "subscribers", "list").stdout
    no_secret = CliRunner().invoke(
        cli, ["-C", str(root), "subscribers", "unsubscribe", token], env={"PUBLISHER_SECRET": ""}
    )
    assert no_secret.exit_code == 1 and "PUBLISHER_SECRET is not set" in no_secret.stderr


# --- send ----------------------------------------------------------------------------------------


def test_send_prints_a_summary_and_progress_on_stderr(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = site(tmp_path, controller.port, 25)
        result = run(root, "send")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "sent 25, failed 0, skipped 0, unknown 0, deferred 0 (digest urn:uuid:6f1c2d3e"
    )
    assert "Sending" in result.stderr and "marked as sent" in result.stderr
    assert len(handler.messages) == 25
    again = run(root, "send")  # a quiet week: exit 1 alerted cron every week with nothing new
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith(f"nothing to send: digest {DIGEST_ID} (2024-05-14) is sent;")


def test_send_with_a_550_exits_1_and_names_the_address(tmp_path: Path) -> None:
    with smtp_server(Faults(permanent={"user0004@example.org"})) as (controller, _):
        root = site(tmp_path, controller.port, 10)
        result = run(root, "-q", "send")
    assert result.exit_code == 1
    assert result.stdout.startswith("sent 9, failed 1, skipped 0, unknown 0")
    assert "failed: user0004@example.org: RCPT TO: 550 5.1.1 no such mailbox (test)" in result.stderr
    assert "Sending" not in result.stderr  # -q: no progress bar


def test_dry_run_lists_recipients(tmp_path: Path) -> None:
    root = site(tmp_path, 25, 3)
    result = run(root, "send", "--dry-run")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("would send\tuser0000@example.org\tHello,\t<urn-uuid-6f1c2d3e")
    assert lines[1].startswith("would send\tuser0001@example.org\tHallo Jürgen 1,\t<")
    assert lines[-1].startswith("would send 3, failed 0, skipped 0, unknown 0")


def test_send_without_a_digest_or_subscribers(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    write_project(root, 25)
    no_digest = run(root, "send")  # a quiet first week: nothing to do is no failure
    assert no_digest.exit_code == 0, no_digest.stderr
    assert no_digest.stdout == "nothing to send: no digest has been rendered yet ('publisher digest')\n"
    write_digest(root / "out")
    nobody = run(root, "send")
    assert nobody.exit_code == 1 and "no active subscribers" in nobody.stderr


def test_conflicting_unknown_options_are_a_usage_error(tmp_path: Path) -> None:
    result = run(site(tmp_path), "send", "--retry-unknown", "--mark-unknown-sent")
    assert result.exit_code == 2


def test_unreachable_server_suggests_checking_host_and_port(tmp_path: Path) -> None:
    with smtp_server() as (controller, _):
        port = controller.port
    result = run(site(tmp_path, port, 2, max_attempts=1), "send")
    assert result.exit_code == 1
    assert f"cannot connect to 127.0.0.1:{port}" in result.stderr
    assert "check [smtp] host and port in publisher.toml" in result.stderr


def test_password_never_appears_in_output_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(password=PASSWORD) as (controller, handler):
        root = site(tmp_path, controller.port, 5, username="mailer")
        ok = run(root, "-vv", "send", env={"PUBLISHER_SMTP_PASSWORD": PASSWORD})
        write_digest(root / "out", date="2024-05-21", digest_id="digest-2")
        wrong = run(root, "-vv", "send", env={"PUBLISHER_SMTP_PASSWORD": "Wrong-" + PASSWORD})
        missing = run(root, "send", env={"PUBLISHER_SMTP_PASSWORD": ""})
    assert ok.exit_code == 0 and handler.authenticated == [True] * 5
    assert wrong.exit_code == 1 and "rejected the login for user 'mailer'" in wrong.stderr
    assert missing.exit_code == 1 and "PUBLISHER_SMTP_PASSWORD is not set" in missing.stderr
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("publisher"))
    captured = capsys.readouterr()
    for text in (
        ok.stdout,
        ok.stderr,
        wrong.stdout,
        wrong.stderr,
        missing.stderr,
        ours,
        captured.out,
        captured.err,
    ):
        assert PASSWORD not in text


def test_killed_mid_run_then_resume_delivers_everyone_exactly_once(tmp_path: Path) -> None:
    """SIGKILL while the server holds message 120; the resumed run sends the rest and reports that one."""
    faults = Faults(hold_at_data=120)
    with smtp_server(faults) as (controller, handler):
        root = site(tmp_path, controller.port, 300)
        process = subprocess.Popen(
            [sys.executable, "-m", "publisher", "-C", str(root), "send"],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(REPO), **ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert faults.held.wait(30), "the sender never reached message 120"
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            faults.release.set()
        assert process.returncode == -signal.SIGKILL
        in_flight = handler.messages[119][1][0]
        conn = database.connect(root / "publisher.db")
        counts = deliveries.counts(conn, DIGEST_ID)
        assert counts == {"pending": 180, "sending": 1, "sent": 119, "failed": 0, "unknown": 0, "deferred": 0}
        conn.close()

        resumed = run(root, "send")  # a plain send finishes what the killed run left
        assert resumed.exit_code == 1
        assert resumed.stdout.startswith("sent 180, failed 0, skipped 119, unknown 1")
        assert re.search(rf"unknown: {re.escape(in_flight)} <[^>]+>: the run stopped", resumed.stderr)
        assert "--arrived ADDRESS" in resumed.stderr and "--retry ADDRESS" in resumed.stderr
        assert load_state(root / ".publisher" / "state.json").last is None

        resolved = run(root, "send", "--mark-unknown-sent")
    assert resolved.exit_code == 0, resolved.stderr
    assert resolved.stdout.startswith("sent 0, failed 0, skipped 300, unknown 0")
    assert handler.per_recipient() == {f"user{i:04d}@example.org": 1 for i in range(300)}  # exactly once
    last = load_state(root / ".publisher" / "state.json").last
    assert last is not None and last.digest_id == DIGEST_ID


def test_serve_runs_the_unsubscribe_app(tmp_path: Path) -> None:
    root = site(tmp_path, count=1)
    conn = database.connect(root / "publisher.db")
    first = subscribers.list_subscribers(conn)[0]
    conn.close()
    token = tokens.make_token(SECRET.encode(), first.id, first.key)
    with publisher_serve(root) as base:
        url = f"{base}unsubscribe?token={token}"
        with urllib.request.urlopen(url) as response:
            assert '<button type="submit">Unsubscribe</button>' in response.read().decode()
        with urllib.request.urlopen(
            urllib.request.Request(url, data=b"List-Unsubscribe=One-Click")
        ) as response:
            assert response.status == 200
    assert "\tunsubscribed\t" in run(root, "subscribers", "list").stdout


@pytest.mark.parametrize(
    "command",
    [
        ["subscribers"],
        ["subscribers", "add"],
        ["subscribers", "import"],
        ["subscribers", "list"],
        ["subscribers", "remove"],
        ["subscribers", "unsubscribe"],
        ["send"],
        ["serve"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "-h"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
