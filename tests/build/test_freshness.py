"""A rebuild with nothing changed stops before loading entries, and only then."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from publisher.build import freshness
from publisher.build import pipeline as build_module
from publisher.build.pipeline import BuildReport, build
from publisher.content import workers
from publisher.content.cache import CacheRow
from publisher.content.load import refresh
from publisher.content.normalise import NormaliseContext
from publisher.output import MANIFEST
from tests.conftest import MakeProject
from tests.helpers import SAMPLE_CONFIG, carry_record, entry, settings_of, tree

SURVEY = "2024/2024-09-12-cluster-survey.md"


@pytest.fixture
def sample(make_project: MakeProject) -> Path:
    root = make_project(sample=True, config=SAMPLE_CONFIG)
    (root / "entries" / "2024" / "bild.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (root / "entries" / "2024" / "notiz.txt").write_text("keine Meldung", encoding="utf-8")  # a warning
    return root


def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that go on to load every entry (the slow path)."""
    calls: list[int] = []
    real = build_module.load_site

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "load_site", spy)
    return calls


def test_nothing_changed_reports_what_a_full_build_reports(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(settings_of(sample))
    assert first.warnings  # the ignored notiz.txt, so problems must come back from the record too
    calls = loads(monkeypatch)
    again = build(settings_of(sample))
    assert calls == []
    assert again == BuildReport((), (), len(first.written), first.entries, first.problems)


def touch_asset(root: Path) -> None:
    path = root / "entries" / "2024" / "bild.png"
    path.write_bytes(path.read_bytes() + b"\0")


CHANGES: dict[str, Callable[[Path], object]] = {
    "entry edited": lambda root: (root / "entries" / SURVEY).write_text(
        (root / "entries" / SURVEY).read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8"
    ),
    "entry added": lambda root: (root / "entries" / "2024" / "neu.md").write_text(
        entry("Neu", "2024-11-01", id="urn:uuid:neu"), encoding="utf-8"
    ),
    "entry deleted": lambda root: (root / "entries" / SURVEY).unlink(),
    "asset changed": touch_asset,
    "file ignored": lambda root: (root / "entries" / "liesmich.doc").write_bytes(b"x"),
    "setting changed": lambda root: (root / "publisher.toml").write_text(
        SAMPLE_CONFIG.replace("feed_limit = 50", "feed_limit = 3"), encoding="utf-8"
    ),
    "template added": lambda root: (
        (root / "templates").mkdir()
        or (root / "templates" / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    ),
    "output deleted": lambda root: (root / "out" / "index.html").unlink(),
    "output folder deleted": lambda root: [p.unlink() for p in (root / "out" / "tags").rglob("*.html")],
    "manifest replaced": lambda root: (root / "out" / MANIFEST).write_text('{"version": 1, "files": {}}'),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_takes_the_full_build(
    sample: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    build(settings_of(sample))
    CHANGES[change](sample)
    calls = loads(monkeypatch)
    report = build(settings_of(sample))
    assert calls == [1]
    assert not report.errors
    fresh = make_project(config=(sample / "publisher.toml").read_text(encoding="utf-8"))
    carry_record(sample / "out", fresh / "out")
    os.rename(fresh / "entries", fresh / "unused")
    os.rename(sample / "entries", fresh / "entries")
    if (sample / "templates").exists():
        os.rename(sample / "templates", fresh / "templates")
    build(settings_of(fresh))
    assert tree(sample / "out") == tree(fresh / "out")  # and the result is a cold build's


def test_another_out_dir_is_recorded_on_its_own(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(settings_of(sample))
    other = sample / "anderswo"
    calls = loads(monkeypatch)
    build(settings_of(sample, out_dir=other))
    assert calls == [1] and tree(other) == tree(sample / "out")
    build(settings_of(sample))
    build(settings_of(sample, out_dir=other))
    assert calls == [1]


def test_a_build_with_errors_is_not_recorded(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(settings_of(sample))
    bad = sample / "entries" / "2024" / "kaputt.md"
    bad.write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert build(settings_of(sample)).errors
    bad.unlink()  # back to what out/ was built from
    calls = loads(monkeypatch)
    assert build(settings_of(sample)).written == ()
    assert calls == []


def test_an_unreadable_record_means_a_full_build(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(sample)
    build(settings)
    inputs = refresh(settings)
    inputs.cache.remember_build(str(settings.out_dir), b"not a pickle")
    inputs.cache.close()
    calls = loads(monkeypatch)
    build(settings)
    assert calls == [1]
    inputs = refresh(settings)
    try:
        assert freshness.unchanged(inputs.cache, settings.out_dir, "another fingerprint") is None
    finally:
        inputs.cache.close()


def test_a_full_build_renders_everything_again_with_the_same_result(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(settings_of(sample))
    before = tree(sample / "out")
    normalised: list[str] = []
    real = workers.normalise_file

    def spy(path: Path, relative: str, context: NormaliseContext) -> CacheRow:
        normalised.append(relative)
        return real(path, relative, context)

    monkeypatch.setattr(workers, "normalise_file", spy)
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 10**9)  # in this process, where the spy is
    report = build(settings_of(sample), full=True)
    assert len(normalised) == report.entries + 1  # every entry file, the draft too
    assert report.written == () and report.unchanged == len(before)  # rendered, and byte-identical
    assert tree(sample / "out") == before
    (sample / "entries" / SURVEY).unlink()
    report = build(settings_of(sample), full=True)
    assert any(p.startswith("posts/") for p in report.deleted)  # files of deleted entries still go
    calls = loads(monkeypatch)
    build(settings_of(sample))
    assert calls == []  # a full build is recorded like any other


def test_the_cli_takes_full(sample: Path) -> None:
    from click.testing import CliRunner

    from publisher.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(sample), "build"]).exit_code == 0
    result = runner.invoke(cli, ["-C", str(sample), "build", "--full"])
    assert result.exit_code == 0, result.output
    assert "0 file(s) written" in result.output


def test_every_setting_a_template_can_read_counts(sample: Path) -> None:
    """A project's footer may show any setting (e.g. the postal address for an imprint)."""
    settings = settings_of(sample)
    changed = [
        settings.with_overrides(title="Anders"),
        replace(settings, digest=replace(settings.digest, sender_address="Domplatz 1, 50667 Köln")),
        replace(settings, smtp=replace(settings.smtp, from_name="Redaktion")),
    ]
    fingerprints = {freshness.settings_fingerprint(s) for s in [settings, *changed]}
    assert len(fingerprints) == 4
    moved = settings.with_overrides(out_dir=sample / "anderswo")  # folders are not part of any output
    assert freshness.settings_fingerprint(moved) == freshness.settings_fingerprint(settings)


def test_keys_of_different_parts_differ() -> None:
    """Strings are hashed as they are (not by their repr): their lengths keep the parts apart."""
    assert freshness.key("a\x00b") != freshness.key("a", "b")
    assert freshness.key("ab", "c") != freshness.key("a", "bc")
    assert freshness.key(("x", 1)) == freshness.key(("x", 1))
