"""The digest mail, built in one place: message.eml as anyone can send it, and each subscriber's copy.

Both come out of ``compose``: the same headers in the same order, the same two quoted-printable parts
(text/plain, then text/html). What differs is who they are for:

* ``message.eml`` (``neutral_message``, written by ``publisher digest``) is complete as it is: a neutral
  greeting ("Hallo,"), To: the sender's own address (a tool that sends it to a list puts its own
  recipients in the envelope), and an unsubscribe link that works without knowing the reader: the
  configured ``[digest] unsubscribe_url``, else a mailto: address. Its Date is the digest's time.
* Each subscriber's copy (``personal_message``, written by ``publisher send``) greets the subscriber by
  name and carries their own signed unsubscribe link (RFC 8058 one-click). It is made from the digest's
  ``template.json`` (``Template``): the same bodies, with slots where greeting and link go. Every
  header that comes from the configuration (From, Reply-To, Subject, the unsubscribe addresses) is
  taken from the configuration in force when it is sent, and its Date is the time it is sent.

Names and other header text are literal text, always (``encoding.text_header``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from publisher.config import DigestSettings, Settings
from publisher.errors import Problem, PublisherError, warning
from publisher.mail import encoding
from publisher.render.templating import format_date, labels

TEMPLATE_VERSION = 1


# --- what a mail is made of -----------------------------------------------------------------------


def subject_line(settings: Settings, count: int, now: datetime, lang: str | None = None) -> str:
    """``[digest] subject`` (or ``subject_<lang>``) with {title}, {count} and {date} filled in, or the
    default subject, in the mail's language (default: the site's)."""
    lang = lang or settings.language
    words = labels(lang)
    date = format_date(now, lang)
    template = (
        settings.digest.subject_for(lang, settings.language).strip() or "{title}: {count} {what} ({date})"
    )
    what = words["new_entry"] if count == 1 else words["new_entries"]
    values = {"{title}": settings.title, "{count}": str(count), "{date}": date, "{what}": what}
    for key, value in values.items():
        template = template.replace(key, value)
    return encoding.one_line(template)


def greeting_line(lang: str, name: str, greetings: DigestSettings | None = None) -> str:
    """The greeting from ``[digest] greeting_<lang>`` ("Guten Tag {name},"), or its neutral line
    without a name; without settings 'Hallo Anna,' / 'Hello Anna,' / 'Hallo,'. One line, always."""
    name = encoding.one_line(name)
    if greetings is not None:
        return encoding.one_line(greetings.greeting(lang, name))
    word = labels(lang)["greeting"]
    return f"{word} {name}," if name else f"{word},"


def _config_path(settings: Settings) -> str:
    return str(settings.config_path or settings.root / "publisher.toml")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who a digest mail is from and how its readers leave, as the configuration says now."""

    name: str
    address: str
    reply_to: str  # "" or an address, with or without a name
    unsubscribe_base: str  # a subscriber's link is this plus ?token=…
    unsubscribe_mailto: str  # the address (and ?subject=…) of the mailto: way out, without "mailto:"
    unsubscribe_url: str  # [digest] unsubscribe_url as configured ("" if not)
    preferences_base: str = ""  # the web app's preferences page; a subscriber's link adds ?token=…
    greetings: DigestSettings | None = None  # [digest] greeting_<lang> and greeting_<lang>_no_name

    @property
    def domain(self) -> str:
        """The sender's domain in ASCII, for per-recipient Message-IDs."""
        domain = self.address.rpartition("@")[2] or "localhost"
        try:
            return domain.encode("idna").decode("ascii")
        except UnicodeError:
            return "localhost"

    @property
    def general_unsubscribe(self) -> str:
        """A way out that needs no personal token: the configured unsubscribe page, else mailto:."""
        return self.unsubscribe_url or f"mailto:{self.unsubscribe_mailto}"


