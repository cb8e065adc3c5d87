"""The digest mail, built in one place: the digest's ``message.eml`` and each subscriber's copy of it.

The contract between ``publisher digest`` and ``publisher send``
-----------------------------------------------------------------
``out/digests/<yyyy-mm-dd>/message.eml`` is a complete RFC 5322 message with LF line endings
(as mail files on disk have them; what ``publisher send`` transmits has CRLF):

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
* Both bodies contain ``%%GREETING%%`` (the whole greeting line, e.g. ``Hallo Anna,`` -- HTML-escaped
  in the HTML part) and ``%%UNSUBSCRIBE_URL%%`` (the href / URL of the personal unsubscribe link).
  The headers contain ``%%RECIPIENT%%``, ``%%UNSUBSCRIBE_URL%%`` and ``%%UNSUBSCRIBE_MAILTO%%``.
* Every placeholder appears verbatim and unbroken in the raw bytes (the quoted-printable encoder never
  splits one across a soft line break), each body placeholder on a physical line of its own.
* The Message-ID and the boundary are derived from a SHA-256 hash of the content, so rendering the same
  digest twice gives the same bytes.

``publisher send`` reads the message back (``parse_template``), encodes each body once, and writes one
message per subscriber (``personalise``): the template's headers in their order, with To, Message-ID and
List-Unsubscribe made for the recipient, and the bodies with the greeting and the unsubscribe link filled.
"""

from __future__ import annotations

import email.policy
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from urllib.parse import quote

from publisher.config import DigestSettings, Settings
from publisher.errors import PublisherError
from publisher.mail import encoding
from publisher.render.templating import labels

RECIPIENT = "%%RECIPIENT%%"
GREETING = "%%GREETING%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
UNSUBSCRIBE_MAILTO = "%%UNSUBSCRIBE_MAILTO%%"
PREFERENCES_URL = "%%PREFERENCES_URL%%"  # the subscriber's preferences page (same token as unsubscribing)
PLACEHOLDERS = (RECIPIENT, GREETING, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO, PREFERENCES_URL)
BODY_PLACEHOLDERS = (GREETING, UNSUBSCRIBE_URL, PREFERENCES_URL)


# --- writing a message ----------------------------------------------------------------------------


def assemble(headers: Iterable[str], boundary: str, text_qp: str, html_qp: str) -> str:
    """A multipart/alternative message: the header lines (the Content-Type naming ``boundary`` among
    them), then a text/plain and a text/html part, both quoted-printable. LF line ends.

    The boundary must not occur in the bodies; one containing "=_" never does in quoted-printable.
    """
    out = list(headers)
    for subtype, body in (("plain", text_qp), ("html", html_qp)):
        out.append(
            f'\n--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
            f"Content-Transfer-Encoding: quoted-printable\n\n{body}"
        )
    out.append(f"\n--{boundary}--\n")
    return "".join(out)


_PLAIN_BOUNDARY = re.compile(r"=_[0-9a-f]{32}")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


def content_type(boundary: str) -> str:
    # The boundaries this module makes need no parsing: written directly, byte for byte what folding
    # gives (a header is folded for every message sent, and folding costs more than the rest).
    if _PLAIN_BOUNDARY.fullmatch(boundary):
        return f'Content-Type: multipart/alternative;\n boundary="{boundary}"\n'
    return encoding.fold_header("Content-Type", f'multipart/alternative; boundary="{boundary}"')


def to_header(name: str, address: str) -> str:
    """``To:`` for one recipient; a plain name (letters, digits, single spaces) or none is written
    directly, anything else goes through the email package's folding (the result is the same)."""
    plain = f"To: {name} <{address}>\n" if name else f"To: {address}\n"
    if address.isascii() and len(plain) <= 79 and (not name or _PLAIN_NAME.fullmatch(name)):
        return plain
    return encoding.fold_header("To", Address(display_name=name, addr_spec=address))


# --- message.eml ----------------------------------------------------------------------------------


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


@lru_cache(maxsize=1)
def _fixed_headers() -> dict[str, str]:
    return {name: encoding.fold_header(name, value) for name, value in _FIXED_HEADERS.items()}


