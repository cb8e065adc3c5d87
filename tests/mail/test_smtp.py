"""SMTP transport against a real aiosmtpd on loopback: security modes, AUTH, phase-aware failures, pacing."""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from publisher.config import SmtpSettings, parse_settings
from publisher.errors import PublisherError
from publisher.mail import smtp
from tests.mail.fixtures import PASSWORD, Faults, parse, smtp_server

MESSAGE = (
    b"From: news@example.org\r\nTo: anna@example.org\r\nSubject: test\r\n\r\n"
    b"Hallo Anna,\r\n.leading dot stays\r\n.\r\nlast line\r\n"
)


def options(port: int, **changes: object) -> smtp.SmtpOptions:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": "",
        "timeout": 5.0,
        "password": "",
    }
    values.update(changes)
    return smtp.SmtpOptions(**values)  # type: ignore[arg-type]


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- pacing and backoff (no network) ---------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_calls_evenly() -> None:
    clock = FakeClock()
    limiter = smtp.RateLimiter(4, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.wait()
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    clock.now += 10  # idle time is not saved up for a burst
    limiter.wait()
    limiter.wait()
    assert clock.sleeps[-1] == 0.25 and len(clock.sleeps) == 5


def test_rate_zero_means_no_limit() -> None:
    clock = FakeClock()
    limiter = smtp.RateLimiter(0, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        limiter.wait()
    assert clock.sleeps == []


def test_backoff_is_exponential_and_capped() -> None:
    assert [smtp.backoff_delay(2.0, n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert smtp.backoff_delay(2.0, 40) == smtp.MAX_BACKOFF


# --- settings ------------------------------------------------------------------------------------


def test_password_only_from_the_environment() -> None:
    with pytest.raises(PublisherError, match="PUBLISHER_SMTP_PASSWORD is not set"):
        smtp.options_from_settings(SmtpSettings(host="127.0.0.1", security="none", username="mailer"), {})
    found = smtp.options_from_settings(
        SmtpSettings(host="127.0.0.1", security="none", username="mailer"),
        {"PUBLISHER_SMTP_PASSWORD": PASSWORD},
    )
    assert found.password == PASSWORD
    assert PASSWORD not in repr(found)


def test_password_in_the_config_file_is_refused(tmp_path: Path) -> None:
    data = {"title": "T", "base_url": "https://example.org/", "smtp": {"password": PASSWORD}}
    with pytest.raises(PublisherError) as caught:
        parse_settings(data, tmp_path)
    assert "smtp.password: unknown key -> secrets never go in the file" in str(caught.value)
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"security": "tls"}, "smtp.security: 'tls' must be one of none, starttls, ssl"),
        ({"port": 0}, "smtp.port: 0 must be a port number"),
        ({"rate_per_second": 0}, "smtp.rate_per_second: 0 must be greater than 0"),
        ({"retry_backoff": -0.5}, "smtp.retry_backoff: -0.5 must be at least 0"),
        ({"max_attempts": 0}, "smtp.max_attempts: 0 must be at least 1"),
    ],
)
def test_smtp_settings_are_validated(tmp_path: Path, table: dict[str, object], message: str) -> None:
    with pytest.raises(PublisherError) as caught:
        parse_settings({"title": "T", "base_url": "https://example.org/", "smtp": table}, tmp_path)
    assert message in str(caught.value)


def test_login_without_encryption_is_refused_for_a_remote_host() -> None:
    settings = SmtpSettings(host="mail.example.org", security="none", username="mailer")
    with pytest.raises(PublisherError, match=r'security is "none".*unencrypted'):
        smtp.options_from_settings(settings, {"PUBLISHER_SMTP_PASSWORD": PASSWORD})


# --- a real server -------------------------------------------------------------------------------


def test_message_arrives_byte_for_byte_with_dot_stuffing() -> None:
    with smtp_server() as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port))
        connection.open()
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.send("news@example.org", "bob@example.org", MESSAGE)
        connection.close()
    assert handler.connections == 1  # one reused connection
    assert [m[1] for m in handler.messages] == [["anna@example.org"], ["bob@example.org"]]
    assert handler.messages[0][2] == MESSAGE
    assert parse(handler.messages[0][2]).get_content().endswith(".leading dot stays\r\n.\r\nlast line\r\n")


def test_refusals_are_classified_and_the_connection_stays_usable() -> None:
    faults = Faults(temporary={"grey@example.org": 1}, permanent={"gone@example.org"})
    with smtp_server(faults) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port))
        connection.open()
        with pytest.raises(smtp.SmtpFailure) as temporary:
            connection.send("news@example.org", "grey@example.org", MESSAGE)
        with pytest.raises(smtp.SmtpFailure) as permanent:
            connection.send("news@example.org", "gone@example.org", MESSAGE)
        connection.send("news@example.org", "grey@example.org", MESSAGE)
        connection.close()
    assert (temporary.value.kind, temporary.value.code) == (smtp.Kind.TEMPORARY, 451)
    assert (permanent.value.kind, permanent.value.code) == (smtp.Kind.PERMANENT, 550)
    assert "RCPT TO: 550 5.1.1 no such mailbox" in str(permanent.value)
    assert handler.connections == 1
    assert handler.per_recipient() == {"grey@example.org": 1}


