"""A build stays in its folders: it deletes only inside out/, follows no link out of the project or
round in a loop, skips what is not a regular file, and its workers do not outlive it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher.build.pipeline import BuildReport, build
from publisher.output import MANIFEST
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of

REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


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


def build_process(root: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``publisher build`` as its own process, with a time limit: the old code hung or looped here."""
    return subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(root), "build"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, with a secret and an entry nobody meant to publish."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "shadow").write_text("root:$6$geheim\n", encoding="utf-8")
    (folder / "fremd.md").write_text(entry("Fremder Text", id="urn:uuid:fremd"), encoding="utf-8")
    return folder


def test_links_out_of_the_project_are_not_followed(make_project: MakeProject, outside: Path) -> None:
    root = make_project({"a.md": entry("Eins", id="urn:uuid:eins")})
    media = root / "entries" / "media"
    media.mkdir()
    (media / "s.pdf").symlink_to(outside / "shadow")
    (root / "entries" / "ext").symlink_to(outside, target_is_directory=True)
    (media / "r.png").symlink_to("/", target_is_directory=True)
    result = build_process(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 entry:")
    out = root / "out"
    assert not (out / "media" / "s.pdf").exists()
    assert not any("Fremder Text" in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert (
        f"entries/media/s.pdf: warning: is a link to {outside / 'shadow'}, outside the project, so it is not "
        "followed -> copy the file or folder into the project, or remove the link"
    ) in result.stderr
    assert f"entries/ext: warning: is a link to {outside}, outside the project" in result.stderr
    assert "entries/media/r.png: warning: is a link to /, outside the project" in result.stderr
    assert not any(b"geheim" in p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_a_link_in_a_loop_is_not_followed(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eins", id="urn:uuid:eins")})
    (root / "entries" / "loop").symlink_to(".", target_is_directory=True)
    (root / "entries" / "up").symlink_to("..", target_is_directory=True)
    (root / "entries" / "nochmal.md").symlink_to("a.md")
    result = build_process(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 entry:")
    assert "entries/loop: warning: is a link back to entries (a loop), so it is not followed" in result.stderr
    assert "entries/up: warning: is a link back to . (a loop), so it is not followed" in result.stderr
    assert "entries/nochmal.md: warning: is a link to entries/a.md, whose file is read at its own place" in (
        result.stderr
    )


def test_links_inside_the_project_are_still_followed(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eins", id="urn:uuid:eins")})
    (root / "bilder").mkdir()
    (root / "bilder" / "logo.png").write_bytes(PNG)
    (root / "gemeinsam").mkdir()
    (root / "gemeinsam" / "b.md").write_text(entry("Gemeinsam", id="urn:uuid:b"), encoding="utf-8")
    (root / "entries" / "media").mkdir()
    (root / "entries" / "media" / "logo.png").symlink_to(root / "bilder" / "logo.png")
    (root / "entries" / "gemeinsam").symlink_to(root / "gemeinsam", target_is_directory=True)
    (root / "publisher.db").write_bytes(b"SQLite format 3\0subscribers")
    (root / "entries" / "media" / "liste.pdf").symlink_to(root / "publisher.db")
    report = run_build(root)
    assert report.entries == 2
    assert (root / "out" / "media" / "logo.png").read_bytes() == PNG
    assert not (root / "out" / "media" / "liste.pdf").exists()
    [refused] = [p for p in report.warnings if p.path == "entries/media/liste.pdf"]
    assert "is a link to publisher.db, which publisher never publishes" in refused.message


def test_a_fifo_in_the_media_folder_is_skipped_with_a_warning(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eins", id="urn:uuid:eins")})
    (root / "entries" / "media").mkdir()
    os.mkfifo(root / "entries" / "media" / "pipe.png")
    os.mkfifo(root / "entries" / "pipe.md")
    result = build_process(root, timeout=60)  # the old build waited for a writer forever
    assert result.returncode == 0, result.stderr
    assert (
        "entries/media/pipe.png: warning: is a named pipe (FIFO), not a regular file, so it is not read"
    ) in result.stderr
    assert "entries/pipe.md: warning: is a named pipe (FIFO), not a regular file" in result.stderr
    assert not (root / "out" / "media").exists()


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (an orphan's new parent may not reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="looks for the workers in /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: a build starts no worker processes")
def test_the_workers_end_soon_after_their_build_is_killed(make_project: MakeProject) -> None:
    root = make_project(
        {f"{n:04d}.md": entry(f"Meldung {n}", f"2024-05-14T09:{n % 60:02d}:00+02:00") for n in range(600)}
    )
    build = subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(root), "build", "--full"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(build.pid)) < 2:
            assert build.poll() is None and time.monotonic() < deadline, "the build started no workers"
            time.sleep(0.01)
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in workers if _alive(pid)]
        assert left == [], "the workers outlived their build"
    finally:
        build.kill()
        build.wait()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _as_a_user_without_override() -> list[str]:
    """A command prefix under which file permissions hold: nothing for a normal user; for root,
    setpriv without the capabilities that let root read any file (skipped without setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root reads files whatever their permissions, and setpriv (util-linux) is missing")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_an_unreadable_entry_is_reported_as_unreadable(make_project: MakeProject) -> None:
    root = make_project(
        {"a.md": entry("Eins", id="urn:uuid:eins"), "b.md": entry("Zwei", id="urn:uuid:zwei")}
    )
    (root / "entries" / "b.md").chmod(0)
    command = [sys.executable, "-m", "publisher", "-C", str(root), "build"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    locked = subprocess.run(
        _as_a_user_without_override() + command, env=env, capture_output=True, text=True, check=False
    )
    assert locked.returncode == 1
    assert "entries/b.md: cannot be read (Permission denied) -> let publisher read it, e.g. chmod a+r " in (
        locked.stderr
    )
    assert "write" not in locked.stderr
    (root / "entries" / "b.md").chmod(0o644)  # chmod leaves the mtime: the next build must still look
    fixed = subprocess.run(
        _as_a_user_without_override() + command, env=env, capture_output=True, text=True, check=False
    )
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("2 entries:")
