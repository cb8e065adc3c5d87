"""`publisher subscribers …` as a user types it: lookups, status, tabular output that is safe to open."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.config import load_settings
from publisher.mail import consent, database, signup
from tests.mail.fixtures import SECRET, smtp_server, write_csv, write_project


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET, **(env or {})})


def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write_project(root, 25)
    return root


def test_remove_finds_an_address_written_with_its_international_domain(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(root, "subscribers", "add", "anna@münchen.de").stdout == "added anna@xn--mnchen-3ya.de\n"
    removed = run(root, "subscribers", "remove", "Anna@MÜNCHEN.de")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "removed anna@xn--mnchen-3ya.de\n"
    assert run(root, "subscribers", "list").stdout == ""


def test_a_weak_secret_is_refused_before_anything_happens(tmp_path: Path) -> None:
    root = project(tmp_path)
    for weak in (" " * 16, "1234567890123456"):
        result = run(root, "subscribers", "unsubscribe", "1." + "a" * 43, env={"PUBLISHER_SECRET": weak})
        assert result.exit_code == 1
        assert "PUBLISHER_SECRET" in result.stderr and "long random value" in result.stderr
        assert weak not in result.stderr.replace("PUBLISHER_SECRET", "")


def test_list_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    root = project(tmp_path)
    csv = write_csv(
        tmp_path / "list.csv",
        "email,name,tags\n"
        'calc@example.org,"=cmd|\' /C calc\'!A0","@SUM(1+1), +presse"\n'
        "minus@example.org,-2+3,\n"
        "plain@example.org,Anna Müller,presse\n",
    )
    assert run(root, "subscribers", "import", str(csv)).exit_code == 0
    lines = run(root, "subscribers", "list").stdout.splitlines()
    cells = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert cells["calc@example.org"][1] == "'=cmd|' /C calc'!A0"
    assert cells["calc@example.org"][4] == "'@SUM(1+1),+presse"
    assert cells["minus@example.org"][1] == "'-2+3"
    assert cells["plain@example.org"][1] == "Anna Müller"
    for line in lines:
        address, name, _lang, _status, topics = line.split("\t")  # lang "-" means none
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in (address, name, topics))
    # JSON is data, not a spreadsheet: the name stays as it was given.
    assert "=cmd|' /C calc'!A0" in run(root, "subscribers", "list", "--json").stdout


def test_export_and_forget(tmp_path: Path) -> None:
    root = project(tmp_path)
    run(root, "subscribers", "add", "anna@example.org", "--name", "Anna", "--topics", "presse")
    exported = run(root, "subscribers", "export", "anna@example.org", "--json")
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    assert data["subscriber"]["email"] == "anna@example.org" and data["subscriber"]["tags"] == ["presse"]
    assert [e["event"] for e in data["consent"]] == ["add"] and data["consent"][0]["source"] == "cli"
    readable = run(root, "subscribers", "export", "anna@example.org").stdout
    assert "status: confirmed" in readable and "consent history: 1 event(s)" in readable
    refused = CliRunner().invoke(
        cli, ["-C", str(root), "subscribers", "forget", "anna@example.org"], input="n\n"
    )
    assert refused.exit_code == 1 and "anna@example.org" in run(root, "subscribers", "list").stdout
    forgotten = run(root, "subscribers", "forget", "anna@example.org", "--yes")
    assert forgotten.exit_code == 0, forgotten.output
    assert "erased anna@example.org: 1 consent event(s) deleted" in forgotten.stdout
    listed = run(root, "subscribers", "list")
    assert "anna" not in listed.stdout and "\tsuppressed\t" in listed.stdout
    again = run(root, "subscribers", "add", "anna@example.org")
    assert again.exit_code == 1 and "suppression list" in again.stderr
    assert json.loads(run(root, "subscribers", "export", "anna@example.org", "--json").stdout)["suppressed"]


def test_import_with_confirm_mails_the_rows_without_consent(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = tmp_path / "site"
        write_project(root, controller.port)
        with (root / "publisher.toml").open("a", encoding="utf-8") as config:
            config.write('\n[legal]\nimprint = "Netzwerk e. V., Musterstraße 1, 50667 Köln"\n')
        csv = write_csv(
            root / "messe.csv",
            "email,name,lang,consent_source,consented_at\n"
            "anna@example.org,Anna,de,Formular,2024-01-02\n"
            "bob@example.org,Bob,en,,\n",
        )
        result = run(root, "subscribers", "import", str(csv), "--confirm")
        assert result.exit_code == 0, result.output
        assert "imported 2 (1 confirmed, 1 pending)" in result.stdout
        assert "confirmation mails: 1 sent, 0 failed, 0 held back" in result.stdout
        [mail] = handler.received()
    assert mail["To"] == "Bob <bob@example.org>" and mail["Subject"].startswith("Please confirm")
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "Netzwerk e. V., Musterstraße 1, 50667 Köln" in text
    token = re.search(r"/confirm\?token=([^\s]+)", text).group(1)  # type: ignore[union-attr]
    settings = load_settings(root / "publisher.toml")
    conn = database.connect(settings.database_path)
    try:
        done = signup.confirm(conn, SECRET.encode(), unquote(token), "", datetime.now(UTC))
        assert done.outcome is signup.Outcome.CONFIRMED
        assert done.subscriber is not None
        events = consent.history(conn, done.subscriber.id)
        assert [(e.event, e.source) for e in events] == [
            ("import", "import:messe.csv"), ("signup", "import:messe.csv"), ("confirm", "import:messe.csv"),
        ]  # fmt: skip
        assert events[1].mail_sha256 == hashlib.sha256(text.encode()).hexdigest()  # as received
        assert events[1].consent_text.startswith("Yes, I want")
    finally:
        conn.close()
