"""The digest mail: message.eml as anyone can send it, and the copy each subscriber gets."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.config import Settings, load_settings
from publisher.digest.render import render_digest
from publisher.digest.selection import digest_window, select_entries
from publisher.errors import PublisherError
from publisher.mail import encoding
from publisher.mail import message as mail
from publisher.mail.state import DigestState
from tests.digest.fixtures import BERLIN, CONFIG, NOW, make_entry, make_project, photo
from tests.mail.fixtures import DIGEST_ID, HTML_BODY, TEXT_BODY, write_project

TOKEN = "7.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
SENT_AT = datetime(2024, 5, 21, 7, 30, 5, tzinfo=BERLIN)
INJECTED = (
    "=?utf-8?b?eA0KQmNjOiB2aWN0aW1AZXZpbC5leGFtcGxlDQpTdWJqZWN0OiBZb3VyIGFjY291bnQgaXMgbG9ja2VkDQoNCkNsaWNr"
    "IGh0dHBzOi8vZXZpbC5leGFtcGxlLw==?="
)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    return text, html


def render_files(settings: Settings, **entry: object) -> dict[str, bytes]:
    window = digest_window(DigestState(), NOW, window_days=7)
    entries = (make_entry(1, image=photo(1), title="Grüße & „Zitate“ <b>", **entry), make_entry(2, lang="en"))
    return dict(render_digest(settings, select_entries(entries, DigestState(), window, 20), NOW).files)


@pytest.fixture
def eml(tmp_path: Path) -> bytes:
    return render_files(make_project(tmp_path))["message.eml"]


# --- message.eml ----------------------------------------------------------------------------------


def test_message_eml_is_a_complete_message_anyone_can_send(eml: bytes) -> None:
    """It held %%RECIPIENT%%, %%GREETING%% … (SpamAssassin: UNRESOLVED_TEMPLATE) although it is offered
    to users who send with another tool."""
    assert b"%%" not in eml
    message = parse(eml)
    assert message.keys() == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "List-Unsubscribe",
        "Content-Type",
    ]
    assert message.defects == []
    assert str(message["From"]) == "Stadtwerke Neustadt <news@example.org>"
    assert str(message["To"]) == "Stadtwerke Neustadt <news@example.org>"
    assert message["Subject"] == "Stadtwerke Neustadt: 2 neue Meldungen (20. Mai 2024)"
    assert message["Date"].datetime == NOW
    assert re.fullmatch(r"<20240520\.[0-9a-f]{24}@news\.example\.org>", message["Message-ID"])
    assert message["List-Unsubscribe"] == "<mailto:news@example.org?subject=unsubscribe>"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" and not p.defects for p in parts)
    text, html = bodies(message)
    assert text.startswith("Hallo,\n\n")
    assert re.search(r'<p class="greeting"[^>]*>Hallo,</p>', html)
    assert "Abmelden: mailto:news@example.org?subject=unsubscribe" in text
    assert 'href="mailto:news@example.org?subject=unsubscribe"' in html
    assert "Grüße & „Zitate“ <b>" in text and "Grüße &amp; „Zitate“ &lt;b&gt;" in html


def test_message_eml_links_the_configured_unsubscribe_page(tmp_path: Path) -> None:
    config = CONFIG.replace("[digest]\n", '[digest]\nunsubscribe_url = "https://lists.example.org/out?l=1"\n')
    message = parse(render_files(make_project(tmp_path, config=config))["message.eml"])
    assert message["List-Unsubscribe"] == (
        "<https://lists.example.org/out?l=1>, <mailto:news@example.org?subject=unsubscribe>"
    )
    assert "List-Unsubscribe-Post" not in message  # the page cannot tell who the reader is
    text, html = bodies(message)
    assert "https://lists.example.org/out?l=1" in text and 'href="https://lists.example.org/out?l=1"' in html


def test_message_eml_is_ascii_with_short_lines_and_the_same_bytes_twice(tmp_path: Path) -> None:
    settings = make_project(tmp_path)
    first, second = render_files(settings)["message.eml"], render_files(settings)["message.eml"]
    assert first == second
    first.decode("ascii")
    assert max(len(line) for line in first.split(b"\n")) <= 78
    other = render_files(settings, summary="Anders.")["message.eml"]
    ids = [re.search(rb"Message-ID: (\S+)", m).group(1) for m in (first, other)]  # type: ignore[union-attr]
    assert ids[0] != ids[1]


def test_the_template_has_slots_no_entry_can_hold(tmp_path: Path) -> None:
    """An entry quoting %%GREETING%% stopped the digest ("reserved for personalising message.eml")."""
    settings = make_project(tmp_path)
    files = render_files(settings, summary="So schreiben Sie: %%GREETING%% und %%UNSUBSCRIBE_URL%%.")
    template = mail.Template.parse(files["template.json"], "template.json")
    assert template.greeting.startswith("%%GREETING-") and template.unsubscribe.startswith("%%UNSUBSCRIBE-")
    for body in (template.text, template.html):
        assert body.count(template.greeting) == 1 and template.unsubscribe in body
        assert "%%GREETING%% und %%UNSUBSCRIBE_URL%%" in body
    sent = parse(copy_for(settings, template, mail.Recipient("anna@example.org", "Anna", "de", TOKEN)).data)
    text, html = bodies(sent)
    assert "So schreiben Sie: %%GREETING%% und %%UNSUBSCRIBE_URL%%." in text
    assert text.startswith("Hallo Anna,\n") and "%%GREETING-" not in text + html
    assert "%%GREETING%% und %%UNSUBSCRIBE_URL%%" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid UTF-8 JSON"),
        (b'{"version": 1, "text": "x"}', "not a template of this publisher"),
        (
            b'{"version": 1, "greeting": "%%G%%", "unsubscribe": "%%U%%", "text": "%%U%%", "html": "no"}',
            "html body has no unsubscribe slot",
        ),
    ],
)
def test_a_broken_template_is_refused_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(PublisherError, match=f"template.json: .*{message}.* -> re-render"):
        mail.Template.parse(data, "out/digests/2024-05-14/template.json")


# --- each subscriber's copy ----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return write_project(tmp_path / "send", 2525)


@pytest.fixture
def template() -> mail.Template:
    return mail.Template(TEXT_BODY, HTML_BODY, "%%GREETING%%", "%%UNSUBSCRIBE_URL%%")


def copy_for(
    settings: Settings, template: mail.Template, recipient: mail.Recipient, test: bool = False
) -> mail.OutgoingMail:
    sender, _ = mail.sender(settings, sending=True)
    edition = mail.Edition(mail.compile_template(template), mail.subject_line(settings, 2, NOW), "de")
    return mail.personal_message(edition, sender, recipient, digest_id=DIGEST_ID, date=SENT_AT, test=test)


def build_for(settings: Settings, template: mail.Template, **recipient: str) -> EmailMessage:
    values = {"email": "anna@example.org", "name": "Anna", "lang": "de", "token": TOKEN, **recipient}
    return parse(copy_for(settings, template, mail.Recipient(**values)).data)


def test_personal_headers_come_from_the_configuration_and_the_send_time(
    settings: Settings, template: mail.Template
) -> None:
    message = build_for(settings, template, name="Jürgen Müller")
    assert list(message.keys()) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Content-Type",
    ]
    assert str(message["To"]) == "Jürgen Müller <anna@example.org>"
    assert str(message["Subject"]) == "Beispiel Nachrichten: 2 neue Meldungen (20. Mai 2024)"
    assert str(message["From"]) == "Beispiel Nachrichten <news@example.org>"
    assert str(message["Date"]) == "Tue, 21 May 2024 07:30:05 +0200"
    link = f"https://news.example.org/unsubscribe?token={TOKEN}"
    assert str(message["List-Unsubscribe"]) == f"<{link}>, <mailto:news@example.org?subject=unsubscribe>"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == mail.message_id_for(DIGEST_ID, "anna@example.org", "example.org")
    assert message.get_content_type() == "multipart/alternative" and not message.defects
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())


def test_list_unsubscribe_header_is_not_encoded(settings: Settings, template: mail.Template) -> None:
    raw = copy_for(settings, template, mail.Recipient("anna@example.org", "", "de", TOKEN)).data
    assert (
        f"List-Unsubscribe: <https://news.example.org/unsubscribe?token={TOKEN}>,\r\n <mailto:".encode()
        in raw
    )
    assert b"=?utf-8?" not in raw.split(b"List-Unsubscribe:")[1].split(b"\r\nList-Unsubscribe-Post")[0]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


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
    settings: Settings, template: mail.Template, lang: str, name: str, greeting: str
) -> None:
    text, html = bodies(build_for(settings, template, lang=lang, name=name))
    assert text.startswith(greeting + "\n")
    assert f"<p>{greeting}</p>" in html
    assert "%%" not in text and "%%" not in html
    assert f"https://news.example.org/unsubscribe?token={TOKEN}" in text
    assert f'href="https://news.example.org/unsubscribe?token={TOKEN}"' in html
    assert "„Neues Rathaus“ eröffnet – Straße gesperrt" in text


def test_values_in_the_html_part_are_escaped(settings: Settings, template: mail.Template) -> None:
    odd = replace(
        settings, digest=replace(settings.digest, unsubscribe_url="https://x.example/u?list=1&a=<b>")
    )
    text, html = bodies(build_for(odd, template, name='<script>alert("x")</script> & Co'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co," in html
    assert 'href="https://x.example/u?list=1&amp;a=&lt;b&gt;&amp;token=' in html
    assert '<script>alert("x")</script> & Co,' in text  # plain text stays plain


def test_output_is_deterministic_and_differs_per_recipient(
    settings: Settings, template: mail.Template
) -> None:
    anna = mail.Recipient("anna@example.org", "Anna", "de", TOKEN)
    first = copy_for(settings, template, anna)
    assert copy_for(settings, template, anna) == first
    bob = copy_for(settings, template, replace(anna, email="bob@example.org"))
    assert bob.message_id != first.message_id
    assert first.message_id.endswith("@example.org>")
    assert "6f1c2d3e" in first.message_id  # derived from the digest id


def test_message_id_ignores_address_case() -> None:
    assert mail.message_id_for("d", "Anna@Example.org", "x.org") == mail.message_id_for(
        "d", "anna@example.org", "x.org"
    )


def test_config_keys_for_sender_mailto_and_reply_to(tmp_path: Path, template: mail.Template) -> None:
    settings = write_project(
        tmp_path / "p",
        2525,
        from_address="digest@lists.example.org",
        unsubscribe_mailto="leave@lists.example.org?subject=leave",
        reply_to="Redaktion <redaktion@example.org>",
    )
    sender, _ = mail.sender(settings, sending=True)
    assert (sender.address, sender.domain) == ("digest@lists.example.org", "lists.example.org")
    message = build_for(settings, template)
    assert str(message["List-Unsubscribe"]).endswith("<mailto:leave@lists.example.org?subject=leave>")
    assert str(message["Reply-To"]) == "Redaktion <redaktion@example.org>"
    assert message["Message-ID"].endswith("@lists.example.org>")


def test_sending_without_a_sender_address_is_refused(tmp_path: Path) -> None:
    settings = write_project(tmp_path / "p", 2525, from_address="")
    with pytest.raises(PublisherError, match=r"\[smtp\] from_address is not set .* -> set from_address"):
        mail.sender(settings, sending=True)
    sender, [problem] = mail.sender(settings)  # the digest renders, From noreply@, with a warning
    assert sender.address == "noreply@news.example.org" and problem.field == "smtp.from_address"


def test_non_ascii_unsubscribe_url_is_a_config_error(tmp_path: Path) -> None:
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
        mail.sender(settings)


def test_a_test_copy_says_so_and_needs_no_token(settings: Settings, template: mail.Template) -> None:
    data = copy_for(settings, template, mail.Recipient("me@example.org", "", "", ""), test=True).data
    message = parse(data)
    assert str(message["Subject"]).startswith("[Test] Beispiel Nachrichten:")
    assert message["Message-ID"].startswith("<test.")
    assert str(message["List-Unsubscribe"]) == "<mailto:news@example.org?subject=unsubscribe>"
    assert "List-Unsubscribe-Post" not in message
    text, _ = bodies(message)
    assert text.startswith("Hallo,\n") and "mailto:news@example.org?subject=unsubscribe" in text


# --- names and other header text are literal text ------------------------------------------------


def test_an_encoded_word_as_a_name_stays_literal_text(settings: Settings, template: mail.Template) -> None:
    """A subscriber named like an RFC 2047 encoded word got a Bcc: header, a forged Subject and body."""
    data = copy_for(settings, template, mail.Recipient("v@example.org", INJECTED, "de", TOKEN)).data
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in head and b"locked" not in data and b"evil" not in data
    message = parse(data)
    assert message["Bcc"] is None and message.defects == []
    assert str(message["Subject"]) == "Beispiel Nachrichten: 2 neue Meldungen (20. Mai 2024)"
    assert [a.addr_spec for a in message["To"].addresses] == ["v@example.org"]
    # Python's parser puts a space between the encoded words of a long name; the text is the same.
    assert message["To"].addresses[0].display_name.replace(" ", "") == INJECTED
    text, _ = bodies(message)
    assert text.startswith(f"Hallo {INJECTED},\n")


def test_encoded_words_in_subject_and_sender_name_stay_literal(tmp_path: Path) -> None:
    """`[digest] subject` and `sender_name` written as encoded words put a raw CR and a Bcc: line
    into message.eml."""
    bcc = "=?utf-8?q?x=0D=0ABcc:_victim@evil.example?="
    config = (
        CONFIG.replace("[digest]\n", f'[digest]\nsubject = "{bcc} {{count}}"\n')
        .replace('sender_name = "Stadtwerke Neustadt GmbH"', f'sender_name = "{bcc}"')
        .replace('from_name = "Stadtwerke Neustadt"\n', "")
    )
    eml = render_files(make_project(tmp_path, config=config))["message.eml"]
    head = eml.split(b"\n\n", 1)[0]
    assert b"\r" not in eml and b"Bcc" not in head and b"victim" not in head
    message = parse(eml)
    assert message["Bcc"] is None and message.defects == []
    assert str(message["Subject"]) == f"{bcc} 2"
    assert message["From"].addresses[0].display_name == bcc
    assert message["From"].addresses[0].addr_spec == "news@example.org"


@pytest.mark.parametrize("name", ["Anna\r\nBcc: victim@evil.example", "Anna\u2028Bcc: x", "Anna\x00"])
def test_line_breaks_in_names_never_start_a_header(
    settings: Settings, template: mail.Template, name: str
) -> None:
    data = copy_for(settings, template, mail.Recipient("v@example.org", name, "de", TOKEN)).data
    assert b"\r\nBcc" not in data and b"\x00" not in data
    assert parse(data)["Bcc"] is None


def test_the_preferences_link_goes_where_the_template_has_its_slot(tmp_path: Path) -> None:
    settings = write_project(tmp_path / "p", 2525)
    text = "%%G%%\nAbmelden: %%U%%\nEinstellungen: %%P%%\n"
    body_html = '<p>%%G%%</p><a href="%%U%%">x</a><a href="%%P%%">y</a>'
    template = mail.Template(text, body_html, "%%G%%", "%%U%%", "%%P%%")
    message = parse(
        copy_for(settings, template, mail.Recipient("anna@example.org", "Anna", "de", TOKEN)).data
    )
    plain, rich = bodies(message)
    assert f"Einstellungen: https://news.example.org/preferences?token={TOKEN}\n" in plain
    assert f'href="https://news.example.org/preferences?token={TOKEN}"' in rich
    test_copy = parse(
        copy_for(settings, template, mail.Recipient("me@example.org", "", "", ""), test=True).data
    )
    assert "Einstellungen: \n" in bodies(test_copy)[0]  # no token, no preferences page


def test_configured_greetings_with_and_without_a_name(tmp_path: Path, template: mail.Template) -> None:
    settings = write_project(tmp_path / "p", 2525)
    formal = replace(
        settings, digest=replace(settings.digest, greeting_de="Guten Tag {name},", greeting_en="Dear {name},")
    )
    assert bodies(build_for(formal, template, name="Anna Müller"))[0].startswith("Guten Tag Anna Müller,\n")
    assert bodies(build_for(formal, template, name=""))[0].startswith("Guten Tag,\n")
    assert bodies(build_for(formal, template, lang="en", name="Bob"))[0].startswith("Dear Bob,\n")


@given(
    name=st.text(alphabet="AbZz09 äß.\"'<>,@=?", max_size=90),
    local=st.from_regex(r"[a-z0-9]{1,60}", fullmatch=True),
)
def test_the_directly_written_headers_are_what_folding_gives(name: str, local: str) -> None:
    """To and Content-Type are written without the email package for speed; for every name that is
    not encoded-word-like (those are encoded as literal text) the bytes are what it would write."""
    address = f"{local}@example.org"
    clean = " ".join(name.split())
    if "=?" not in clean:
        assert encoding.address_header("To", name, address) == encoding.fold_header(
            "To", Address(display_name=clean, addr_spec=address)
        )
    boundary = "=_" + hashlib.sha256(local.encode()).hexdigest()[:32]
    folded = encoding.fold_header("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    assert mail.content_type(boundary) == folded
