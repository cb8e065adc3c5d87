"""A build stays in its folders: it deletes only inside out/, follows no link out of the project or
round in a loop, skips what is not a regular file, and its workers do not outlive it."""

from __future__ import annotations

import json
from pathlib import Path

from publisher.build.pipeline import BuildReport, build
from publisher.output import MANIFEST
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of


def run_build(root: Path) -> BuildReport:
    report = build(settings_of(root))
    assert not report.errors, [str(p) for p in report.errors]
    return report


def add_to_manifest(out: Path, *paths: str) -> None:
    document = json.loads((out / MANIFEST).read_bytes())
    document["files"].update(dict.fromkeys(paths, "0" * 64))
    (out / MANIFEST).write_text(json.dumps(document), encoding="utf-8")


def test_paths_in_the_manifest_outside_out_are_never_deleted(
    make_project: MakeProject, tmp_path: Path
) -> None:
    """out/.publisher-manifest.json is a file anyone who can write out/ can edit: a path leading
    out of out/ (.., absolute, through a folder that is a link) is not deleted by the next build."""
    root = make_project({"a.md": entry("Eins", id="urn:uuid:eins")})
    run_build(root)
    out = root / "out"
    beside = root / "notes.txt"
    beside.write_text("Notizen", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "kept").mkdir(parents=True)
    absolute = elsewhere / "absolute.txt"
    absolute.write_text("absolut", encoding="utf-8")
    (elsewhere / "linked.txt").write_text("verlinkt", encoding="utf-8")
    (elsewhere / "kept" / "deep.txt").write_text("tief", encoding="utf-8")
    (out / "through").symlink_to(elsewhere, target_is_directory=True)
    (out / "stale.html").write_text("alt", encoding="utf-8")
    add_to_manifest(out, "../notes.txt", str(absolute), "through/linked.txt", "../../elsewhere/kept/deep.txt")
    add_to_manifest(out, "stale.html")

    report = run_build(root)

    assert beside.read_text(encoding="utf-8") == "Notizen"
    assert absolute.read_text(encoding="utf-8") == "absolut"
    assert (elsewhere / "linked.txt").read_text(encoding="utf-8") == "verlinkt"
    assert (elsewhere / "kept" / "deep.txt").read_text(encoding="utf-8") == "tief"
    assert report.deleted == ("stale.html",)  # what does lie inside out/ is still cleaned up
    assert not (out / "stale.html").exists()
    kept = json.loads((out / MANIFEST).read_bytes())["files"]
    assert not any(path.startswith(("..", "/", "through/")) for path in kept)
