"""SMTP transport: one reused connection (none/starttls/ssl, AUTH), phase-aware failures, and pacing."""

from __future__ import annotations

import base64
import enum
import ipaddress
import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from publisher.config import SmtpSettings
from publisher.errors import PublisherError

logger = logging.getLogger(__name__)

PASSWORD_ENV = "PUBLISHER_SMTP_PASSWORD"
MAX_BACKOFF = 600.0


class Kind(enum.Enum):
    TEMPORARY = "temporary"  # not delivered; try again later (4xx, link lost before the end of DATA)
    PERMANENT = "permanent"  # not delivered; do not try again (5xx)
    AMBIGUOUS = "ambiguous"  # the whole message went out but no reply came: it may have been accepted


class SmtpFailure(Exception):
    """One message was not (certainly) delivered; ``kind`` says what the caller may do about it, and
    ``phase`` which command the server refused ("MAIL FROM", "RCPT TO", "DATA", "end of DATA"; ""
    for trouble with the connection)."""

    def __init__(self, kind: Kind, message: str, code: int | None = None, phase: str = "") -> None:
        self.kind = kind
        self.code = code
        self.phase = phase
        super().__init__(message)

    @property
    def about_recipient(self) -> bool:
        """A permanent refusal of this recipient (5xx to RCPT): the only answer final for one address."""
        return self.kind is Kind.PERMANENT and self.phase == "RCPT TO"


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    host: str
    port: int
    security: str
    username: str
    timeout: float
    password: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def options_from_settings(smtp: SmtpSettings, environ: Mapping[str, str] | None = None) -> SmtpOptions:
    """Connection options; the password only ever comes from PUBLISHER_SMTP_PASSWORD."""
    password = (os.environ if environ is None else environ).get(PASSWORD_ENV, "")
    if smtp.username and not password:
        raise PublisherError(
            f"[smtp] username is {smtp.username!r} but {PASSWORD_ENV} is not set -> export the password "
            f"in {PASSWORD_ENV} (it is never read from publisher.toml), or remove username for a server "
            "without AUTH"
        )
    if smtp.username and smtp.security == "none" and not _is_loopback(smtp.host):
        raise PublisherError(
            f'[smtp] security is "none", so the password would cross the network to {smtp.host} unencrypted '
            '-> set security = "starttls" (port 587) or "ssl" (port 465)'
        )
    if password and not smtp.username:
        logger.warning("%s is set but [smtp] username is empty: not logging in", PASSWORD_ENV)
    return SmtpOptions(smtp.host, smtp.port, smtp.security, smtp.username, smtp.timeout, password)


def backoff_delay(base: float, attempt: int) -> float:
    """Exponential backoff after the n-th failed attempt: base, 2*base, 4*base, ... capped at 10 minutes."""
    return min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF)


class RateLimiter:
    """At most ``rate`` calls to ``wait()`` per second, evenly spaced; 0 means no limit."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, ending with the lone-dot terminator."""
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


