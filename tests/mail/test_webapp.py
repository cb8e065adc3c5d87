"""The unsubscribe WSGI app, called the way wsgiref calls it, on a real SQLite file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

from publisher.errors import PublisherError
from publisher.mail import database, subscribers, tokens
from publisher.mail.webapp import UnsubscribeApp, app_from_env
from tests.mail.fixtures import write_project

SECRET = b"unsubscribe-test-secret-123456"


class Response:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, dict(headers), body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def call(
    app: Any,
    method: str = "GET",
    path: str = "/unsubscribe",
    query: str = "",
    body: bytes = b"",
    extra: dict[str, str] | None = None,
) -> Response:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
        **(extra or {}),
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = validator(app)(environ, start_response)  # wsgiref's checker for the WSGI protocol
    try:
        data = b"".join(result)
    finally:
        result.close()
    return Response(captured["status"], captured["headers"], data)


@pytest.fixture
def site(tmp_path: Path) -> tuple[UnsubscribeApp, Path]:
    settings = write_project(tmp_path, 25)
    conn = database.connect(settings.database_path)
    subscribers.add_subscriber(conn, "anna@example.org", name="Anna", lang="de")
    subscribers.add_subscriber(conn, "o'brien&co@example.org", name="<b>Bob</b>", lang="en")
    conn.close()
    return UnsubscribeApp.from_settings(settings, SECRET), settings.database_path


def token_for(db_path: Path, address: str) -> str:
    conn = database.connect(db_path)
    found = subscribers.existing_subscriber(conn, address)
    conn.close()
    assert found is not None
    return tokens.make_token(SECRET, found.id, found.key)


def status_of(db_path: Path, address: str) -> str:
    conn = database.connect(db_path)
    found = subscribers.existing_subscriber(conn, address)
    conn.close()
    assert found is not None
    return found.status


def test_get_shows_a_confirmation_form_and_changes_nothing(site: tuple[UnsubscribeApp, Path]) -> None:
    app, db_path = site
    token = token_for(db_path, "anna@example.org")
    response = call(app, query=urlencode({"token": token}))
    assert response.status == "200 OK"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert '<html lang="de">' in response.text
    assert "Möchten Sie den Newsletter für anna@example.org abbestellen?" in response.text
    assert '<form class="app-form" method="post" action="">' in response.text
    assert f'<input type="hidden" name="token" value="{token}">' in response.text
    assert '<button type="submit">Abbestellen</button>' in response.text
    assert status_of(db_path, "anna@example.org") == "confirmed"


def test_one_click_post_unsubscribes(site: tuple[UnsubscribeApp, Path]) -> None:
    app, db_path = site
    token = token_for(db_path, "anna@example.org")
    response = call(app, "POST", query=urlencode({"token": token}), body=b"List-Unsubscribe=One-Click")
    assert response.status == "200 OK"
    assert "anna@example.org ist abgemeldet" in response.text
    assert status_of(db_path, "anna@example.org") == "unsubscribed"
    assert status_of(db_path, "o'brien&co@example.org") == "confirmed"
    again = call(app, "POST", query=urlencode({"token": token}), body=b"List-Unsubscribe=One-Click")
    assert again.status == "200 OK"  # idempotent
    later = call(app, query=urlencode({"token": token}))
    assert "bereits abgemeldet" in later.text and "<form" not in later.text


def test_the_form_post_with_the_token_in_the_body_works(site: tuple[UnsubscribeApp, Path]) -> None:
    app, db_path = site
    token = token_for(db_path, "anna@example.org")
    body = urlencode({"List-Unsubscribe": "One-Click", "token": token}).encode()
    assert call(app, "POST", body=body).status == "200 OK"
    assert status_of(db_path, "anna@example.org") == "unsubscribed"


def test_values_are_escaped_and_the_page_is_in_the_subscribers_language(
    site: tuple[UnsubscribeApp, Path],
) -> None:
    app, db_path = site
    token = token_for(db_path, "o'brien&co@example.org")
    response = call(app, query=urlencode({"token": token}))
    assert '<html lang="en">' in response.text
    assert "Do you want to stop the newsletter for o&#39;brien&amp;co@example.org?" in response.text
    assert "o'brien&co" not in response.text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "token=",
        "token=1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "token=999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "token=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_forged_or_missing_tokens_change_nothing(site: tuple[UnsubscribeApp, Path], query: str) -> None:
    app, db_path = site
    response = call(app, "POST", query=query, body=b"List-Unsubscribe=One-Click")
    assert response.status == "400 Bad Request"
    assert "Es wurde nichts geändert" in response.text
    assert "<script>" not in response.text
    assert status_of(db_path, "anna@example.org") == "confirmed"
    assert status_of(db_path, "o'brien&co@example.org") == "confirmed"


def test_a_token_signed_with_another_secret_changes_nothing(site: tuple[UnsubscribeApp, Path]) -> None:
    app, db_path = site
    conn = database.connect(db_path)
    anna = subscribers.existing_subscriber(conn, "anna@example.org")
    conn.close()
    assert anna is not None
    other = tokens.make_token(b"some-other-secret-0123456789", anna.id, anna.key)
    assert (
        call(app, "POST", query=f"token={other}", body=b"List-Unsubscribe=One-Click").status
        == "400 Bad Request"
    )
    assert status_of(db_path, "anna@example.org") == "confirmed"


def test_head_other_paths_and_methods(site: tuple[UnsubscribeApp, Path]) -> None:
    app, db_path = site
    token = token_for(db_path, "anna@example.org")
    head = call(app, "HEAD", query=f"token={token}")
    assert head.status == "200 OK" and head.body == b""
    assert call(app, path="/admin").status == "404 Not Found"
    put = call(app, "PUT", query=f"token={token}")
    assert put.status == "405 Method Not Allowed" and put.headers["Allow"] == "GET, HEAD, POST"
    assert status_of(db_path, "anna@example.org") == "confirmed"


def test_app_from_env_for_wsgi_servers(tmp_path: Path) -> None:
    settings = write_project(tmp_path, 25)
    app = app_from_env({"PUBLISHER_CONFIG": str(settings.config_path), "PUBLISHER_SECRET": SECRET.decode()})
    assert app.state.settings.database_path == settings.database_path
    with pytest.raises(PublisherError, match="PUBLISHER_SECRET is not set"):
        app_from_env({"PUBLISHER_CONFIG": str(settings.config_path)})
