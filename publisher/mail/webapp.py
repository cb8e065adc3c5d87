"""The unsubscribe web app (WSGI): GET shows a confirmation page, POST unsubscribes (RFC 8058 one-click)."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from publisher.config import Settings, load_settings
from publisher.mail import database, subscribers, tokens
from publisher.mail.subscribers import Subscriber

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
PATHS = ("", "/", "/unsubscribe")
StartResponse = Callable[..., Any]

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Newsletter abbestellen",
        "confirm": "Möchten Sie den Newsletter für {email} abbestellen?",
        "button": "Abbestellen",
        "done": "{email} ist abgemeldet. Sie erhalten keine weiteren Ausgaben.",
        "already": "{email} ist bereits abgemeldet.",
        "invalid": "Dieser Abmeldelink ist ungültig oder veraltet. Es wurde nichts geändert.",
        "not_found": "Diese Seite gibt es nicht.",
        "method": "Diese Anfrage wird nicht unterstützt.",
    },
    "en": {
        "title": "Unsubscribe from the newsletter",
        "confirm": "Do you want to stop the newsletter for {email}?",
        "button": "Unsubscribe",
        "done": "{email} is unsubscribed. You will not receive further issues.",
        "already": "{email} is already unsubscribed.",
        "invalid": "This unsubscribe link is not valid or has expired. Nothing was changed.",
        "not_found": "This page does not exist.",
        "method": "This request is not supported.",
    },
}


@dataclass(frozen=True, slots=True)
class Page:
    status: str
    lang: str
    title: str
    message: str
    form_token: str | None = None


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def render(page: Page, site_title: str) -> bytes:
    """A tiny self-contained page; every value is escaped."""
    texts = _texts(page.lang)
    form = ""
    if page.form_token is not None:
        token = html.escape(page.form_token)
        form = (
            f'<form method="post" action="?token={token}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<input type="hidden" name="token" value="{token}">'
            f'<button type="submit">{html.escape(texts["button"])}</button></form>'
        )
    body = (
        f'<!doctype html>\n<html lang="{html.escape(page.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(page.title)} – {html.escape(site_title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
        "line-height:1.5}button{font-size:1rem;padding:.5rem 1.25rem}</style></head><body>"
        f"<h1>{html.escape(page.title)}</h1><p>{html.escape(page.message)}</p>{form}</body></html>\n"
    )
    return body.encode("utf-8")


def _read_form(environ: Mapping[str, Any]) -> dict[str, list[str]]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return {}
    raw = environ["wsgi.input"].read(min(length, MAX_BODY))
    return parse_qs(raw.decode("utf-8", "replace"))


class UnsubscribeApp:
    """WSGI callable. Each request opens its own SQLite connection, so any WSGI server (threads too) works."""

    def __init__(
        self, database_path: Path, secret: bytes, site_title: str = "", language: str = "de"
    ) -> None:
        self.database_path = database_path
        self.secret = secret
        self.site_title = site_title
        self.language = language

    @classmethod
    def from_settings(cls, settings: Settings, secret: bytes) -> UnsubscribeApp:
        return cls(settings.database_path, secret, settings.title, settings.language)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        page = self.handle(environ)
        body = render(page, self.site_title)
        start_response(
            page.status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("Referrer-Policy", "no-referrer"),
                ("X-Content-Type-Options", "nosniff"),
                (
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
                ),
                *([("Allow", "GET, HEAD, POST")] if page.status.startswith("405") else []),
            ],
        )
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def handle(self, environ: Mapping[str, Any]) -> Page:
        texts = _texts(self.language)
        if environ.get("PATH_INFO", "") not in PATHS:
            return Page("404 Not Found", self.language, texts["title"], texts["not_found"])
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD", "POST"):
            return Page("405 Method Not Allowed", self.language, texts["title"], texts["method"])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form = _read_form(environ) if method == "POST" else {}
        token = (query.get("token") or form.get("token") or [""])[0]
        conn = database.connect(self.database_path)
        try:
            subscriber = subscribers.subscriber_for_token(conn, self.secret, token)
            if subscriber is None:
                logger.info("unsubscribe: rejected a forged, malformed or stale token")
                return Page("400 Bad Request", self.language, texts["title"], texts["invalid"])
            if method == "POST":
                # RFC 8058: the POST alone unsubscribes; no cookie, no second step.
                subscriber = subscribers.unsubscribe(conn, subscriber.id)
                logger.info("unsubscribed %s via the web app", subscriber.email)
                return self._page(subscriber, "done")
        finally:
            conn.close()
        if subscriber.status == subscribers.UNSUBSCRIBED:
            return self._page(subscriber, "already")
        # GET never changes anything: mail scanners follow links.
        return self._page(subscriber, "confirm", form_token=token)

    def _page(self, subscriber: Subscriber, key: str, form_token: str | None = None) -> Page:
        lang = subscriber.lang or self.language
        texts = _texts(lang)
        return Page("200 OK", lang, texts["title"], texts[key].format(email=subscriber.email), form_token)


def app_from_env(environ: Mapping[str, str] | None = None) -> UnsubscribeApp:
    """Factory for WSGI servers: reads PUBLISHER_CONFIG (path to publisher.toml) and PUBLISHER_SECRET.

    Example: ``gunicorn 'publisher.mail.webapp:app_from_env()'``.
    """
    env = os.environ if environ is None else environ
    config = env.get("PUBLISHER_CONFIG")
    settings = load_settings(Path(config) if config else None)
    return UnsubscribeApp.from_settings(settings, tokens.secret_from_env(env))
