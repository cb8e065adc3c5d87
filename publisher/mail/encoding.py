"""The encodings of a mail: quoted-printable bodies with slots for per-recipient values, and header lines."""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from functools import lru_cache

QP_LINE = 76  # RFC 2045: at most 76 characters per encoded line, the soft-break "=" included


# A chunk of a long encoded line: QP_LINE - 1 characters, one or two fewer when that would cut an "=XX"
# escape, and only while more than QP_LINE - 1 characters are left (the rest is the last chunk).
_QP_CHUNK = re.compile(
    f"(?=.{{{QP_LINE}}})(?:.{{{QP_LINE - 2}}}(?==)|.{{{QP_LINE - 3}}}(?==)|.{{{QP_LINE - 1}}})", re.DOTALL
)


def _qp_chunks(segment: str) -> list[str]:
    """Cut encoded text into chunks of at most QP_LINE - 1 characters, never inside an "=XX" escape.

    The chunks match back to back from the start (each needs more than QP_LINE - 1 characters left),
    so findall cuts the whole segment in C; what is left over is the last chunk.
    """
    chunks: list[str] = _QP_CHUNK.findall(segment)
    done = sum(map(len, chunks))
    if done < len(segment):
        chunks.append(segment[done:])
    return chunks


@lru_cache(maxsize=16)
def slot_pattern(slots: tuple[str, ...]) -> re.Pattern[str] | None:
    """A regex finding any of the slots (None for no slots)."""
    return re.compile("|".join(re.escape(s) for s in slots)) if slots else None


def _qp_pieces(encoded: str, slots: re.Pattern[str] | None) -> list[str]:
    """One encoded line as physical lines (without their soft-break "="): every slot on a line of its
    own (soft breaks around it), so that replacing it never makes a line too long for the text around it."""
    pieces: list[str] = []
    pos = 0
    if slots is not None:
        for match in slots.finditer(encoded):
            pieces += _qp_chunks(encoded[pos : match.start()])
            pieces.append(match.group(0))
            pos = match.end()
    pieces += _qp_chunks(encoded[pos:])
    return pieces or [""]


# Bytes quoted-printable writes as they are; every other byte becomes "=XX" (RFC 2045, as binascii).
_LITERAL = bytes(range(33, 127)).replace(b"=", b"") + b" \t\n"
_ESCAPES = [b"=%02X" % byte for byte in range(256)]
_LONE_DOT = re.compile(rb"\n\.(?=[\n\0]|\Z)")


def qp_escape(data: bytes) -> str:
    """``binascii.b2a_qp(data, istext=True)`` without its soft line breaks, in a few C passes.

    binascii walks the data byte by byte. Without its soft breaks, what it writes is: every byte
    outside ``_LITERAL`` escaped, and, depending on the neighbours, a space or tab before a line end or
    at the very end, and a "." alone at the start of a line (it would end an SMTP DATA). A line start
    is the start of the data or just after a "\n": a soft break never leaves binascii at column 0.
    Those rules are applied here with replace; data with a "\r" (binascii treats "\r\n" as a line end)
    goes to binascii itself.
    """
    if b"\r" in data:
        return binascii.b2a_qp(data, istext=True).decode("ascii").replace("=\n", "")
    special = data.translate(None, _LITERAL)  # the bytes to escape, with repeats
    if special:
        data = data.replace(b"=", b"=3D")  # first: the other escapes bring their own "="
    if b" \n" in data:
        data = data.replace(b" \n", b"=20\n")
    if b"\t\n" in data:
        data = data.replace(b"\t\n", b"=09\n")
    if data.endswith((b" ", b"\t")):
        data = data[:-1] + _ESCAPES[data[-1]]
    if b"\n." in data:
        data = _LONE_DOT.sub(b"\n=2E", data)
    if data.startswith(b".") and data[1:2] in (b"", b"\n", b"\0"):
        data = b"=2E" + data[1:]
    for byte in set(special):
        if byte != ord("="):
            data = data.replace(bytes((byte,)), _ESCAPES[byte])
    return data.decode("ascii")


def qp_encode(text: str, slots: tuple[str, ...] = ()) -> str:
    """Quoted-printable (RFC 2045) with LF line ends (CR and CRLF become LF), lines <= 76 characters,
    and every slot (a placeholder that starts with "%%") whole on a physical line of its own.

    The escaping is binascii's (see ``qp_escape``); the soft line breaks are made here, because
    binascii's would cut through a slot. Lines that are short and hold no slot stay as they are.
    """
    pattern = slot_pattern(slots)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = qp_escape(text.encode("utf-8")).split("\n")
    for index, line in enumerate(lines):
        if len(line) >= QP_LINE or "%%" in line:
            lines[index] = "=\n".join(_qp_pieces(line, pattern))
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class CompiledBody:
    """An encoded body with gaps: ``pieces[0] slots[0] pieces[1] ... pieces[-1]``; each gap is a
    physical line of its own, so any encoded value fits into it."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]


def compile_body(text: str, slots: tuple[str, ...]) -> CompiledBody:
    """Encode the text once; its slots become the gaps ``fill_body`` fills for each recipient."""
    encoded = qp_encode(text, slots)
    pattern = slot_pattern(slots)
    if pattern is None:
        return CompiledBody((encoded,), ())
    parts = re.split(f"({pattern.pattern})", encoded)
    return CompiledBody(tuple(parts[0::2]), tuple(parts[1::2]))


def fill_body(body: CompiledBody, values: Mapping[str, str]) -> str:
    """The encoded body with each gap holding its value, quoted-printable encoded in turn."""
    out = [body.pieces[0]]
    for slot, piece in zip(body.slots, body.pieces[1:], strict=True):
        out += [qp_encode(values[slot]), piece]
    return "".join(out)


def fold_header(name: str, value: object) -> str:
    """One header line as the email package parses, encodes and folds it, ending in LF."""
    return policy.default.fold(*policy.default.header_store_parse(name, value))


def raw_header(name: str, value: str) -> str:
    """A header written as given (e.g. URLs, which encoding would break); must be printable ASCII."""
    folded = value.replace("\r\n", "\n")
    if (
        not folded.isascii()
        or "\r" in folded
        or any(line and not line[0].isspace() for line in folded.split("\n")[1:])
    ):
        raise ValueError(f"{name}: not a plain ASCII header value: {value!r}")
    return f"{name}: {folded}\n"
