"""Test helpers for sending: a rendered digest per the digest contract, projects, a real SMTP server."""

from __future__ import annotations

import asyncio
import email.policy
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from publisher.config import Settings, load_settings
from publisher.mail import database, subscribers
from publisher.mail.message import Template

DIGEST_ID = "urn:uuid:6f1c2d3e-0000-4000-8000-000000000514"
SECRET = "test-secret-0123456789abcdef"
PASSWORD = "S3cr3t-pässwort-xyz"

TEXT_BODY = """%%GREETING%%

diese Woche gibt es 2 neue Meldungen:

* „Neues Rathaus“ eröffnet – Straße gesperrt
  https://news.example.org/posts/neues-rathaus.html

* Größere Pläne für 2025
  https://news.example.org/posts/groessere-plaene.html

Abmelden: %%UNSUBSCRIBE_URL%%
"""

HTML_BODY = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Wochenrückblick</title></head>
<body><p>%%GREETING%%</p>
<p>diese Woche gibt es 2 neue Meldungen:</p>
<ul><li><a href="https://news.example.org/posts/neues-rathaus.html">
„Neues Rathaus“ eröffnet – Straße gesperrt</a></li>
<li><a href="https://news.example.org/posts/groessere-plaene.html">Größere Pläne für 2025</a></li></ul>
<p><a href="%%UNSUBSCRIBE_URL%%">Abmelden</a></p></body></html>
"""


def write_digest(
    out_dir: Path,
    date: str = "2024-05-14",
    digest_id: str = DIGEST_ID,
    lang: str = "de",
    subject: str = "Wochenrückblick: „Neues“ aus München",
    entry_ids: tuple[str, ...] = (
        "tag:news.example.org,2024-05-13:rathaus",
        "tag:news.example.org,2024-05-12:plaene",
    ),
    text_body: str = TEXT_BODY,
    html_body: str = HTML_BODY,
) -> Path:
    """A digest folder as ``publisher send`` reads it: template.json (the bodies with the greeting
    and unsubscribe slots) and digest.json."""
    folder = out_dir / "digests" / date
    folder.mkdir(parents=True, exist_ok=True)
    template = Template(text_body, html_body, "%%GREETING%%", "%%UNSUBSCRIBE_URL%%")
    (folder / "template.json").write_bytes(template.to_json())
    meta = {
        "digest_id": digest_id,
        "date": date,
        "now": f"{date}T09:00:00+02:00",
        "window_start": "2024-05-07T09:00:00+02:00",
        "window_end": f"{date}T09:00:00+02:00",
        "subject": subject,
        "lang": lang,
        "entry_ids": list(entry_ids),
        "files": ["template.json"],
    }
    (folder / "digest.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return folder


def write_project(root: Path, port: int, **smtp: Any) -> Settings:
    """A minimal project whose [smtp] points at a local server; tiny backoff, no real rate limit."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": "news@example.org",
        "rate_per_second": 1_000_000,  # effectively no limit
        "retry_backoff": 0.01,
        "max_attempts": 4,
        "timeout": 5.0,
        **smtp,
    }
    lines = [
        'title = "Beispiel Nachrichten"',
        'base_url = "https://news.example.org/"',
        'language = "de"',
        "",
        "[smtp]",
        *(f"{key} = {json.dumps(value)}" for key, value in values.items()),
    ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(root / "publisher.toml")


def subscriber_rows(count: int) -> list[tuple[str, str, str]]:
    """(email, name, lang) for ``count`` subscribers: German and English, some with umlauts, some nameless."""
    rows = []
    for i in range(count):
        lang = "de" if i % 3 else "en"
        name = "" if i % 7 == 0 else ("Jürgen" if lang == "de" else "Anna") + f" {i}"
        rows.append((f"user{i:04d}@example.org", name, lang))
    return rows


def add_subscribers(settings: Settings, rows: list[tuple[str, str, str]]) -> None:
    conn = database.connect(settings.database_path)
    try:
        for address, name, lang in rows:
            subscribers.add_subscriber(conn, address, name=name, lang=lang)
    finally:
        conn.close()


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


# --- a real SMTP server with fault injection -----------------------------------------------------


@dataclass
class Faults:
    """What the server does wrong. Counters are per server, across connections."""

    temporary: dict[str, int] = field(default_factory=dict)  # address -> how many 451s at RCPT first
    permanent: set[str] = field(default_factory=set)  # address -> 550 at RCPT, always
    drop_at_mail: set[int] = field(default_factory=set)  # close the connection at the n-th MAIL (1-based)
    drop_after_data: set[int] = field(default_factory=set)  # keep the n-th message, close without a reply
    hold_at_data: int | None = None  # at the n-th DATA: keep the message, then wait for `release`
    # addresses whose message makes the handler raise: aiosmtpd then answers 500 at the end of DATA
    # and, unlike for a refusal the handler returns, keeps the transaction open (MAIL next gets 503)
    crash_at_data: set[str] = field(default_factory=set)
    refuse_sender: str = ""  # a reply to every MAIL FROM instead of 250, e.g. "550 5.7.1 not allowed"
    data_reply: str = ""  # the reply after every message's DATA instead of 250 (the message is not kept)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    notify_at: int | None = None  # at the n-th DATA: keep the message, answer, and set `reached`
    reached: threading.Event = field(default_factory=threading.Event)


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message and injects the configured faults."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.mail_commands = 0
        self.data_commands = 0
        self.connections = 0
        self.rejections: list[tuple[str, int]] = []
        self.tls: list[bool] = []  # per accepted message: did it arrive over TLS?
        self.authenticated: list[bool] = []  # per accepted message: had the client logged in?
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.mail_commands += 1
            drop = self.mail_commands in self.faults.drop_at_mail
        if drop:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.0 closing (test: dropped connection)"
        if self.faults.refuse_sender:
            self.rejections.append((address.lower(), int(self.faults.refuse_sender[:3])))
            return self.faults.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        key = address.lower()
        with self.lock:
            if key in self.faults.permanent:
                self.rejections.append((key, 550))
                return "550 5.1.1 no such mailbox (test)"
            if self.faults.temporary.get(key, 0) > 0:
                self.faults.temporary[key] -= 1
                self.rejections.append((key, 451))
                return "451 4.7.1 greylisted, try again later (test)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if {str(a).lower() for a in envelope.rcpt_tos} & self.faults.crash_at_data:
            raise RuntimeError("test: the handler fails on this message")
        if self.faults.data_reply:
            return self.faults.data_reply
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
            self.messages.append(
                (str(envelope.mail_from), list(envelope.rcpt_tos), bytes(envelope.content or b""))
            )
            self.tls.append(session.ssl is not None)
            self.authenticated.append(bool(session.authenticated))
        if number in self.faults.drop_after_data:
            assert server.transport is not None
            server.transport.close()
            return "250 2.0.0 queued (never arrives: the connection is closed)"
        if self.faults.notify_at == number:
            self.faults.reached.set()
        if self.faults.hold_at_data == number:
            self.faults.held.set()
            deadline = time.monotonic() + 30
            while not self.faults.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        return "250 2.0.0 queued"

    # --- what the tests look at ---

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return [parse(data) for _, _, data in self.messages]

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt.lower() for _, rcpts, _ in self.messages for rcpt in rcpts)


