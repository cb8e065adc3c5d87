"""The build pipeline end to end: determinism, incremental builds equal cold builds, stable ids,
atomic writes, errors write nothing, the cache is disposable, and golden feeds.

Golden files: tests/build/golden/build/{rss.xml,atom.xml,feed.json} are the feeds of tests/data/entries with
helpers.SAMPLE_CONFIG, compared byte for byte. After an intended change of the output, regenerate them with

    UPDATE_GOLDEN=1 python -m pytest tests/build/test_pipeline.py -k golden

and review the diff (git diff tests/build/golden) before committing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest

from publisher import output
from publisher.build import pipeline as build_module
from publisher.build.pipeline import BuildReport, build
from publisher.config import Settings
from publisher.content import workers
from publisher.content.load import Window, load_entries, load_window
from publisher.content.urls import RECORD
from publisher.errors import PublisherError
from publisher.output import MANIFEST, WRITING
from tests.conftest import MakeProject
from tests.helpers import SAMPLE_CONFIG, SETTLED_NS, carry_record, entry, settings_of, settle, tree, uri_id

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "build"
SAMPLE_DIR = "2024"
SUMMER = "2024/2024-03-31-sommerzeit.md"
SURVEY = "2024/2024-09-12-cluster-survey.md"
REVIEW = "2023/2023-12-18-jahresrueckblick.md"


def run_build(root: Path, **overrides: object) -> BuildReport:
    report = build(settings_of(root, **overrides))
    assert not report.errors, [str(p) for p in report.errors]
    return report


def cold_tree(make_project: MakeProject, like: Path) -> dict[str, bytes]:
    """out/ of a cold build of the same input (config, entries, templates) in a fresh folder, with
    the address record of ``like``'s last build (the one piece of history a build keeps)."""
    root = make_project(config=(like / "publisher.toml").read_text(encoding="utf-8"))
    shutil.rmtree(root / "entries")
    shutil.copytree(like / "entries", root / "entries")
    if (like / "templates").is_dir():
        shutil.copytree(like / "templates", root / "templates")
    carry_record(like / "out", root / "out")
    run_build(root)
    return tree(root / "out")


def mtimes(directory: Path) -> dict[str, int]:
    return {
        p.relative_to(directory).as_posix(): p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()
    }


def feed_ids(out: Path) -> dict[str, dict[str, str]]:
    """For every feed file: {entry link: id}, as feedparser reads them (JSON: from the document)."""
    ids: dict[str, dict[str, str]] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.name in ("rss.xml", "atom.xml"):
            ids[rel] = {e.title: e.id for e in feedparser.parse(path.read_bytes()).entries}
        elif path.name == "feed.json":
            ids[rel] = {i["title"]: i["id"] for i in json.loads(path.read_bytes())["items"]}
    return ids


@pytest.fixture
def sample(make_project: MakeProject) -> Path:
    return make_project(sample=True, config=SAMPLE_CONFIG)


# --- what a build writes ------------------------------------------------------------------------


def test_the_sample_builds_every_output(sample: Path) -> None:
    report = run_build(sample)
    files = set(tree(sample / "out"))
    # Every link in the sample leads to something published (media files beside the entries, a tag page).
    assert report.entries == 6 and report.problems == ()
    for page in ("404.html", "sitemap.xml", "robots.txt", "media/zeitplan.png", "downloads/slides.pdf"):
        assert page in files
    feeds = {"rss.xml", "atom.xml", "feed.json"}
    for prefix in ("", "de/", "en/", "tags/energie/", "tags/energy/", "tags/zeitumstellung/", "tags/survey/"):
        assert {prefix + name for name in feeds} <= files, prefix
    for page in ("index.html", "tags/index.html", "style.css", "tags/energie/index.html"):
        assert page in files
    entries, _ = load_entries(settings_of(sample))
    assert {e.path for e in entries} <= files
    assert len([f for f in files if f.startswith("posts/")]) == 6  # the draft is not published
    assert not any("entwurf" in f or "intern" in f for f in files)
    # Everything but the build's own bookkeeping is reported as written.
    assert set(report.written) == files - {MANIFEST}


