"""Personalised digest mails: one message per subscriber, built from the rendered ``message.eml``."""

from __future__ import annotations

import email.policy
import hashlib
import html
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import quote

from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.mail import mime
from publisher.render.templating import labels

logger = logging.getLogger(__name__)

# Body placeholders of the digest contract; the header ones (%%RECIPIENT%%, %%UNSUBSCRIBE_MAILTO%%, ...)
# disappear because those headers are written per recipient.
GREETING = "%%GREETING%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
BODY_PLACEHOLDERS = (GREETING, UNSUBSCRIBE_URL)
# Headers written per recipient, in the template's place for them (appended if the template lacks one).
PERSONAL_HEADERS = ("To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
PERSONAL = frozenset(name.lower() for name in PERSONAL_HEADERS)
# The MIME structure is rebuilt, so these are not copied.
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
    text_body: mime.CompiledBody
    html_body: mime.CompiledBody


def make_template(
    headers: tuple[tuple[str, str], ...], text: str, html: str, from_address: str
) -> MailTemplate:
    """Encode what every recipient shares once: the copied headers and the bodies around the placeholders."""
    lines = tuple(
        (name, "" if name.lower() in PERSONAL else mime.fold_header(name, value)) for name, value in headers
    )
    return MailTemplate(
        headers=headers,
        text=text,
        html=html,
        from_address=from_address,
        header_lines=lines,
        text_body=mime.compile_body(text, BODY_PLACEHOLDERS),
        html_body=mime.compile_body(html, BODY_PLACEHOLDERS),
    )


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What personalising needs, resolved once per run."""

    digest_id: str
    envelope_from: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    default_lang: str
    reply_to: str = ""

    @property
    def domain(self) -> str:
        domain = self.envelope_from.rpartition("@")[2] or "localhost"
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return "localhost"


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    lang: str
    token: str


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One finished message: the bytes to put after DATA, and what the envelope needs."""

    recipient: str
    message_id: str
    data: bytes


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
            # Line ends are normalised here; the serialiser writes CRLF again.
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
    )


def greeting_line(lang: str, name: str) -> str:
    """'Hallo Anna,' / 'Hello Anna,' / 'Hallo,' when there is no name."""
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
    greeting = greeting_line(lang, recipient.name)
    link = unsubscribe_link(settings.unsubscribe_url, recipient.token)
    message_id = message_id_for(settings.digest_id, recipient.email, settings.domain)
    personal = {
        "to": mime.fold_header("To", Address(display_name=recipient.name, addr_spec=recipient.email)),
        "message-id": mime.raw_header("Message-ID", message_id),
        # Raw, folded between the two URIs: encoding a long URL as RFC 2047 words would break it.
        "list-unsubscribe": mime.raw_header(
            "List-Unsubscribe", f"<{link}>,\n <mailto:{settings.unsubscribe_mailto}>"
        ),
        "list-unsubscribe-post": mime.raw_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    }
    lines: list[str] = []
    for name, line in template.header_lines:
        lines.append(personal.pop(name.lower(), "") if name.lower() in PERSONAL else line)
    lines += [personal[name.lower()] for name in PERSONAL_HEADERS if name.lower() in personal]
    present = {name.lower() for name, _ in template.header_lines}
    if settings.reply_to and "reply-to" not in present:
        lines.append(mime.fold_header("Reply-To", settings.reply_to))
    if "mime-version" not in present:
        lines.append("MIME-Version: 1.0\r\n")
    text = mime.render_body(template.text_body, {GREETING: greeting, UNSUBSCRIBE_URL: link})
    body_html = mime.render_body(
        template.html_body, {GREETING: html.escape(greeting), UNSUBSCRIBE_URL: html.escape(link)}
    )
    # "=_" never occurs in quoted-printable, so this boundary is safe; it is fixed, so output is stable.
    boundary = "=_" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
    data = mime.multipart_alternative("".join(lines), boundary, text, body_html)
    return OutgoingMail(recipient=recipient.email, message_id=message_id, data=data)
