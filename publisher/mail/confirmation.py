"""The confirmation mail of a double opt-in: who asks, why, the link, the imprint; no entries, no advertising.

Text and HTML in the language the person chose, sent at once over ``[smtp]``. The hash of its text part is
kept in the consent history (what the person was sent is part of the proof).
"""

from __future__ import annotations

import hashlib
import html
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import quote, urlsplit

from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.mail import signup, smtp
from publisher.mail.subscribers import Subscriber
from publisher.render.templating import format_datetime as format_moment

logger = logging.getLogger(__name__)

TEXTS = {
    "de": {
        "subject": "Bitte bestätigen Sie Ihr Abonnement: {title}",
        "asked": "Für die Adresse {email} wurde der Newsletter „{title}“ bestellt ({where}).",
        "why": "Wir senden Ihnen diese E-Mail, damit nur Sie selbst Ihre Adresse eintragen können: "
        "Sie erhalten den Newsletter erst, wenn Sie bestätigen.",
        "action": "Bitte bestätigen Sie das Abonnement hier (der Link gilt bis {expires}):",
        "ignore": "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail. Ohne Bestätigung erhalten Sie "
        "nichts weiter, und die Anmeldung wird nach Ablauf des Links gelöscht.",
        "button": "Abonnement bestätigen",
        "sender": "Absender",
        "imprint": "Impressum",
        "privacy": "Datenschutz",
    },
    "en": {
        "subject": "Please confirm your subscription: {title}",
        "asked": "The newsletter “{title}” was requested for the address {email} ({where}).",
        "why": "We send you this email so that nobody but you can sign up your address: you get the "
        "newsletter only once you confirm.",
        "action": "Please confirm your subscription here (the link works until {expires}):",
        "ignore": "If this was not you, ignore this email. Without a confirmation you get nothing more, and "
        "the signup is deleted when the link expires.",
        "button": "Confirm subscription",
        "sender": "Sender",
        "imprint": "Imprint",
        "privacy": "Privacy",
    },
}