def test_one_language_means_no_language_feeds(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eins", lang="de"), "b.md": entry("Zwei", "2024-06-01")})
    run_build(root)
    assert not (root / "out" / "de").exists()


def test_entries_in_regional_languages_build(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": entry("Grüß Gott & Servus", "2024-01-14", lang="de-AT", id="a"),
            "b.md": entry("Cheerio", "2024-01-15", lang="en-GB", id="b"),
        }
    )
    run_build(root)
    out = root / "out"
    austrian = (out / "posts" / "gruess-gott-und-servus.html").read_text(encoding="utf-8")
    assert (
        '<html lang="de-AT">' in austrian and "14. Jänner 2024" in austrian and "Veröffentlicht" in austrian
    )
    british = (out / "posts" / "cheerio.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in british and "15 January 2024" in british
    assert json.loads((out / "de-AT" / "feed.json").read_bytes())["language"] == "de-AT"


def test_a_tag_used_in_two_languages_has_one_page(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": entry("Forschung", "2024-05-01", lang="de", tags=["F&E"], id="a"),
            "b.md": entry("Research", "2024-05-02", lang="en", tags=["F&E"], id="b"),
        }
    )
    run_build(root)
    tags = root / "out" / "tags"
    assert sorted(p.name for p in tags.iterdir() if p.is_dir()) == ["f-und-e"]
    index = (tags / "index.html").read_text(encoding="utf-8")
    assert index.count("F&amp;E") == 1
    assert {i["title"] for i in json.loads((tags / "f-und-e" / "feed.json").read_bytes())["items"]} == {
        "Forschung",
        "Research",
    }


