"""message.eml: the contract with `publisher send`, checked with Python's email package."""

from __future__ import annotations

import binascii
import email
import email.policy
import quopri
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.digest.render import digest_window, render_digest, select_entries
from publisher.mail.message import (
    GREETING,
    PLACEHOLDERS,
    RECIPIENT,
    UNSUBSCRIBE_MAILTO,
    UNSUBSCRIBE_URL,
    MessageSpec,
    Recipient,
    build_message,
    personalise,
    qp_encode,
    qp_escape,
)
from publisher.mail.state import DigestState
from tests.digest.fixtures import BERLIN, NOW, make_entry, make_project, photo

HEADERS = [
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
ANNA = Recipient(
    address="anna@example.com",
    name="Anna Jürgens",
    greeting="Hallo Anna & „Freunde“,",
    unsubscribe_url="https://news.example.org/unsubscribe?token=3d3d&list=a",
    unsubscribe_mailto="unsubscribe+3d3d@news.example.org",
)


@pytest.fixture
def eml(tmp_path: Path) -> bytes:
    settings = make_project(tmp_path)
    window = digest_window(DigestState(), NOW, window_days=7)
    entries = (make_entry(1, image=photo(1), title="Grüße & „Zitate“ <b>"), make_entry(2, lang="en"))
    return render_digest(settings, select_entries(entries, DigestState(), window, 20), NOW).files[
        "message.eml"
    ]


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_headers_are_exactly_the_contract(eml: bytes) -> None:
    message = parse(eml)
    assert message.keys() == HEADERS
    assert message.defects == []
    assert str(message["From"]) == "Stadtwerke Neustadt <news@example.org>"
    assert message["Subject"] == "Stadtwerke Neustadt: 2 neue Meldungen (20. Mai 2024)"
    assert message["Date"].datetime == NOW
    assert re.fullmatch(r"<20240520\.[0-9a-f]{24}@news\.example\.org>", message["Message-ID"])
    assert message["MIME-Version"] == "1.0"
    raw_headers = eml.split(b"\n\n", 1)[0].decode("ascii")
    assert "\nTo: %%RECIPIENT%%\n" in raw_headers
    assert "\nList-Unsubscribe: <%%UNSUBSCRIBE_URL%%>, <mailto:%%UNSUBSCRIBE_MAILTO%%>\n" in raw_headers
    assert "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in raw_headers


def test_two_utf8_parts_text_then_html_with_the_placeholders(eml: bytes) -> None:
    message = parse(eml)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.defects == []
        body = part.get_content()
        assert body.count(GREETING) == 1 and UNSUBSCRIBE_URL in body
    text, html = (p.get_content() for p in parts)
    assert text.startswith(f"{GREETING}\n\n")
    assert "Grüße & „Zitate“ <b>" in text
    assert "Grüße &amp; „Zitate“ &lt;b&gt;" in html
    assert f'<a href="{UNSUBSCRIBE_URL}"' in html


def test_the_raw_bytes_are_ascii_with_short_lines_and_whole_placeholders(eml: bytes) -> None:
    eml.decode("ascii")
    assert max(len(line) for line in eml.split(b"\n")) <= 78
    for placeholder in PLACEHOLDERS:
        assert placeholder.encode() in eml
    body = eml.split(b"\n\n", 1)[1]
    for line in body.split(b"\n"):
        if b"%%" in line:  # a body placeholder stands on a physical line of its own
            assert line.rstrip(b"=") in (GREETING.encode(), UNSUBSCRIBE_URL.encode()), line


def test_personalise_fills_headers_and_both_bodies(eml: bytes) -> None:
    message = parse(personalise(eml, ANNA))
    assert message.defects == []
    assert message["To"].addresses[0].display_name == "Anna Jürgens"
    assert message["To"].addresses[0].addr_spec == "anna@example.com"
    assert message["List-Unsubscribe"] == (
        "<https://news.example.org/unsubscribe?token=3d3d&list=a>, <mailto:unsubscribe+3d3d@news.example.org>"
    )
    text, html = (p.get_content() for p in message.iter_parts())
    assert "%%" not in text and "%%" not in html
    assert text.startswith("Hallo Anna & „Freunde“,\n")
    assert "Abmelden: https://news.example.org/unsubscribe?token=3d3d&list=a\n" in text
    assert "Hallo Anna &amp; „Freunde“," in html
    assert 'href="https://news.example.org/unsubscribe?token=3d3d&amp;list=a"' in html


def test_personalise_refuses_values_that_break_headers(eml: bytes) -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="cannot go into a mail header"):
        personalise(eml, replace(ANNA, unsubscribe_url="https://news.example.org/abmelden/jürgen"))
    with pytest.raises(ValueError, match="one line"):
        personalise(eml, replace(ANNA, greeting="Hallo\nBcc: x@example.org"))