def test_a_refusal_at_the_end_of_data_does_not_leak_into_the_next_transaction() -> None:
    """aiosmtpd answers 500 when its handler fails and leaves the transaction open; without an
    RSET the next MAIL FROM got "503 nested MAIL command", and an innocent subscriber failed."""
    with smtp_server(Faults(crash_at_data={"crash@example.org"})) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port))
        connection.open()
        with pytest.raises(smtp.SmtpFailure) as refused:
            connection.send("news@example.org", "crash@example.org", MESSAGE)
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.close()
    assert (refused.value.kind, refused.value.code) == (smtp.Kind.PERMANENT, 500)
    assert "end of DATA: 500" in str(refused.value)
    assert handler.per_recipient() == {"anna@example.org": 1}
    assert handler.connections == 1


def test_dropped_connection_before_data_is_temporary() -> None:
    with smtp_server(Faults(drop_at_mail={2})) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port))
        connection.open()
        connection.send("news@example.org", "a@example.org", MESSAGE)
        with pytest.raises(smtp.SmtpFailure) as caught:
            connection.send("news@example.org", "b@example.org", MESSAGE)
        assert caught.value.kind is smtp.Kind.TEMPORARY
        assert not connection.connected
        connection.open()
        connection.send("news@example.org", "b@example.org", MESSAGE)
        connection.close()
    assert handler.per_recipient() == {"a@example.org": 1, "b@example.org": 1}


def test_lost_reply_after_the_whole_message_is_ambiguous() -> None:
    with smtp_server(Faults(drop_after_data={1})) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port))
        connection.open()
        with pytest.raises(smtp.SmtpFailure) as caught:
            connection.send("news@example.org", "a@example.org", MESSAGE)
    assert caught.value.kind is smtp.Kind.AMBIGUOUS
    assert handler.per_recipient() == {"a@example.org": 1}  # the server did get it


def test_unreachable_server_is_a_temporary_connect_failure() -> None:
    port = free_port()
    connection = smtp.SmtpConnection(options(port))
    with pytest.raises(smtp.SmtpFailure, match=f"cannot connect to 127.0.0.1:{port}") as caught:
        connection.open()
    assert caught.value.kind is smtp.Kind.TEMPORARY


def test_auth_with_password_from_env(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(password=PASSWORD) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port, username="mailer", password=PASSWORD))
        connection.open()
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.close()
    assert handler.per_recipient() == {"anna@example.org": 1}
    assert handler.authenticated == [True]
    assert PASSWORD not in caplog.text


def test_auth_with_an_ascii_password_uses_smtplib_login() -> None:
    with smtp_server(password="plain-ascii-password") as (controller, handler):
        connection = smtp.SmtpConnection(
            options(controller.port, username="mailer", password="plain-ascii-password")
        )
        connection.open()
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.close()
    assert handler.authenticated == [True]


def test_wrong_credentials_are_a_clear_error_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="publisher")
    wrong = "wrong-password-123"  # ASCII, so the careless server can echo it
    with smtp_server(password=PASSWORD) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port, username="mailer", password=wrong))
        with pytest.raises(PublisherError) as caught:
            connection.open()
    message = str(caught.value)
    assert "rejected the login for user 'mailer'" in message
    assert "check [smtp] username and the password in PUBLISHER_SMTP_PASSWORD" in message
    assert "bad credentials: ***" in message  # the server echoed it; we did not pass it on
    assert wrong not in message and wrong not in caplog.text
    assert handler.messages == []


def test_starttls_against_a_server_without_it() -> None:
    with smtp_server() as (controller, _):
        connection = smtp.SmtpConnection(options(controller.port, security="starttls"))
        with pytest.raises(PublisherError, match="does not offer STARTTLS"):
            connection.open()


def test_ssl_against_a_plain_server() -> None:
    with smtp_server() as (controller, _):
        connection = smtp.SmtpConnection(options(controller.port, security="ssl", timeout=2.0))
        with pytest.raises(PublisherError, match=r"TLS with 127\.0\.0\.1:\d+ \(ssl\) failed"):
            connection.open()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command line tool."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command line tool")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_with_a_trusted_certificate(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with smtp_server(tls_context=server_context(certificate), require_starttls=True) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port, security="starttls"))
        connection.open()
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.close()
    assert handler.tls == [True]


def test_implicit_tls_with_a_trusted_certificate(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with smtp_server(ssl_context=server_context(certificate)) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port, security="ssl"))
        connection.open()
        connection.send("news@example.org", "anna@example.org", MESSAGE)
        connection.close()
    assert handler.per_recipient() == {"anna@example.org": 1}


def test_untrusted_certificate_is_refused(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/cert.pem")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    with smtp_server(tls_context=server_context(certificate)) as (controller, handler):
        connection = smtp.SmtpConnection(options(controller.port, security="starttls"))
        with pytest.raises(PublisherError, match=r"STARTTLS failed.*certificate verify failed"):
            connection.open()
    assert handler.messages == []