def test_a_language_babel_does_not_know_is_reported_not_a_crash(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eins", lang="xx")})
    report = build(settings_of(root))
    assert [(p.field, p.line) for p in report.errors] == [("lang", 4)]
    assert not (root / "out").exists()


# --- determinism --------------------------------------------------------------------------------


def test_two_cold_builds_are_byte_identical(make_project: MakeProject) -> None:
    first, second = make_project(sample=True), make_project(sample=True)
    run_build(first)
    run_build(second)
    assert tree(first / "out") == tree(second / "out")
    assert len(tree(first / "out")) > 40


def test_a_build_in_another_process_with_another_hash_seed_is_identical(
    make_project: MakeProject, sample: Path
) -> None:
    run_build(sample)
    other = make_project(sample=True, config=SAMPLE_CONFIG)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(other), "build"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert tree(other / "out") == tree(sample / "out")


def test_no_build_time_in_the_output(sample: Path) -> None:
    run_build(sample)
    now = datetime.now(UTC)
    stamps = [now.date().isoformat(), format_datetime(now)[:16], str(now.year)]
    for rel, data in tree(sample / "out").items():
        if rel.endswith((".png", ".jpg", ".pdf")):
            continue
        text = data.decode("utf-8")
        for stamp in stamps:
            assert stamp not in text, (rel, stamp)


# --- incremental builds -------------------------------------------------------------------------


def test_a_rebuild_with_nothing_changed_writes_nothing(sample: Path) -> None:
    run_build(sample)
    before, times = tree(sample / "out"), mtimes(sample / "out")
    report = run_build(sample)
    assert (report.written, report.deleted) == ((), ())
    assert report.unchanged == len(before)
    assert mtimes(sample / "out") == times
    assert tree(sample / "out") == before


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES = {
    "edit-body": lambda root: edit(root / "entries" / SURVEY, "Two in three", "Three in four"),
    "edit-title": lambda root: edit(
        root / "entries" / SURVEY, "title: Cluster survey", "title: Cluster poll"
    ),
    "edit-date": lambda root: edit(root / "entries" / REVIEW, "2023-12-18T18:00", "2024-12-18T18:00"),
    "new-tag": lambda root: edit(root / "entries" / SURVEY, "tags: [Survey, Energy]", "tags: [Survey, Neu]"),
    "drop-tag": lambda root: edit(root / "entries" / SURVEY, "tags: [Survey, Energy]", "tags: [Energy]"),
    "make-draft": lambda root: edit(root / "entries" / SURVEY, "lang: en", "lang: en\ndraft: true"),
    "add": lambda root: (root / "entries" / "2024" / "neu.md").write_text(
        entry("Neue Meldung über Äpfel & Birnen", "2024-11-02", tags=["Obst"], id="urn:uuid:neu"),
        encoding="utf-8",
    ),
    "delete": lambda root: (root / "entries" / SURVEY).unlink(),
    "delete-folder": lambda root: shutil.rmtree(root / "entries" / "2023"),
    "only-german": lambda root: [
        (root / "entries" / rel).unlink() for rel in (SURVEY, "2024/2024-06-03-hydrogen-valleys.md")
    ],
    "rename-file": lambda root: (root / "entries" / SURVEY).rename(root / "entries" / "2024" / "umfrage.md"),
    "config-title": lambda root: edit(
        root / "publisher.toml", 'title = "Clusternetzwerk', 'title = "Netzwerk'
    ),
    "config-base-url": lambda root: edit(
        root / "publisher.toml", "https://news.example.org/", "https://neu.example.com/a/"
    ),
    "config-limit": lambda root: (root / "publisher.toml").write_text(
        (root / "publisher.toml").read_text(encoding="utf-8").replace("feed_limit = 50", "feed_limit = 2"),
        encoding="utf-8",
    ),
    "override-template": lambda root: (
        (root / "templates").mkdir()
        or (root / "templates" / "entry.html.j2").write_text(
            (REPO / "templates" / "entry.html.j2")
            .read_text(encoding="utf-8")
            .replace("<article", '<p class="override">Eigene Vorlage</p>\n<article', 1),
            encoding="utf-8",
        )
    ),
    "template": lambda root: (
        (root / "templates").mkdir()
        or (root / "templates" / "style.css").write_text("body { color: #123456; }\n", encoding="utf-8")
    ),
}


@pytest.mark.parametrize("settled", [False, True], ids=["just-written", "settled"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_incremental_build_equals_a_cold_build(
    make_project: MakeProject, sample: Path, change: str, settled: bool
) -> None:
    if settled:
        settle(sample)
    run_build(sample)
    before = tree(sample / "out")
    CHANGES[change](sample)
    if settled:
        settle(sample, SETTLED_NS + 3600 * 10**9)  # only what the change wrote
    report = run_build(sample)
    after = tree(sample / "out")
    if change == "rename-file":  # the entry has an id in its front matter: nothing published changes
        assert after == before
    else:
        assert after != before, "the change must show in the output"
    assert after == cold_tree(make_project, sample)
    assert set(report.deleted) == set(before) - set(after)
    assert set(report.written) == {p for p in after if before.get(p) != after[p]}


@pytest.mark.parametrize("settled", [False, True], ids=["just-written", "settled"])
def test_renaming_an_entry_without_an_id_gives_the_new_fallback_id_as_a_cold_build_does(
    make_project: MakeProject, sample: Path, settled: bool
) -> None:
    """The fallback id comes from the file's path, so a renamed file is published under a new id,
    although its bytes and slug are the same: the outputs' keys must see the id, not just those."""
    new_entry = sample / "entries" / "2024" / "ohne-id.md"
    new_entry.write_text(entry("Ohne Kennung", "2024-11-03"), encoding="utf-8")
    if settled:
        settle(sample)
    run_build(sample)
    before = feed_ids(sample / "out")
    new_entry.rename(new_entry.with_name("umbenannt.md"))
    if settled:
        settle(sample, SETTLED_NS + 3600 * 10**9)
    run_build(sample)
    after = feed_ids(sample / "out")
    assert after != before
    assert tree(sample / "out") == cold_tree(make_project, sample)


WIP = "2024/wip.md"


@pytest.mark.parametrize("settled", [False, True], ids=["just-written", "settled"])
def test_an_unfinished_draft_does_not_block_the_build(sample: Path, settled: bool) -> None:
    run_build(sample)
    before = tree(sample / "out")

    def rebuild(text: str | None = None) -> BuildReport:
        if text is not None:
            (sample / "entries" / WIP).write_text(text, encoding="utf-8")
        if settled:
            settle(sample, SETTLED_NS + 3600 * 10**9)
        return build(settings_of(sample))

    for _ in range(2):  # the second build finds nothing changed, and still reports the draft
        report = rebuild("---\ntitle: WIP\ndraft: true\n---\n")
        assert not report.errors and tree(sample / "out") == before
        assert {(p.path, p.field) for p in report.warnings} >= {
            (f"entries/{WIP}", "date"),
            (f"entries/{WIP}", "body"),
        }
    report = rebuild("---\ntitle: WIP\n---\n")  # no longer a draft: it must be complete
    assert {p.field for p in report.errors} == {"date", "body"} and tree(sample / "out") == before
    report = rebuild("---\ntitle: WIP\ndraft: true\n---\n")
    assert not report.errors and tree(sample / "out") == before
    report = rebuild("---\ntitle: Fertig\ndate: 2024-11-01\nid: urn:test:wip\n---\nText.\n")
    assert not report.errors and "posts/fertig.html" in report.written


def test_a_draft_whose_front_matter_cannot_be_read_is_still_an_error(make_project: MakeProject) -> None:
    root = make_project({"wip.md": "---\ntitle: WIP: a: b\ndraft: true\n---\n"})
    report = build(settings_of(root))
    assert [(p.path, p.line) for p in report.errors] == [("entries/wip.md", 2)]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores for a worker pool")
@pytest.mark.parametrize("change", ["edit-body", "add", "delete", "new-tag", "config-limit"])
def test_built_on_every_core_equals_built_in_one_process(
    make_project: MakeProject, sample: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a small project goes through the worker pool here (jobs pickled, HTML read from the
    cache by the workers), and must come out as a cold build in one process does."""
    submitted: list[str] = []
    real_submit = ProcessPoolExecutor.submit

    def spy(pool: ProcessPoolExecutor, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        submitted.append(repr(fn))  # pool.map submits partials of _process_chunk
        return real_submit(pool, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", spy)
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 1)
    run_build(sample)
    assert any("run_batch" in s for s in submitted) and any("_normalise_chunk" in s for s in submitted)
    CHANGES[change](sample)
    submitted.clear()
    run_build(sample)
    assert any("run_batch" in s for s in submitted)
    parallel = tree(sample / "out")
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 10**9)
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 10**9)
    assert parallel == cold_tree(make_project, sample)


def test_new_entries_leave_full_numbered_list_pages_alone(make_project: MakeProject, sample: Path) -> None:
    """Numbered list pages count from the oldest entries: publishing rewrites front pages, and a
    numbered page only when it is new or its "newer" link moves to the new page."""
    edit(sample / "publisher.toml", "feed_limit = 50", "feed_limit = 50\npage_size = 2")
    run_build(sample)
    first = tree(sample / "out")
    assert {"page/1.html", "page/2.html"} <= first.keys() and "page/3.html" not in first

    def add(name: str, title: str, day: str) -> set[str]:
        (sample / "entries" / "2024" / name).write_text(
            entry(title, day, tags=["Energie"], id=f"urn:uuid:{name}"), encoding="utf-8"
        )
        report = run_build(sample)
        assert tree(sample / "out") == cold_tree(make_project, sample)
        return {p for p in report.written if "page/" in p}

    assert add("a.md", "Neu A", "2024-11-02") == set()  # 7 entries: the front page takes the new one
    assert add("b.md", "Neu B", "2024-11-03") == {"page/3.html", "page/2.html", "tags/energie/page/1.html"}
    assert tree(sample / "out")["page/1.html"] == first["page/1.html"]


def test_files_of_deleted_entries_are_removed(sample: Path) -> None:
    run_build(sample)
    out = sample / "out"
    page = "posts/cluster-survey-2024-results-for-cologne-and-duesseldorf.html"
    assert (out / page).is_file() and (out / "tags" / "survey").is_dir()
    (sample / "entries" / SURVEY).unlink()
    report = run_build(sample)
    assert page in report.deleted
    assert not (out / page).exists()
    assert not (out / "tags" / "survey").exists()  # the tag had only this entry; the folder goes too
    assert "Cluster survey" not in (out / "rss.xml").read_text(encoding="utf-8")


def test_a_same_size_edit_within_the_same_clock_tick_is_seen(sample: Path) -> None:
    """The file changes after the build but keeps its size and mtime (as within one timer tick)."""
    path = sample / "entries" / SURVEY
    path.write_bytes(path.read_bytes())  # written just now, as by an editor
    run_build(sample)
    stat = path.stat()
    edit(path, "Two in three", "Two in THREE")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    run_build(sample)
    assert "Two in THREE" in (sample / "out" / "rss.xml").read_text(encoding="utf-8")


def test_a_build_into_another_out_dir_does_not_orphan_files(make_project: MakeProject, sample: Path) -> None:
    run_build(sample)
    run_build(sample, out_dir=sample / "preview")
    (sample / "entries" / SURVEY).unlink()
    run_build(sample, out_dir=sample / "preview")
    run_build(sample)
    assert tree(sample / "out") == cold_tree(make_project, sample)
    assert tree(sample / "preview") == tree(sample / "out")


# --- stable ids ---------------------------------------------------------------------------------

NO_ID = "2024/ohne-id.md"


@pytest.mark.parametrize(
    "change",
    [
        lambda root: edit(root / "entries" / SURVEY, "title: Cluster survey 2024", "title: Umfrage 2024"),
        lambda root: edit(root / "entries" / NO_ID, "title: Ohne Id", "title: Ganz neuer Titel"),
        lambda root: edit(root / "entries" / SURVEY, "Two in three", "Zwei von drei"),
        lambda root: edit(root / "entries" / NO_ID, "Der Text", "Ein anderer Text"),
        lambda root: edit(root / "entries" / SURVEY, "lang: en", "lang: en\nslug: umfrage"),
        lambda root: edit(root / "entries" / NO_ID, "title: Ohne Id", "title: Ohne Id\nslug: anders"),
        lambda root: edit(root / "entries" / SURVEY, "tags: [Survey, Energy]", "tags: [Survey]"),
        lambda root: edit(root / "entries" / NO_ID, "- Energie", "- Energie\n- Neu"),
        lambda root: edit(
            root / "publisher.toml", "https://news.example.org/", "https://andere-domain.example/"
        ),
    ],
    ids=[
        "title",
        "title-no-id",
        "body",
        "body-no-id",
        "slug",
        "slug-no-id",
        "tags",
        "tags-no-id",
        "base-url",
    ],
)
def test_edits_change_no_item_id(sample: Path, change) -> None:
    (sample / "entries" / NO_ID).write_text(
        entry("Ohne Id", "2024-08-01T12:00:00+02:00", tags=["Energie"]), encoding="utf-8"
    )
    run_build(sample)
    settings = settings_of(sample)
    before = {e.source_path: e.id for e in load_entries(settings)[0]}
    ids_before = feed_ids(sample / "out")
    change(sample)
    run_build(sample)
    after = {e.source_path: e.id for e in load_entries(settings_of(sample))[0]}
    assert after == before
    ids_after = feed_ids(sample / "out")
    for path, items in ids_after.items():
        assert set(items.values()) <= set(before.values()), path
    assert sum(len(v) for v in ids_after.values()) >= sum(len(v) for v in ids_before.values()) - 3


# --- atomic writes ------------------------------------------------------------------------------


class Crash(Exception):
    pass


def crash_on_replace(monkeypatch: pytest.MonkeyPatch, after: int, error: type[BaseException] = Crash) -> None:
    calls = {"n": 0}
    real = os.replace

    def replace(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise error("disk full")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def temp_files(directory: Path) -> list[str]:
    return [
        p.name
        for p in directory.rglob("*")
        if p.name not in (MANIFEST, WRITING, RECORD) and (p.name.endswith(".tmp") or p.name.startswith("."))
    ]


@pytest.mark.parametrize("after", [0, 3, 10])
@pytest.mark.parametrize("error", [Crash, KeyboardInterrupt])
def test_a_crash_mid_build_leaves_whole_files_and_no_temp_files(
    make_project: MakeProject, sample: Path, monkeypatch: pytest.MonkeyPatch, after: int, error: type
) -> None:
    run_build(sample)
    old = tree(sample / "out")
    for change in ("edit-body", "edit-title", "add", "delete"):
        CHANGES[change](sample)
    new = cold_tree(make_project, sample)
    with monkeypatch.context() as patch:
        crash_on_replace(patch, after, error)
        with pytest.raises(error):
            build(settings_of(sample))
    current = tree(sample / "out")
    assert temp_files(sample / "out") == []
    for rel, data in current.items():
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file"
    if after == 0:
        assert current == old  # nothing was replaced: the previous out/ is intact
    run_build(sample)  # the next build finishes the job
    assert tree(sample / "out") == new


def test_after_a_crash_and_a_revert_the_output_is_the_reverted_one(
    make_project: MakeProject, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crashed build wrote some new files; the editor then undoes the edit. Nothing may stay stale."""
    path = sample / "entries" / SURVEY
    original = path.read_text(encoding="utf-8")
    run_build(sample)
    old = tree(sample / "out")
    path.write_text(original.replace("Two in three", "Nine in ten"), encoding="utf-8")
    with monkeypatch.context() as patch:
        crash_on_replace(patch, 4)
        with pytest.raises(Crash):
            build(settings_of(sample))
    path.write_text(original, encoding="utf-8")
    run_build(sample)
    assert tree(sample / "out") == old


def test_write_atomic_cleans_up_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    crash_on_replace(monkeypatch, 0)
    with pytest.raises(Crash):
        output.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.xml"]


# --- errors write nothing -----------------------------------------------------------------------


def test_a_build_with_errors_writes_nothing_and_keeps_the_previous_out(sample: Path) -> None:
    run_build(sample)
    before, times = tree(sample / "out"), mtimes(sample / "out")
    edit(sample / "entries" / SURVEY, "Two in three", "Three in four")  # a good edit …
    (sample / "entries" / "kaputt.md").write_text("---\ntitle: Kaputt: ja\n---\nText\n", encoding="utf-8")
    (sample / "entries" / SUMMER).unlink()  # … and a deletion, next to a broken file
    report = build(settings_of(sample))
    assert report.errors and report.written == () and report.deleted == ()
    assert tree(sample / "out") == before and mtimes(sample / "out") == times


def test_a_first_build_with_errors_creates_no_out(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(date="gestern")})
    report = build(settings_of(root))
    assert [p.field for p in report.errors] == ["date"]
    assert not (root / "out").exists()


def test_all_problems_are_reported(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": entry(title=None),
            "b.md": entry(date=None),
            "c.md": entry(date="bald"),
            "d.md": "---\ntitle: a: b\n---\nText\n",
            "e.md": entry(body=" "),
            "f.md": "Grüße".encode("latin-1"),
            "g.md": entry("G", id="urn:uuid:doppelt"),
            "h.md": entry("H", id="urn:uuid:doppelt"),
            "i.md": entry("I", slug="gleich", id="i"),
            "j.md": entry("J", slug="gleich", id="j"),
            "k.md": entry("K", farbe="blau", id="k"),
        }
    )
    report = build(settings_of(root))
    errors = {(p.path.rsplit("/", 1)[-1], p.field) for p in report.errors}
    assert errors >= {
        ("a.md", "title"),
        ("b.md", "date"),
        ("c.md", "date"),
        ("d.md", None),
        ("e.md", "body"),
        ("f.md", None),
        ("h.md", "id"),
        ("j.md", "slug"),
    }
    assert ("k.md", "farbe") in {(p.path.rsplit("/", 1)[-1], p.field) for p in report.warnings}
    assert not (root / "out").exists()


# Three entries whose titles give the same slug, and one that sets that slug explicitly.
SAME_TITLES = {
    "a.md": entry("Gleicher Titel", "2024-05-01", id="a"),
    "b.md": entry("Gleicher Titel", "2024-05-02", id="b"),
    "c.md": entry("Gleicher Titel", "2024-05-03", id="c"),
    "d.md": entry("Anders", "2024-05-04", id="d", slug="gleicher-titel"),
}


def test_generated_slug_collisions_get_a_number(make_project: MakeProject) -> None:
    root = make_project(SAME_TITLES)
    report = run_build(root)
    slugs = {e.id.removeprefix("urn:test:"): e.slug for e in load_entries(settings_of(root))[0]}
    assert slugs["d"] == "gleicher-titel"  # an explicit slug wins
    assert sorted(slugs[x] for x in "abc") == ["gleicher-titel-2", "gleicher-titel-3", "gleicher-titel-4"]
    assert slugs["a"] == "gleicher-titel-2"  # the oldest first
    # A numbered address depends on the other entries: each says how to keep it in its own file.
    assert not report.errors
    assert sorted((p.path, p.field) for p in report.warnings) == [
        (f"entries/{name}", "slug") for name in ("a.md", "b.md", "c.md")
    ]
    assert all(f"slug: {slugs[p.path[-4]]}" in p.hint for p in report.warnings)


def test_a_digest_sized_load_resolves_slug_collisions_like_the_whole_site(make_project: MakeProject) -> None:
    root = make_project(
        {**SAME_TITLES, "e.md": entry("Noch anders", "2024-05-05", id="e", slug="gleicher-titel")}
    )
    settings = settings_of(root)
    whole = {e.id: e for e in load_entries(settings)[0]}
    assert [p.field for p in load_entries(settings)[1] if p.is_error] == ["slug"]  # two explicit slugs
    site = load_window(settings, Window(lambda when: when.day >= 3, newest=2))
    try:
        loaded = [site.full(e) for e in site.entries]
        assert [e.id for e in loaded] == [uri_id("e"), uri_id("d")] and site.unloaded == (uri_id("c"),)
        assert all(e == whole[e.id] for e in loaded)
        assert [p.field for p in site.problems if p.is_error] == ["slug"]
    finally:
        site.close()


def test_missing_entries_folder(make_project: MakeProject) -> None:
    root = make_project()
    (root / "entries").rmdir()
    with pytest.raises(Exception) as info:
        build(settings_of(root))
    assert "entries" in str(info.value) and "does not exist" in str(info.value)
    assert "entries_dir" in str(info.value)


# --- the cache is disposable --------------------------------------------------------------------


def cache_file(settings: Settings) -> Path:
    return settings.cache_dir / "build.sqlite"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "deleted", "empty", "wrong-schema"])
