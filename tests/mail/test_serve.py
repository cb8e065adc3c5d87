"""`publisher serve`'s server under abuse: waitress on 127.0.0.1, real sockets, a real SMTP server."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from waitress import wasyncore

from publisher.config import Settings, load_settings
from publisher.mail import database, subscribers, tokens
from publisher.mail.web.server import make_server
from publisher.mail.webapp import WebApp
from tests.mail.fixtures import publisher_serve, smtp_server, write_project

SECRET = b"serve-test-secret-7c41e9a2"
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def serving(
    settings: Settings, timeout: int = 30, threads: int = 8, port: int = 0, trusted_proxy: str = ""
) -> Iterator[str]:
    """The app on waitress in a thread, as `publisher serve` runs it; yields the base URL."""
    app = WebApp(settings, SECRET)
    server = make_server(
        app, "127.0.0.1", port, threads=threads, timeout=timeout, trusted_proxy=trusted_proxy
    )
    stop = threading.Event()

    def run() -> None:
        # server.run() is this loop without an end; the test needs one.
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/"
    finally:
        stop.set()
        runner.join(timeout=10)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)


def project(tmp_path: Path, smtp_port: int, **subscribe: Any) -> Settings:
    root = tmp_path / "site"
    write_project(root, smtp_port)
    lines = ["", "[subscribe]", 'topics = ["Energie"]', *(f"{k} = {v}" for k, v in subscribe.items())]
    with (root / "publisher.toml").open("a", encoding="utf-8") as config:
        config.write("\n".join(lines) + "\n")
    return load_settings(root / "publisher.toml")


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers or {}), timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_twenty_signups_of_one_address_send_one_confirmation(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        # The per-IP limit is raised so that the per-address limit is what is tested.
        settings = project(tmp_path, controller.port, signups_per_ip_per_hour=1000)
        form = urlencode({"email": "anna@example.org", "lang": "de", "consent": "yes"}).encode()
        with serving(settings) as base, ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda _: request(base + "subscribe", form), range(20)))
        assert statuses == [200] * 20
        assert [m["To"] for m in handler.received()] == ["anna@example.org"]


def test_behind_a_trusted_proxy_the_per_ip_limit_counts_visitors(tmp_path: Path) -> None:
    with smtp_server() as (controller, _):
        settings = project(tmp_path, controller.port)
        form = [urlencode({"email": f"p{n}@example.org", "consent": "yes"}).encode() for n in range(12)]
        visitors = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(12)]
        with serving(settings, trusted_proxy="127.0.0.1") as base:
            assert [request(base + "subscribe", f, v) for f, v in zip(form, visitors, strict=True)] == [
                200
            ] * 12
        # Without a trusted proxy the header is ignored: everyone is 127.0.0.1, and the 11th is refused.
        forged = [urlencode({"email": f"q{n}@example.org", "consent": "yes"}).encode() for n in range(11)]
        with serving(settings) as base:
            statuses = [request(base + "subscribe", f, v) for f, v in zip(forged, visitors, strict=False)]
        assert statuses == [200] * 10 + [429]


def test_two_hundred_parallel_one_click_unsubscribes_are_all_answered(tmp_path: Path) -> None:
    settings = project(tmp_path, 25)
    conn = database.connect(settings.database_path)
    try:
        people = [subscribers.add_subscriber(conn, f"user{n:03d}@example.org") for n in range(200)]
    finally:
        conn.close()
    links = [f"unsubscribe?token={tokens.make_token(SECRET, p.id, p.key)}" for p in people]
    start = threading.Barrier(200)

    def one_click(link: str) -> int:
        start.wait()
        return request(base + link, b"List-Unsubscribe=One-Click")

    with serving(settings) as base, ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(one_click, links))
    assert statuses == [200] * 200
    conn = database.connect(settings.database_path)
    try:
        assert {s.status for s in subscribers.list_subscribers(conn)} == {"unsubscribed"}
    finally:
        conn.close()


def half_request(port: int, kind: int) -> socket.socket:
    """A client that sends part of a request and then nothing: headers without their end, or a body
    shorter than its Content-Length."""
    client = socket.create_connection(("127.0.0.1", port))
    if kind % 2:
        client.sendall(
            b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        )
    else:
        client.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nemail=anna%40exa")
    return client


def test_clients_that_send_half_a_request_block_nobody_and_are_dropped_after_the_timeout(
    tmp_path: Path,
) -> None:
    settings = project(tmp_path, 25)
    with publisher_serve(settings.root, "--timeout", "2", "--threads", "4", secret=SECRET.decode()) as base:
        port = int(base.rsplit(":", 1)[1].strip("/"))
        stalled = [half_request(port, n) for n in range(16)]  # four times the worker threads
        try:
            # Everyone else is answered while the stalled clients are still connected ...
            with ThreadPoolExecutor(10) as pool:
                assert list(pool.map(lambda _: request(base + "subscribe"), range(20))) == [200] * 20
            for client in stalled:
                client.setblocking(False)
                try:
                    client.recv(1)
                    raise AssertionError("the server answered or closed a half request before its timeout")
                except BlockingIOError:
                    pass  # still connected, no answer
            # ... and the server closes them once they have been idle for the timeout (checked every second).
            for client in stalled:
                client.settimeout(15)  # a timeout here (no close at all) fails the test
                with suppress(ConnectionResetError):
                    assert client.recv(1024) == b""
        finally:
            for client in stalled:
                client.close()
        assert request(base + "subscribe") == 200
