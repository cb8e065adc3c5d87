"""Listing entry files again after edits a watcher reported (``rescan``)."""

from __future__ import annotations

import os
from pathlib import Path

from publisher.content.scan import rescan, scan_entry_files
from tests.conftest import MakeProject
from tests.helpers import entry


def _project(make_project: MakeProject) -> Path:
    return make_project({"2024/a.md": entry("A"), "2024/b.md": entry("B", body="Kurz.")})


def test_an_edited_file_gets_its_new_size_and_mtime(make_project: MakeProject) -> None:
    root = _project(make_project)
    listed = scan_entry_files(root / "entries", root)
    edited = root / "entries" / "2024" / "b.md"
    edited.write_text(entry("B", body="Viel länger als vorher."), encoding="utf-8")
    os.utime(edited, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    again = rescan(listed, {str(edited.resolve())})
    assert again == scan_entry_files(root / "entries", root)
    assert again is not None and again[1].size != listed[1].size and again[0] == listed[0]


def test_nothing_changed_is_the_same_listing(make_project: MakeProject) -> None:
    root = _project(make_project)
    listed = scan_entry_files(root / "entries", root)
    assert rescan(listed, set()) == listed


def test_a_file_it_does_not_know_or_that_is_gone_needs_a_scan(make_project: MakeProject) -> None:
    root = _project(make_project)
    listed = scan_entry_files(root / "entries", root)
    new = root / "entries" / "2024" / "c.md"
    new.write_text(entry("C"), encoding="utf-8")
    assert rescan(listed, {str(new.resolve())}) is None
    gone = root / "entries" / "2024" / "a.md"
    gone.unlink()
    assert rescan(listed, {str(gone.resolve())}) is None


def test_a_file_replaced_by_something_else_needs_a_scan(make_project: MakeProject) -> None:
    root = _project(make_project)
    listed = scan_entry_files(root / "entries", root)
    replaced = root / "entries" / "2024" / "a.md"
    replaced.unlink()
    os.mkfifo(replaced)
    assert rescan(listed, {str(replaced.resolve())}) is None
