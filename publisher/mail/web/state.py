"""What every route of the web app works with: settings, secret, clock, pages, and the page it answers."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from publisher.config import Settings
from publisher.mail import database, topics
from publisher.mail.web.pages import Pages, pick_language, texts


@dataclass(frozen=True, slots=True)
class Page:
    """The answer: a status and a template with its context, in a language."""

    status: str
    template: str
    lang: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class AppState:
    settings: Settings
    secret: bytes
    clock: Callable[[], datetime]
    environ: Mapping[str, str] | None = None  # where PUBLISHER_SMTP_PASSWORD is read (None: os.environ)
    pages: Pages = field(init=False)
    _topics: tuple[topics.Topic, ...] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.pages = Pages(self.settings)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per request: any WSGI server (threads or processes) works."""
        conn = database.connect(self.settings.database_path)
        try:
            yield conn
        finally:
            conn.close()

    def topics(self) -> tuple[topics.Topic, ...]:
        """The topics on offer, worked out once per process."""
        with self._lock:
            if self._topics is None:
                self._topics = topics.choices(self.settings)
            return self._topics

    def language(self, *candidates: str) -> str:
        return pick_language(*candidates, self.settings.language)

    def message(
        self,
        status: str,
        lang: str,
        title: str,
        *paragraphs: str,
        action: dict[str, Any] | None = None,
        link: dict[str, str] | None = None,
    ) -> Page:
        words = texts(lang)
        return Page(
            status,
            "message",
            lang,
            {"heading": words[title], "paragraphs": list(paragraphs), "action": action, "link": link},
        )
