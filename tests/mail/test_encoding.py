"""The encodings: quoted-printable with slots, values filled into the gaps, header lines."""

from __future__ import annotations

import binascii
import email.policy
import quopri
import re
from email import message_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.mail import encoding
from publisher.mail import message as mail

SLOTS = ("%%GREETING%%", "%%UNSUBSCRIBE_URL%%")
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
bodies = st.lists(st.one_of(texts, st.sampled_from(SLOTS)), max_size=8).map("".join)


def decode(encoded: str) -> str:
    return quopri.decodestring(encoded.encode("ascii")).decode("utf-8")


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=300, deadline=None)  # no timing in tests; the first example pays for imports
@given(body=bodies, greeting=texts, link=texts)
def test_rendered_body_decodes_to_the_filled_text(body: str, greeting: str, link: str) -> None:
    compiled = encoding.compile_body(body, SLOTS)
    encoded = encoding.fill_body(compiled, {"%%GREETING%%": greeting, "%%UNSUBSCRIBE_URL%%": link})
    expected = normalise(body.replace("%%GREETING%%", "\0G\0").replace("%%UNSUBSCRIBE_URL%%", "\0U\0"))
    expected = expected.replace("\0G\0", normalise(greeting)).replace("\0U\0", normalise(link))
    assert normalise(decode(encoded)) == expected
    assert encoded.isascii()
    assert all(len(line) <= 76 for line in encoded.split("\n"))
    assert "\r" not in encoded  # LF only: a sent message turns every LF into CRLF
    assert "=_" not in encoded  # so an "=_" boundary can never occur in a body


@settings(deadline=None)
@given(text=bodies, html=bodies)
def test_the_message_parses_back_into_two_parts(text: str, html: str) -> None:
    values = {"%%GREETING%%": "Hallo Jürgen,", "%%UNSUBSCRIBE_URL%%": "https://x.org/u?token=1.a"}
    headers = [
        encoding.fold_header("Subject", "Wochenrückblick „Neues“"),
        "MIME-Version: 1.0\n",
        mail.content_type("=_boundary"),
    ]
    data = mail.assemble(
        headers,
        "=_boundary",
        encoding.fill_body(encoding.compile_body(text, SLOTS), values),
        encoding.fill_body(encoding.compile_body(html, SLOTS), values),
    ).encode("ascii")
    message = message_from_bytes(data, policy=email.policy.default)
    assert str(message["Subject"]) == "Wochenrückblick „Neues“"
    plain, rich = message.iter_parts()  # type: ignore[misc]
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    for part, source in ((plain, text), (rich, html)):
        filled = source
        for slot, value in values.items():
            filled = filled.replace(slot, value)
        assert normalise(part.get_content()) == normalise(filled)
    assert not message.defects and not plain.defects and not rich.defects


@pytest.mark.parametrize("filler", ["a", "ä", "€", "a=", " "])
@pytest.mark.parametrize("length", range(70, 80))
def test_a_value_after_a_full_line_keeps_lines_within_76(filler: str, length: int) -> None:
    """The soft break that joins a value must fit: b2a_qp fills lines to 76, the "=" needs room."""
    body = filler * length + "%%GREETING%%" + filler * length + "\n%%UNSUBSCRIBE_URL%%end"
    compiled = encoding.compile_body(body, SLOTS)
    encoded = encoding.fill_body(compiled, {"%%GREETING%%": "ü" * 40, "%%UNSUBSCRIBE_URL%%": "x" * 90})
    assert all(len(line) <= 76 for line in encoded.split("\n"))
    assert (
        normalise(decode(encoded)) == filler * length + "ü" * 40 + filler * length + "\n" + "x" * 90 + "end"
    )


def test_fold_header_encodes_non_ascii_and_folds() -> None:
    line = encoding.fold_header("Subject", "Größere Pläne für 2025 " * 5)
    assert line.startswith("Subject: =?utf-8?") and line.endswith("\n")
    assert all(len(part) <= 78 for part in line.split("\n"))


def test_raw_header_refuses_injection_and_non_ascii() -> None:
    assert encoding.raw_header("X", "<a>,\n <b>") == "X: <a>,\n <b>\n"
    with pytest.raises(ValueError, match="not a plain ASCII header"):
        encoding.raw_header("List-Unsubscribe", "<https://x.org/>\nBcc: victim@example.org")
    with pytest.raises(ValueError, match="not a plain ASCII header"):
        encoding.raw_header("List-Unsubscribe", "<https://x.org/ü>")


PLACEHOLDERS = mail.PLACEHOLDERS
RECIPIENT, GREETING, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO, PREFERENCES_URL = PLACEHOLDERS


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
    encoded = encoding.qp_encode(text, PLACEHOLDERS)
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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
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
    assert encoding.qp_escape(data) == binascii.b2a_qp(data, istext=True).decode("ascii").replace("=\n", "")


@given(QP_TEXT.filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text)))
def test_qp_encode_is_byte_identical_to_the_straightforward_encoder(text: str) -> None:
    assert encoding.qp_encode(text, PLACEHOLDERS) == _qp_reference(text)
