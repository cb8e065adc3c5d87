"""Write imported entries as ``entries/<yyyy-mm-dd>-<slug>.md`` (YAML front matter + Markdown), once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from publisher.content.scan import entry_files
from publisher.errors import PublisherError
from publisher.importing import decoding
from publisher.importing.model import ImportedEntry
from publisher.output import write_atomic
from publisher.urls import is_absolute_uri

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
        if size > decoding.MAX_BYTES:
            raise decoding.size_error(where, size)
        data = path.read_bytes()
    except IsADirectoryError:
        raise PublisherError(f"{where}: is a directory -> give the press release's text file") from None
    except FileNotFoundError:
        raise PublisherError(f"{where}: no such file -> check the path") from None
    except OSError as exc:
        raise PublisherError(
            f"{where}: cannot read it ({exc.strerror}) -> check the path and permissions"
        ) from None
    if len(data) > decoding.MAX_BYTES:  # it grew since stat()
        raise decoding.size_error(where, len(data))
    return data


def read_stream(stream: BinaryIO, source: str) -> bytes:
    """Read standard input, refusing it after 5 MB without reading the rest ("more than 5 MB")."""
    data = stream.read(decoding.MAX_BYTES + 1)
    if len(data) > decoding.MAX_BYTES:
        raise decoding.size_error(source, None)
    return data


def entry_filename(entry: ImportedEntry) -> str:
    """``<yyyy-mm-dd>-<slug>.md``; an entry without a date cannot be written (the error says what to do)."""
    problem = entry.date_problem
    if entry.date is None and problem is not None:
        raise PublisherError(
            f"{problem.path}:{problem.line}: no date: {problem.message} -> {problem.hint} to write the entry"
        )
    if entry.date is None:
        raise PublisherError(
            f"{entry.source_path}: no date: the text has no dateline (such as 14.05.2024) and no date in its "
            "sentences -> pass --date YYYY-MM-DD to write the entry"
        )
    return f"{entry.date.isoformat()}-{entry.slug}.md"


def front_matter(entry: ImportedEntry) -> dict[str, Any]:
    """Keys in the order editors read them; empty optional keys are left out."""
    data: dict[str, Any] = {"id": entry.id}
    if not is_absolute_uri(entry.id):  # an earlier feed's guid such as "item-17": kept for its readers
        data["legacy_id"] = True
    data["title"] = entry.title
    if entry.subtitle:
        data["subtitle"] = entry.subtitle
    data["date"] = entry.published or entry.date
    if entry.updated and entry.updated != entry.published:
        data["updated"] = entry.updated
    if entry.authors:
        data["authors"] = list(entry.authors)
    if entry.tags:
        data["tags"] = list(entry.tags)
    if entry.summary:
        data["summary"] = entry.summary
    data["lang"] = entry.lang
    if entry.source_url:
        data["source"] = entry.source_url
    if entry.image is not None:
        image = {
            "url": entry.image.url,
            "alt": entry.image.alt,
            "caption": entry.image.caption,
            "credit": entry.image.credit,
        }
        data["image"] = {key: value for key, value in image.items() if value}
    return data


# After ``--force`` with a corrected text the file keeps its old ``id``; this YAML comment (right after
# ``id:``, invisible to the entry's data) records the id of the text it now holds, so that importing that
# text again finds the file.
TEXT_ID_COMMENT = "# text id: {} (publisher import finds this entry by it)"
_TEXT_ID = re.compile(r"^# text id: (\S+)", re.M)


def render_entry(entry: ImportedEntry, text_id: str | None = None) -> bytes:
    """The entry file's exact bytes: ``---`` YAML ``---``, a blank line, the Markdown body.

    ``text_id``: the id of the imported text when the file keeps another ``id`` (``--force``).
    """
    header = yaml.safe_dump(
        front_matter(entry), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100_000
    )
    if text_id and text_id != entry.id:
        first, rest = header.split("\n", 1)
        header = f"{first}\n{TEXT_ID_COMMENT.format(text_id)}\n{rest}"
    body = f"\n{entry.body_markdown}\n" if entry.body_markdown else ""
    return f"---\n{header}---\n{body}".encode()


def read_entry_ids(path: Path) -> tuple[str | None, str | None]:
    """An entry file's (``id``, ``# text id:`` comment); None for what it lacks or what cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None
    if not text.startswith("---\n"):
        return None, None
    end = text.find("\n---", 3)
    if end < 0:
        return None, None
    match = _TEXT_ID.search(text, 4, end)
    text_id = match.group(1) if match else None
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return None, text_id
    value = data.get("id") if isinstance(data, dict) else None
    return (str(value) if value else None), text_id


def read_entry_id(path: Path) -> str | None:
    """The ``id`` in an entry file's front matter, or None when it has none or cannot be read."""
    return read_entry_ids(path)[0]


@dataclass
class EntryIndex:
    """Which entry file holds which id (its ``id`` or its text id), read once per run and kept up to date."""

    entries_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)
    written: dict[Path, str] = field(default_factory=dict)  # path -> id of the text written to it

    @classmethod
    def scan(cls, entries_dir: Path) -> EntryIndex:
        index = cls(entries_dir)
        if entries_dir.is_dir():
            text_ids: dict[str, Path] = {}
            for path in entry_files(entries_dir):
                entry_id, text_id = read_entry_ids(path)
                if entry_id:
                    index.paths.setdefault(entry_id, path)
                if text_id:
                    text_ids.setdefault(text_id, path)
            for text_id, path in text_ids.items():  # an entry's own id wins
                index.paths.setdefault(text_id, path)
        return index


def write_entry(entry: ImportedEntry, index: EntryIndex, force: bool = False) -> WriteResult:
    """Write one imported entry under ``index.entries_dir``.

    The same text again (its id is the file's ``id``, or the file's ``# text id:`` after a forced
    update) finds its existing file and changes nothing; ``force`` rewrites it. A different text
    whose file name is taken is refused unless ``force``, which keeps the existing file's id so that
    readers see an update, not a new entry, and records the text's id in the ``# text id:`` comment.
    """
    existing = index.paths.get(entry.id)
    if existing is not None and not force:
        logger.info("%s: already imported as %s", entry.source_path, existing)
        return WriteResult(existing, read_entry_id(existing) or entry.id, "unchanged")
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
    data = render_entry(replace(entry, id=entry_id), text_id=entry.id)
    status = "updated" if path.exists() else "written"
    if path.exists() and path.read_bytes() == data:
        status = "unchanged"
    else:
        write_atomic(path, data)
    index.paths[entry_id] = path
    index.paths[entry.id] = path
    index.written[path] = entry.id
    return WriteResult(path, entry_id, status)
