"""A read-only, damaged or full subscriber database: clear errors from every command, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.mail import database, subscribers
from tests.mail.fixtures import SECRET, add_subscribers, subscriber_rows, write_digest, write_project


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET})


def project(tmp_path: Path, count: int = 3) -> Path:
    root = tmp_path / "site"
    settings = write_project(root, 25)
    write_digest(settings.out_dir)
    add_subscribers(settings, subscriber_rows(count))
    return root


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make the file read-only for this process: chmod for a normal user; root ignores modes, so for
    root the file is made immutable (chattr +i, which binds root too)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only for root")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip(f"chattr +i is not supported on the file system of {path}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def damage_table(path: Path, table: str = "subscribers") -> None:
    """Overwrite the table's root page (not the header page, so the file still opens)."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    root_page = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    raw.close()
    with path.open("r+b") as handle:
        handle.seek((root_page - 1) * page_size)
        handle.write(b"\xff" * 512)


def assert_clear_error(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "publisher.db: the subscriber database failed" in result.stderr
    for word in words:
        assert word in result.stderr


def test_add_to_a_read_only_database_says_so(tmp_path: Path) -> None:
    root = project(tmp_path)
    with read_only(root / "publisher.db"):
        result = run(root, "subscribers", "add", "neu@example.org")
    assert_clear_error(result, "read-only", "write access")


def test_list_of_a_damaged_database_says_restore_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    damage_table(root / "publisher.db")
    result = run(root, "subscribers", "list")
    assert_clear_error(result, "damaged", "backup")


def test_send_with_a_damaged_database_says_restore_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    damage_table(root / "publisher.db")
    result = run(root, "send")
    assert_clear_error(result, "backup")


def test_send_with_a_read_only_database_says_so(tmp_path: Path) -> None:
    root = project(tmp_path)
    with read_only(root / "publisher.db"):
        result = run(root, "send", "--dry-run")
        if result.exit_code == 0:  # a dry run only reads; a real run must claim rows
            result = run(root, "send")
    assert_clear_error(result, "read-only")


def test_a_full_database_says_free_some_space(tmp_path: Path) -> None:
    conn = database.connect(tmp_path / "publisher.db")
    try:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own size limit gives the same SQLITE_FULL a full disk gives.
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(database.StoreError, match="disk is full -> free some space"):
            for number in range(1000):
                subscribers.add_subscriber(conn, f"person{number}@example.org", name="x" * 150)
    finally:
        conn.close()
