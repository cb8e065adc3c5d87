"""MIME assembly: quoted-printable pieces with spliced-in values decode to exactly the intended text."""

from __future__ import annotations

import email.policy
import quopri
from email import message_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.mail import mime

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
    compiled = mime.compile_body(body, SLOTS)
    encoded = mime.render_body(compiled, {"%%GREETING%%": greeting, "%%UNSUBSCRIBE_URL%%": link})
    expected = normalise(body.replace("%%GREETING%%", "\0G\0").replace("%%UNSUBSCRIBE_URL%%", "\0U\0"))
    expected = expected.replace("\0G\0", normalise(greeting)).replace("\0U\0", normalise(link))
    assert normalise(decode(encoded)) == expected
    assert encoded.isascii()
    assert all(len(line) <= 76 for line in encoded.split("\r\n"))
    assert "\n" not in encoded.replace("\r\n", "")  # CRLF only
    assert "=_" not in encoded  # so an "=_" boundary can never occur in a body


@settings(deadline=None)
@given(text=bodies, html=bodies)
def test_the_message_parses_back_into_two_parts(text: str, html: str) -> None:
    values = {"%%GREETING%%": "Hallo Jürgen,", "%%UNSUBSCRIBE_URL%%": "https://x.org/u?token=1.a"}
    data = mime.multipart_alternative(
        mime.fold_header("Subject", "Wochenrückblick „Neues“") + "MIME-Version: 1.0\r\n",
        "=_boundary",
        mime.render_body(mime.compile_body(text, SLOTS), values),
        mime.render_body(mime.compile_body(html, SLOTS), values),
    )
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
    compiled = mime.compile_body(body, SLOTS)
    encoded = mime.render_body(compiled, {"%%GREETING%%": "ü" * 40, "%%UNSUBSCRIBE_URL%%": "x" * 90})
    assert all(len(line) <= 76 for line in encoded.split("\r\n"))
    assert (
        normalise(decode(encoded)) == filler * length + "ü" * 40 + filler * length + "\n" + "x" * 90 + "end"
    )


def test_fold_header_encodes_non_ascii_and_folds() -> None:
    line = mime.fold_header("Subject", "Größere Pläne für 2025 " * 5)
    assert line.startswith("Subject: =?utf-8?") and line.endswith("\r\n")
    assert all(len(part) <= 78 for part in line.split("\r\n"))


def test_raw_header_refuses_injection_and_non_ascii() -> None:
    assert mime.raw_header("X", "<a>,\n <b>") == "X: <a>,\r\n <b>\r\n"
    with pytest.raises(ValueError, match="not a plain ASCII header"):
        mime.raw_header("List-Unsubscribe", "<https://x.org/>\nBcc: victim@example.org")
    with pytest.raises(ValueError, match="not a plain ASCII header"):
        mime.raw_header("List-Unsubscribe", "<https://x.org/ü>")
