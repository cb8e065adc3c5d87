"""The subscriber database (SQLite, WAL): opening it, migrating its schema, and write transactions.

Each table's schema lives beside its queries (``subscribers.MIGRATIONS``, ``deliveries.MIGRATIONS``:
the statements each schema version adds); ``PRAGMA user_version`` says how many versions have run.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from publisher.errors import PublisherError

logger = logging.getLogger(__name__)


def migrations() -> tuple[tuple[str, ...], ...]:
    """The statements of every schema version, oldest first: per version the subscribers table's
    steps, then the deliveries table's."""
    from publisher.mail import deliveries, subscribers  # they import ``transaction`` from here

    tables = (subscribers.MIGRATIONS, deliveries.MIGRATIONS)
    last = max(version for table in tables for version in table)
    return tuple(
        tuple(statement for table in tables for statement in table.get(version, ()))
        for version in range(1, last + 1)
    )


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the store. Autocommit mode: writes go through ``transaction()``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed claim survives a power cut, which "exactly once" depends on.
        conn.execute("PRAGMA synchronous=FULL")
        _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        raise PublisherError(
            f"{path}: cannot open the subscriber database ({exc}) -> restore it from a backup, "
            "or point [smtp] database at another file"
        ) from None
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    steps = migrations()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(steps):
        raise PublisherError(
            f"{path}: the database has schema version {version}, this publisher knows up to "
            f"{len(steps)} -> upgrade publisher"
        )
    for number in range(version, len(steps)):
        with transaction(conn):
            for statement in steps[number]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        logger.info("%s: migrated the database to schema version %d", path, number + 1)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One committed write transaction (BEGIN IMMEDIATE takes the write lock up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
