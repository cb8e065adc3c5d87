"""The whole signup as a person does it, in headless Chromium: the site's form, the app's form, the
confirmation mail from a real SMTP server, the confirm button, the preferences page; then the next
`publisher send` honours the chosen language and topics, and the consent record holds every field."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.config import load_settings
from tests.digest.fixtures import NOW, make_cli_project, write_entry_file
from tests.mail.fixtures import smtp_server
from tests.mail.test_serve import SECRET, serving

pytestmark = pytest.mark.browser

TAGS = {1: "Energie", 2: "Verkehr", 3: "Verkehr", 4: "Energie"}


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET.decode()})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def project(root: Path, smtp_port: int, app_port: int) -> Path:
    extra = f"""host = "127.0.0.1"
port = {smtp_port}
security = "none"

[legal]
imprint = "Stadtwerke Neustadt GmbH, Am Wasserturm 1, 12345 Neustadt"
privacy_url = "https://news.example.org/datenschutz"

[subscribe]
url = "http://127.0.0.1:{app_port}/subscribe"
consent_version = "2024-05-01"
"""
    make_cli_project(root, 0, extra)
    for n, tag in TAGS.items():
        write_entry_file(root, n, extra=f"tags: [{tag}]\n")
    return root


def mail_text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def test_signup_in_the_browser_then_send_honours_language_and_topics(browser: Any, tmp_path: Path) -> None:
    app_port = free_port()
    with smtp_server() as (controller, handler):
        root = project(tmp_path / "site", controller.port, app_port)
        assert run(root, "build").exit_code == 0
        settings = load_settings(root / "publisher.toml")
        # The app runs on another "host" than the static site: the site's form posts across.
        with serving(settings, port=app_port) as base:
            page = browser.new_page()
            page.goto((root / "out" / "index.html").as_uri())
            assert page.get_attribute("section.signup form", "action") == base + "subscribe"
            page.fill("#signup-email", "static@example.org")
            page.check("#signup-consent")
            page.click("section.signup button[type=submit]")
            assert "Bitte sehen Sie in Ihr Postfach" in page.inner_text("main")

            # The app's own form: name, language, topics.
            page.goto(base + "subscribe?lang=en")
            page.fill("#email", "petra@example.org")
            page.fill("#name", "Dr. Petra Schäfer")
            page.select_option("#lang", "en")
            page.check("#topic-energie")
            page.check("#consent")
            page.click("form.app-form button[type=submit]")
            assert "Please check your inbox" in page.inner_text("main")
            confirmations = {m["To"].addresses[0].addr_spec: m for m in handler.received()}
            assert sorted(confirmations) == ["petra@example.org", "static@example.org"]
            petra_mail = confirmations["petra@example.org"]
            assert petra_mail["Subject"] == "Please confirm your subscription: Stadtwerke Neustadt"
            link = re.search(r"http://127\.0\.0\.1:\d+/confirm\?token=\S+", mail_text(petra_mail))
            assert link is not None

            # Opening the link changes nothing; the button confirms.
            page.goto(link.group(0))
            assert "Do you want to receive the newsletter" in page.inner_text("main")
            assert "\tpending\t" in run(root, "subscribers", "list").stdout
            page.click("form.app-form button[type=submit]")
            assert "petra@example.org is subscribed now" in page.inner_text("main")

            # The preferences page: Verkehr instead of Energie.
            page.click("text=Change your settings")
            assert "Settings for petra@example.org" in page.inner_text("main")
            page.uncheck("#topic-energie")
            page.check("#topic-verkehr")
            page.click("form.app-form >> nth=0 >> button[type=submit]")
            assert "Your settings are saved." in page.inner_text("main")
            page.close()
        handler.messages.clear()

        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        sent = run(root, "send")
        assert sent.exit_code == 0, sent.output
        [digest] = handler.received()  # the static signup never confirmed: only Petra
    assert digest["To"].addresses[0].addr_spec == "petra@example.org"
    assert digest["Subject"] == "Stadtwerke Neustadt: 2 new entries (May 20, 2024)"
    text = mail_text(digest)
    assert text.startswith("Hello Dr. Petra Schäfer,\n") and "Read more: " in text
    assert [n for n in TAGS if f"Meldung {n}:" in text] == [2, 3]  # Verkehr only
    assert "Stadtwerke Neustadt GmbH, Am Wasserturm 1, 12345 Neustadt" in text
    assert "/preferences?token=" in text

    record = json.loads(run(root, "subscribers", "export", "petra@example.org", "--json").stdout)
    signup, confirm, preferences = record["consent"]
    assert signup["event"] == "signup" and signup["source"] == "web"
    assert signup["at"] and signup["ip"] == "127.0.0.0"  # truncated by default
    assert signup["consent_text"].startswith("Yes, I want to receive the news from Stadtwerke Neustadt")
    assert signup["consent_version"] == "2024-05-01"
    assert re.fullmatch(r"[0-9a-f]{64}", signup["mail_sha256"]) and signup["mail_sent_at"] == signup["at"]
    assert (signup["lang"], signup["topics"], signup["name"]) == ("en", ["energie"], "Dr. Petra Schäfer")
    assert confirm["event"] == "confirm" and confirm["at"] >= signup["at"] and confirm["ip"] == "127.0.0.0"
    assert (preferences["event"], preferences["topics"], preferences["lang"]) == (
        "preferences",
        ["verkehr"],
        "en",
    )
    assert record["subscriber"]["status"] == "confirmed" and len(record["deliveries"]) == 1
