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


def _qp_chunks(segment: str) -> list[str]:
    """Cut encoded text into chunks of at most QP_LINE - 1 characters, never inside an "=XX" escape."""
    chunks: list[str] = []
    start = 0
    while len(segment) - start > QP_LINE - 1:
        cut = start + QP_LINE - 1
        if segment[cut - 1] == "=":
            cut -= 1
        elif segment[cut - 2] == "=":
            cut -= 2
        chunks.append(segment[start:cut])
        start = cut
    if start < len(segment):
        chunks.append(segment[start:])
    return chunks


def _qp_pieces(encoded: str) -> list[str]:
    """One encoded line as physical lines: every placeholder on a line of its own (soft breaks around it),
    so that replacing it never makes a line too long for the text around it."""
    pieces: list[str] = []
    pos = 0
    for match in PLACEHOLDER.finditer(encoded):
        pieces += _qp_chunks(encoded[pos : match.start()])
        pieces.append(match.group(0))
        pos = match.end()
    pieces += _qp_chunks(encoded[pos:])
    if not pieces:
        return [""]
    return [piece + "=" for piece in pieces[:-1]] + [pieces[-1]]


def qp_encode(text: str) -> str:
    """Quoted-printable (RFC 2045), lines <= 76 characters, placeholders never split across a soft break.

    binascii does the escaping (in C); its soft line breaks are undone and redone here, because it
    would cut through a placeholder.
    """
    data = text.replace("\r\n", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, istext=True).decode("ascii").replace("=\n", "")
    return "\n".join(piece for line in encoded.split("\n") for piece in _qp_pieces(line))


def message_id(spec: MessageSpec) -> str:
    return f"<{spec.date:%Y%m%d}.{spec.content_hash()[:24]}@{spec.domain}>"


def build_message(spec: MessageSpec) -> bytes:
    """The message as bytes (see the module docstring for the exact shape).

    The email package's header registry encodes and folds the headers; the two quoted-printable bodies
    are joined with the boundary directly, which is what the email generator would write, minus its
    line-by-line copying of ~100 KB of HTML.
    """
    from email import policy
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime

    boundary = f"=_publisher_{spec.content_hash()[:32]}"
    head = EmailMessage(policy=policy.default)
    head["From"] = Address(display_name=spec.from_name, addr_spec=spec.from_address)
    head["To"] = RECIPIENT
    head["Subject"] = spec.subject
    head["Date"] = format_datetime(spec.date)
    head["Message-ID"] = message_id(spec)
    head["MIME-Version"] = "1.0"
    head["List-Unsubscribe"] = f"<{UNSUBSCRIBE_URL}>, <mailto:{UNSUBSCRIBE_MAILTO}>"
    head["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # "=_" cannot occur in a quoted-printable body ("=" is always "=3D" there), so the boundary is safe.
    head["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    out = [policy.default.fold_binary(name, value) for name, value in head.items()]
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
