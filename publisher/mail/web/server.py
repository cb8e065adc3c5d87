"""The WSGI server ``publisher serve`` runs the app on: waitress, threaded, with an idle timeout.

waitress reads each request completely (asynchronously, in its main thread) before handing it to a worker
thread, so a client that sends half a request holds no worker; such a connection is closed once it has
been idle for ``timeout`` seconds. Bodies over the app's limit are refused by the server already.
"""

from __future__ import annotations

from typing import Any

from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher

from publisher.mail.web.http import MAX_BODY


def make_server(
    app: Any, host: str, port: int, threads: int = 8, timeout: int = 30, trusted_proxy: str = ""
) -> Any:
    """A bound, not yet running server (``.run()`` serves, ``.close()`` stops; ``.effective_port``).

    ``trusted_proxy``: the address of the reverse proxy whose ``X-Forwarded-For`` names the visitor (the
    per-IP limit and the consent record need the visitor's address, not the proxy's)."""
    proxy: dict[str, Any] = (
        {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-for"}}
        if trusted_proxy
        else {}
    )
    # Our own channel map and worker threads, so that a server that cannot listen (the port is taken)
    # leaves no open socket, pipe or idle threads behind: waitress keeps no reference to close them.
    channels: dict[int, Any] = {}
    workers = ThreadedTaskDispatcher()
    workers.set_thread_count(threads)
    try:
        return _create(app, channels, workers, host, port, threads, timeout, proxy)
    except OSError:
        for channel in list(channels.values()):
            channel.close()
        workers.shutdown()
        raise


def _create(
    app: Any,
    channels: dict[int, Any],
    workers: ThreadedTaskDispatcher,
    host: str,
    port: int,
    threads: int,
    timeout: int,
    proxy: dict[str, Any],
) -> Any:
    return create_server(
        app,
        map=channels,
        _dispatcher=workers,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=timeout,
        cleanup_interval=max(1, min(timeout, 30)),
        max_request_body_size=MAX_BODY,
        backlog=1024,
        connection_limit=1000,
        ident="publisher",
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
        **proxy,
    )