def test_a_damaged_cache_is_ignored(make_project: MakeProject, sample: Path, damage: str) -> None:
    run_build(sample)
    settings = settings_of(sample)
    path = cache_file(settings)
    CHANGES["edit-body"](sample)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(b"this is not a database \x00\xff" * 100)
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "deleted":
        shutil.rmtree(settings.cache_dir)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE entries (x)")
    run_build(sample)
    assert tree(sample / "out") == cold_tree(make_project, sample)


def test_files_of_deleted_entries_are_removed_even_without_the_cache(
    make_project: MakeProject, sample: Path
) -> None:
    run_build(sample)
    shutil.rmtree(settings_of(sample).cache_dir)
    CHANGES["edit-title"](sample)  # the slug, and so the page's file name, changes
    run_build(sample)
    assert tree(sample / "out") == cold_tree(make_project, sample)


def test_an_unwritable_cache_location_still_builds(make_project: MakeProject, sample: Path) -> None:
    """A read-only checkout: the cache cannot be created (.publisher is a file: stops root too)."""
    (sample / ".publisher").write_text("not a folder", encoding="utf-8")
    run_build(sample)
    assert tree(sample / "out") == cold_tree(make_project, sample)
    assert (sample / ".publisher").read_text(encoding="utf-8") == "not a folder"