class SmtpConnection:
    """One SMTP session that is reused for every message and reopened when the server drops it."""

    def __init__(
        self,
        options: SmtpOptions,
        ssl_context: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        self.options = options
        self.ssl_context = ssl_context
        self.conn: smtplib.SMTP | None = None

    def _redact(self, text: str) -> str:
        """Server replies and OS errors are shown to the user and stored in the delivery log; make sure
        no form of the password is."""
        password = self.options.password
        if not password:
            return text
        user = self.options.username
        forms = {
            password,
            base64.b64encode(password.encode()).decode(),
            base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "***")
        return text

    def _classify(self, code: int, reply: bytes | str, what: str) -> SmtpFailure:
        """The failure for a refusal; the server's words are redacted like every reply we pass on."""
        text = " ".join(self._redact(_text(reply)).split())
        kind = Kind.PERMANENT if 500 <= code < 600 else Kind.TEMPORARY
        return SmtpFailure(kind, f"{what}: {code} {text}", code, what)

    @property
    def connected(self) -> bool:
        return self.conn is not None

    def open(self) -> None:
        """Connect, secure, log in. Network trouble: SmtpFailure(TEMPORARY); bad config: PublisherError."""
        options = self.options
        hint = "check [smtp] host, port and security in publisher.toml"
        try:
            if options.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    options.host, options.port, timeout=options.timeout, context=self.ssl_context()
                )
            else:
                conn = smtplib.SMTP(options.host, options.port, timeout=options.timeout)
        except ssl.SSLError as exc:
            raise PublisherError(
                f'TLS with {options.where} failed ({self._redact(str(exc))}) -> {hint}; "ssl" needs a port '
                'that speaks TLS from the start (usually 465), "starttls" a plain one (usually 587)'
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpFailure(
                Kind.TEMPORARY,
                f"cannot connect to {options.where}: {self._redact(str(exc)) or type(exc).__name__}",
            ) from None
        try:
            self._secure_and_login(conn)
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        logger.info("connected to %s", options.where)

    def _secure_and_login(self, conn: smtplib.SMTP) -> None:
        options = self.options
        try:
            conn.ehlo()
            if options.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise PublisherError(
                        f'{options.where}: the server does not offer STARTTLS -> use security = "ssl" if it '
                        'expects TLS from the start, or "none" only for a server on this machine'
                    )
                conn.starttls(context=self.ssl_context())
                conn.ehlo()
            if options.username:
                self._login(conn)
        except smtplib.SMTPAuthenticationError as exc:
            raise PublisherError(
                f"{options.where}: the server rejected the login for user {options.username!r} "
                f"({exc.smtp_code} {self._redact(_text(exc.smtp_error))}) -> check "
                f"[smtp] username and the password in {PASSWORD_ENV}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise PublisherError(
                f"{options.where}: the server offers no AUTH here -> remove [smtp] username, or use "
                'security = "starttls"/"ssl" if it only allows login over TLS'
            ) from None
        except ssl.SSLError as exc:
            raise PublisherError(
                f"{options.where}: STARTTLS failed ({self._redact(str(exc))}) -> check the server's "
                "certificate and [smtp] host (it must match the certificate)"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpFailure(
                Kind.TEMPORARY, f"{options.where}: {self._redact(str(exc)) or type(exc).__name__}"
            ) from None

    def _login(self, conn: smtplib.SMTP) -> None:
        user, password = self.options.username, self.options.password
        if user.isascii() and password.isascii():
            conn.login(user, password)
            return
        # smtplib encodes credentials as ASCII; RFC 4616 PLAIN is UTF-8, so send it ourselves.
        if not conn.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("AUTH")
        if "PLAIN" not in conn.esmtp_features["auth"].upper().split():
            raise PublisherError(
                f"{self.options.where}: the server does not offer AUTH PLAIN, which a username or password "
                "with non-ASCII characters needs -> use an ASCII password"
            )
        response = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = conn.docmd("AUTH", f"PLAIN {response}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def close(self) -> None:
        if self.conn is None:
            return
        conn, self.conn = self.conn, None
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """One SMTP transaction. Raises SmtpFailure; AMBIGUOUS only when the server may have the message."""
        if self.conn is None:
            raise SmtpFailure(Kind.TEMPORARY, "not connected")
        conn = self.conn
        body_sent = False
        try:
            code, reply = conn.mail(sender)
            if code != 250:
                raise self._classify(code, reply, "MAIL FROM")
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                raise self._classify(code, reply, "RCPT TO")
            code, reply = conn.docmd("DATA")
            if code != 354:
                raise self._classify(code, reply, "DATA")
            conn.send(_dot_stuffed(data))
            # From here on the server has the complete message: a lost reply means "maybe delivered".
            body_sent = True
            code, reply = conn.getreply()
            if code != 250:
                raise self._classify(code, reply, "end of DATA")
        except SmtpFailure as failure:
            if failure.code == 421:
                self._drop()
            else:
                # After a refused end of DATA the transaction is over (RFC 5321 4.1.1.4), but some
                # servers keep it open (aiosmtpd when its handler fails): RSET, as smtplib does.
                self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            reason = self._redact(str(exc)) or type(exc).__name__
            if body_sent:
                raise SmtpFailure(Kind.AMBIGUOUS, f"no reply after the message was sent: {reason}") from None
            raise SmtpFailure(Kind.TEMPORARY, f"connection lost: {reason}") from None

    def _reset(self) -> None:
        """RSET after a refused MAIL/RCPT/DATA or message, so the next transaction starts clean."""
        try:
            if self.conn is not None:
                self.conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
