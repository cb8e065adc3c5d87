"""The subscriber database (SQLite, WAL): opening it, migrating its schema, and write transactions.

Each table's schema lives beside its queries (``subscribers.MIGRATIONS``, ``deliveries.MIGRATIONS``:
the statements each schema version adds); ``PRAGMA user_version`` says how many versions have run.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError

logger = logging.getLogger(__name__)

# What to do about each kind of SQLite failure (by the primary result code's name).
_HINTS = {
    "SQLITE_READONLY": "the file is read-only for this user -> give the user publisher runs as write access "
    "to it and to its folder (SQLite writes -wal and -shm files beside it)",
    "SQLITE_CANTOPEN": "the file cannot be opened -> check that its folder exists and that this user may "
    "read and write there",
    "SQLITE_CORRUPT": "the file is damaged -> restore it from a backup (see the backups section of "
    "docs/operations.md), or point [smtp] database at another file",
    "SQLITE_NOTADB": "the file is not an SQLite database -> restore it from a backup, or point [smtp] "
    "database at another file",
    "SQLITE_FULL": "the disk is full -> free some space and run the command again",
    "SQLITE_IOERR": "the system could not read or write the file -> check the disk (full or failing?) and "
    "run the command again",
    "SQLITE_BUSY": "another program has held the database locked for too long -> wait for it (a running "
    "'publisher send'?) and try again",
    "SQLITE_LOCKED": "another program has held the database locked for too long -> wait for it and try again",
}


class StoreError(PublisherError):
    """The subscriber database failed (read-only, damaged, full, locked): never a traceback.

    The web app answers these with 503 (the visitor may try again later)."""


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    name = getattr(exc, "sqlite_errorname", "") or ""
    primary = next((key for key in _HINTS if name == key or name.startswith(key + "_")), "")
    if not primary and "malformed" in str(exc):
        primary = "SQLITE_CORRUPT"
    hint = _HINTS.get(primary, "check the file, and restore it from a backup if it is damaged")
    return StoreError(f"{path}: the subscriber database failed ({exc}): {hint}")


class _Cursor(sqlite3.Cursor):
    """Rows are read lazily: a damaged page may only show while fetching."""

    path: Path

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None


class StoreConnection(sqlite3.Connection):
    """An SQLite connection whose failures are StoreErrors naming the file and what to do."""

    path: Path = Path("publisher.db")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        cursor = self.cursor(_Cursor)
        cursor.path = self.path
        try:
            return cursor.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        cursor = self.cursor(_Cursor)
        cursor.path = self.path
        try:
            return cursor.executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None


def migrations() -> tuple[tuple[str, ...], ...]:
    """The statements of every schema version, oldest first: per version the subscribers table's
    steps, then those of the deliveries, consent_events, suppressions and rate_events tables."""
    # they import ``transaction`` from here
    from publisher.mail import consent, deliveries, ratelimit, subscribers, suppression

    tables = (
        subscribers.MIGRATIONS,
        deliveries.MIGRATIONS,
        consent.MIGRATIONS,
        suppression.MIGRATIONS,
        ratelimit.MIGRATIONS,
    )
    last = max(version for table in tables for version in table)
    return tuple(
        tuple(statement for table in tables for statement in table.get(version, ()))
        for version in range(1, last + 1)
    )


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the store. Autocommit mode: writes go through ``transaction()``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, factory=StoreConnection)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None
    assert isinstance(conn, StoreConnection)
    conn.path = path
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed claim survives a power cut, which "exactly once" depends on.
        conn.execute("PRAGMA synchronous=FULL")
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    steps = migrations()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(steps):
        raise PublisherError(
            f"{path}: the database has schema version {version}, this publisher knows up to "
            f"{len(steps)} -> upgrade publisher"
        )
    while version < len(steps):
        with transaction(conn):
            # Read again under the write lock: another connection may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(steps):
                break
            for statement in steps[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        version += 1
        logger.info("%s: migrated the database to schema version %d", path, version)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One committed write transaction (BEGIN IMMEDIATE takes the write lock up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT may have ended it already
            conn.execute("ROLLBACK")
        raise