# --- golden files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_golden_feeds(sample: Path, name: str) -> None:
    run_build(sample)
    produced = (sample / "out" / name).read_bytes()
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(produced)
    assert golden.is_file(), f"{golden} is missing: run with UPDATE_GOLDEN=1 to create it"
    assert produced == golden.read_bytes(), f"{name} differs from {golden}; see the module docstring"


BROKEN_TEMPLATES = {
    "tags.html.j2": ("{% block content %}", "{% block content %}{{ no_such_variable }}"),
    "list.html.j2": ("<h1>{{ heading }}</h1>", "<h1>{{ heading.no_such_attribute.deeper }}</h1>"),
    "entry.html.j2": ("{{ content }}", "{{ content }}{{ no_such_variable }}"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_TEMPLATES))
def test_a_template_mistake_stops_the_build_before_anything_is_written(sample: Path, name: str) -> None:
    """The first page of each kind is rendered before any file is written: out/ stays as it was,
    manifest included, and the error names the template and its line."""
    run_build(sample)
    before = {p.relative_to(sample / "out").as_posix(): p.read_bytes() for p in (sample / "out").rglob("*.*")}
    old, new = BROKEN_TEMPLATES[name]
    text = (REPO / "templates" / name).read_text(encoding="utf-8")
    assert old in text
    (sample / "templates").mkdir()
    (sample / "templates" / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PublisherError) as caught:
        build(settings_of(sample))
    assert f"templates/{name}" in str(caught.value.problems[0].path)
    after = {p.relative_to(sample / "out").as_posix(): p.read_bytes() for p in (sample / "out").rglob("*.*")}
    assert after == before
    (sample / "templates" / name).unlink()
    assert run_build(sample).written == ()


