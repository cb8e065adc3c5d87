"""Write imported entries as ``entries/<yyyy-mm-dd>-<slug>.md`` (YAML front matter + Markdown), once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from publisher import rawtext
from publisher.errors import PublisherError
from publisher.importmodel import ImportedEntry
from publisher.loaders import entry_files
from publisher.output import write_atomic

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteResult:
    path: Path
    id: str
    status: str  # "written" (new file), "updated" (--force), "unchanged" (already imported)


def read_source(path: Path, source: str | None = None) -> bytes:
    """Read an input file, refusing early (before reading it all) when it is over 5 MB.

    Errors name the file as ``source`` (as the editor typed it), else by ``path``.
    """
    where = source or str(path)
    try:
        size = path.stat().st_size
        if size > rawtext.MAX_BYTES:
            raise rawtext.size_error(where, size)
        data = path.read_bytes()
    except IsADirectoryError:
        raise PublisherError(f"{where}: is a directory -> give the press release's text file") from None
    except FileNotFoundError:
        raise PublisherError(f"{where}: no such file -> check the path") from None
    except OSError as exc:
        raise PublisherError(
            f"{where}: cannot read it ({exc.strerror}) -> check the path and permissions"
        ) from None
    if len(data) > rawtext.MAX_BYTES:  # it grew since stat()
        raise rawtext.size_error(where, len(data))
    return data


def read_stream(stream: BinaryIO, source: str) -> bytes:
    """Read standard input, refusing it after 5 MB without reading the rest ("more than 5 MB")."""
    data = stream.read(rawtext.MAX_BYTES + 1)
    if len(data) > rawtext.MAX_BYTES:
        raise rawtext.size_error(source, None)
    return data


def entry_filename(entry: ImportedEntry) -> str:
    """``<yyyy-mm-dd>-<slug>.md``; an entry without a date cannot be written (the error says what to do)."""
    if entry.date is None:
        raise PublisherError(
            f"{entry.source_path}: no date: the text has no dateline (such as 14.05.2024) and no date in its "
            "sentences -> pass --date YYYY-MM-DD to write the entry"
        )
    return f"{entry.date.isoformat()}-{entry.slug}.md"


def front_matter(entry: ImportedEntry) -> dict[str, Any]:
    """Keys in the order editors read them; empty optional keys are left out."""
    data: dict[str, Any] = {"id": entry.id, "title": entry.title}
    if entry.subtitle:
        data["subtitle"] = entry.subtitle
    data["date"] = entry.date
    if entry.authors:
        data["authors"] = list(entry.authors)
    if entry.tags:
        data["tags"] = list(entry.tags)
    data["lang"] = entry.lang
    if entry.source_url:
        data["source"] = entry.source_url
    if entry.image is not None:
        image = {"alt": entry.image.alt, "caption": entry.image.caption, "credit": entry.image.credit}
        data["image"] = {key: value for key, value in image.items() if value}
    return data


def render_entry(entry: ImportedEntry) -> bytes:
    """The entry file's exact bytes: ``---`` YAML ``---``, a blank line, the Markdown body."""
    header = yaml.safe_dump(
        front_matter(entry), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100_000
    )
    body = f"\n{entry.body_markdown}\n" if entry.body_markdown else ""
    return f"---\n{header}---\n{body}".encode()


def read_entry_id(path: Path) -> str | None:
    """The ``id`` in an entry file's front matter, or None when it has none or cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if value else None


@dataclass
class EntryIndex:
    """Which entry file holds which id, read once per run and kept up to date as files are written."""

    entries_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)
    written: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def scan(cls, entries_dir: Path) -> EntryIndex:
        index = cls(entries_dir)
        if entries_dir.is_dir():
            for path in entry_files(entries_dir):
                entry_id = read_entry_id(path)
                if entry_id:
                    index.paths.setdefault(entry_id, path)
        return index


def write_entry(entry: ImportedEntry, index: EntryIndex, force: bool = False) -> WriteResult:
    """Write one imported entry under ``index.entries_dir``.

    The same text again (same id) finds its existing file and changes nothing; ``force`` rewrites
    it. A different text whose file name is taken is refused unless ``force``, which keeps the
    existing file's id so that readers see an update, not a new entry.
    """
    existing = index.paths.get(entry.id)
    if existing is not None and not force:
        logger.info("%s: already imported as %s", entry.source_path, existing)
        return WriteResult(existing, entry.id, "unchanged")
    filename = entry_filename(entry)
    path = existing or index.entries_dir / filename
    entry_id = entry.id
    if path.exists():
        if path in index.written and index.written[path] != entry.id:
            raise PublisherError(
                f"{entry.source_path}: gives the same file as another input of this run ({path}) "
                "-> import it on its own, with another --date, or change its title"
            )
        current = read_entry_id(path)
        if current != entry.id and not force:
            raise PublisherError(
                f"{path}: already exists and holds another entry (id {current or 'none'}) "
                f"-> pass --force to overwrite it with {entry.source_path} (its id is kept)"
            )
        entry_id = current or entry.id
    data = render_entry(replace(entry, id=entry_id))
    status = "updated" if path.exists() else "written"
    if path.exists() and path.read_bytes() == data:
        status = "unchanged"
    else:
        write_atomic(path, data)
    index.paths[entry_id] = path
    index.written[path] = entry_id
    return WriteResult(path, entry_id, status)
