"""The one Jinja2 environment factory: project templates over the bundled defaults, autoescaped, strict."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

from publisher.config import Settings
from publisher.content.languages import babel_identifier, primary_language
from publisher.errors import Problem, PublisherError
from publisher.render.templatecache import TemplateCache
from publisher.render.wordwrap import wordwrap

ESCAPED_SUFFIXES = (".html", ".htm", ".xml", ".mjml")

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "read_more": "Weiterlesen",
        "newer": "Neuere Einträge",
        "older": "Ältere Einträge",
        "page": "Seite",
        "tags": "Themen",
        "tag": "Thema",
        "by": "Von",
        "published": "Veröffentlicht am",
        "updated": "Aktualisiert am",
        "source": "Quelle",
        "feeds": "Feeds abonnieren",
        "all_entries": "Alle Meldungen",
        "entries_tagged": "Meldungen zum Thema",
        "photo": "Foto",
        "view_in_browser": "Im Browser ansehen",
        "unsubscribe": "Abmelden",
        "greeting": "Hallo",
        "new_entries": "neue Meldungen",
        "new_entry": "neue Meldung",
        "skip": "Zum Inhalt springen",
        "home": "Startseite",
        # web archive (publisher/archive.py)
        "main_nav": "Hauptnavigation",
        "pagination": "Seitennavigation",
        "no_entries": "Noch keine Meldungen.",
        "no_tags": "Noch keine Themen.",
        "entry_one": "Meldung",
        "entry_other": "Meldungen",
        "tag_feeds": "Feeds zu diesem Thema",
        "language_feeds": "Feeds nach Sprache",
        "table": "Tabelle",
        "moved": "Diese Seite ist umgezogen",
        "moved_to": "Sie finden sie jetzt unter",
        "not_found": "Seite nicht gefunden",
        "not_found_text": "Unter dieser Adresse gibt es keine Seite. Vielleicht hilft Ihnen das weiter:",
        "legal_nav": "Rechtliches und Newsletter",
        "imprint": "Impressum",
        "privacy": "Datenschutz",
        "subscribe": "Newsletter abonnieren",
        "quote_open": "„",
        "quote_close": "“",
        # email digest (publisher/digest.py)
        "issue_of": "Ausgabe vom",
        "why_receiving": "Sie erhalten diese E-Mail, weil Sie die Neuigkeiten von {title} abonniert haben.",
        "more_online": "Weitere Meldungen finden Sie online",
        "web_version": "Webversion",
        "preferences": "Einstellungen",
    },
    "en": {
        "read_more": "Read more",
        "newer": "Newer entries",
        "older": "Older entries",
        "page": "Page",
        "tags": "Topics",
        "tag": "Topic",
        "by": "By",
        "published": "Published",
        "updated": "Updated",
        "source": "Source",
        "feeds": "Subscribe to feeds",
        "all_entries": "All entries",
        "entries_tagged": "Entries tagged",
        "photo": "Photo",
        "view_in_browser": "View in browser",
        "unsubscribe": "Unsubscribe",
        "greeting": "Hello",
        "new_entries": "new entries",
        "new_entry": "new entry",
        "skip": "Skip to content",
        "home": "Home",
        # web archive (publisher/archive.py)
        "main_nav": "Main navigation",
        "pagination": "Pagination",
        "no_entries": "No entries yet.",
        "no_tags": "No topics yet.",
        "entry_one": "entry",
        "entry_other": "entries",
        "tag_feeds": "Feeds for this topic",
        "language_feeds": "Feeds by language",
        "table": "Table",
        "moved": "This page has moved",
        "moved_to": "You can find it at",
        "not_found": "Page not found",
        "not_found_text": "There is no page at this address. You may find what you are looking for here:",
        "legal_nav": "Legal and newsletter",
        "imprint": "Imprint",
        "privacy": "Privacy",
        "subscribe": "Subscribe to the newsletter",
        "quote_open": "“",
        "quote_close": "”",
        # email digest (publisher/digest.py)
        "issue_of": "Issue of",
        "why_receiving": "You are receiving this email because you subscribed to the news from {title}.",
        "more_online": "More entries are waiting online",
        "web_version": "Web version",
        "preferences": "Preferences",
    },
}


def labels(lang: str) -> dict[str, str]:
    """UI strings for a language (``de-AT`` gets ``de``'s); unknown languages fall back to English."""
    return LABELS.get(lang) or LABELS.get(primary_language(lang), LABELS["en"])


def format_date(value: datetime, lang: str = "de", fmt: str = "long") -> str:
    """Locale-correct date without the process locale: 'de' -> '14. Mai 2024', 'en' -> 'May 14, 2024'.

    Only the calendar date (in the value's own time zone) matters, so that is the cache key: a
    build formats tens of thousands of dates but only a few thousand distinct days.
    """
    return _format_day(value.date(), lang, fmt)


@lru_cache(maxsize=16384)
def _format_day(day: date, lang: str, fmt: str) -> str:
    # An empty language is left to Babel, which then falls back to the system's LC_TIME.
    return babel_format_date(day, format=fmt, locale=_locale(lang) if lang else lang)


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    """Babel parses a locale given by name on every call; a parsed one is reused as it is.
    ``lang`` is a language tag as entries write it (``de-AT``) or Babel's own name (``de_AT``)."""
    return Locale.parse(babel_identifier(lang))


@lru_cache(maxsize=256)
def language_name(lang: str, in_lang: str) -> str:
    """The name of the language ``lang`` in the language ``in_lang``: ("en", "de") -> "Englisch"."""
    name = _locale(lang).get_display_name(_locale(in_lang))
    return (name[:1].upper() + name[1:]) if name else lang


def format_datetime(value: datetime, lang: str = "de", fmt: str = "medium") -> str:
    return babel_format_datetime(
        value, format=fmt, locale=_locale(lang) if lang else lang, tzinfo=value.tzinfo
    )


def default_templates_dir() -> Path:
    """The bundled templates: the checkout's ``templates/``, or the installed ``publisher.templates``."""
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("publisher.templates")))


