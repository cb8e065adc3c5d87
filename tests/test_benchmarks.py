"""Smoke tests of the benchmark harness: deterministic corpus, valid entries, undoable edits, tiny run."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import feedparser
import frontmatter
import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Iterator[SimpleNamespace]:
    """The benchmark scripts import their siblings by plain name, as they do when run as scripts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        import generate
        import measure
        import report

        yield SimpleNamespace(generate=generate, measure=measure, report=report)


@pytest.fixture(scope="module")
def project(bench: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "project"
    bench.generate.write_project(root, 200, seed=7)
    return root


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(bench: SimpleNamespace, project: Path, tmp_path: Path) -> None:
    bench.generate.write_project(tmp_path / "again", 200, seed=7)
    bench.generate.write_project(tmp_path / "other", 200, seed=8)
    assert digests(tmp_path / "again") == digests(project)
    assert len(digests(project)) == 201  # publisher.toml + 200 entries
    assert digests(tmp_path / "other") != digests(project)


def test_generated_entries_are_valid(project: Path) -> None:
    files = sorted((project / "entries").glob("*/*.md"))
    assert len(files) == 200
    ids, titles, langs, years = set(), set(), set(), set()
    for path in files:
        post = frontmatter.load(path)
        meta = post.metadata
        date = meta["date"]
        assert isinstance(date, datetime) and date.utcoffset() is not None, path
        assert path.parent.name == str(date.year)
        if "updated" in meta:
            assert meta["updated"].utcoffset() is not None and meta["updated"] >= date
        assert 1 <= len(meta["tags"]) <= 5 and len(set(meta["tags"])) == len(meta["tags"])
        assert 1 <= len(meta["authors"]) <= 3
        assert all(isinstance(v, str) and v for v in meta["tags"] + meta["authors"])
        assert 2048 <= len(post.content.encode()) <= 8192, (path, len(post.content.encode()))
        assert meta["id"].startswith("urn:uuid:")
        if "image" in meta:
            assert set(meta["image"]) == {"url", "alt", "credit"}
        ids.add(meta["id"])
        titles.add(meta["title"])
        langs.add(meta["lang"])
        years.add(date.year)
    assert len(ids) == len(titles) == 200
    assert langs == {"de", "en"}
    assert len(years) >= 8  # spread over ten years
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    for feature in ("\n## ", "\n- ", "](http", "](/", "![", "**", "„", "“", "ä", "ü"):
        assert feature in text, feature


def test_edit_and_add_are_undone_exactly(bench: SimpleNamespace, project: Path) -> None:
    before = digests(project)
    newest = bench.generate.entry_files(project)[-1]
    old = frontmatter.load(newest)

    undo = bench.generate.edit_entry(project, variant=1, seed=7)
    edited = frontmatter.load(newest)
    assert edited["id"] == old["id"] and edited["date"] == old["date"]
    assert edited["title"] != old["title"] and edited.content != old.content
    undo()
    assert digests(project) == before

    undo = bench.generate.add_entry(project, variant=2, seed=7)
    added = bench.generate.entry_files(project)[-1]
    assert frontmatter.load(added)["date"] > old["date"]
    undo()
    assert digests(project) == before


def test_raw_press_releases_look_like_the_samples(bench: SimpleNamespace, tmp_path: Path) -> None:
    first = bench.generate.write_raw(tmp_path / "a", 60, seed=3)
    second = bench.generate.write_raw(tmp_path / "b", 60, seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    texts = [p.read_bytes().decode("utf-8-sig", errors="replace") for p in first]
    assert any(t.startswith(("Meldung\n", "Pressemitteilung\n")) for t in texts)
    assert sum("\n© " in t.replace("\r\n", "\n") for t in texts) > 10
    assert any("Text: " in t or "Autor: " in t for t in texts)
    assert all(2000 < len(t) < 12000 for t in texts)


def test_targets_are_judged_from_medians(bench: SimpleNamespace) -> None:
    sample = bench.measure.Sample

    def row(name: str, *seconds: float) -> object:
        made = bench.measure.Row(name, name)
        made.samples = [sample(s, s, 0.0, 100.0, 0.0, 0.0, 0) for s in seconds]
        return made

    sizes = {
        1000: {"floor": row("floor", 1.0), "cold": row("cold", 2.0)},
        10_000: {
            "floor": row("floor", 10, 11, 30),
            "cold": row("cold", 5, 9, 1),
            "noop": row("noop", 0.9, 1, 2),
        },
    }
    found = {(t.name, t.size): t for t in bench.report.targets(sizes)}
    assert found[("cold build / floor", 1000)].result == "info"
    assert found[("cold build / floor", 10_000)].value == pytest.approx(5 / 11)
    assert found[("cold build / floor", 10_000)].result == "PASS"
    assert found[("no-change rebuild / cold build", 10_000)].result == "FAIL"  # 1 / 5 > 0.10


def test_run_floor_smoke(tmp_path: Path) -> None:
    result_path = tmp_path / "results.json"
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--entries",
        "50",
        "--runs",
        "1",
        "--skip-pelican",
        "--only",
        "floor",
        "--work",
        str(tmp_path / "work"),
        "--json",
        str(result_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "Machine:" in done.stdout and "markdown-it-py" in done.stdout
    assert "generating" in done.stderr  # progress goes to stderr, the table to stdout
    result = json.loads(result_path.read_text(encoding="utf-8"))
    floor = result["sizes"]["50"]["floor"]
    assert floor["status"] == "ok" and floor["median_s"] > 0 and floor["peak_rss_mb"] > 0
    assert result["machine"]["cores"] >= 1
    again = subprocess.run(
        [sys.executable, str(BENCH / "report.py"), str(result_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == done.stdout  # a saved run prints the same table again
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse(tmp_path / "work" / "50" / "floor-out" / name)
        assert not feed.bozo and len(feed.entries) == 50
