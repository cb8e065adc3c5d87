"""The build cache in ``.publisher/cache/``: normalised entries keyed by file content.
Safe to delete; ignored (and rebuilt) when stale or corrupt. (What a build wrote, and from what,
is kept beside the output instead: see ``publisher.output.read_manifest``.)"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from publisher import __version__

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 10
BULK_READ = 2000  # from this many rows on, one scan of the table beats a query per row
CACHE_FILE = "build.sqlite"
CLEAN_MARK = ".closed"  # beside the cache file: how it looked when it was last closed cleanly
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class CacheRow(NamedTuple):
    """One entry file as the cache stores it (``workers.normalise_file`` makes it)."""

    path: str  # relative to the project root
    mtime_ns: int  # 0 when too recent to trust (the content is compared instead)
    size: int
    fingerprint: str  # SHA-256 of the file's bytes
    light: bytes  # the pickled ``Normalised`` without the entry's content_html
    html: str  # the entry's content_html ("" without an entry)
    published: float | None  # POSIX timestamp; None when the file has no publishable entry
    entry_id: str | None
    slug: str | None
    flagged: int  # 1 when the file has problems or removals to report (its result must be loaded)
    explicit_slug: int  # 1 when the front matter sets the slug (it wins a collision)


class IndexRow(NamedTuple):
    """The columns of a ``CacheRow`` that cross-entry checks read, without unpickling anything."""

    path: str
    fingerprint: str
    published: float | None
    entry_id: str | None
    slug: str | None
    flagged: int
    explicit_slug: int


class FileState(NamedTuple):
    """What tells whether a file changed since it was cached: its mtime and size, else its bytes."""

    mtime_ns: int
    size: int
    fingerprint: str  # SHA-256 of its bytes


INDEX_COLUMNS = tuple(c for c in CacheRow._fields if c not in ("light", "html"))
"""The columns of the ``entries`` table: the small ones (the large ones live in tables of their own)."""
_index_values = attrgetter(*INDEX_COLUMNS)


class BuildCache:
    """SQLite-backed; one connection per process. ``context`` invalidates everything when it changes."""

    def __init__(self, directory: Path, context: str) -> None:
        self.path: Path | str = directory / CACHE_FILE
        self.context = f"{__version__}|{SCHEMA_VERSION}|{context}"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if not self._writable():
                raise PermissionError(errno.EACCES, "not writable", str(self.path))
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            logger.warning("cache %s is unreadable (%s); starting a fresh one", self.path, exc)
            try:
                self._discard()
                self.db = self._open()
            except (OSError, sqlite3.DatabaseError) as again:
                self._in_memory(again)
        except OSError as exc:
            self._in_memory(exc)

    def _writable(self) -> bool:
        """Whether this process may change the cache file (and its folder, for the WAL files): a
        read-only checkout or mount is used without the cache, never "repaired" by deleting it."""
        path = Path(self.path)
        return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))

    def _in_memory(self, reason: Exception) -> None:
        # A read-only checkout still builds and checks; it just cannot remember anything.
        logger.warning("cache %s cannot be written (%s); building without it", self.path, reason)
        self.path = ":memory:"
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        checked = self._closed_cleanly()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # disposable: a torn cache is detected and rebuilt
        if not checked:
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        if _value(db.execute("SELECT value FROM meta WHERE key = 'context'")) != self.context:
            # Another version, other rules or settings: start over (the tables may have another shape).
            db.executescript(
                "DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS light; DROP TABLE IF EXISTS html; "
                "DROP TABLE IF EXISTS builds; DROP TABLE IF EXISTS media;"
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('context', ?)", (self.context,))
            db.execute("DELETE FROM meta WHERE key = 'listing'")
        # Small fields and the large ones live apart: the index of every entry (read on each run)
        # then fills a few MB of pages, instead of being spread between the bodies' overflow
        # pages (reading it through 690 MB took 0.5 s at 100,000 entries; 0.1 s apart).
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS entries (
                path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, fingerprint TEXT, published REAL,
                entry_id TEXT, slug TEXT, flagged INTEGER, explicit_slug INTEGER) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS entries_by_slug ON entries (slug);
            CREATE INDEX IF NOT EXISTS entries_by_id ON entries (entry_id);
            CREATE INDEX IF NOT EXISTS entries_by_time ON entries (published, entry_id);
            CREATE INDEX IF NOT EXISTS entries_flagged ON entries (path) WHERE flagged = 1;
            CREATE TABLE IF NOT EXISTS light (path TEXT PRIMARY KEY, light BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS html (path TEXT PRIMARY KEY, html TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS builds (out_dir TEXT PRIMARY KEY, record BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS media (
                path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, fingerprint TEXT) WITHOUT ROWID;
            """
        )
        # A table of the same name but another shape raises here, and the cache is rebuilt.
        db.execute(f"SELECT {', '.join(INDEX_COLUMNS)} FROM entries LIMIT 0").fetchall()
        db.execute("SELECT path, light FROM light LIMIT 0").fetchall()
        db.execute("SELECT path, html FROM html LIMIT 0").fetchall()
        db.execute("SELECT path, mtime_ns, size, fingerprint FROM media LIMIT 0").fetchall()
        return db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, with the write lock taken up front. The connection is in
        autocommit mode (``isolation_level=None``), where ``with self.db:`` begins nothing: each
        row of an ``executemany`` would be its own commit (a cold build of 10,000 entries made
        30,000 commits and wrote 560 MB of WAL frames for a 70 MB cache)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _file_state(self) -> str | None:
        """This boot and the cache file's identity, or None when either is unknown."""
        try:
            boot = BOOT_ID.read_text(encoding="ascii").strip()
            if Path(f"{self.path}-wal").exists():
                return None  # a writer did not close it (a crash leaves its log behind)
            stat = os.stat(self.path)
        except OSError:
            return None
        return f"{boot} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns}"

    def _closed_cleanly(self) -> bool:
        """Whether the file is exactly as this process's predecessor closed it, since the last boot.

        ``PRAGMA quick_check`` reads the whole file (0.7 s at 100,000 entries). It is needed only
        when the file may be torn: synchronous=OFF survives a crash of the process but not of the
        machine, so after a reboot, after an unclean close, or when anything else touched the file
        (its inode, size or mtime differ) the check runs; otherwise it is skipped.
        """
        if self.path == ":memory:":
            return True
        mark = Path(f"{self.path}{CLEAN_MARK}")
        try:
            recorded = mark.read_text(encoding="ascii")
            mark.unlink()  # from now on this process may change the file
        except OSError:
            return False
        state = self._file_state()
        return state is not None and recorded == state

    def _discard(self) -> None:
        if self.path == ":memory:":
            return
        for suffix in ("", "-wal", "-shm", CLEAN_MARK):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        """Close, and note how the file looks now, so that the next process can skip the check."""
        self.db.close()
        if self.path == ":memory:":
            return
        state = self._file_state()
        if state is not None:
            with contextlib.suppress(OSError):  # without the mark, the next process checks the file
                Path(f"{self.path}{CLEAN_MARK}").write_text(state, encoding="ascii")

    def clear(self) -> None:
        """Forget every cached entry and build record (``publisher build --full``)."""
        with self._transaction():
            for table in ("entries", "light", "html", "builds", "media"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM meta WHERE key = 'listing'")

    def last_build(self, out_dir: str) -> bytes | None:
        """What ``remember_build`` stored for this output folder, if anything."""
        record = _value(self.db.execute("SELECT record FROM builds WHERE out_dir = ?", (out_dir,)))
        return None if record is None else bytes(record)

    def remember_build(self, out_dir: str, record: bytes) -> None:
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?)", (out_dir, record))

    def media(self) -> dict[str, FileState]:
        """``{path in out/: state}`` of every media file seen by a build."""
        query = "SELECT path, mtime_ns, size, fingerprint FROM media"
        return {path: FileState(*state) for path, *state in self.db.execute(query)}

    def remember_media(self, states: dict[str, FileState], gone: Iterable[str]) -> None:
        """Store the states of changed media files and forget the ``gone`` paths."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO media VALUES (?, ?, ?, ?)",
                [(path, *state) for path, state in states.items()],
            )
            self.db.executemany("DELETE FROM media WHERE path = ?", [(p,) for p in gone])

    # --- entries ---------------------------------------------------------------------------------

    def listing(self) -> str | None:
        """What ``remember_listing`` last stored (None once anything may have changed since)."""
        key = _value(self.db.execute("SELECT value FROM meta WHERE key = 'listing'"))
        return None if key is None else str(key)

    def remember_listing(self, key: str | None) -> None:
        """Record that the entries table is up to date with the entry files whose listing (paths,
        mtimes, sizes) has this key; None before changing the table.

        Only a shortcut: when the cache cannot be written (a read-only copy, a lock held too long),
        the key is not stored, and the next run compares the files one by one. Forgetting a key
        (None) must succeed, or the table must not be changed: that error is raised.
        """
        try:
            with self._transaction():
                if key is None:
                    self.db.execute("DELETE FROM meta WHERE key = 'listing'")
                else:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('listing', ?)", (key,))
        except sqlite3.DatabaseError as exc:
            if key is None:
                raise
            logger.info(
                "cache %s: listing not recorded (%s); the next run compares every file", self.path, exc
            )

    def fingerprints(self) -> dict[str, str]:
        """``{path: SHA-256 of its bytes}`` of every cached entry file, in path order."""
        return dict(self.db.execute("SELECT path, fingerprint FROM entries ORDER BY path"))

    def stats(self) -> dict[str, FileState]:
        """``{path: state}`` of every cached entry file."""
        query = "SELECT path, mtime_ns, size, fingerprint FROM entries"
        return {path: FileState(*state) for path, *state in self.db.execute(query)}

    def store(self, rows: Iterable[CacheRow]) -> None:
        """The file's identity, the pickled light result, its content HTML, and the few fields
        cross-entry checks need without unpickling anything."""
        rows = list(rows)
        with self._transaction():
            self.db.executemany(
                f"INSERT OR REPLACE INTO entries VALUES ({', '.join('?' * len(INDEX_COLUMNS))})",
                [_index_values(row) for row in rows],
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO light VALUES (?, ?)", [(r.path, r.light) for r in rows]
            )
            self.db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", [(r.path, r.html) for r in rows])

    def touch(self, rows: Iterable[tuple[str, int, int]]) -> None:
        """Record a new mtime for files whose content did not change."""
        with self._transaction():
            self.db.executemany(
                "UPDATE entries SET mtime_ns = ?, size = ? WHERE path = ?", [(m, s, p) for p, m, s in rows]
            )

    def forget(self, paths: Iterable[str]) -> None:
        gone = [(p,) for p in paths]
        with self._transaction():
            for table in ("entries", "light", "html"):
                self.db.executemany(f"DELETE FROM {table} WHERE path = ?", gone)

    def collisions(self) -> list[IndexRow]:
        """The rows that share their slug or their id with another row, in path order: all that the
        cross-entry checks need to see (SQLite finds them through its indexes, so a project of
        100,000 entries does not have to be read into Python for them)."""
        return [
            IndexRow(*row)
            for row in self.db.execute(
                f"SELECT {', '.join(IndexRow._fields)} FROM entries "
                "WHERE slug IN (SELECT slug FROM entries WHERE slug IS NOT NULL "
                "               GROUP BY slug HAVING count(*) > 1) "
                "OR entry_id IN (SELECT entry_id FROM entries WHERE entry_id IS NOT NULL "
                "                GROUP BY entry_id HAVING count(*) > 1) "
                "ORDER BY path"
            )
        ]

    def index(self) -> list[IndexRow]:
        """The row of every publishable entry, in path order (where each entry goes: content/urls.py)."""
        return [
            IndexRow(*row)
            for row in self.db.execute(
                f"SELECT {', '.join(IndexRow._fields)} FROM entries WHERE slug IS NOT NULL ORDER BY path"
            )
        ]

    def slugs(self) -> set[str]:
        """Every slug in use."""
        return {slug for (slug,) in self.db.execute("SELECT slug FROM entries WHERE slug IS NOT NULL")}

    def timeline(
        self, since: float | None = None, until: float | None = None
    ) -> Iterator[tuple[str, float, str]]:
        """``(path, published, id)`` of every publishable entry, newest first (ties: the greater id
        first), optionally only those published between the two POSIX timestamps (inclusive)."""
        query = "SELECT path, published, entry_id FROM entries WHERE published IS NOT NULL"
        bounds: list[float] = []
        if since is not None:
            query += " AND published >= ?"
            bounds.append(since)
        if until is not None:
            query += " AND published <= ?"
            bounds.append(until)
        yield from self.db.execute(query + " ORDER BY published DESC, entry_id DESC", bounds)

    def index_of(self, ids: Iterable[str]) -> list[tuple[str, float, str]]:
        """``(path, published, id)`` of the publishable entries with these ids, in path order."""
        wanted = sorted(set(ids))
        rows: list[tuple[str, float, str]] = []
        for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters is higher
            chunk = wanted[start : start + 500]
            rows += self.db.execute(
                "SELECT path, published, entry_id FROM entries WHERE published IS NOT NULL "
                f"AND entry_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
        return sorted(rows)

    def flagged(self) -> list[str]:
        """Paths of the files whose results must be loaded for their problems or removals."""
        return [path for (path,) in self.db.execute("SELECT path FROM entries WHERE flagged = 1")]

    def light_results(self, paths: Iterable[str] | None = None) -> Iterator[tuple[str, str, object]]:
        """``(path, fingerprint, Normalised without content_html)`` of every (or the given) cached
        entry, in the order of their paths."""
        wanted = None if paths is None else set(paths)
        if wanted is not None and len(wanted) < BULK_READ:
            for path in sorted(wanted):
                row = self.db.execute(
                    "SELECT fingerprint, light FROM entries JOIN light USING (path) WHERE path = ?", (path,)
                ).fetchone()
                if row is not None:
                    fingerprint, blob = row
                    yield path, fingerprint, pickle.loads(blob)
            return
        query = "SELECT path, fingerprint, light FROM entries JOIN light USING (path) ORDER BY path"
        for path, fingerprint, blob in self.db.execute(query):
            if wanted is None or path in wanted:
                yield path, fingerprint, pickle.loads(blob)

    def html(self, path: str) -> str:
        html = _value(self.db.execute("SELECT html FROM html WHERE path = ?", (path,)))
        if html is None:
            raise KeyError(path)
        return str(html)

    @property
    def shareable(self) -> bool:
        """Whether other processes can read this cache (not the in-memory fallback)."""
        return self.path != ":memory:"


def read_html(cache_file: Path, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(path, content html)`` from a cache file, read-only: for worker processes. One read
    transaction for all of them: one snapshot, and one lock instead of one per query."""
    db = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN")
        for path in paths:
            html = _value(db.execute("SELECT html FROM html WHERE path = ?", (path,)))
            if html is None:
                raise KeyError(path)
            yield path, str(html)
    finally:
        db.close()


def _value(cursor: sqlite3.Cursor) -> Any:
    """The one value a query for one column of at most one row found, or None."""
    row = cursor.fetchone()
    if row is None:
        return None
    (value,) = row
    return value
