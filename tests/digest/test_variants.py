"""Each subscriber's digest: their language for the whole mail, only entries on their topics, no mail when
none is, the greeting and imprint from the configuration; `publisher send` end to end with a real server."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.config import load_settings
from publisher.mail import database, subscribers, tokens
from tests.digest.fixtures import NOW, make_cli_project, write_entry_file
from tests.mail.fixtures import smtp_server

SECRET = "variants-test-secret-3f9a1c77"
TAGS = {1: "Energie", 2: "Verkehr", 3: "Energie, Verkehr", 4: "Bäder"}


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET})


def project(root: Path, port: int) -> Path:
    extra = f"""host = "127.0.0.1"
port = {port}
security = "none"

[legal]
imprint = \"\"\"Stadtwerke Neustadt GmbH, Am Wasserturm 1, 12345 Neustadt
Geschäftsführerin: Dr. Petra Schulz\"\"\"
privacy_url = "https://news.example.org/datenschutz"
"""
    make_cli_project(root, 0, extra)
    config = (root / "publisher.toml").read_text(encoding="utf-8")
    config = config.replace(
        "[digest]\n", '[digest]\ngreeting_de = "Guten Tag {name},"\ngreeting_en = "Dear {name},"\n'
    )
    (root / "publisher.toml").write_text(config, encoding="utf-8")
    for n, tags in TAGS.items():
        write_entry_file(root, n, extra=f"tags: [{tags}]\n")
    return root


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {m["To"].addresses[0].addr_spec: m for m in messages}


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def test_send_honours_each_subscribers_language_and_topics(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = project(tmp_path / "site", controller.port)
        assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
        people = [
            ("anna@example.org", "Anna Schmidt", "de", ""),
            ("bob@example.org", "Bob Smith", "en", ""),
            ("carla@example.org", "", "de", "energie"),
            ("dora@example.org", "Dora", "en", "Verkehr, bäder"),
            ("erik@example.org", "Erik", "de", "sport"),
        ]
        for address, name, lang, topics in people:
            added = run(
                root, "subscribers", "add", address, "--name", name, "--lang", lang, "--topics", topics
            )
            assert added.exit_code == 0, added.output
        dry = run(root, "send", "--dry-run")
        assert "no mail\terik@example.org\tno entry of this digest is on their topics" in dry.stdout
        assert "would send 4," in dry.stdout
        result = run(root, "send")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("sent 4, failed 0, skipped 1, unknown 0")
        mails = by_recipient(handler.received())
    assert sorted(mails) == ["anna@example.org", "bob@example.org", "carla@example.org", "dora@example.org"]

    anna, bob, carla, dora = (text_of(mails[a]) for a in sorted(mails))
    # German, every entry, the configured formal greeting.
    assert anna.startswith("Guten Tag Anna Schmidt,\n")
    assert mails["anna@example.org"]["Subject"] == "Stadtwerke Neustadt: 4 neue Meldungen (20. Mai 2024)"
    assert all(f"Meldung {n}:" in anna for n in TAGS)
    # English: subject, labels, dates and footer in English; the entries stay German.
    assert bob.startswith("Dear Bob Smith,\n")
    assert mails["bob@example.org"]["Subject"] == "Stadtwerke Neustadt: 4 new entries (May 20, 2024)"
    assert "Issue of May 20, 2024" in bob and "Read more: " in bob and "Unsubscribe: " in bob
    assert "Weiterlesen" not in bob and "Abmelden" not in bob
    assert "Meldung 1: Neues aus den Stadtwerken" in bob
    # Topics: only the entries with those tags (compared by slug); the neutral greeting without a name.
    assert carla.startswith("Guten Tag,\n")
    assert [n for n in TAGS if f"Meldung {n}:" in carla] == [1, 3]
    assert mails["carla@example.org"]["Subject"] == "Stadtwerke Neustadt: 2 neue Meldungen (20. Mai 2024)"
    assert [n for n in TAGS if f"Meldung {n}:" in dora] == [2, 3, 4]
    assert "3 new entries" in mails["dora@example.org"]["Subject"]
    # Every copy: the imprint, the privacy link, the personal unsubscribe and preferences links.
    settings = load_settings(root / "publisher.toml")
    conn = database.connect(settings.database_path)
    try:
        for address, mail in mails.items():
            text = text_of(mail)
            html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
            found = subscribers.existing_subscriber(conn, address)
            assert found is not None
            token = tokens.make_token(SECRET.encode(), found.id, found.key)
            for part in (text, html):
                assert "Stadtwerke Neustadt GmbH, Am Wasserturm 1, 12345 Neustadt" in part
                assert "Geschäftsführerin: Dr. Petra Schulz" in part
                assert "https://news.example.org/datenschutz" in part
                assert f"https://news.example.org/preferences?token={token}" in part
                assert f"https://news.example.org/unsubscribe?token={token}" in part
    finally:
        conn.close()


def test_variants_render_once_per_language_and_entry_set(tmp_path: Path) -> None:
    from publisher.digest.variants import Variants, digest_entries
    from publisher.mail import outbox
    from publisher.mail.message import parse_template

    root = project(tmp_path / "site", 25)
    assert run(root, "digest", "--now", NOW.isoformat()).exit_code == 0
    settings = load_settings(root / "publisher.toml")
    digest = outbox.load_digest(outbox.latest_digest(settings.out_dir))
    template = parse_template(digest.message, "message.eml")
    variants = Variants(settings, digest, template, digest_entries(settings, digest.entry_ids))
    assert variants.template_for("de", ()) is template  # the digest itself: message.eml
    assert variants.template_for("de", ["energie", "verkehr", "Bäder"]) is template  # every entry anyway
    english = variants.template_for("en", ())
    assert english is not None and english is variants.template_for("en", [])
    energy = variants.template_for("de", ["Energie"])
    assert energy is variants.template_for("de", ["energie", "sport"])  # the same entries: one render
    assert variants.template_for("de", ["sport"]) is None
    assert variants.count == 2
    assert (
        message_from_bytes(digest.message, policy=email.policy.default)["Subject"]
        != dict(english.headers)["Subject"]
    )
