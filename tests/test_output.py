"""Atomic writes: a temp file in the same folder, renamed over the target; old or new, never half."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from publisher.output import write_all, write_atomic, write_if_changed


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


def test_write_all(tmp_path: Path) -> None:
    files = {"rss.xml": b"1", "posts/a.html": b"2", "tags/x/atom.xml": b"3"}
    assert write_all(tmp_path, files) == ["posts/a.html", "rss.xml", "tags/x/atom.xml"]
    assert write_all(tmp_path, files) == []
    assert write_all(tmp_path, {**files, "rss.xml": b"neu"}) == ["rss.xml"]
    assert (tmp_path / "tags" / "x" / "atom.xml").read_bytes() == b"3"
