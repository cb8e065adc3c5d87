"""The build cache in ``.publisher/cache/``: normalised entries keyed by file content, and the
fingerprint of every output file written. Safe to delete; ignored (and rebuilt) when stale or corrupt."""

from __future__ import annotations

import logging
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from publisher import __version__

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
CACHE_FILE = "build.sqlite"


class BuildCache:
    """SQLite-backed; one connection per process. ``context`` invalidates everything when it changes."""

    def __init__(self, directory: Path, context: str) -> None:
        self.path: Path | str = directory / CACHE_FILE
        self.context = f"{__version__}|{SCHEMA_VERSION}|{context}"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            logger.warning("cache %s is unreadable (%s); starting a fresh one", self.path, exc)
            self._discard()
            self.db = self._open()
        except OSError as exc:
            # A read-only checkout still builds and checks; it just cannot remember anything.
            logger.warning("cache %s cannot be written (%s); building without it", self.path, exc)
            self.path = ":memory:"
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # disposable: a torn cache is detected and rebuilt
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = db.execute("SELECT value FROM meta WHERE key = 'context'").fetchone()
        if row is None or row[0] != self.context:
            # Another version or site context: start over (the tables may have another shape).
            db.executescript("DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS outputs;")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('context', ?)", (self.context,))
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS entries (
                path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, digest TEXT, light BLOB, html TEXT);
            CREATE TABLE IF NOT EXISTS outputs (
                out TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (out, path));
            """
        )
        # A table of the same name but another shape raises here, and the cache is rebuilt.
        db.execute("SELECT path, mtime_ns, size, digest, light, html FROM entries LIMIT 0").fetchall()
        db.execute("SELECT out, path, key FROM outputs LIMIT 0").fetchall()
        return db

    def _discard(self) -> None:
        if self.path == ":memory:":
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        self.db.close()

    # --- entries ---------------------------------------------------------------------------------

    def stats(self) -> dict[str, tuple[int, int, str]]:
        """``{path: (mtime_ns, size, digest)}`` of every cached entry file."""
        return {
            p: (m, s, d) for p, m, s, d in self.db.execute("SELECT path, mtime_ns, size, digest FROM entries")
        }

    def store(self, rows: Iterable[tuple[str, int, int, str, bytes, str]]) -> None:
        """Rows of ``(path, mtime_ns, size, digest, pickled light result, content html)``."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?)", rows)

    def touch(self, rows: Iterable[tuple[str, int, int]]) -> None:
        """Record a new mtime for files whose content did not change."""
        with self.db:
            self.db.executemany(
                "UPDATE entries SET mtime_ns = ?, size = ? WHERE path = ?", [(m, s, p) for p, m, s in rows]
            )

    def forget(self, paths: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("DELETE FROM entries WHERE path = ?", [(p,) for p in paths])

    def light_results(self) -> Iterator[tuple[str, str, object]]:
        """``(path, digest, Normalised without content_html)`` of every cached entry."""
        for path, digest, blob in self.db.execute("SELECT path, digest, light FROM entries ORDER BY path"):
            yield path, digest, pickle.loads(blob)

    def html(self, path: str) -> str:
        row = self.db.execute("SELECT html FROM entries WHERE path = ?", (path,)).fetchone()
        if row is None:
            raise KeyError(path)
        return row[0]

    # --- outputs ---------------------------------------------------------------------------------

    # Output keys are kept per output folder: ``build --out preview`` must not make out/ look current.

    def output_keys(self, out: Path) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, key FROM outputs WHERE out = ?", (str(out),)))

    def invalidate_outputs(self, out: Path, paths: Iterable[str]) -> None:
        """Forget the keys of files about to be rewritten or deleted, so that a build that crashes
        half-way is not mistaken for a finished one (their paths stay known for stale-file removal)."""
        with self.db:
            self.db.executemany(
                "UPDATE outputs SET key = '' WHERE out = ? AND path = ?", [(str(out), p) for p in paths]
            )

    def replace_outputs(self, out: Path, keys: dict[str, str]) -> None:
        with self.db:
            self.db.execute("DELETE FROM outputs WHERE out = ?", (str(out),))
            self.db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?)", [(str(out), p, k) for p, k in sorted(keys.items())]
            )

    @property
    def shareable(self) -> bool:
        """Whether other processes can read this cache (not the in-memory fallback)."""
        return self.path != ":memory:"


def read_html(cache_file: Path, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(path, content html)`` from a cache file, read-only: for worker processes."""
    db = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True, timeout=30)
    try:
        for path in paths:
            row = db.execute("SELECT html FROM entries WHERE path = ?", (path,)).fetchone()
            if row is None:
                raise KeyError(path)
            yield path, row[0]
    finally:
        db.close()
