"""A preview running on a small project: in this process (server tests) or as its own process (browser)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

from publisher.preview.server import PreviewServer
from publisher.preview.session import PreviewOptions, Session
from tests.conftest import MakeProject
from tests.helpers import entry

REPO = Path(__file__).resolve().parents[2]
NOW = "2024-05-16T12:00:00+02:00"


def small_project(make_project: MakeProject) -> Path:
    """Two entries with fixed slugs (their pages keep their address when a title is edited) and an image."""
    root = make_project(
        {
            "2024/wasserwerk.md": entry(
                "Neues Wasserwerk eröffnet",
                "2024-05-14T09:30:00+02:00",
                id="urn:uuid:wasserwerk",
                slug="wasserwerk",
                tags=["Wasser"],
                image={"url": "media/bild.png", "alt": "Das Wasserwerk"},
                body="Das **neue** Wasserwerk versorgt die Stadt.",
            ),
            "2024/strompreis.md": entry(
                "Strompreis sinkt",
                "2024-05-15T10:00:00+02:00",
                id="urn:uuid:strompreis",
                slug="strompreis",
                body="Die Stadtwerke senken den Preis.",
            ),
            "2024/geplant.md": entry(
                "Geplante Meldung",
                "2024-06-01T08:00:00+02:00",
                id="urn:uuid:geplant",
                slug="geplant",
            ),
            "2024/entwurf.md": entry(
                "Noch ein Entwurf",
                "2024-05-15T12:00:00+02:00",
                id="urn:uuid:entwurf",
                slug="entwurf",
                draft=True,
            ),
            "media/bild.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 32,
        },
        extra='[digest]\nsender_address = "Musterstraße 1, 50667 Köln"\n',
    )
    return root


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET (an error status is returned, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@contextmanager
def preview_in_process(root: Path, drafts: bool = False) -> Iterator[tuple[Session, str]]:
    """A session and its server on a free port, with the watcher running; stopped afterwards."""
    session = Session(None, root, PreviewOptions(drafts=drafts, now=datetime.fromisoformat(NOW)))
    server = PreviewServer(session, "127.0.0.1", 0)
    session.rebuild()
    server.start_watching(debounce=1600, step=20)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield session, server.url
    finally:
        server.shutdown()
        server.close()
        thread.join(timeout=10)


@contextmanager
def preview_process(root: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """``publisher preview --port 0`` as its own process; its stderr lines are collected."""
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(root), "preview", "--port", "0", "--now", NOW, *args],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    try:
        url = _url(process.stderr, lines)
        reader.start()
        yield process, url, lines
    finally:
        process.terminate()
        process.wait(timeout=30)
        if reader.is_alive():
            reader.join(timeout=10)
        process.stderr.close()


def _url(stream: IO[str], lines: list[str]) -> str:
    for line in stream:
        lines.append(line)
        found = re.search(r"Preview on (http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"the preview ended before serving: {''.join(lines)}")
