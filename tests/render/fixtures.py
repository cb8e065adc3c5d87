"""Entry and Settings factories for the web-archive tests (built directly, no loader involved)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from publisher.config import Settings
from publisher.model import Author, Entry, Image, Tag, newest_first
from publisher.output import write_if_changed
from publisher.render.archive import (
    STYLESHEET,
    TAGS_INDEX,
    entry_page,
    list_pages,
    stylesheet,
    tag_counts,
    tags_page,
)

BERLIN = ZoneInfo("Europe/Berlin")
BASE_URL = "https://news.example.org/archiv/"
# Escaping traps: umlauts, German quotes, < and & (and something that looks like an entity).
TRICKY_TITLE = "„Grüße“ aus Köln: Äpfel & <Birnen> für 5 &lt; 6"
LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
LONG_URL = "https://www.example.org/" + "sehr-langer-pfad-ohne-umbruch/" * 6 + "index.html?utm=ja&x=1"
# Sanitised HTML as normalise.py would produce it: absolute links, entities already escaped once.
CONTENT_HTML = (
    "<p>Die <strong>Stadtwerke</strong> melden: Preise &amp; Tarife steigen um 5&nbsp;% "
    f"&lt;nicht&gt; mehr. {LONG_WORD}.</p>\n"
    f'<p>Mehr unter <a href="{LONG_URL.replace("&", "&amp;")}">{LONG_URL.replace("&", "&amp;")}</a>.</p>\n'
    "<blockquote><p>„Wir bedauern das“, sagte die Sprecherin.</p></blockquote>\n"
    "<pre><code>curl https://news.example.org/archiv/feed.json | jq '.items[0].title'</code></pre>"
)

UMWELT = Tag("Umwelt & Natur", "umwelt-natur")
KOELN = Tag("Köln", "koeln")
ENGLISH = Tag("English", "english")


def make_settings(root: Path, **overrides: Any) -> Settings:
    """Settings as parse_settings would build them; templates_dir is ``root/templates`` (may not exist)."""
    values: dict[str, Any] = {
        "title": "Stadtnachrichten <Köln> & Umgebung",
        "base_url": BASE_URL,
        "root": root,
        "description": "Meldungen der „Stadt“ – unabhängig & aktuell",
        "language": "de",
        "page_size": 20,
        "entries_dir": root / "entries",
        "templates_dir": root / "templates",
        "out_dir": root / "out",
    }
    values.update(overrides)
    return Settings(**values)


def make_entry(n: int = 1, **overrides: Any) -> Entry:
    """Entry number ``n``; higher numbers are newer (published n hours after a fixed start)."""
    published = datetime(2024, 3, 30, 9, 0, tzinfo=BERLIN) + timedelta(hours=n)
    slug = overrides.pop("slug", f"meldung-{n:05d}")
    values: dict[str, Any] = {
        "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "title": f"Meldung {n}: {TRICKY_TITLE}",
        "slug": slug,
        "path": f"posts/{slug}.html",
        "url": f"{BASE_URL}posts/{slug}.html",
        "published": published,
        "updated": published,
        "lang": "de",
        "content_html": CONTENT_HTML,
        "summary": f"Zusammenfassung {n}: Grüße & <Gruß> – {LONG_WORD}",
        "tags": (UMWELT, KOELN) if n % 2 else (KOELN,),
    }
    values.update(overrides)
    return Entry(**values)


def full_entry() -> Entry:
    """One entry with every optional field set (the golden entry page)."""
    return make_entry(
        7,
        subtitle="Untertitel mit „Anführungszeichen“ & <Spitzen>",
        authors=(
            Author("Erika Müller", "erika@example.org", "https://example.org/erika"),
            Author("Jörg Ähm"),
        ),
        image=Image(
            url="https://news.example.org/archiv/bilder/rhein.jpg",
            alt="Der Rhein bei Köln im Abendlicht",
            caption="Blick über den Rhein & die Altstadt",
            credit="Max Mustermann / „Stadtbild“",
            width=1200,
            height=800,
            mime_type="image/jpeg",
        ),
        source_url=LONG_URL,
        updated=datetime(2024, 4, 2, 16, 30, tzinfo=BERLIN),
    )


def english_entry(n: int = 3) -> Entry:
    return make_entry(
        n,
        slug=f"entry-{n}",
        title=f"Entry {n}: Apples & <Pears>",
        lang="en",
        tags=(ENGLISH,),
        summary="In English.",
    )


def lightweight(entry: Entry) -> Entry:
    """What the build passes to list pages: no content."""
    return replace(entry, content_html="")


def many_entries(count: int) -> list[Entry]:
    """``count`` entries, newest first."""
    return [make_entry(n) for n in range(count, 0, -1)]


def render_archive(entries: Sequence[Entry], settings: Settings, env: Environment) -> dict[str, bytes]:
    """The whole archive at once, ``{path: bytes}``: every page plus ``style.css``, made of the page
    functions the build calls one job at a time."""
    ordered = newest_first(tuple(entries))
    languages = sorted({e.lang for e in ordered})  # as the build gives every page (each has feeds)
    files = {entry.path: entry_page(entry, settings, env, languages) for entry in ordered}
    files.update(list_pages(ordered, settings, env, kind="index", languages=languages))
    counts = tag_counts(ordered)
    for tag, _ in counts:
        tagged = [e for e in ordered if any(t.slug == tag.slug for t in e.tags)]
        files.update(list_pages(tagged, settings, env, kind="tag", tag=tag, languages=languages))
    files[TAGS_INDEX] = tags_page(counts, settings, env, languages)
    files[STYLESHEET] = stylesheet(env)
    return dict(sorted(files.items()))


def write_all(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write every ``{relative path: bytes}`` under ``out_dir``."""
    for relative, data in files.items():
        write_if_changed(out_dir / relative, data)
