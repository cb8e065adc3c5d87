"""Atomic writes: a temp file in the same folder, renamed over the target; old or new, never half."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher import output
from publisher.output import write_atomic, write_if_changed


def test_write_atomic_creates_folders_and_readable_files(tmp_path: Path) -> None:
    target = tmp_path / "tags" / "köln" / "rss.xml"
    write_atomic(target, "Grüße".encode())
    assert target.read_bytes() == "Grüße".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["rss.xml"]


def test_write_atomic_replaces_the_file_instead_of_writing_into_it(tmp_path: Path) -> None:
    target = tmp_path / "feed.json"
    target.write_bytes(b"old")
    reader = target.open("rb")  # a reader that opened the old file keeps reading the old bytes
    inode = target.stat().st_ino
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert target.stat().st_ino != inode
    assert reader.read() == b"old"
    reader.close()


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException], where: str
) -> None:
    target = tmp_path / "atom.xml"
    target.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise error("disk full")

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(error):
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["atom.xml"]


def test_write_if_changed(tmp_path: Path) -> None:
    target = tmp_path / "index.html"
    assert write_if_changed(target, b"a") is True
    before = target.stat().st_mtime_ns, target.stat().st_ino
    assert write_if_changed(target, b"a") is False
    assert (target.stat().st_mtime_ns, target.stat().st_ino) == before
    assert write_if_changed(target, b"b") is True
    assert write_if_changed(target, b"bb") is True and target.read_bytes() == b"bb"


def test_the_manifest_round_trips_and_a_broken_one_reads_as_empty(tmp_path: Path) -> None:
    from publisher.output import MANIFEST, read_manifest, write_manifest

    assert read_manifest(tmp_path) == {}
    write_manifest(tmp_path, {"b.html": "k2", "a.html": "k1"})
    assert read_manifest(tmp_path) == {"a.html": "k1", "b.html": "k2"}
    (tmp_path / MANIFEST).write_bytes(b'{"version": 1, "files": ')
    assert read_manifest(tmp_path) == {}
    (tmp_path / MANIFEST).write_bytes(b'{"version": 99, "files": {"a.html": "k"}}')
    assert read_manifest(tmp_path) == {}


def test_temp_files_of_dead_processes_are_removed_and_those_of_running_ones_kept(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(finished.stdout)
    (tmp_path / "posts").mkdir()
    gone = tmp_path / "posts" / f".a.html.{dead}.3.tmp"
    live = tmp_path / "posts" / f".b.html.{os.getpid()}.0.tmp"
    other = tmp_path / "posts" / ".hidden-but-mine.tmp"  # not write_atomic's name: left alone
    for path in (gone, live, other):
        path.write_bytes(b"")
    assert output.remove_temp_files(tmp_path) == [f"posts/.a.html.{dead}.3.tmp"]
    assert sorted(p.name for p in (tmp_path / "posts").iterdir()) == sorted([live.name, other.name])


def test_temp_files_of_a_zombie_process_are_removed(tmp_path: Path) -> None:
    """A killed build's workers can stay unreaped (<defunct>): they exist, but will never rename."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        for _ in range(200):  # until the child has exited (it is a zombie while not waited for)
            if Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z":
                break
            time.sleep(0.01)
        leftover = tmp_path / f".index.html.{pid}.7.tmp"
        leftover.write_bytes(b"")
        assert output.remove_temp_files(tmp_path) == [leftover.name]
    finally:
        os.waitpid(pid, 0)