@dataclass(frozen=True, slots=True)
class ConfirmationMail:
    recipient: str
    envelope_from: str
    data: bytes
    text: str

    @property
    def text_sha256(self) -> str:
        """SHA-256 of the text part as the person got it (decoded, with LF line ends)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def sender(settings: Settings) -> tuple[str, str]:
    """(name, address) the mail comes from: the same sender as the digest."""
    name = settings.smtp.from_name or settings.digest.sender_name or settings.title
    address = settings.smtp.from_address or settings.author_email
    if "@" not in address:
        raise PublisherError(
            f"{settings.config_path or 'publisher.toml'}: no sender address for confirmation mails -> set "
            '[smtp] from_address = "news@example.org"'
        )
    return name, address


def confirm_link(settings: Settings, token: str) -> str:
    return f"{settings.app_url('confirm')}?token={quote(token, safe='')}"


def _footer(settings: Settings, lang: str) -> list[str]:
    words = TEXTS[lang]
    name, address = sender(settings)
    lines = [f"{words['sender']}: {name} <{address}>"]
    if settings.legal.imprint_lines:
        lines += ["", f"{words['imprint']}:", *settings.legal.imprint_lines]
    if settings.legal.imprint_url:
        lines.append(f"{words['imprint']}: {settings.legal.imprint_url}")
    if settings.legal.privacy_url:
        lines.append(f"{words['privacy']}: {settings.legal.privacy_url}")
    return lines


def build(
    settings: Settings, email: str, name: str, lang: str, token: str, expires: datetime, now: datetime
) -> ConfirmationMail:
    """The complete message (CRLF line ends, as it goes after DATA)."""
    lang = lang if lang in TEXTS else settings.language
    words = TEXTS[lang]
    link = confirm_link(settings, token)
    title = settings.title
    where = settings.app_url("subscribe")
    expiry = format_moment(expires.astimezone(settings.tz), lang, "medium")
    greeting = settings.digest.greeting(lang, name)
    paragraphs = [
        greeting,
        words["asked"].format(email=email, title=title, where=where),
        words["why"],
        words["action"].format(expires=expiry),
    ]
    footer = _footer(settings, lang)
    text = "\n\n".join([*paragraphs, link, words["ignore"]]) + "\n\n-- \n" + "\n".join(footer) + "\n"
    esc = html.escape
    footer_html = "<br>".join(esc(line) for line in footer)
    body_html = (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;'
        'background-color:#ffffff;max-width:600px;margin:0 auto;padding:16px">'
        + "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        + f'<p><a href="{esc(link)}" style="display:inline-block;padding:10px 18px;background-color:#0b52a8;'
        f'color:#ffffff;text-decoration:none;border-radius:4px">{esc(words["button"])}</a></p>'
        f'<p style="font-size:14px;word-break:break-all">{esc(link)}</p>'
        f"<p>{esc(words['ignore'])}</p>"
        f'<hr><p style="font-size:13px;color:#444444">{footer_html}</p></body></html>\n'
    )
    from_name, from_address = sender(settings)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=from_name, addr_spec=from_address)
    message["To"] = Address(display_name=name, addr_spec=email) if name else email
    message["Subject"] = words["subject"].format(title=title)
    message["Date"] = format_datetime(now)
    domain = from_address.rpartition("@")[2] or (urlsplit(settings.base_url).hostname or "localhost")
    message["Message-ID"] = make_msgid("confirm", domain=domain.encode("idna").decode("ascii"))
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = lang
    if settings.smtp.reply_to:
        message["Reply-To"] = settings.smtp.reply_to
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(body_html, subtype="html", charset="utf-8", cte="quoted-printable")
    return ConfirmationMail(email, from_address, message.as_bytes(policy=SMTP), text)


def send(settings: Settings, mail: ConfirmationMail, environ: Mapping[str, str] | None = None) -> None:
    """Deliver one confirmation mail now over ``[smtp]``; raises PublisherError or smtp.SmtpFailure."""
    connection = smtp.SmtpConnection(smtp.options_from_settings(settings.smtp, environ))
    connection.open()
    try:
        connection.send(mail.envelope_from, mail.recipient, mail.data)
    finally:
        connection.close()
    logger.info("sent a confirmation mail")


def send_confirmation(
    settings: Settings,
    conn: sqlite3.Connection,
    pending: signup.PendingConfirmation,
    secret: bytes,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> ConfirmationMail:
    """Build and send the mail for a recorded signup; its text's hash goes into the consent history. When
    sending fails, the reservation is given back (a later signup may send again) and the error raised."""
    mail = build(
        settings, pending.email, pending.name, pending.lang, pending.token(secret), pending.expires, now
    )
    try:
        send(settings, mail, environ)
    except (PublisherError, smtp.SmtpFailure):
        signup.mail_not_sent(conn, pending)
        raise
    signup.mail_sent(conn, pending, mail.text_sha256)
    return mail


@dataclass(frozen=True, slots=True)
class Requests:
    """What ``subscribers import --confirm`` did: confirmation mails sent, held back, failed."""

    sent: tuple[str, ...]
    held_back: tuple[str, ...]  # one went out within the interval already
    failed: tuple[tuple[str, str], ...]  # address, why


def ask_to_confirm(
    settings: Settings,
    conn: sqlite3.Connection,
    pending: Iterable[Subscriber],
    secret: bytes,
    source: str,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> Requests:
    """Send a confirmation mail to each pending subscriber (imported without consent): each is a signup
    from ``source``, with the site's consent text in the subscriber's language, confirmed by its link."""
    policy = signup.Policy(
        settings.subscribe.confirm_days, timedelta(hours=settings.subscribe.confirm_interval_hours)
    )
    sent: list[str] = []
    held: list[str] = []
    failed: list[tuple[str, str]] = []
    for subscriber in pending:
        lang = subscriber.lang or settings.language
        text = settings.subscribe.consent_text(lang, settings.title)
        request = signup.SignupRequest(
            email=subscriber.email,
            name=subscriber.name,
            lang=subscriber.lang,
            topics=subscriber.topics,
            consent_text=text,
            consent_version=settings.subscribe.version(lang, settings.title),
            source=source,
        )
        reserved = signup.request_signup(conn, request, policy, now)
        if reserved is None:
            held.append(subscriber.email)
            continue
        try:
            send_confirmation(settings, conn, reserved, secret, now, environ)
        except (PublisherError, smtp.SmtpFailure) as exc:
            failed.append((subscriber.email, str(exc)))
            continue
        sent.append(subscriber.email)
    return Requests(tuple(sent), tuple(held), tuple(failed))
