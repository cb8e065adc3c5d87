"""The web app (WSGI): signup with double opt-in, confirmation, preferences and unsubscribe, on one app.

Routes: ``/subscribe`` (GET form, POST signup), ``/confirm`` (GET page, POST confirms), ``/preferences``
(GET page, POST saves), ``/unsubscribe`` (GET page, POST unsubscribes, RFC 8058 one-click); ``/`` and the
mount point itself are the unsubscribe page, as before. Unknown paths 404, other methods 405, large bodies
413, a failing database 503; no stack trace and no other subscriber's data ever reach a visitor.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.config import Settings, load_settings
from publisher.mail import tokens
from publisher.mail.database import StoreError
from publisher.mail.web import account_routes, signup_routes
from publisher.mail.web.http import HttpError, Request, read_request
from publisher.mail.web.pages import texts
from publisher.mail.web.state import AppState, Page

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
Route = Callable[[AppState, Request], Page]
ROUTES: dict[str, Route] = {
    "/subscribe": signup_routes.subscribe,
    "/confirm": signup_routes.confirm,
    "/preferences": account_routes.preferences,
    "/unsubscribe": account_routes.unsubscribe,
    "/": account_routes.unsubscribe,
    "": account_routes.unsubscribe,
}
METHODS = ("GET", "HEAD", "POST")
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
)


class WebApp:
    """The WSGI callable. Each request opens its own SQLite connection, so threads and processes work."""

    def __init__(
        self,
        settings: Settings,
        secret: bytes,
        clock: Callable[[], datetime] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.state = AppState(settings, secret, clock or (lambda: datetime.now(UTC)), environ)
        # Worked out now, before a server starts its threads: reading the site may start worker processes.
        self.state.topics()

    @classmethod
    def from_settings(cls, settings: Settings, secret: bytes) -> WebApp:
        return cls(settings, secret)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        page = self.handle(environ)
        try:
            body = self.state.pages.render(page.template, page.lang, page.context)
        except Exception:
            logger.exception("the web app could not render the %s page", page.template)
            page = self._error("500 Internal Server Error", "error")
            body = texts(page.lang)["error"].encode("utf-8")
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Content-Language", page.lang),
            *SECURITY_HEADERS,
        ]
        if page.status.startswith("405"):
            headers.append(("Allow", ", ".join(METHODS)))
        if page.status.startswith("413"):
            headers.append(("Connection", "close"))
        start_response(page.status, headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def handle(self, environ: Mapping[str, Any]) -> Page:
        route = ROUTES.get(environ.get("PATH_INFO", "") or "")
        if route is None:
            return self._error("404 Not Found", "not_found")
        if environ.get("REQUEST_METHOD", "GET").upper() not in METHODS:
            return self._error("405 Method Not Allowed", "method")
        try:
            return route(self.state, read_request(environ))
        except HttpError as exc:
            return self._error(exc.status, exc.page)
        except StoreError as exc:
            logger.error("%s", exc)
            return self._error("503 Service Unavailable", "unavailable")
        except Exception:
            logger.exception("the web app failed on %s", environ.get("PATH_INFO", ""))
            return self._error("500 Internal Server Error", "error")

    def _error(self, status: str, key: str) -> Page:
        lang = self.state.settings.language
        return self.state.message(status, lang, f"{key}_title", texts(lang)[key])


UnsubscribeApp = WebApp  # the name the app had when it only unsubscribed


def app_from_env(environ: Mapping[str, str] | None = None) -> WebApp:
    """Factory for WSGI servers: reads PUBLISHER_CONFIG (path to publisher.toml) and PUBLISHER_SECRET.

    Example: ``waitress-serve --call publisher.mail.webapp:app_from_env``.
    """
    env = os.environ if environ is None else environ
    config = env.get("PUBLISHER_CONFIG")
    settings = load_settings(Path(config) if config else None)
    return WebApp(settings, tokens.secret_from_env(env), environ=environ)