def build_message(spec: MessageSpec) -> bytes:
    """``message.eml`` as bytes (see the module docstring for the exact shape)."""
    content_hash = spec.content_hash()  # hashes both bodies: once
    boundary = f"=_publisher_{content_hash[:32]}"
    headers = _fixed_headers() | {
        "From": encoding.fold_header(
            "From", Address(display_name=spec.from_name, addr_spec=spec.from_address)
        ),
        "Subject": encoding.fold_header("Subject", spec.subject),
        "Date": encoding.fold_header("Date", format_datetime(spec.date)),
        "Message-ID": encoding.fold_header("Message-ID", message_id(spec, content_hash)),
        # "=_" cannot occur in a quoted-printable body ("=" is always "=3D" there): a safe boundary.
        "Content-Type": content_type(boundary),
    }
    # Each body ends with a line break of its own: the one before the next boundary belongs to it.
    text = encoding.qp_encode(spec.text, PLACEHOLDERS) + "\n"
    body_html = encoding.qp_encode(spec.html, PLACEHOLDERS) + "\n"
    return assemble((headers[name] for name in _HEADER_ORDER), boundary, text, body_html).encode("ascii")


# --- each subscriber's message --------------------------------------------------------------------

# Headers written per recipient, in the template's place for them (appended if the template lacks one).
PERSONAL_HEADERS = ("To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
PERSONAL = frozenset(name.lower() for name in PERSONAL_HEADERS)
# The MIME structure is written anew, so these are not copied.
STRUCTURE_HEADERS = frozenset({"content-type", "content-transfer-encoding"})
REQUIRED_HEADERS = ("Subject", "From", "Date")


@dataclass(frozen=True, slots=True)
class MailTemplate:
    """The parts of message.eml: headers to copy, and the two decoded bodies with their placeholders.

    ``header_lines`` and the compiled bodies are the same, encoded once (see ``make_template``).
    """

    headers: tuple[tuple[str, str], ...]
    text: str
    html: str
    from_address: str
    header_lines: tuple[tuple[str, str], ...]
    text_body: encoding.CompiledBody
    html_body: encoding.CompiledBody


def make_template(
    headers: tuple[tuple[str, str], ...], text: str, html: str, from_address: str
) -> MailTemplate:
    """Encode what every recipient shares once: the copied headers and the bodies around the placeholders."""
    lines = tuple(
        (name, "" if name.lower() in PERSONAL else encoding.fold_header(name, value))
        for name, value in headers
    )
    return MailTemplate(
        headers=headers,
        text=text,
        html=html,
        from_address=from_address,
        header_lines=lines,
        text_body=encoding.compile_body(text, BODY_PLACEHOLDERS),
        html_body=encoding.compile_body(html, BODY_PLACEHOLDERS),
    )


def parse_template(data: bytes, source: str) -> MailTemplate:
    """Split message.eml into headers and its text/plain and text/html bodies; check the digest contract."""
    hint = "re-render it with 'publisher digest'"
    message = message_from_bytes(data, policy=email.policy.default)
    if message.get_content_type() != "multipart/alternative":
        raise PublisherError(
            f"{source}: is {message.get_content_type()}, expected multipart/alternative (text + HTML) "
            f"-> {hint}"
        )
    bodies = {}
    for subtype in ("plain", "html"):
        part = message.get_body(preferencelist=(subtype,))
        if part is None:
            raise PublisherError(f"{source}: has no text/{subtype} part -> {hint}")
        try:
            # Line ends are normalised here; a sent copy has CRLF again.
            bodies[subtype] = part.get_content().replace("\r\n", "\n")
        except (LookupError, UnicodeError) as exc:
            raise PublisherError(
                f"{source}: the text/{subtype} part cannot be decoded ({exc}) -> {hint}"
            ) from None
        if UNSUBSCRIBE_URL not in bodies[subtype]:
            raise PublisherError(
                f"{source}: the text/{subtype} part has no {UNSUBSCRIBE_URL} placeholder, so subscribers "
                f"could not unsubscribe -> {hint}"
            )
    missing = [name for name in REQUIRED_HEADERS if message[name] is None]
    if missing:
        raise PublisherError(f"{source}: missing header(s) {', '.join(missing)} -> {hint}")
    headers = tuple(
        (name, str(value)) for name, value in message.items() if name.lower() not in STRUCTURE_HEADERS
    )
    return make_template(headers, bodies["plain"], bodies["html"], parseaddr(str(message["From"]))[1])


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What personalising needs, resolved once per run."""

    digest_id: str
    envelope_from: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    default_lang: str
    reply_to: str = ""
    preferences_url: str = ""  # the preferences page; ?token=… is appended per subscriber
    greetings: DigestSettings | None = None  # [digest] greeting_<lang> and greeting_<lang>_no_name

    @property
    def domain(self) -> str:
        domain = self.envelope_from.rpartition("@")[2] or "localhost"
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return "localhost"


def mail_settings(settings: Settings, template: MailTemplate, digest_id: str, lang: str) -> MailSettings:
    """Resolve sender, unsubscribe URL and mailto from ``[smtp]``/``[digest]`` and the template's From."""
    envelope_from = settings.smtp.from_address or template.from_address
    if "@" not in envelope_from:
        raise PublisherError(
            f"{settings.config_path or 'publisher.toml'}: [smtp] from_address is not set and message.eml "
            'has no From address -> set from_address = "news@example.org" under [smtp]'
        )
    mailto = (settings.smtp.unsubscribe_mailto or f"{envelope_from}?subject=unsubscribe").removeprefix(
        "mailto:"
    )
    url = settings.digest.unsubscribe_url or settings.url("unsubscribe")
    for key, value in (("[digest] unsubscribe_url", url), ("[smtp] unsubscribe_mailto", mailto)):
        if not all(33 <= ord(c) < 127 for c in value):
            raise PublisherError(
                f"{settings.config_path or 'publisher.toml'}: {key} {value!r} must be plain ASCII without "
                "spaces (it goes into the List-Unsubscribe header) -> percent-encode it, e.g. %C3%BC for ü"
            )
    return MailSettings(
        digest_id=digest_id,
        envelope_from=envelope_from,
        unsubscribe_url=url,
        unsubscribe_mailto=mailto,
        default_lang=lang or settings.language,
        reply_to=settings.smtp.reply_to,
        preferences_url=settings.app_url("preferences"),
        greetings=settings.digest,
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    lang: str
    token: str


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One finished message: the bytes to put after DATA (CRLF line ends), and what the envelope needs."""

    recipient: str
    message_id: str
    data: bytes


def greeting_line(lang: str, name: str, greetings: DigestSettings | None = None) -> str:
    """The greeting from ``[digest] greeting_<lang>`` ("Guten Tag {name},"), or the neutral line without a
    name; without settings 'Hallo Anna,' / 'Hello Anna,' / 'Hallo,'."""
    if greetings is not None:
        return greetings.greeting(lang, name)
    word = labels(lang)["greeting"]
    return f"{word} {name}," if name.strip() else f"{word},"


def message_id_for(digest_id: str, address: str, domain: str) -> str:
    """Deterministic per recipient, so a resent message is recognisable and server logs can be searched."""
    digest_part = re.sub(r"[^A-Za-z0-9_-]+", "-", digest_id).strip("-")[:64] or "digest"
    address_hash = hashlib.sha256(address.casefold().encode("utf-8")).hexdigest()[:20]
    return f"<{digest_part}.{address_hash}@{domain}>"


def unsubscribe_link(base: str, token: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}token={quote(token, safe='')}"


def personalise(template: MailTemplate, settings: MailSettings, recipient: Recipient) -> OutgoingMail:
    """The finished message for one subscriber; pure, byte-identical for the same inputs."""
    lang = recipient.lang or settings.default_lang
    greeting = greeting_line(lang, recipient.name, settings.greetings)
    link = unsubscribe_link(settings.unsubscribe_url, recipient.token)
    preferences = (
        unsubscribe_link(settings.preferences_url, recipient.token) if settings.preferences_url else ""
    )
    message_id = message_id_for(settings.digest_id, recipient.email, settings.domain)
    personal = {
        "to": to_header(recipient.name, recipient.email),
        "message-id": encoding.raw_header("Message-ID", message_id),
        # Raw, folded between the two URIs: encoding a long URL as RFC 2047 words would break it.
        "list-unsubscribe": encoding.raw_header(
            "List-Unsubscribe", f"<{link}>,\n <mailto:{settings.unsubscribe_mailto}>"
        ),
        "list-unsubscribe-post": encoding.raw_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    }
    lines: list[str] = []
    for name, line in template.header_lines:
        lines.append(personal.pop(name.lower(), "") if name.lower() in PERSONAL else line)
    lines += [personal[name.lower()] for name in PERSONAL_HEADERS if name.lower() in personal]
    present = {name.lower() for name, _ in template.header_lines}
    if settings.reply_to and "reply-to" not in present:
        lines.append(encoding.fold_header("Reply-To", settings.reply_to))
    if "mime-version" not in present:
        lines.append("MIME-Version: 1.0\n")
    # "=_" never occurs in quoted-printable, so this boundary is safe; it is fixed, so output is stable.
    boundary = "=_" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
    lines.append(content_type(boundary))
    text = encoding.fill_body(
        template.text_body, {GREETING: greeting, UNSUBSCRIBE_URL: link, PREFERENCES_URL: preferences}
    )
    body_html = encoding.fill_body(
        template.html_body,
        {
            GREETING: html.escape(greeting),
            UNSUBSCRIBE_URL: html.escape(link),
            PREFERENCES_URL: html.escape(preferences),
        },
    )
    data = assemble(lines, boundary, text, body_html).replace("\n", "\r\n").encode("ascii")
    return OutgoingMail(recipient=recipient.email, message_id=message_id, data=data)