def _autoescape(name: str | None) -> bool:
    if name is None:
        return True
    stem = name.removesuffix(".j2")
    return stem.endswith(ESCAPED_SUFFIXES)


BUNDLED = "bundled"
"""Prefix under which the bundled templates stay reachable when a project overrides one:
``{% extends "bundled/base.html.j2" %}`` in a project's base.html.j2 changes a block of the original."""
TEXT_SUFFIXES = (".j2", ".css", ".html", ".htm", ".txt", ".mjml", ".xml")
_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
_SELF_REFERENCE = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+(["'])(?P<name>[^"']+)\1""")


def _check_project_templates(folder: Path, defaults_dir: Path) -> None:
    """Refuse, with file, line and what to do, the two mistakes Jinja reports only as a traceback:
    a template that is not UTF-8, and one that extends (includes, imports) its own name, which
    leads back to itself instead of to the bundled template of that name."""
    if not folder.is_dir() or folder.resolve() == defaults_dir.resolve():
        return
    problems = []
    if (folder / BUNDLED).is_dir():
        problems.append(
            Problem(
                str(folder / BUNDLED),
                f"is never used: {BUNDLED}/NAME always means the bundled template NAME",
                hint="move your templates out of it: a project template replaces the bundled one",
            )
        )
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and path.name.endswith(TEXT_SUFFIXES):
            problems.append(
                Problem(
                    str(path),
                    "is a folder, not a template, so the bundled template of that name would be used",
                    hint="remove the folder, or put the template file there in its place",
                )
            )
            continue
        if not path.is_file() or not path.name.endswith(TEXT_SUFFIXES):
            continue
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    str(path),
                    f"is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
                    line=data.count(b"\n", 0, exc.start) + 1,
                    hint="save the file as UTF-8 (in most editors: 'Save with encoding' -> UTF-8)",
                )
            )
            continue
        code = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)  # keeps the line numbers
        for match in _SELF_REFERENCE.finditer(code):
            if match.group("name") == name:
                problems.append(
                    Problem(
                        str(path),
                        f"uses its own name {name!r}, which leads back to this file, not to the bundled one",
                        line=text.count("\n", 0, match.start()) + 1,
                        hint=f'to build on the bundled template, write {{% extends "{BUNDLED}/{name}" %}}',
                    )
                )
    if problems:
        raise PublisherError(f"{folder}: {len(problems)} template(s) cannot be used", problems)


@lru_cache(maxsize=8)
def _environment(
    templates_dir: Path, defaults_dir: Path, _listing: tuple[object, ...], cache_dir: Path | None = None
) -> Environment:
    _check_project_templates(templates_dir, defaults_dir)
    bundled = FileSystemLoader(str(defaults_dir))
    search: list[BaseLoader] = [FileSystemLoader(str(templates_dir))]
    if defaults_dir.resolve() != templates_dir.resolve():
        search.append(bundled)
    search.append(PrefixLoader({BUNDLED: bundled}))
    env = Environment(
        loader=ChoiceLoader(search),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=TemplateCache(cache_dir) if cache_dir is not None else None,
    )
    env.filters["format_date"] = format_date
    env.filters["format_datetime"] = format_datetime
    env.filters["isoformat"] = lambda value: value.isoformat()
    env.filters["wordwrap"] = wordwrap  # Jinja's filter, same output, faster (the digest's text part)
    env.globals["labels"] = labels
    return env


def template_location(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line of an error raised while rendering (Jinja rewrites the
    traceback's frames to template lines); None when the error did not pass through a template."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def make_environment(settings: Settings) -> Environment:
    """The Jinja environment for a project. ``templates_dir`` wins over the bundled defaults.

    Compiled templates are kept in the project's cache folder (``.publisher/cache/templates-*``):
    compiling the digest's five templates took longer than rendering them.
    """
    templates = settings.templates_dir
    return _environment(templates, default_templates_dir(), _listing(templates), settings.cache_dir)


def _listing(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, mtime and size of every file in a project's templates folder.

    Environments are reused (compiling templates costs more than rendering a page), but a
    long-running process (a notebook, a test, a watcher) must not keep rendering with templates
    compiled before an edit, or before an override was added: any change here means a new one.
    """
    if not folder.is_dir():
        return ()
    found = []
    for path in folder.rglob("*"):
        stat = path.stat()
        if not path.is_dir():
            found.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))
