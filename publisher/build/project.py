"""Edits to a project's own files: scaffold a project (``init``) or an entry (``new``), write missing
ids and slugs (``check --fix-ids``)."""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.config import CONFIG_NAME, Settings, key_lines, parse_settings
from publisher.content.dates import parse_when
from publisher.content.generators import translate
from publisher.content.ids import fallback_id, mint_id
from publisher.content.languages import known_language
from publisher.content.load import load_site
from publisher.content.loaders import parse_entry
from publisher.content.scan import scan_entry_files
from publisher.content.slugs import slugify
from publisher.errors import Problem, PublisherError
from publisher.output import write_atomic, write_new
from publisher.render.templating import default_templates_dir

CONFIG_TEMPLATE = """\
# publisher configuration; every key is documented in docs/configuration.md.
title = {title}
base_url = {base_url}
description = "Neuigkeiten aus unserem Netzwerk"
language = "de"
timezone = "Europe/Berlin"
author = "Redaktion"
feed_limit = 50
page_size = 20

[digest]
window_days = 7
intro = "Die wichtigsten Meldungen der letzten Tage."
sender_address = "Musterstraße 1, 12345 Musterstadt"
"""

EXAMPLE_ENTRY = """\
---
id: {id}
title: Willkommen bei publisher
date: {date}
draft: true
authors: [Redaktion]
tags: [Intern]
lang: de
summary: Der erste Eintrag dieses Projekts.
---
Dies ist der erste Eintrag. Schreiben Sie Meldungen als Markdown-Dateien in `entries/`
und veröffentlichen Sie sie mit `publisher build`.

## So geht es weiter

- `publisher check` prüft alle Einträge,
- `publisher build` schreibt Feeds und Archiv nach `out/`,
- `publisher digest` erstellt den E-Mail-Newsletter.
"""


INIT_OPTIONS = {
    "title": ("--title", 'give the site a title: --title "Cluster-Nachrichten"'),
    "base_url": ("--base-url", "give the URL the site is served at: --base-url https://news.example.org/"),
}


def _as_option(problem: Problem) -> Problem:
    """A problem with the configuration init would write, told as one with the option it came from."""
    option, hint = INIT_OPTIONS.get(problem.field or "", (problem.field, problem.hint))
    return replace(problem, path="publisher init", line=None, field=option, hint=hint)


def init_project(directory: Path, title: str, base_url: str, now: datetime) -> list[Path]:
    """Create publisher.toml, entries/ with one example and templates/ (a copy of the defaults to edit)."""
    config = directory / CONFIG_NAME
    if config.exists():
        raise PublisherError(f"{config}: a project already exists here -> choose an empty folder")
    # json.dumps gives a valid TOML basic string: quotes, backslashes and control characters escaped.
    text = CONFIG_TEMPLATE.format(title=json.dumps(title, ensure_ascii=False), base_url=json.dumps(base_url))
    try:
        parse_settings(tomllib.loads(text), directory, config, key_lines(text))
    except PublisherError as exc:  # a bad --title or --base-url: nothing is made
        raise PublisherError(
            "publisher init: the project was not created", [_as_option(p) for p in exc.problems]
        ) from None
    directory.mkdir(parents=True, exist_ok=True)
    created = [config]
    write_atomic(config, text.encode("utf-8"))
    day = now.date().isoformat()
    entry = directory / "entries" / f"{day}-willkommen.md"
    write_atomic(entry, EXAMPLE_ENTRY.format(id=mint_id(), date=day).encode("utf-8"))
    created.append(entry)
    templates = directory / "templates"
    shutil.copytree(default_templates_dir(), templates, dirs_exist_ok=True)
    created.append(templates)
    return created


def fix_ids(settings: Settings) -> list[str]:
    """Write an ``id:`` line into every entry that has none; return the files changed.

    The id written is exactly the fallback id the entry was already published under, so feed
    readers see no change. Files with broken front matter are left alone (``check`` reports them).
    """
    changed = []
    tz = ZoneInfo(settings.timezone)
    # The same names as a build gives the files (also for an entries_dir outside the project),
    # so that the id written is the fallback id the build published.
    for found in scan_entry_files(settings.entries_dir, settings.root, settings.not_entries):
        file, relative = Path(found.path), found.relative
        data = file.read_bytes()
        source, _ = parse_entry(data, relative)
        meta = None if source is None else translate(source.metadata, settings.base_url)
        if source is None or meta is None or "id" in meta or meta.get("date") is None:
            continue
        try:
            published = parse_when(meta["date"], tz)
        except ValueError:
            continue
        if _add_line(file, relative, data, "id", fallback_id(relative, published)):
            changed.append(relative)
    return changed


