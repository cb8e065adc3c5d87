"""Edits to a project's own files: scaffold a project (``init``), write missing ids and slugs
(``check --fix-ids``)."""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.config import CONFIG_NAME, Settings, key_lines, parse_settings
from publisher.content.ids import fallback_id, mint_id
from publisher.content.load import load_site
from publisher.content.loaders import parse_entry, scan_entry_files
from publisher.content.normalise import parse_when
from publisher.errors import Problem, PublisherError
from publisher.output import write_atomic
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
        if source is None or "id" in source.metadata or source.metadata.get("date") is None:
            continue
        try:
            published = parse_when(source.metadata["date"], tz)
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
        if source is None or "slug" in source.metadata:
            continue
        if _add_line(file, relative, data, "slug", slug):
            changed.append((relative, slug))
    return changed


def _add_line(file: Path, relative: str, data: bytes, key: str, value: str) -> bool:
    """Put ``key: value`` at the top of the front matter (a slug after the id), if the file then
    reads as before plus that key (a front matter written as one flow mapping, ``{title: …,
    date: …}``, cannot take a line: it is left alone)."""
    source, _ = parse_entry(data, relative)
    assert source is not None
    text = data.decode("utf-8-sig")
    newline = "\r\n" if text.startswith("---\r\n") else "\n"
    at = text.index("\n") + 1
    if key != "id" and text.startswith("id:", at):  # after the id, which --fix-ids writes first
        at = text.index("\n", at) + 1
    new_text = f"{text[:at]}{key}: {value}{newline}{text[at:]}"
    fixed, _ = parse_entry(new_text.encode("utf-8"), relative)
    if fixed is None or fixed.metadata != {key: value, **source.metadata}:
        return False
    write_atomic(file, new_text.encode("utf-8"))
    return True