def sender(settings: Settings, *, sending: bool = False) -> tuple[Sender, list[Problem]]:
    """From name and address ([smtp] from_name/from_address, else [digest] sender_name and
    author_email) and the unsubscribe addresses. Without any sender address the digest still renders
    (From noreply@<site host>, with a warning); ``sending`` refuses then."""
    config = _config_path(settings)
    name = settings.smtp.from_name or settings.digest.sender_name or settings.title
    address = settings.smtp.from_address or settings.author_email
    problems: list[Problem] = []
    if not address:
        if sending:
            raise PublisherError(
                f"{config}: [smtp] from_address is not set (nor author_email), so the mails would have "
                'no sender -> set from_address = "news@example.org" under [smtp]'
            )
        host = urlsplit(settings.base_url).hostname or "localhost"
        address = f"noreply@{host}"
        problems.append(
            warning(
                config,
                f"no sender address, so message.eml is From {address}",
                field="smtp.from_address",
                hint="set [smtp] from_address (or author_email)",
            )
        )
    elif "@" not in address or not address.isascii() or any(c.isspace() or c in '<>",' for c in address):
        key = "smtp.from_address" if settings.smtp.from_address else "author_email"
        raise PublisherError(
            f"{config}: {key}: {address!r} is not an email address -> write it as news@example.org "
            "(an international domain in its xn-- form)"
        )
    mailto = (settings.smtp.unsubscribe_mailto or f"{address}?subject=unsubscribe").removeprefix("mailto:")
    base = settings.digest.unsubscribe_url or settings.url("unsubscribe")
    for key, value in (("[digest] unsubscribe_url", base), ("[smtp] unsubscribe_mailto", mailto)):
        if not all(33 <= ord(c) < 127 for c in value):
            raise PublisherError(
                f"{config}: {key} {value!r} must be plain ASCII without spaces (it goes into the "
                "List-Unsubscribe header) -> percent-encode it, e.g. %C3%BC for ü"
            )
    return Sender(
        name=encoding.one_line(name),
        address=address,
        reply_to=settings.smtp.reply_to.strip(),
        unsubscribe_base=base,
        unsubscribe_mailto=mailto,
        unsubscribe_url=settings.digest.unsubscribe_url,
        preferences_base=settings.app_url("preferences"),
        greetings=settings.digest,
    ), problems


# --- writing a message ----------------------------------------------------------------------------


def assemble(headers: list[str], boundary: str, text_qp: str, html_qp: str, linesep: str = "\n") -> str:
    """A multipart/alternative message: the header lines (the Content-Type naming ``boundary`` among
    them; LF line ends), then a text/plain and a text/html part, both quoted-printable and already
    ending in ``linesep``, the line end of the whole message (LF on disk, CRLF on the wire).

    The boundary must not occur in the bodies; one containing "=_" never does in quoted-printable.
    """
    n = linesep
    head = "".join(headers)
    out = [head if n == "\n" else head.replace("\n", n)]
    for subtype, body in (("plain", text_qp), ("html", html_qp)):
        out.append(
            f'{n}--{boundary}{n}Content-Type: text/{subtype}; charset="utf-8"{n}'
            f"Content-Transfer-Encoding: quoted-printable{n}{n}"
        )
        out.append(body)
    out.append(f"{n}--{boundary}--{n}")
    return "".join(out)


def content_type(boundary: str) -> str:
    """The Content-Type line, folded as the email package folds it (the boundaries made here are
    short and plain, so it is written directly: it is written for every message sent)."""
    return f'Content-Type: multipart/alternative;\n boundary="{boundary}"\n'


@dataclass(frozen=True, slots=True)
class Addressing:
    """The headers that differ between copies of one digest."""

    to_name: str
    to_address: str
    subject: str
    date: datetime
    message_id: str
    list_unsubscribe: str  # the header's value
    one_click: bool  # RFC 8058: the first URI unsubscribes on a POST


@lru_cache(maxsize=8)
def _shared_headers(sender: Sender, subject: str) -> tuple[str, str, str]:
    """From, Subject and Reply-To ("" for none) as header lines: the same in every copy of a run."""
    reply_to = ""
    if sender.reply_to:
        reply_name, reply_address = parseaddr(sender.reply_to)
        reply_to = encoding.address_header("Reply-To", reply_name, reply_address or sender.reply_to)
    return (
        encoding.address_header("From", sender.name, sender.address),
        encoding.text_header("Subject", subject),
        reply_to,
    )