def fix_slugs(settings: Settings) -> list[tuple[str, str]]:
    """Write a ``slug:`` line into every published entry that has none: the slug of the address
    it has now (from the address record, see content/urls.py), so that the address stays even
    where the record is lost and whatever the title becomes. Returns ``(file, slug)`` written."""
    site = load_site(settings)
    try:
        slugs = {entry.source_path: entry.slug for entry in site.entries}
    finally:
        site.close()
    changed = []
    for found in scan_entry_files(settings.entries_dir, settings.root, settings.not_entries):
        file, relative = Path(found.path), found.relative
        slug = slugs.get(relative)
        if slug is None:
            continue
        data = file.read_bytes()
        source, _ = parse_entry(data, relative)
        if source is None or "slug" in translate(source.metadata, settings.base_url):
            continue
        if _add_line(file, relative, data, "slug", slug):
            changed.append((relative, slug))
    return changed


def _add_line(file: Path, relative: str, data: bytes, key: str, value: str) -> bool:
    """Put ``key: value`` at the top of the front matter (a slug after the id; ``key = "value"`` in
    Hugo's TOML front matter; first among Pelican's ``Key: value`` lines), if the file then reads as
    before plus that key (a front matter written as one flow mapping, ``{title: …, date: …}``,
    cannot take a line: it is left alone)."""
    source, _ = parse_entry(data, relative)
    assert source is not None
    text = data.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    toml = text.startswith("+++")
    at = text.index("\n") + 1 if text.startswith(("---", "+++")) else 0
    if key != "id" and text.startswith("id = " if toml else "id:", at):  # after the id --fix-ids writes
        at = text.index("\n", at) + 1
    line = f"{key} = {json.dumps(value)}" if toml else f"{key}: {value}"
    new_text = f"{text[:at]}{line}{newline}{text[at:]}"
    fixed, _ = parse_entry(new_text.encode("utf-8"), relative)
    if fixed is None or fixed.metadata != {key: value, **source.metadata}:
        return False
    write_atomic(file, new_text.encode("utf-8"))
    return True


NEW_ENTRY = """\
---
id: {id}
title: {title}
subtitle: ""
date: {date}  # publication time ({timezone}); a later one schedules the entry
draft: true  # remove this line to publish the entry
lang: {lang}
authors: []
tags: {tags}
summary: ""  # empty: the first paragraph
# image: {{url: media/bild.jpg, alt: "", credit: ""}}
# source: https://www.example.org/presse/1
---

"""


def new_entry(
    settings: Settings, title: str, now: datetime, lang: str | None = None, tags: tuple[str, ...] = ()
) -> Path:
    """Write ``entries/YYYY/YYYY-MM-DD-slug.md``: a draft with a new id, ``now`` (in the site's time
    zone) as its date and every front-matter field to fill in. Never replaces a file."""
    title = " ".join(title.split())
    if not title:
        raise PublisherError("publisher new: the title is empty -> give the entry's title in quotes")
    lang = lang or settings.language
    if not known_language(lang):
        raise PublisherError(
            f"publisher new: --lang {lang!r} is not a language code this site can show dates in "
            "-> use a code such as de, en, de-AT or en-GB"
        )
    local = now.astimezone(settings.tz)
    day = local.date().isoformat()
    path = settings.entries_dir / f"{local.year:04d}" / f"{day}-{slugify(title, lang)}.md"
    # JSON strings are YAML strings: quotes, colons and backslashes in a title are safe as they are.
    text = NEW_ENTRY.format(
        id=mint_id(),
        title=json.dumps(title, ensure_ascii=False),
        date=local.strftime("%Y-%m-%d %H:%M"),
        timezone=settings.timezone,
        lang=lang,
        tags="[" + ", ".join(json.dumps(" ".join(t.split()), ensure_ascii=False) for t in tags) + "]",
    )
    try:
        write_new(path, text.encode("utf-8"))
    except FileExistsError:
        shown = path.relative_to(settings.root) if path.is_relative_to(settings.root) else path
        raise PublisherError(
            f"{shown}: already exists -> edit that entry, or give the new one another title"
        ) from None
    return path
