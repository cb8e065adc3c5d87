"""The build cache returns exactly what was stored, whichever way it reads it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from publisher.content import cache as cache_module
from publisher.content.cache import BuildCache, CacheRow


def _rows(count: int) -> list[CacheRow]:
    return [
        CacheRow(
            path=f"entries/{n:03d}.md",
            mtime_ns=n,
            size=10,
            fingerprint=f"sha256-{n}",
            light=pickle.dumps(("light", n)),
            html=f"<p>{n}</p>",
            published=n * 1.0,
            entry_id=f"id-{n}",
            slug=f"s{n}",
            flagged=0,
            explicit_slug=0,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("bulk_read", [1, 10_000], ids=["one-scan", "query-per-row"])
def test_light_results_of_chosen_paths_in_path_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk_read: int
) -> None:
    monkeypatch.setattr(cache_module, "BULK_READ", bulk_read)
    cache = BuildCache(tmp_path, "context")
    cache.store(reversed(_rows(30)))
    chosen = ["entries/017.md", "entries/003.md", "entries/missing.md", "entries/029.md"]
    got = list(cache.light_results(chosen))
    assert got == [
        ("entries/003.md", "sha256-3", ("light", 3)),
        ("entries/017.md", "sha256-17", ("light", 17)),
        ("entries/029.md", "sha256-29", ("light", 29)),
    ]
    assert [path for path, _, _ in cache.light_results()] == [f"entries/{n:03d}.md" for n in range(30)]
    cache.close()


def test_another_context_starts_empty(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, "one")
    cache.store(_rows(3))
    cache.close()
    assert len(BuildCache(tmp_path, "one").stats()) == 3
    assert BuildCache(tmp_path, "two").stats() == {}


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the cache runs from now on."""
    statements: list[str] = []
    real_connect = cache_module.sqlite3.connect

    def connect(*args: object, **kwargs: object) -> object:
        db = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(cache_module.sqlite3, "connect", connect)
    return statements


def test_the_integrity_check_runs_only_when_the_file_may_be_torn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boot = tmp_path / "boot_id"
    boot.write_text("boot-1\n", encoding="ascii")
    monkeypatch.setattr(cache_module, "BOOT_ID", boot)
    statements = _checks(monkeypatch)
    folder = tmp_path / "cache"

    def checked() -> bool:
        statements.clear()
        cache = BuildCache(folder, "context")
        ran = any("quick_check" in s for s in statements)
        cache.store(_rows(2))
        cache.close()
        return ran

    assert checked()  # a new file
    assert not checked()  # closed cleanly by the previous process, same boot, untouched
    boot.write_text("boot-2\n", encoding="ascii")
    assert checked()  # the machine restarted: data not yet on disk may be lost
    assert not checked()
    cache = BuildCache(folder, "context")  # a process killed before it closed the cache cleanly
    cache.store(_rows(3))
    cache.db.close()
    assert checked()
    assert not checked()
    with open(folder / cache_module.CACHE_FILE, "ab") as handle:
        handle.write(b"\0" * 10)  # anything else touching the file
    assert checked()
    assert len(BuildCache(folder, "context").stats()) == 3  # checked and found whole: kept


def test_a_damaged_file_with_a_stale_clean_mark_is_still_rebuilt(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, "context")
    cache.store(_rows(5))
    cache.close()
    data = (tmp_path / cache_module.CACHE_FILE).read_bytes()
    (tmp_path / cache_module.CACHE_FILE).write_bytes(data[: len(data) // 2])
    assert BuildCache(tmp_path, "context").stats() == {}


def test_collisions_are_the_rows_sharing_a_slug_or_an_id(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, "context")
    rows = _rows(6)
    rows[1] = rows[1]._replace(slug="s4", explicit_slug=1)  # the slug of 004, explicitly
    rows[5] = rows[5]._replace(entry_id="id-2")  # the id of 002
    rows[3] = rows[3]._replace(published=None, entry_id=None, slug=None, flagged=1)  # never collides
    cache.store(rows)
    assert [(r.path, r.slug, r.entry_id) for r in cache.collisions()] == [
        ("entries/001.md", "s4", "id-1"),
        ("entries/002.md", "s2", "id-2"),
        ("entries/004.md", "s4", "id-4"),
        ("entries/005.md", "s5", "id-2"),
    ]
    assert cache.slugs() == {"s0", "s4", "s2", "s5"}
    assert cache.flagged() == ["entries/003.md"]
    assert [path for path, _, _ in cache.timeline()] == [f"entries/{n:03d}.md" for n in (5, 4, 2, 1, 0)]
    assert [path for path, _, _ in cache.timeline(1.0, 4.0)] == [f"entries/{n:03d}.md" for n in (4, 2, 1)]
    cache.close()


def test_a_store_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In autocommit mode ``with connection:`` begins nothing: every row would be its own commit
    (30,000 commits and 560 MB of WAL frames for a 10,000-entry cold build)."""
    statements = _checks(monkeypatch)
    cache = BuildCache(tmp_path, "context")
    statements.clear()
    cache.store(_rows(30))
    assert [s for s in statements if s.startswith("BEGIN") or s == "COMMIT"] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert sum(s.startswith("INSERT") for s in statements) == 90  # three tables
    cache.close()
    statements.clear()
    assert [
        path for path, _ in cache_module.read_html(tmp_path / cache_module.CACHE_FILE, ["entries/002.md"])
    ] == ["entries/002.md"]
    assert statements[0] == "BEGIN", "one read snapshot for a worker's whole batch"


def test_a_cache_this_process_may_not_write_is_left_alone_and_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only checkout or mount (simulated: as root, permissions do not stop writes, and a
    read-only mount needs privileges): the build goes on without the cache and never deletes it."""
    cache = BuildCache(tmp_path, "ctx")
    cache.store(_rows(1))
    cache.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_access = cache_module.os.access
    monkeypatch.setattr(
        cache_module.os, "access", lambda path, mode: mode != cache_module.os.W_OK and real_access(path, mode)
    )
    read_only = BuildCache(tmp_path, "ctx")
    assert read_only.path == ":memory:" and read_only.stats() == {}
    read_only.store(_rows(2))  # works, in memory
    read_only.close()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
