"""Build the digest's ``message.eml``: a deterministic multipart/alternative message with placeholders.

The contract with ``publisher send`` (which fills the placeholders per recipient)
--------------------------------------------------------------------------------
``out/digests/<yyyy-mm-dd>/message.eml`` is a complete RFC 5322 message with LF line endings
(as mail files on disk have them; ``smtplib.send_message`` sends CRLF):

* Top-level headers, in this order and no others::

      From: <[smtp] from_name or [digest] sender_name> <[smtp] from_address or author_email>
      To: %%RECIPIENT%%
      Subject: <the digest subject, RFC 2047-encoded when not ASCII>
      Date: <the digest's `now`, RFC 5322 format>
      Message-ID: <yyyymmdd.<content hash>@<host of base_url>>
      MIME-Version: 1.0
      List-Unsubscribe: <%%UNSUBSCRIBE_URL%%>, <mailto:%%UNSUBSCRIBE_MAILTO%%>
      List-Unsubscribe-Post: List-Unsubscribe=One-Click
      Content-Type: multipart/alternative; boundary="=_publisher_<content hash>"

* Exactly two parts, in this order: ``text/plain; charset="utf-8"`` then ``text/html; charset="utf-8"``,
  both ``Content-Transfer-Encoding: quoted-printable``.
* Both bodies contain ``%%GREETING%%`` (the whole greeting line, e.g. ``Hallo Anna,`` -- the sender
  HTML-escapes the value for the HTML part) and ``%%UNSUBSCRIBE_URL%%`` (the href / URL of the personal
  unsubscribe link). The headers contain ``%%RECIPIENT%%``, ``%%UNSUBSCRIBE_URL%%`` and
  ``%%UNSUBSCRIBE_MAILTO%%``.
* Every placeholder appears verbatim and unbroken in the raw bytes (the quoted-printable encoder here never
  splits one across a soft line break) and in the decoded text of each part.
* Filling placeholders in the raw bytes: header values as they are (ASCII; a non-ASCII name RFC 2047-encoded),
  body values HTML-escaped in the HTML part and then quoted-printable encoded (a URL's "=" must become "=3D").
  Each body placeholder stands on a physical line of its own (soft line breaks around it), so this never
  makes a line too long. ``personalise(message, Recipient(...))`` below does exactly that; the other way is
  to parse the message and replace in each part's ``get_content()``.
* The Message-ID and the boundary are derived from a SHA-256 hash of the content, so rendering the same
  digest twice gives the same bytes. A sender that needs one Message-ID per recipient replaces the header.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

RECIPIENT = "%%RECIPIENT%%"
GREETING = "%%GREETING%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
UNSUBSCRIBE_MAILTO = "%%UNSUBSCRIBE_MAILTO%%"
PLACEHOLDERS = (RECIPIENT, GREETING, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO)
PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
QP_LINE = 76


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """Everything ``message.eml`` is made of; the bodies already contain their placeholders."""

    subject: str
    from_name: str
    from_address: str
    date: datetime
    text: str
    html: str
    domain: str

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for value in (
            self.subject,
            self.from_name,
            self.from_address,
            self.date.isoformat(),
            self.text,
            self.html,
            self.domain,
        ):
            digest.update(value.encode("utf-8"))
            digest.update(b"\0")
        return digest.hexdigest()


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


def _qp_pieces(encoded: str) -> list[str]:
    """One encoded line as physical lines (without their soft-break "="): every placeholder on a line of
    its own (soft breaks around it), so that replacing it never makes a line too long for the text
    around it."""
    pieces: list[str] = []
    pos = 0
    for match in PLACEHOLDER.finditer(encoded):
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


def qp_encode(text: str) -> str:
    """Quoted-printable (RFC 2045), lines <= 76 characters, placeholders never split across a soft break.

    The escaping is binascii's (see ``qp_escape``); the soft line breaks are made here, because
    binascii's would cut through a placeholder. Lines that are short and hold no placeholder stay as
    they are.
    """
    lines = qp_escape(text.replace("\r\n", "\n").encode("utf-8")).split("\n")
    for index, line in enumerate(lines):
        if len(line) >= QP_LINE or "%%" in line:
            lines[index] = "=\n".join(_qp_pieces(line))
    return "\n".join(lines)


def message_id(spec: MessageSpec, content_hash: str | None = None) -> str:
    """``<yyyymmdd.<content hash>@<domain>>``; pass ``content_hash`` when it is already known."""
    content_hash = content_hash or spec.content_hash()
    return f"<{spec.date:%Y%m%d}.{content_hash[:24]}@{spec.domain}>"


# The headers that are the same in every digest, in their places among the others.
_FIXED_HEADERS = {
    "To": RECIPIENT,
    "MIME-Version": "1.0",
    "List-Unsubscribe": f"<{UNSUBSCRIBE_URL}>, <mailto:{UNSUBSCRIBE_MAILTO}>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}
_HEADER_ORDER = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Content-Type",
)


def _fold_headers(values: dict[str, object]) -> dict[str, bytes]:
    """Each header as the email package's header registry parses, encodes and folds it."""
    from email import policy
    from email.message import EmailMessage

    head = EmailMessage(policy=policy.default)
    for name, value in values.items():
        head[name] = value
    return {name: policy.default.fold_binary(name, value) for name, value in head.items()}


