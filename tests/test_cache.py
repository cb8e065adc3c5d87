"""The build cache returns exactly what was stored, whichever way it reads it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from publisher import cache as cache_module
from publisher.cache import BuildCache


def _rows(count: int) -> list[tuple[object, ...]]:
    return [
        (
            f"entries/{n:03d}.md",
            n,
            10,
            f"digest-{n}",
            pickle.dumps(("light", n)),
            f"<p>{n}</p>",
            n * 1.0,
            f"id-{n}",
            f"s{n}",
            0,
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
        ("entries/003.md", "digest-3", ("light", 3)),
        ("entries/017.md", "digest-17", ("light", 17)),
        ("entries/029.md", "digest-29", ("light", 29)),
    ]
    assert [path for path, _, _ in cache.light_results()] == [f"entries/{n:03d}.md" for n in range(30)]
    cache.close()


def test_another_context_starts_empty(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path, "one")
    cache.store(_rows(3))
    cache.close()
    assert len(BuildCache(tmp_path, "one").stats()) == 3
    assert BuildCache(tmp_path, "two").stats() == {}