def test_a_template_mistake_in_a_fresh_project_leaves_no_out_folder(sample: Path) -> None:
    (sample / "templates").mkdir()
    (sample / "templates" / "tags.html.j2").write_text("{{ no_such_variable }}\n", encoding="utf-8")
    with pytest.raises(PublisherError):
        build(settings_of(sample))
    assert not (sample / "out").exists()


def test_a_strict_build_with_warnings_writes_nothing(sample: Path) -> None:
    edit(sample / "entries" / SURVEY, "lang: en", "lang: en\nkategorie: Energie")
    report = build(settings_of(sample), strict=True)
    assert "kategorie" in [p.field for p in report.warnings] and not report.errors
    assert not (sample / "out").exists()
    assert run_build(sample).written


def test_two_checkouts_of_the_same_project_build_byte_identical_out_folders(
    make_project: MakeProject, sample: Path
) -> None:
    """Manifest included: a media file's key is its content, not the mtime the checkout gave it."""
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    (sample / "entries" / "media").mkdir(exist_ok=True)
    (sample / "entries" / "media" / "bild.png").write_bytes(picture)
    other = make_project(config=(sample / "publisher.toml").read_text(encoding="utf-8"))
    shutil.rmtree(other / "entries")
    shutil.copytree(sample / "entries", other / "entries")
    os.utime(other / "entries" / "media" / "bild.png", ns=(SETTLED_NS, SETTLED_NS))
    run_build(sample)
    run_build(other)

    def everything(root: Path) -> dict[str, bytes]:
        out = root / "out"
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    assert MANIFEST in everything(sample) and everything(sample) == everything(other)
    os.utime(other / "entries" / "media" / "bild.png")  # touched, same bytes: nothing to write
    assert run_build(other).written == ()
    (other / "entries" / "media" / "bild.png").write_bytes(picture + b"\0")
    assert run_build(other).written == ("media/bild.png",)


