"""Import several inputs in one run: each is read, imported and written on its own, so that one bad
input is reported and the others still land."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from publisher.errors import PublisherError
from publisher.importing.feed import feed_entries, parse_feed, read_feed_source
from publisher.importing.files import EntryIndex, entry_filename, read_source, read_stream, write_entry
from publisher.importing.importer import ImportOptions, import_bytes
from publisher.importing.model import ImportedEntry

STDIN = "<stdin>"


@dataclass(frozen=True, slots=True)
class ImportInput:
    """One input: its name as the editor gave it, and how to read its bytes."""

    source: str
    read: Callable[[], bytes]

    @classmethod
    def file(cls, source: str, locate: Callable[[str], Path]) -> ImportInput:
        """A file named ``source``; ``locate`` turns the name into a path (and may refuse it)."""
        return cls(source, lambda: read_source(locate(source), source))

    @classmethod
    def stream(cls, stream: BinaryIO) -> ImportInput:
        return cls(STDIN, lambda: read_stream(stream, STDIN))


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What became of one input: the entry and where it went (or would go), or the error (with the
    entry too when the text was imported but could not be written, e.g. for want of a date)."""

    source: str
    entry: ImportedEntry | None = None
    path: Path | None = None
    entry_id: str | None = None
    status: str | None = None  # "written", "updated", "unchanged"; None for a dry run or an error
    error: PublisherError | None = None

    def as_json(self, explain: bool, shown: Callable[[Path], str]) -> dict[str, object]:
        if self.entry is None or self.error is not None:
            return {"source_path": self.source, "error": str(self.error)}
        record = self.entry.as_json(explain=explain)
        record["path"] = shown(self.path) if self.path else None
        if self.status is not None:
            record.update(id=self.entry_id, status=self.status)
        return record


def import_inputs(
    inputs: Iterable[ImportInput],
    options: ImportOptions,
    entries_dir: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> Iterator[ImportOutcome]:
    """Import each input in turn and write it to ``entries_dir`` (unless ``dry_run``), yielding its
    outcome as soon as it is known, so that a caller can report progress input by input."""
    index = None if dry_run else EntryIndex.scan(entries_dir)
    for item in inputs:
        entry = None
        try:
            entry = import_bytes(item.read(), item.source, options)
            if index is None:
                target = entries_dir / entry_filename(entry) if entry.date else None
                yield ImportOutcome(item.source, entry, target)
            else:
                result = write_entry(entry, index, force=force)
                yield ImportOutcome(item.source, entry, result.path, result.id, result.status)
        except PublisherError as exc:
            yield ImportOutcome(item.source, entry, error=exc)


def import_feed(
    source: str,
    options: ImportOptions,
    entries_dir: Path,
    *,
    locate: Callable[[str], Path] = Path,
    dry_run: bool = False,
    force: bool = False,
) -> Iterator[ImportOutcome]:
    """Import every item of the RSS, Atom or JSON feed at ``source`` (a file or an http(s) URL).

    Each item keeps its guid/id as the entry's id, so a reader that switches to the new feed sees
    no item twice; importing the same feed again changes nothing (the ids are found).
    """
    items = parse_feed(read_feed_source(source, locate), source)
    index = None if dry_run else EntryIndex.scan(entries_dir)
    for item, entry, error in feed_entries(items, source, options):
        name = f"{source} [{item.id or item.title}]"
        if entry is None:
            yield ImportOutcome(name, error=error)
            continue
        try:
            if index is None:
                yield ImportOutcome(name, entry, entries_dir / entry_filename(entry))
            else:
                result = write_entry(entry, index, force=force)
                yield ImportOutcome(name, entry, result.path, result.id, result.status)
        except PublisherError as exc:
            yield ImportOutcome(name, entry, error=exc)
