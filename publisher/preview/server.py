"""The preview's HTTP server: the built pages (with the reload script), /_digest/, and the events that
tell open pages to reload. A threaded stdlib server: one visitor, the editor, on this machine."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from publisher.errors import listen_error
from publisher.output import is_inside_path
from publisher.preview import pages
from publisher.preview.session import Outcome, Session

KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream (finds closed pages)
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
DIGEST_FILES = {
    "": ("index.html", TYPES[".html"]),
    "index.html": ("index.html", TYPES[".html"]),
    "email.html": ("email.html", TYPES[".html"]),
    "email.txt": ("email.txt", TYPES[".txt"]),
}


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep the process alive after Ctrl+C

    def __init__(self, session: Session, host: str, port: int) -> None:
        self.session = session
        try:
            super().__init__((host, port), PreviewHandler)
        except OSError as exc:
            raise listen_error(host, port, exc) from None
        self.watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode("ascii") if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def start_watching(self, **watch_options: Any) -> None:
        self.watcher = threading.Thread(
            target=self.session.watch, kwargs=watch_options, name="preview-watch", daemon=True
        )
        self.watcher.start()

    def close(self) -> None:
        self.session.stop()
        self.server_close()
        if self.watcher is not None:
            self.watcher.join(timeout=10)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.0"  # the event stream ends when the connection does

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: the terminal is for builds and their problems."""

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        session = self.server.session
        path = unquote(urlsplit(self.path).path)
        if path == pages.EVENTS_PATH:
            self._events()
            return
        if path == pages.LOADED_PATH:
            session.page_loaded(unquote(urlsplit(self.path).query))
            self._send(HTTPStatus.NO_CONTENT, TYPES[".txt"], b"", head)
            return
        if path.startswith(pages.DIGEST_PATH) or path == pages.DIGEST_PATH.rstrip("/"):
            self._digest(path.removeprefix(pages.DIGEST_PATH.rstrip("/")).lstrip("/"), head)
            return
        relative = path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        outcome = session.outcome
        version = session.version
        is_page = relative.endswith((".html", ".htm"))
        if outcome.problems and is_page:
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, TYPES[".html"], _problems(outcome, version), head)
            return
        file = session.out_dir / relative
        if is_inside_path(relative) and file.is_dir():
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", f"/{relative}/")
            self.end_headers()
            return
        try:
            if not is_inside_path(relative):
                raise FileNotFoundError(relative)
            data = file.read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, TYPES[".html"], pages.missing_page(path, version), head)
            return
        kind = _type_of(relative)
        if is_page:
            data = pages.inject(_local(data, session), version, outcome.notices.get(relative, ""))
        self._send(HTTPStatus.OK, kind, data, head)

    def _digest(self, name: str, head: bool) -> None:
        session = self.server.session
        if name not in DIGEST_FILES:
            self._send(
                HTTPStatus.NOT_FOUND, TYPES[".html"], pages.missing_page(self.path, session.version), head
            )
            return
        result = session.digest()
        if isinstance(result, Outcome):
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR, TYPES[".html"], _problems(result, session.version), head
            )
            return
        file, kind = DIGEST_FILES[name]
        data = _local(result[file], session)
        if kind.startswith("text/html"):
            data = pages.inject(data, session.version)
        self._send(HTTPStatus.OK, kind, data, head)

    def _events(self) -> None:
        session = self.server.session
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        shown: str | None = None
        session.listening(+1)
        try:
            with contextlib.suppress(OSError):  # the page was closed or reloaded
                while not session.stopping.is_set():
                    version = session.wait(shown, KEEP_ALIVE)
                    message = f"data: {version}\n\n" if version != shown else ": still here\n\n"
                    shown = version
                    self.wfile.write(message.encode("utf-8"))
                    self.wfile.flush()
        finally:
            session.listening(-1)

    def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            with contextlib.suppress(OSError):
                self.wfile.write(data)


def _problems(outcome: Outcome, version: str) -> bytes:
    return pages.problems_page(outcome.title, outcome.problems, version)


def _local(data: bytes, session: Session) -> bytes:
    """Absolute links into the site (feeds, the digest's images and links) point at the preview."""
    return data.replace(session.settings.base_url.encode("utf-8"), b"/")


def _type_of(relative: str) -> str:
    suffix = os.path.splitext(relative)[1].lower()
    return TYPES.get(suffix) or mimetypes.guess_type(relative)[0] or "application/octet-stream"