KILL_ON_REPLACE = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from publisher.build.pipeline import build
from publisher.config import load_settings
calls = 0
real_replace = os.replace
def replace_then_die(src, dst):
    global calls
    calls += 1
    if calls == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)  # the temp file is written, the rename never happens
    real_replace(src, dst)
os.replace = replace_then_die
build(load_settings(Path(sys.argv[2]) / "publisher.toml"))
"""


@pytest.mark.parametrize("kill_at", [1, 5])
def test_a_killed_build_leaves_nothing_behind_once_the_next_build_ran(
    make_project: MakeProject, sample: Path, kill_at: int
) -> None:
    """kill -9 (a cancelled CI job) between writing a temp file and renaming it: the next build
    removes the temp file and finishes the job, equal to a cold build."""
    run_build(sample)
    CHANGES["edit-body"](sample)
    CHANGES["add"](sample)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_ON_REPLACE, str(REPO), str(sample), str(kill_at)], check=False
    )
    assert killed.returncode == -signal.SIGKILL
    assert [p.name for p in (sample / "out").rglob("*.tmp")], "the kill must leave a temp file behind"
    run_build(sample)
    assert list((sample / "out").rglob("*.tmp")) == []
    assert not (sample / "out" / WRITING).exists()
    assert tree(sample / "out") == cold_tree(make_project, sample)


def test_a_project_whose_entries_folder_is_the_project_itself_settles(make_project: MakeProject) -> None:
    """entries_dir = "." puts out/, templates/ and publisher.toml inside the entries folder: they are
    not scanned, so a build does not publish its own output again one folder deeper."""
    root = make_project(extra='entries_dir = "."\n')
    (root / "entries").rmdir()
    (root / "meldung.md").write_text(entry("Flach", "2024-05-14", id="urn:uuid:flach"), encoding="utf-8")
    (root / "media").mkdir()
    (root / "media" / "bild.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (root / "templates").mkdir()
    (root / "templates" / "style.css").write_text("body { color: #222; }\n", encoding="utf-8")
    first = run_build(root)
    assert not first.warnings, [str(p) for p in first.warnings]
    assert "media/bild.png" in first.written
    assert run_build(root).written == ()
    assert build(settings_of(root), full=True).written == ()
    assert not (root / "out" / "out").exists()
    # Built elsewhere too (--out), the project's own out/ is no input: only the entry and its media.
    elsewhere = build(settings_of(root, out_dir=root.parent / "anderswo"))
    assert not elsewhere.warnings and not any(p.startswith("out/") for p in elsewhere.written)
    # and an --out folder inside the project is no input for the next plain build either
    build(settings_of(root, out_dir=root / "site"))
    assert run_build(root).written == () and not (root / "out" / "site").exists()
