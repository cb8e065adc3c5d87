"""publisher.importing.decoding: bytes -> text in any encoding, and the errors for what is no text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.importing.decoding import MAX_BYTES, decode, line_of

GERMAN = "Rückblick auf „Europäische“ Clusterkonferenz – Größe: 5 €\r\nZweite Zeile.\r\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_decode_encodings(encoding: str, reported: str) -> None:
    decoded = decode(GERMAN.encode(encoding), "x.txt")
    assert (decoded.text, decoded.encoding) == (GERMAN, reported)


def test_latin1_text_decodes_with_its_umlauts() -> None:
    text = "Die Größe der Veranstaltung in Köln überraschte. Schöne Grüße an alle Beteiligten!\n"
    assert decode(text.encode("latin-1"), "x.txt").text == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.txt: the file is empty"),
        (b"\xef\xbb\xbf \n\n", "x.txt: the file is empty"),
        (b"GIF89a\x01\x00\x01\x00\x00\xff\x00,", "x.txt: this looks like a binary file"),
        (b"\x1b\x02\x03\x04\x05\x06\x07 text", "x.txt: this looks like a binary file"),
        (b"a" * (MAX_BYTES + 1), "x.txt: the file is 5.0 MB"),
    ],
)
def test_decode_refuses_bad_input(data: bytes, message: str) -> None:
    with pytest.raises(PublisherError, match="^" + message.replace(".", r"\.")):
        decode(data, "x.txt")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\xff\xfeA\x00b",
            "x.txt:1: starts like UTF-16 text (byte-order mark FF FE or FE FF), but it ends in the middle",
        ),
        ("Titel\nText\n".encode("utf-16")[:-1], "x.txt:2: starts like UTF-16 text"),
        (
            b"\xff\xfeA\x00\n\x00B\x00\x00\xd8C\x00",
            "x.txt:2: starts like UTF-16 text (byte-order mark FF FE or FE FF), but byte 8",
        ),
        (b"\xfe\xff\x00A\x00", "x.txt:1: starts like UTF-16 text"),
        (b"\xff\xfe\x00\xd8\x01\x02\x03", "x.txt:1: starts like UTF-16 text"),
    ],
)
def test_broken_utf16_is_a_named_error_not_a_crash(data: bytes, message: str) -> None:
    with pytest.raises(PublisherError, match="^" + re.escape(message)) as info:
        decode(data, "x.txt")
    assert "-> save the press release again as UTF-8 text" in str(info.value)


@given(st.binary(max_size=64))
def test_decode_raises_only_publisher_errors(tail: bytes) -> None:
    for data in (b"\xff\xfe" + tail, b"\xfe\xff" + tail, tail, "Grüße ".encode() + tail):
        try:
            decoded = decode(data, "x.txt")
        except PublisherError as exc:
            assert str(exc).startswith("x.txt")
        else:
            assert decoded.text.strip()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_decoded_text_is_nfc(encoding: str) -> None:
    nfd = unicodedata.normalize("NFD", "Rückblick: 14. März 2024 in Brüssel")
    if encoding == "cp1252":  # cp1252 has no combining marks: only the composed text can be written
        nfd = unicodedata.normalize("NFC", nfd)
    assert decode(nfd.encode(encoding), "x.txt").text == "Rückblick: 14. März 2024 in Brüssel"


@pytest.mark.parametrize(
    ("data", "text", "repairs"),
    [
        ("Grüße aus dem ".encode() + b"Caf\xe9 am Markt", "Grüße aus dem Café am Markt", [(1, "E9", "é")]),
        (
            "Köln\nEr sagte ".encode() + b"\x84Hallo\x93.",
            "Köln\nEr sagte „Hallo“.",
            [(2, "84", "„"), (2, "93", "“")],
        ),
        ("Grüße\r\naus der Stra".encode() + b"\xc3", "Grüße\r\naus der StraÃ", [(2, "C3", "Ã")]),
    ],
)
def test_utf8_with_a_few_stray_bytes_is_decoded_and_reported(
    data: bytes, text: str, repairs: list[tuple[int, str, str]]
) -> None:
    decoded = decode(data, "x.txt")
    assert (decoded.text, decoded.encoding) == (text, "utf-8+cp1252")
    assert [(line, message.split()[1].rstrip(":")) for line, message in decoded.repairs] == [
        (line, raw) for line, raw, _ in repairs
    ]
    for (_, message), (_, _, char) in zip(decoded.repairs, repairs, strict=True):
        assert f"read as Windows-1252 '{char}'" in message and "->" in message
    if data.endswith(b"\xc3"):
        assert "ends in the middle of a UTF-8 character" in decoded.repairs[0][1]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Das Caf\xe9 am Markt", "Das Café am Markt"),  # ASCII + one Latin-1 byte: an 8-bit text
        (b"Er sagte \x84Hallo\x93 und ging.", "Er sagte „Hallo“ und ging."),
        (b"Gr\xfc\xdfe \x81 aus K\xf6ln", "Grüße \x81 aus Köln"),  # a byte cp1252 lacks: Latin-1
    ],
)
def test_8bit_text_that_charset_normalizer_rejects_is_not_binary(data: bytes, text: str) -> None:
    decoded = decode(data, "x.txt")
    assert decoded.text == text and decoded.repairs == ()


def test_line_of_counts_lines_as_editors_do() -> None:
    text = "a\r\nb\rc\nd\fe\u2028f"
    assert [line_of(text, text.index(c)) for c in "abcdef"] == [1, 2, 3, 4, 4, 4]
