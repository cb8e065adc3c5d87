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
  splits one across a soft line break), so both ways of filling them work: parse with
  ``email.message_from_bytes(data, policy=email.policy.default)`` and replace in headers and in each part's
  ``get_content()`` (recommended: values may be non-ASCII), or replace in the raw bytes for ASCII values.
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


def _qp_pieces(encoded: str) -> list[str]:
    """Cut one encoded line into pieces of at most 76 characters (all but the last end in a soft break)."""
    pieces: list[str] = []
    spans = [m.span() for m in PLACEHOLDER.finditer(encoded)]
    start = 0
    while len(encoded) - start > QP_LINE:
        cut = start + QP_LINE - 1
        if encoded[cut - 1] == "=":  # never split "=XX"
            cut -= 1
        elif encoded[cut - 2] == "=":
            cut -= 2
        for span_start, span_end in spans:  # nor a placeholder
            if start < span_start < cut < span_end:
                cut = span_start
        pieces.append(encoded[start:cut] + "=")
        start = cut
    pieces.append(encoded[start:])
    return pieces


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