def compose(
    sender: Sender, addressing: Addressing, text_qp: str, html_qp: str, boundary: str, linesep: str = "\n"
) -> str:
    """The whole message; the bodies are encoded already, with ``linesep`` line ends."""
    from_line, subject_line_, reply_to = _shared_headers(sender, addressing.subject)
    headers = [
        from_line,
        encoding.address_header("To", addressing.to_name, addressing.to_address),
        subject_line_,
        f"Date: {format_datetime(addressing.date)}\n",
        encoding.raw_header("Message-ID", addressing.message_id),
        "MIME-Version: 1.0\n",
        encoding.raw_header("List-Unsubscribe", addressing.list_unsubscribe),
    ]
    if addressing.one_click:
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\n")
    if reply_to:
        headers.append(reply_to)
    headers.append(content_type(boundary))
    return assemble(headers, boundary, text_qp, html_qp, linesep)


# --- message.eml ----------------------------------------------------------------------------------


def neutral_message(
    sender: Sender, subject: str, date: datetime, text: str, body_html: str, domain: str
) -> bytes:
    """``message.eml``: the digest as one complete message anyone can send as it is. The bodies are
    rendered for no one in particular already (neutral greeting, ``sender.general_unsubscribe``).

    The Message-ID and the boundary come from a hash of the content, so the same digest gives the
    same bytes."""
    content = hashlib.sha256()
    for value in (subject, sender.name, sender.address, date.isoformat(), text, body_html, domain):
        content.update(value.encode("utf-8") + b"\0")
    content_hash = content.hexdigest()
    general = sender.general_unsubscribe
    list_unsubscribe = f"<{general}>"
    if sender.unsubscribe_url:
        list_unsubscribe += f",\n <mailto:{sender.unsubscribe_mailto}>"
    addressing = Addressing(
        to_name=sender.name,
        to_address=sender.address,
        subject=subject,
        date=date,
        message_id=f"<{date:%Y%m%d}.{content_hash[:24]}@{domain}>",
        list_unsubscribe=list_unsubscribe,
        one_click=False,  # the page cannot tell who the reader is: no one-click
    )
    # Each body ends with a line break of its own: the one before the next boundary belongs to it.
    text_qp = encoding.qp_encode(text) + "\n"
    html_qp = encoding.qp_encode(body_html) + "\n"
    boundary = f"=_publisher_{content_hash[:32]}"
    return compose(sender, addressing, text_qp, html_qp, boundary).encode("ascii")


# --- each subscriber's copy -----------------------------------------------------------------------


class Slots(NamedTuple):
    """Where each subscriber's own values go in a template's bodies."""

    greeting: str
    unsubscribe: str
    preferences: str


def slots_for(*bodies: str) -> Slots:
    """The slots of one digest's template: named after a hash of its neutral bodies, so no entry can
    contain them (an entry that quotes ``%%GREETING%%`` stays as it is)."""
    nonce = hashlib.sha256("\0".join(bodies).encode("utf-8")).hexdigest()[:16]
    return Slots(f"%%GREETING-{nonce}%%", f"%%UNSUBSCRIBE-{nonce}%%", f"%%PREFERENCES-{nonce}%%")


@dataclass(frozen=True, slots=True)
class Template:
    """``template.json``: the two bodies every subscriber's copy is made of, with the slots where
    the greeting line and the personal unsubscribe and preferences links go (HTML-escaped in the HTML
    part)."""

    text: str
    html: str
    greeting: str
    unsubscribe: str
    preferences: str = ""

    @property
    def slots(self) -> Slots:
        return Slots(self.greeting, self.unsubscribe, self.preferences)

    def to_json(self) -> bytes:
        data = {
            "version": TEMPLATE_VERSION,
            "greeting": self.greeting,
            "unsubscribe": self.unsubscribe,
            "preferences": self.preferences,
            "text": self.text,
            "html": self.html,
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, source: str) -> Template:
        """Read ``template.json`` back; anything else is an error that names the file."""
        hint = "re-render the digest with 'publisher digest'"
        try:
            values = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PublisherError(f"{source}: not valid UTF-8 JSON ({exc}) -> {hint}") from None
        fields = ("greeting", "unsubscribe", "text", "html")
        if (
            not isinstance(values, dict)
            or values.get("version") != TEMPLATE_VERSION
            or not all(isinstance(values.get(f), str) and values[f] for f in fields)
        ):
            raise PublisherError(
                f"{source}: not a template of this publisher (version {TEMPLATE_VERSION} with "
                f"{', '.join(fields)}) -> {hint}"
            )
        preferences = values.get("preferences", "")
        if not isinstance(preferences, str):
            raise PublisherError(f"{source}: preferences is not a string -> {hint}")
        template = cls(values["text"], values["html"], values["greeting"], values["unsubscribe"], preferences)
        for part, body in (("text", template.text), ("html", template.html)):
            if template.unsubscribe not in body:
                raise PublisherError(
                    f"{source}: the {part} body has no unsubscribe slot, so subscribers could not "
                    f"unsubscribe -> {hint}"
                )
        return template


