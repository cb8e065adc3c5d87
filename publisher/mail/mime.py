"""Fast multipart/alternative assembly: bodies are encoded once, per-recipient values are spliced in."""

from __future__ import annotations

import binascii
import email.policy
import re
from collections.abc import Mapping
from dataclasses import dataclass

CRLF = "\r\n"
SOFT_BREAK = "=\r\n"
QP_LINE = 76  # RFC 2045: at most 76 characters per encoded line, the soft-break "=" included
POLICY = email.policy.SMTP


@dataclass(frozen=True, slots=True)
class CompiledBody:
    """A body as quoted-printable pieces with named gaps: ``pieces[0] slot[0] pieces[1] ... pieces[-1]``."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]


def qp_encode(text: str) -> str:
    """Quoted-printable (RFC 2045) with CRLF line ends and lines of at most 76 characters.

    binascii does the encoding in C, but before a line end it writes an encoded trailing space past
    column 76 ("...  =20"), so lines are checked and soft-wrapped again here.
    """
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, istext=True).decode("ascii")
    return CRLF.join(piece for line in encoded.split("\n") for piece in _soft_wrap(line))


def _soft_wrap(line: str, room: int = 0) -> list[str]:
    """Physical lines of at most 76 characters, soft "=" included, never cut inside an "=XX" escape;
    the last one leaves ``room`` characters free."""
    pieces = []
    while len(line) > QP_LINE - room:
        cut = QP_LINE - 1
        if line[cut - 1] == "=":
            cut -= 1
        elif line[cut - 2] == "=":
            cut -= 2
        pieces.append(line[:cut] + "=")
        line = line[cut:]
    return [*pieces, line]


def compile_body(text: str, placeholders: tuple[str, ...]) -> CompiledBody:
    """Encode everything between the placeholders once; they become the gaps ``render_body`` fills."""
    pattern = re.compile("|".join(re.escape(p) for p in placeholders))
    pieces: list[str] = []
    slots: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(qp_encode(text[position : match.start()]))
        slots.append(match.group(0))
        position = match.end()
    pieces.append(qp_encode(text[position:]))
    return CompiledBody(tuple(pieces), tuple(slots))


def render_body(body: CompiledBody, values: Mapping[str, str]) -> str:
    """The encoded body with every gap filled. A soft line break joins the chunks, so no line grows too
    long and the decoded text is exactly the pieces and values concatenated."""
    out: list[str] = []
    at_line_start = True
    chunks = [body.pieces[0]]
    for slot, piece in zip(body.slots, body.pieces[1:], strict=True):
        chunks += [qp_encode(values[slot]), piece]
    for chunk in chunks:
        if not chunk:
            continue
        if not at_line_start:
            out[-1] = _room_for_soft_break(out[-1])
            out.append(SOFT_BREAK)
        out.append(chunk)
        at_line_start = chunk.endswith(CRLF)
    return "".join(out)


def _room_for_soft_break(chunk: str) -> str:
    """Make the chunk's last line short enough for one more character, the joining soft-break "="."""
    head, separator, last = chunk.rpartition(CRLF)
    return head + separator + CRLF.join(_soft_wrap(last, room=1))


def fold_header(name: str, value: object) -> str:
    """One header line as the email package writes it: folded, RFC 2047-encoded where needed, CRLF."""
    return POLICY.fold(*POLICY.header_store_parse(name, value))


def raw_header(name: str, value: str) -> str:
    """A header written as given (e.g. URLs, which encoding would break); must be printable ASCII."""
    folded = value.replace("\r\n", "\n").replace("\n", CRLF)
    if not folded.isascii() or any(line and not line[0].isspace() for line in folded.split(CRLF)[1:]):
        raise ValueError(f"{name}: not a plain ASCII header value: {value!r}")
    return f"{name}: {folded}{CRLF}"


def multipart_alternative(headers: str, boundary: str, text_qp: str, html_qp: str) -> bytes:
    """The whole message: ``headers`` (CRLF-terminated lines), then a text/plain and a text/html part.

    The boundary must not occur in the bodies; a boundary containing "=_" never does in quoted-printable.
    """
    part_head = (
        'Content-Type: text/{}; charset="utf-8"' + CRLF + "Content-Transfer-Encoding: quoted-printable"
    )
    return "".join(
        [
            headers,
            f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}',
            CRLF,
            f"--{boundary}{CRLF}{part_head.format('plain')}{CRLF}{CRLF}{text_qp}{CRLF}",
            f"--{boundary}{CRLF}{part_head.format('html')}{CRLF}{CRLF}{html_qp}{CRLF}",
            f"--{boundary}--{CRLF}",
        ]
    ).encode("ascii")
