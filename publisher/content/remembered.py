"""What a long-running process (the preview) keeps between loads of the site, and the loading steps
that go through it: the entry files as listed, the address record as read, the normalised results
as unpickled. Each step works without it too (``remembered=None``), as a one-off build does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from publisher.config import Settings
from publisher.content.cache import BuildCache
from publisher.content.scan import EntryFile, rescan, scan_entry_files
from publisher.content.urls import RECORD, UrlRecord, read_record


class Remembered:
    """The normalised results a long-running process (the preview) has read from the cache, kept
    for its next load: only the files whose fingerprint changed are read and unpickled again
    (unpickling 10,000 entries took 0.3 s of every build). Forgotten when the cache's context (the
    rules or the settings normalisation reads) changes."""

    __slots__ = ("context", "listing", "record", "results", "touched")

    def __init__(self) -> None:
        self.context = ""
        self.results: dict[str, tuple[str, object]] = {}  # path -> (fingerprint, Normalised)
        # the address record as last read, with its file's (inode, mtime, size): reading and
        # parsing it took 0.12 s of every build at 10,000 entries
        self.record: tuple[tuple[int, int, int], UrlRecord] | None = None
        # The entry files as last listed (and where from), and the files changed since (absolute
        # paths, as ``EntryFile.path``): filled in by whoever is told of every change (the preview's
        # watcher); None when that is not known, and the next load lists the folders again.
        self.listing: tuple[tuple[Path, Path, tuple[Path, ...]], list[EntryFile]] | None = None
        self.touched: set[str] | None = None


def remembered_record(out_dir: Path, remembered: Remembered | None) -> UrlRecord:
    """``urls.read_record``, through ``remembered`` when there is one: read again only when the file
    was replaced (a build writes it atomically, so a new version is a new inode)."""
    if remembered is None:
        return read_record(out_dir)
    try:
        stat = (out_dir / RECORD).stat()
    except OSError:
        remembered.record = None
        return read_record(out_dir)
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if remembered.record is not None and remembered.record[0] == stamp:
        return remembered.record[1]
    record = read_record(out_dir)
    remembered.record = (stamp, record)
    return record


def remembered_results(
    cache: BuildCache, wanted: list[str] | None, remembered: Remembered | None
) -> Iterator[tuple[str, str, object]]:
    """``BuildCache.light_results``, through ``remembered`` when there is one."""
    if remembered is None:
        yield from cache.light_results(wanted)
        return
    if remembered.context != cache.context:
        remembered.context, remembered.results = cache.context, {}
    known = remembered.results
    fingerprints = cache.fingerprints()
    paths = list(fingerprints) if wanted is None else sorted(p for p in set(wanted) if p in fingerprints)
    stale = [p for p in paths if known.get(p, ("",))[0] != fingerprints[p] or not fingerprints[p]]
    if stale:
        known.update((path, (fp, result)) for path, fp, result in cache.light_results(stale))
    for gone in set(known) - set(fingerprints):
        del known[gone]
    for path in paths:
        if path in known:
            fingerprint, result = known[path]
            yield path, fingerprint, result


def remembered_files(settings: Settings, remembered: Remembered | None) -> list[EntryFile]:
    """``scan_entry_files``, or the remembered listing with the files it was told of looked at again."""
    files = None
    if remembered is not None and remembered.listing is not None and remembered.touched is not None:
        where, known = remembered.listing
        if where == (settings.entries_dir, settings.root, settings.not_entries):
            files = rescan(known, remembered.touched)
    if files is None:
        files = scan_entry_files(settings.entries_dir, settings.root, settings.not_entries)
    if remembered is not None:
        remembered.listing = ((settings.entries_dir, settings.root, settings.not_entries), files)
        remembered.touched = set()
    return files