class LoopbackController(Controller):
    """aiosmtpd's Controller on an OS-chosen free port (port 0), found once the socket is bound."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_server(
    faults: Faults | None = None, password: str | None = None, **kwargs: Any
) -> tuple[LoopbackController, RecordingHandler]:
    """Start aiosmtpd on 127.0.0.1; with ``password`` it offers AUTH (user "mailer") without TLS."""
    handler = RecordingHandler(faults or Faults())
    if password is not None:

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and data.login == b"mailer"
                and data.password == password.encode()
            )
            if ok:
                return AuthResult(success=True)
            # A careless server that echoes what it got: the client must not pass this on.
            echoed = data.password.decode() if isinstance(data, LoginPassword) else ""
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad credentials: {echoed}")

        # AUTH offered without TLS (loopback); not auth_required, which makes aiosmtpd warn per connection.
        kwargs.update(authenticator=authenticator, auth_require_tls=False)
    controller = LoopbackController(
        handler, hostname="127.0.0.1", port=0, server_hostname="mail.test", ready_timeout=5, **kwargs
    )
    controller.start()
    return controller, handler


@contextmanager
def smtp_server(
    faults: Faults | None = None, password: str | None = None, **kwargs: Any
) -> Iterator[tuple[LoopbackController, RecordingHandler]]:
    controller, handler = start_server(faults, password, **kwargs)
    try:
        yield controller, handler
    finally:
        (faults or handler.faults).release.set()
        controller.stop()


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a subscriber CSV in the given encoding."""
    path.write_bytes(text.encode(encoding))
    return path


REPO = Path(__file__).resolve().parents[2]


@contextmanager
def publisher_serve(root: Path, *options: str, secret: str = SECRET) -> Iterator[str]:
    """`publisher serve` as a user starts it, in its own process; yields the base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(root), "serve", "--port", "0", *options],
        env={**os.environ, "PYTHONPATH": str(REPO), "PUBLISHER_SECRET": secret},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/subscribe", banner)
        assert match, banner
        yield f"http://127.0.0.1:{match.group(1)}/"
    finally:
        process.terminate()
        process.communicate(timeout=10)