@dataclass(frozen=True, slots=True)
class Compiled:
    """A template with both bodies encoded once; ``personal_message`` fills in each recipient."""

    template: Template
    text: encoding.CompiledBody
    html: encoding.CompiledBody


def compile_template(template: Template) -> Compiled:
    """Encode both bodies once, for the wire: CRLF line ends, each body ending in one (the line end
    before the next boundary belongs to it)."""
    slots = tuple(slot for slot in template.slots if slot)
    return Compiled(
        template,
        encoding.compile_body(template.text + "\n", slots, "\r\n"),
        encoding.compile_body(template.html + "\n", slots, "\r\n"),
    )


@dataclass(frozen=True, slots=True)
class Edition:
    """One version of a digest's mail: its template encoded, its subject and its language. A digest
    has its own edition; readers of another language, or of some topics only, get another one
    (``digest.variants``)."""

    compiled: Compiled
    subject: str
    lang: str


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    lang: str
    token: str  # "" for a test send to someone who is not a subscriber


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One finished message: the bytes to put after DATA (CRLF line ends), and what the envelope needs."""

    recipient: str
    message_id: str
    data: bytes


def message_id_for(digest_id: str, address: str, domain: str, kind: str = "") -> str:
    """Deterministic per recipient, so a resent message is recognisable and server logs can be searched."""
    digest_part = re.sub(r"[^A-Za-z0-9_-]+", "-", digest_id).strip("-")[:64] or "digest"
    address_hash = hashlib.sha256(address.casefold().encode("utf-8")).hexdigest()[:20]
    return f"<{kind}{digest_part}.{address_hash}@{domain}>"


def unsubscribe_link(base: str, token: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}token={quote(token, safe='')}"


def personal_message(
    edition: Edition,
    sender: Sender,
    recipient: Recipient,
    *,
    digest_id: str,
    date: datetime,
    test: bool = False,
) -> OutgoingMail:
    """The copy one recipient gets; pure, byte-identical for the same inputs. Without a token (a test
    send to an address that is not subscribed) the link is the general one, as in message.eml."""
    compiled, subject, lang = edition.compiled, edition.subject, edition.lang
    greeting = greeting_line(recipient.lang or lang, recipient.name, sender.greetings)
    preferences = ""
    if recipient.token:
        link = unsubscribe_link(sender.unsubscribe_base, recipient.token)
        list_unsubscribe = f"<{link}>,\n <mailto:{sender.unsubscribe_mailto}>"
        if sender.preferences_base:
            preferences = unsubscribe_link(sender.preferences_base, recipient.token)
    else:
        link = sender.general_unsubscribe
        list_unsubscribe = f"<{link}>"
    message_id = message_id_for(digest_id, recipient.email, sender.domain, "test." if test else "")
    addressing = Addressing(
        to_name=recipient.name,
        to_address=recipient.email,
        subject=f"[Test] {subject}" if test else subject,
        date=date,
        message_id=message_id,
        list_unsubscribe=list_unsubscribe,
        one_click=bool(recipient.token),
    )
    slots = compiled.template.slots
    values = {slots.greeting: greeting, slots.unsubscribe: link, slots.preferences: preferences}
    text = encoding.fill_body(compiled.text, values, "\r\n")
    body_html = encoding.fill_body(
        compiled.html, {slot: html.escape(value) for slot, value in values.items()}, "\r\n"
    )
    # "=_" never occurs in quoted-printable, so this boundary is safe; it is fixed, so output is stable.
    boundary = "=_" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
    data = compose(sender, addressing, text, body_html, boundary, "\r\n")
    return OutgoingMail(recipient.email, message_id, data.encode("ascii"))