@lru_cache(maxsize=1)
def _fixed_headers() -> dict[str, bytes]:
    return _fold_headers(dict(_FIXED_HEADERS))


def build_message(spec: MessageSpec) -> bytes:
    """The message as bytes (see the module docstring for the exact shape).

    The email package's header registry encodes and folds the headers (the fixed ones once per
    process); the two quoted-printable bodies are joined with the boundary directly, which is what the
    email generator would write, minus its line-by-line copying of ~100 KB of HTML.
    """
    from email.headerregistry import Address
    from email.utils import format_datetime

    content_hash = spec.content_hash()  # hashes both bodies: once
    boundary = f"=_publisher_{content_hash[:32]}"
    headers = _fixed_headers() | _fold_headers(
        {
            "From": Address(display_name=spec.from_name, addr_spec=spec.from_address),
            "Subject": spec.subject,
            "Date": format_datetime(spec.date),
            "Message-ID": message_id(spec, content_hash),
            # "=_" cannot occur in a quoted-printable body ("=" is always "=3D" there): a safe boundary.
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        }
    )
    out = [headers[name] for name in _HEADER_ORDER]
    for subtype, body in (("plain", spec.text), ("html", spec.html)):
        out.append(
            f'\n--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
            f"Content-Transfer-Encoding: quoted-printable\n\n{qp_encode(body)}\n".encode("ascii")
        )
    out.append(f"\n--{boundary}--\n".encode("ascii"))
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class Recipient:
    """The per-recipient values of the placeholders."""

    address: str
    greeting: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    name: str = ""


def personalise(message: bytes, recipient: Recipient) -> bytes:
    """Fill the placeholders of a ``message.eml`` for one recipient, in the raw bytes (no re-parsing).

    Raises ValueError for values that cannot go into a header as they are (non-ASCII URLs, line breaks).
    """
    import html
    from email.utils import formataddr

    for value in (recipient.address, recipient.unsubscribe_url, recipient.unsubscribe_mailto):
        if not value.isascii() or any(c in value for c in "\r\n<> "):
            raise ValueError(f"{value!r} cannot go into a mail header: use ASCII without spaces or <>")
    if "\n" in recipient.greeting or "\r" in recipient.greeting:
        raise ValueError("the greeting must be one line")
    head, _, body = message.partition(b"\n\n")
    to = formataddr((recipient.name, recipient.address), charset="utf-8")
    for placeholder, value in (
        (RECIPIENT, to),
        (UNSUBSCRIBE_URL, recipient.unsubscribe_url),
        (UNSUBSCRIBE_MAILTO, recipient.unsubscribe_mailto),
    ):
        head = head.replace(placeholder.encode("ascii"), value.encode("ascii"))
    boundary = re.search(rb'boundary="([^"]+)"', head)
    if boundary is None:
        raise ValueError("not a message.eml from publisher digest: no multipart boundary")
    parts = body.split(b"--" + boundary.group(1))
    for index, part in enumerate(parts):
        is_html = part.lstrip().lower().startswith(b"content-type: text/html")
        escape = html.escape if is_html else str
        for placeholder, value in (
            (GREETING, recipient.greeting),
            (UNSUBSCRIBE_URL, recipient.unsubscribe_url),
        ):
            part = part.replace(placeholder.encode("ascii"), qp_encode(escape(value)).encode("ascii"))
        parts[index] = part
    return head + b"\n\n" + (b"--" + boundary.group(1)).join(parts)
