"""Digest test helpers: a small project (publisher.toml), Entry objects built directly, entry files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.config import Settings, load_settings
from publisher.digest.render import render_digest
from publisher.digest.selection import digest_window, select_entries
from publisher.mail.outbox import RenderedDigest
from publisher.mail.state import DigestState
from publisher.model import Entry, Image

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2024, 5, 20, 9, 0, tzinfo=BERLIN)
BASE_URL = "https://news.example.org/"

CONFIG = """\
title = "Stadtwerke Neustadt"
base_url = "https://news.example.org/"
language = "de"
timezone = "Europe/Berlin"
author = "Pressestelle"
author_email = "presse@example.org"

[digest]
intro = "Die Neuigkeiten der Woche aus Ihren Stadtwerken."
sender_name = "Stadtwerke Neustadt GmbH"
sender_address = \"\"\"Am Wasserturm 1
12345 Neustadt\"\"\"

[smtp]
from_name = "Stadtwerke Neustadt"
from_address = "news@example.org"
"""

SUMMARIES = (
    "Ab Juni gelten neue Tarife für Strom und Gas. Für die meisten Haushalte sinken die Abschläge "
    "leicht; wer wechseln möchte, findet alle Tarife im Kundenportal.",
    "The new cycle path along the river opens on Saturday with a small celebration at the old harbour.",
    "Wegen Bauarbeiten bleibt das Hallenbad bis Ende des Monats geschlossen. Das Freibad öffnet früher.",
)


def make_project(root: Path, extra: str = "", config: str = CONFIG) -> Settings:
    """Write publisher.toml (plus ``extra`` TOML appended) into ``root`` and load it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(config + extra, encoding="utf-8")
    return load_settings(root / "publisher.toml")


def make_entry(
    n: int,
    *,
    published: datetime | None = None,
    title: str | None = None,
    summary: str | None = None,
    lang: str = "de",
    image: Image | None = None,
    content_html: str | None = None,
) -> Entry:
    """Entry number ``n``: published ``n`` hours before NOW unless given, deterministic in every field."""
    when = published or NOW - timedelta(hours=n)
    slug = f"meldung-{n:02d}"
    return Entry(
        id=f"tag:news.example.org,2024:{slug}",
        title=title if title is not None else f"Meldung {n}: Neues aus den Stadtwerken",
        slug=slug,
        path=f"posts/{slug}.html",
        url=f"{BASE_URL}posts/{slug}.html",
        published=when,
        updated=when,
        lang=lang,
        content_html=content_html if content_html is not None else f"<p>{SUMMARIES[n % 3]}</p>",
        summary=summary if summary is not None else SUMMARIES[n % 3],
        image=image,
    )


def photo(n: int, **changes: object) -> Image:
    values: dict[str, object] = {
        "url": f"{BASE_URL}media/foto-{n:02d}.jpg",
        "alt": f"Foto zur Meldung {n}",
        "credit": "Stadtwerke/Müller",
        "width": 1200,
        "height": 800,
        "mime_type": "image/jpeg",
    }
    values.update(changes)
    return Image(**values)  # type: ignore[arg-type]


def many_entries(count: int, *, images: bool = True) -> tuple[Entry, ...]:
    """``count`` entries, newest first; every other one with a photo."""
    return tuple(
        make_entry(n, image=photo(n) if images and n % 2 == 0 else None, lang="en" if n % 3 == 1 else "de")
        for n in range(1, count + 1)
    )


def write_entry_file(
    root: Path,
    n: int,
    *,
    published: datetime | None = None,
    title: str | None = None,
    body: str | None = None,
    extra: str = "",
) -> Path:
    """Write entries/<…>.md for entry ``n`` (front matter + Markdown), like an author would."""
    when = published or NOW - timedelta(hours=n)
    path = root / "entries" / f"{when:%Y-%m-%d}-meldung-{n:02d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    front = (
        f"id: tag:news.example.org,2024:meldung-{n:02d}\n"
        f'title: "{title or f"Meldung {n}: Neues aus den Stadtwerken"}"\n'
        f"date: {when.isoformat()}\n"
        f"summary: {SUMMARIES[n % 3]}\n"
    )
    if n % 2 == 0:
        front += (
            f"image:\n  url: media/foto-{n:02d}.jpg\n  alt: Foto zur Meldung {n}\n"
            "  credit: Stadtwerke/Müller\n  width: 1200\n  height: 800\n"
        )
    text = body if body is not None else f"{SUMMARIES[n % 3]}\n\nMehr dazu im Kundenportal.\n"
    path.write_text(f"---\n{front}{extra}---\n{text}", encoding="utf-8")
    return path


def make_cli_project(root: Path, count: int, extra_config: str = "") -> Settings:
    """A project directory with publisher.toml and ``count`` entry files, newest NOW - 1 h."""
    settings = make_project(root, extra_config)
    for n in range(1, count + 1):
        write_entry_file(root, n)
    return settings


TRICKY = "Preise < 5 € & „Rabatte“ für \"Kunden\" – 'heute'"
SCRIPT_TEXT = "Vorsicht: <script>alert(1)</script> & mehr"
SCRIPT_HTML = "<p>Vorsicht: &lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr</p><p>Zweiter Absatz.</p>"


def golden_entries() -> tuple[Entry, ...]:
    """The fixed input of the golden files: every shape an entry can take, newest first."""
    return (
        make_entry(1, title=TRICKY, image=photo(1), published=datetime(2024, 5, 19, 18, 30, tzinfo=BERLIN)),
        make_entry(
            2, lang="en", title="Cycle path opens", published=datetime(2024, 5, 16, 8, 0, tzinfo=BERLIN)
        ),
        make_entry(
            3,
            summary="",
            content_html=SCRIPT_HTML,
            image=photo(3, url=""),
            published=datetime(2024, 5, 14, 10, 0, tzinfo=BERLIN),
        ),
        make_entry(
            4,
            image=photo(4, width=None, height=None, credit=""),
            published=datetime(2024, 5, 13, 12, 0, tzinfo=BERLIN),
        ),
    )


def render(
    settings: Settings, entries: tuple[Entry, ...], now: datetime = NOW, state: DigestState | None = None
) -> RenderedDigest:
    """The digest of ``entries`` at ``now`` after the digests sent in ``state``, as ``publisher digest``."""
    state = state or DigestState()
    window = digest_window(state, now, window_days=settings.digest.window_days)
    selection = select_entries(entries, state, window, settings.digest.max_entries)
    return render_digest(settings, selection, now)
