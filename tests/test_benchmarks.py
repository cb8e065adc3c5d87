"""Smoke tests of the benchmark harness: deterministic corpus, valid entries, undoable edits, tiny run."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from functools import partial
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
        import digest_render
        import generate
        import measure
        import report

        yield SimpleNamespace(generate=generate, measure=measure, report=report, digest_render=digest_render)


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


def timed_row(bench: SimpleNamespace, name: str, *seconds: float) -> object:
    """A benchmark row with one sample per wall time given (CPU time = wall time)."""
    made = bench.measure.Row(name, name)
    made.samples = [bench.measure.Sample(s, s, 0.0, 100.0, 0.0, 0.0, 0) for s in seconds]
    return made


def test_targets_are_judged_from_medians(bench: SimpleNamespace) -> None:
    row = partial(timed_row, bench)

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


def test_digest_targets_are_judged_at_every_size(bench: SimpleNamespace) -> None:
    row = partial(timed_row, bench)

    sizes = {
        200: {"digest": row("digest", 0.2, 0.3, 0.25), "render": row("render", 0.004, 0.02, 0.011)},
        1000: {
            "digest": row("digest", 0.06),
            "render": row("render", 0.009),
            "mjml-python": row("mjml-python", 0.0005),
            "mjml-node-render": row("mjml-node-render", 0.011),
            "mjml-node": row("mjml-node", 0.7),
        },
    }
    found = {(t.name, t.size): t for t in bench.report.targets(sizes)}
    assert found[("digest render in process", 200)].value == pytest.approx(0.011)
    assert found[("digest render in process", 200)].result == "FAIL"  # 11 ms > 10 ms, although 200 < 10,000
    assert found[("digest render in process", 1000)].result == "PASS"
    engines = found[("node MJML / mjml-python per render", 1000)]
    assert engines.value == pytest.approx(22) and engines.result == "PASS" and not engines.upper
    process = found[("node MJML CLI / digest process", 1000)]
    assert process.value == pytest.approx(0.7 / 0.06) and process.result == "info"  # shown, never judged
    assert ("node MJML / mjml-python per render", 200) not in found  # no MJML rows at that size
    sizes[200] |= {
        "mjml-python": row("mjml-python", 0.002),
        "mjml-node-render": row("mjml-node-render", 0.011),
    }
    found = {(t.name, t.size): t for t in bench.report.targets(sizes)}
    assert found[("node MJML / mjml-python per render", 200)].result == "FAIL"  # 5.5x < 10x


def test_per_call_rows_show_milliseconds(bench: SimpleNamespace) -> None:
    process = bench.measure.Sample(0.9, 0.8, 0.1, 40.0, 40.0, 0.0, 0)
    inner = bench.measure.per_call(process, {"mean_s": 0.00143, "cpu_s": 0.0014, "sys_s": 0.0001})
    assert (inner.seconds, inner.cpu_seconds, inner.system_seconds) == (0.00143, 0.0014, 0.0001)
    assert inner.max_rss_mb == 40.0 and inner.returncode == 0
    shown = [bench.report.format_seconds(v) for v in (0.00143, 0.0123, 0.456, 7.891)]
    assert shown == ["1.43 ms", "12.3 ms", "456 ms", "7.89 s"]


@pytest.fixture(scope="module")
def digest_source(bench: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("digest") / "project"
    bench.generate.write_project(root, 50, seed=11)
    return root, bench.digest_render.digest_mjml(
        *bench.digest_render.load_digest(root, bench.generate.DIGEST_NOW)
    )


def test_digest_source_is_the_mjml_of_the_newest_entries(
    bench: SimpleNamespace, digest_source: tuple[Path, str]
) -> None:
    from mjml import mjml2html

    root, mjml = digest_source
    assert mjml.lstrip().startswith("<mjml") and mjml.rstrip().endswith("</mjml>")
    posts = sorted((frontmatter.load(p) for p in root.glob("entries/*/*.md")), key=lambda p: p["date"])
    newest = [str(p["title"]) for p in reversed(posts[-20:])]
    html = mjml2html(mjml)
    positions = [html.rfind(title.replace("&", "&amp;")) for title in newest]
    assert -1 not in positions and positions == sorted(positions)  # all 20, newest first
    assert str(posts[-21]["title"]).replace("&", "&amp;") not in html
    timed = bench.digest_render.time_calls(lambda: mjml2html(mjml), 3)
    assert timed["repeat"] == 3 and timed["mean_s"] > 0 and timed["first_s"] > 0 and timed["cpu_s"] >= 0


@pytest.mark.skipif(
    not (BENCH / "work/node-mjml/node_modules/.bin/mjml").exists(), reason="node MJML not installed"
)
def test_node_mjml_renders_the_digest_without_complaints(
    digest_source: tuple[Path, str], tmp_path: Path
) -> None:
    source = tmp_path / "digest.mjml"
    source.write_text(digest_source[1], encoding="utf-8")
    command = ["node", str(BENCH / "mjml_render.js"), str(BENCH / "work/node-mjml"), str(source), "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == [] and result["html_bytes"] > 10_000 and result["mean_s"] > 0


def test_run_render_smoke(tmp_path: Path) -> None:
    result_path = tmp_path / "results.json"
    command = [sys.executable, str(BENCH / "run.py"), "--entries", "50", "--runs", "1", "--renders", "2"]
    command += [
        "--skip-pelican",
        "--skip-node-mjml",
        "--only",
        "render,mjml",
        "--work",
        str(tmp_path / "work"),
    ]
    command += ["--json", str(result_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ})
    assert done.returncode == 0, done.stderr
    rows = json.loads(result_path.read_text(encoding="utf-8"))["sizes"]["50"]
    assert rows["render"]["status"] == "ok" and 0 < rows["render"]["median_s"] < 1
    assert rows["render"]["note"].startswith("2 calls per run") and "20 entries" in rows["render"]["note"]
    assert rows["mjml-python"]["status"] == "ok" and 0 < rows["mjml-python"]["median_s"] < 1
    assert rows["mjml-node"] == {
        "label": rows["mjml-node"]["label"],
        "status": "n/a",
        "note": "--skip-node-mjml",
    }
    assert "digest render in process" in done.stdout and "ms" in done.stdout


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


@pytest.mark.browser
def test_preview_benchmark_smoke(tmp_path: Path) -> None:
    """benchmarks/preview.py on a tiny project: one timed save, and a row of the table."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    command = [sys.executable, str(BENCH / "preview.py"), "--entries", "40", "--runs", "1"]
    command += ["--work", str(tmp_path / "work")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "save 1: " in done.stderr
    [row] = [line for line in done.stdout.splitlines() if "preview, entry edited" in line]
    assert row.split()[0] == "40" and row.count(" ms") == 4


def test_the_variants_benchmark_builds_every_message_over_twenty_variants() -> None:
    from benchmarks import variants

    [(seconds, built, used)] = variants.measure(200, 1)
    assert (built, used) == (200, 20) and seconds > 0