def test_same_input_same_bytes_and_the_hash_covers_the_content() -> None:
    spec = MessageSpec(
        "Betreff", "Absender", "news@example.org", NOW, "Text\n", "<p>HTML</p>\n", "example.org"
    )
    assert build_message(spec) == build_message(spec)
    from dataclasses import replace

    other = build_message(replace(spec, text="Text!\n"))
    ids = [re.search(rb"Message-ID: (\S+)", m).group(1) for m in (build_message(spec), other)]
    boundaries = [re.search(rb'boundary="([^"]+)"', m).group(1) for m in (build_message(spec), other)]
    assert ids[0] != ids[1] and boundaries[0] != boundaries[1]


def test_date_header_is_the_digest_time_in_its_zone() -> None:
    when = datetime(2024, 1, 15, 7, 5, tzinfo=BERLIN)
    message = parse(build_message(MessageSpec("S", "A", "a@example.org", when, "t", "h", "example.org")))
    assert message["Date"] == "Mon, 15 Jan 2024 07:05:00 +0100"


@given(
    st.lists(
        st.one_of(
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=120
            ),
            st.sampled_from([*PLACEHOLDERS, " ", "\t", "=", "\n", "ä", "%%", "%%R%%"]),
        ),
        max_size=30,
    ).map("".join)
)
def test_qp_encode_round_trips_with_short_lines_and_whole_placeholders(text: str) -> None:
    encoded = qp_encode(text)
    assert quopri.decodestring(encoded.encode("ascii")).decode("utf-8") == text
    for line in encoded.split("\n"):
        assert len(line) <= 76
        assert not line.endswith((" ", "\t"))
    for placeholder in (RECIPIENT, GREETING, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO):
        assert encoded.count(placeholder) == text.count(placeholder)


# Text that exercises every context rule of quoted-printable: line ends after spaces and tabs, lone
# dots, control characters, CR (alone and before LF), "=", non-ASCII, long lines, placeholders.
QP_PIECES = st.sampled_from(
    [*PLACEHOLDERS, " ", "\t", "=", "\n", "\r", "\r\n", ".", "\n.", ".\n", "\x00", "\x7f", "\x0b", "ä", "€",
     "%%", "a", "x" * 70, "é" * 30, "=" * 25]
)  # fmt: skip
QP_TEXT = st.lists(st.one_of(QP_PIECES, st.text(max_size=40)), max_size=40).map("".join)


def _qp_reference(text: str) -> str:
    """qp_encode as first written: binascii's lines joined, then cut again chunk by chunk."""
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True).decode("ascii")
    lines = []
    for line in encoded.replace("=\n", "").split("\n"):
        pieces: list[str] = []
        segments = re.split(f"({'|'.join(map(re.escape, PLACEHOLDERS))})", line)
        for number, segment in enumerate(segments):
            if number % 2:  # a placeholder
                pieces.append(segment)
                continue
            while len(segment) > 75:
                cut = 75 - (1 if segment[74] == "=" else 2 if segment[73] == "=" else 0)
                pieces.append(segment[:cut])
                segment = segment[cut:]
            if segment:
                pieces.append(segment)
        lines.append("=\n".join(pieces))
    return "\n".join(lines)


@given(QP_TEXT)
def test_qp_escape_writes_what_binascii_writes(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    assert qp_escape(data) == binascii.b2a_qp(data, istext=True).decode("ascii").replace("=\n", "")


@given(QP_TEXT.filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text)))
def test_qp_encode_is_byte_identical_to_the_straightforward_encoder(text: str) -> None:
    assert qp_encode(text) == _qp_reference(text)
