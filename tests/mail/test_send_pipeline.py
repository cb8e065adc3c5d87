"""The real pipeline: `publisher digest` renders, `publisher send` delivers, the next digest moves on."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from publisher.cli import cli
from tests.digest.fixtures import NOW, make_cli_project, write_entry_file
from tests.mail.fixtures import SECRET, parse, smtp_server


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET})


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
