"""Personalised messages from the digest's message.eml (the digest contract)."""

from __future__ import annotations

import email.policy
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from publisher.config import Settings, load_settings
from publisher.errors import PublisherError
from publisher.mail import personal as mail
from tests.mail.fixtures import DIGEST_ID, parse, write_digest, write_project

TOKEN = "7.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
CONTRACT_ORDER = [
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return write_project(tmp_path, 2525)


@pytest.fixture
def template(settings: Settings) -> mail.MailTemplate:
    folder = write_digest(settings.out_dir)
    return mail.parse_template((folder / "message.eml").read_bytes(), "message.eml")


@pytest.fixture
def mail_settings(settings: Settings, template: mail.MailTemplate) -> mail.MailSettings:
    return mail.mail_settings(settings, template, DIGEST_ID, "de")


def build(template: mail.MailTemplate, ms: mail.MailSettings, **recipient: str) -> EmailMessage:
    values = {"email": "anna@example.org", "name": "Anna", "lang": "de", "token": TOKEN, **recipient}
    return parse(mail.personalise(template, ms, mail.Recipient(**values)).data)


def test_template_keeps_contract_headers_and_decoded_bodies(template: mail.MailTemplate) -> None:
    names = [name for name, _ in template.headers]
    assert names == [*CONTRACT_ORDER[:-1]]
    assert dict(template.headers)["Subject"] == "Wochenrückblick: „Neues“ aus München"
    assert template.text.startswith("%%GREETING%%\n")
    assert 'href="%%UNSUBSCRIBE_URL%%"' in template.html
    assert template.from_address == "news@example.org"


def test_personalised_headers(template: mail.MailTemplate, mail_settings: mail.MailSettings) -> None:
    message = build(template, mail_settings, name="Jürgen Müller")
    assert list(message.keys()) == CONTRACT_ORDER  # the digest's header order is kept
    assert str(message["To"]) == "Jürgen Müller <anna@example.org>"
    assert str(message["Subject"]) == "Wochenrückblick: „Neues“ aus München"
    assert str(message["From"]) == "Beispiel Nachrichten <news@example.org>"
    assert str(message["Date"]) == "Tue, 14 May 2024 09:00:00 +0200"
    link = f"https://news.example.org/unsubscribe?token={TOKEN}"
    assert str(message["List-Unsubscribe"]) == f"<{link}>, <mailto:news@example.org?subject=unsubscribe>"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == mail.message_id_for(DIGEST_ID, "anna@example.org", "example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())


def test_list_unsubscribe_header_is_not_encoded(
    template: mail.MailTemplate, mail_settings: mail.MailSettings
) -> None:
    raw = mail.personalise(template, mail_settings, mail.Recipient("anna@example.org", "", "de", TOKEN)).data
    assert (
        f"List-Unsubscribe: <https://news.example.org/unsubscribe?token={TOKEN}>,\r\n <mailto:".encode()
        in raw
    )
    assert b"=?utf-8?" not in raw.split(b"List-Unsubscribe:")[1].split(b"\r\nList-Unsubscribe-Post")[0]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


@pytest.mark.parametrize(
    ("lang", "name", "greeting"),
    [
        ("de", "Anna", "Hallo Anna,"),
        ("en", "Anna", "Hello Anna,"),
        ("de", "", "Hallo,"),
        ("", "Jürgen", "Hallo Jürgen,"),
    ],
)
def test_greeting_in_both_parts(
    template: mail.MailTemplate, mail_settings: mail.MailSettings, lang: str, name: str, greeting: str
) -> None:
    message = build(template, mail_settings, lang=lang, name=name)
    text, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    assert text.startswith(greeting + "\n")
    assert f"<p>{greeting}</p>" in html
    assert "%%" not in text and "%%" not in html
    assert f"https://news.example.org/unsubscribe?token={TOKEN}" in text
    assert f'href="https://news.example.org/unsubscribe?token={TOKEN}"' in html
    assert "„Neues Rathaus“ eröffnet – Straße gesperrt" in text


def test_values_in_the_html_part_are_escaped(template: mail.MailTemplate, settings: Settings) -> None:
    ms = mail.mail_settings(
        replace(
            settings, digest=replace(settings.digest, unsubscribe_url="https://x.example/u?list=1&a=<b>")
        ),
        template,
        DIGEST_ID,
        "de",
    )
    message = build(template, ms, name='<script>alert("x")</script> & Co')
    text, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co," in html
    assert 'href="https://x.example/u?list=1&amp;a=&lt;b&gt;&amp;token=' in html
    assert '<script>alert("x")</script> & Co,' in text  # plain text stays plain


def test_output_is_deterministic_and_differs_per_recipient(
    template: mail.MailTemplate, mail_settings: mail.MailSettings
) -> None:
    anna = mail.Recipient("anna@example.org", "Anna", "de", TOKEN)
    first = mail.personalise(template, mail_settings, anna)
    assert mail.personalise(template, mail_settings, anna) == first
    bob = mail.personalise(template, mail_settings, replace(anna, email="bob@example.org"))
    assert bob.message_id != first.message_id
    assert first.message_id.endswith("@example.org>")
    assert "6f1c2d3e" in first.message_id  # derived from the digest id


def test_message_id_ignores_address_case() -> None:
    assert mail.message_id_for("d", "Anna@Example.org", "x.org") == mail.message_id_for(
        "d", "anna@example.org", "x.org"
    )


def test_config_keys_for_sender_and_mailto(tmp_path: Path, template: mail.MailTemplate) -> None:
    settings = write_project(
        tmp_path / "p",
        2525,
        from_address="digest@lists.example.org",
        unsubscribe_mailto="leave@lists.example.org?subject=leave",
        reply_to="redaktion@example.org",
    )
    ms = mail.mail_settings(settings, template, DIGEST_ID, "en")
    assert (ms.envelope_from, ms.domain, ms.default_lang) == (
        "digest@lists.example.org",
        "lists.example.org",
        "en",
    )
    message = build(template, ms)
    assert str(message["List-Unsubscribe"]).endswith("<mailto:leave@lists.example.org?subject=leave>")
    assert str(message["Reply-To"]) == "redaktion@example.org"
    assert message["Message-ID"].endswith("@lists.example.org>")


def test_sender_falls_back_to_the_template_from(tmp_path: Path, template: mail.MailTemplate) -> None:
    settings = write_project(tmp_path / "p", 2525, from_address="")
    assert mail.mail_settings(settings, template, DIGEST_ID, "de").envelope_from == "news@example.org"


def test_non_ascii_unsubscribe_url_is_a_config_error(tmp_path: Path, template: mail.MailTemplate) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "publisher.toml").write_text(
        'title = "T"\nbase_url = "https://example.org/"\n[digest]\nunsubscribe_url = "https://example.org/abmelden-für"\n',
        encoding="utf-8",
    )
    with pytest.raises(PublisherError) as caught:  # the configuration says so first, at its line
        load_settings(tmp_path / "p" / "publisher.toml")
    [problem] = caught.value.problems
    assert (problem.field, problem.line) == ("digest.unsubscribe_url", 4) and "percent-encode" in problem.hint
    # Settings made in Python skip that check; the mail refuses the URL all the same.
    (tmp_path / "p" / "publisher.toml").write_text(
        'title = "T"\nbase_url = "https://example.org/"\n', encoding="utf-8"
    )
    valid = load_settings(tmp_path / "p" / "publisher.toml")
    settings = replace(
        valid, digest=replace(valid.digest, unsubscribe_url="https://example.org/abmelden-für")
    )
    with pytest.raises(PublisherError, match=r"\[digest\] unsubscribe_url .* percent-encode"):
        mail.mail_settings(settings, template, DIGEST_ID, "de")


def _eml(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=email.policy.SMTP)


def test_template_that_is_not_multipart_alternative_is_refused() -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["Date"] = "s", "a@b.org", "Tue, 14 May 2024 09:00:00 +0200"
    message.set_content("%%UNSUBSCRIBE_URL%%")
    with pytest.raises(PublisherError, match=r"message\.eml: is text/plain, expected multipart/alternative"):
        mail.parse_template(_eml(message), "message.eml")


def test_template_without_unsubscribe_placeholder_is_refused() -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["Date"] = "s", "a@b.org", "Tue, 14 May 2024 09:00:00 +0200"
    message.set_content("%%UNSUBSCRIBE_URL%%")
    message.add_alternative("<p>no link</p>", subtype="html")
    with pytest.raises(PublisherError, match="text/html part has no %%UNSUBSCRIBE_URL%%"):
        mail.parse_template(_eml(message), "message.eml")


def test_missing_personal_headers_are_added() -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["Date"] = "s", "a@b.org", "Tue, 14 May 2024 09:00:00 +0200"
    message.set_content("%%GREETING%% %%UNSUBSCRIBE_URL%%")
    message.add_alternative("<a href='%%UNSUBSCRIBE_URL%%'>x</a>", subtype="html")
    template = mail.parse_template(_eml(message), "message.eml")
    ms = mail.MailSettings(DIGEST_ID, "a@b.org", "https://b.org/u", "a@b.org?subject=unsubscribe", "en")
    built = build(template, ms)
    assert list(built.keys())[:3] == ["Subject", "From", "Date"]
    assert {"To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"} <= set(built.keys())


def test_template_without_subject_is_refused() -> None:
    message = EmailMessage()
    message["From"], message["Date"] = "a@b.org", "Tue, 14 May 2024 09:00:00 +0200"
    message.set_content("%%UNSUBSCRIBE_URL%%")
    message.add_alternative("<a href='%%UNSUBSCRIBE_URL%%'>x</a>", subtype="html")
    with pytest.raises(PublisherError, match=r"missing header.*Subject"):
        mail.parse_template(_eml(message), "message.eml")
