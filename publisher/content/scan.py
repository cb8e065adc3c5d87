"""Find entry and media files: what a build reads, never following a link out of the project or
into a loop, and skipping what is no regular file."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from operator import attrgetter
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISFIFO, S_ISREG, S_ISSOCK
from typing import NamedTuple

from publisher.output import MANIFEST, WRITING

ENTRY_SUFFIX = ".md"


class EntryFile(NamedTuple):
    """An entry file found on disk: ``relative`` is its path from the project root, as messages show it.

    A NamedTuple rather than a frozen dataclass: a scan creates one per file (100,000 at a time),
    and a frozen dataclass's ``__init__`` costs several times as much.
    """

    path: str
    relative: str
    mtime_ns: int
    size: int


class Refused(NamedTuple):
    """A file or folder in the entries folder that is not read, and why (told as a warning)."""

    relative: str  # from the entries folder, like the names of ignored files
    reason: str
    hint: str


class _Bounds:
    """Where links in the entries folder may lead: into the project (its folder or the entries
    folder), not into a hidden or ``_`` folder there or a path publisher never publishes (``skip``),
    never back up into a folder being read (a loop) and never to a folder inside the entries folder
    (its files are read at their own place already)."""

    def __init__(self, entries: str, root: str | None, skip: set[str]) -> None:
        self.entries = entries
        self.roots = [entries] if root is None else [entries, root]
        self.skip = skip

    def refusal(self, path: str, relative: str, folder_real: str, is_dir: bool) -> Refused | None:
        """None when the link at ``path`` may be followed; else why not."""
        target = os.path.realpath(path)
        shown = self._shown(target)
        home = next((r for r in self.roots if target == r or target.startswith(r + "/")), None)
        if home is None:
            return Refused(
                relative,
                f"is a link to {target}, outside the project, so it is not followed",
                "copy the file or folder into the project, or remove the link",
            )
        if is_dir and (_within(folder_real, target) or _within(self.entries, target)):
            return Refused(
                relative, f"is a link back to {shown} (a loop), so it is not followed", "remove the link"
            )
        if (is_dir or relative.endswith(ENTRY_SUFFIX)) and _within(target, self.entries):
            what = "files are read at their" if is_dir else "file is read at its"
            return Refused(
                relative,
                f"is a link to {shown}, whose {what} own place, so it is not followed",
                "remove the link",
            )
        inside = target[len(home) + 1 :].split("/") if target != home else []
        if any(part[:1] in "._" for part in inside) or any(_within(target, s) for s in self.skip):
            return Refused(
                relative,
                f"is a link to {shown}, which publisher never publishes, so it is not followed",
                "remove the link; only entries and media files in the project are published",
            )
        return None

    def _shown(self, target: str) -> str:
        root = self.roots[-1]
        return target[len(root) + 1 :] or "." if _within(target, root) else target


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _real(path: Path | None) -> str | None:
    return None if path is None else os.path.realpath(path)


def scan_entry_files(entries_dir: Path, root: Path, skip: Collection[Path] = ()) -> list[EntryFile]:
    """Every ``*.md`` below ``entries_dir`` (hidden and ``_`` files and folders skipped, and the
    folders in ``skip``: the output and templates when they lie inside it), sorted. Links are
    followed only where ``_Bounds`` allows (``scan_assets`` reports the others).

    Uses ``os.scandir``: its entries know whether they are files or folders without a system
    call, so only entry files are stat'ed. Where the platform allows, each folder is listed
    through an open descriptor, so that each ``stat`` looks the name up in that folder instead of
    walking the whole path again (a quarter less time at 100,000 files). This loop runs on every
    build and digest, so it does as little per file as it can.
    """
    base = entries_dir.resolve()
    prefix = (
        base.relative_to(root.resolve()).as_posix() + "/"
        if base.is_relative_to(root.resolve())
        else f"{base}/"
    )
    by_descriptor = os.scandir in os.supports_fd
    skipped = {str(folder) for folder in skip}
    bounds = _Bounds(str(base), _real(root), {os.path.realpath(f) for f in skipped})
    found: list[EntryFile] = []
    stack = [(str(base), prefix, str(base))]
    while stack:
        folder, relative, real = stack.pop()
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if by_descriptor else None
        try:
            with os.scandir(folder if handle is None else handle) as listing:
                for item in listing:
                    name = item.name
                    if name[0] in "._":
                        continue
                    if name.endswith(ENTRY_SUFFIX) and item.is_file():
                        if item.is_symlink() and bounds.refusal(
                            f"{folder}/{name}", relative + name, real, False
                        ):
                            continue
                        stat = item.stat()
                        if not S_ISREG(stat.st_mode):
                            continue
                        found.append(
                            EntryFile(f"{folder}/{name}", relative + name, stat.st_mtime_ns, stat.st_size)
                        )
                    elif (
                        item.is_dir()
                        and f"{folder}/{name}" not in skipped
                        and not _is_output_folder(f"{folder}/{name}")
                    ):
                        inner = f"{real}/{name}"
                        if item.is_symlink():
                            if bounds.refusal(f"{folder}/{name}", name, real, True):
                                continue
                            inner = os.path.realpath(f"{folder}/{name}")
                        stack.append((f"{folder}/{name}", f"{relative}{name}/", inner))
        finally:
            if handle is not None:
                os.close(handle)
    found.sort(key=attrgetter("relative"))
    return found


def rescan(files: Sequence[EntryFile], changed: Collection[str]) -> list[EntryFile] | None:
    """``files`` (an earlier ``scan_entry_files``) with the ``changed`` paths (absolute, as ``path``)
    looked at again; None when one of them is not among ``files`` or no longer a regular file, so
    that the caller scans the folders again. For a process told of every change (the preview's
    watcher): it saves a ``stat`` per entry file (0.1 s at 10,000 entries) when files were edited."""
    if not changed:
        return list(files)
    wanted = set(changed)
    updated: list[EntryFile] = []
    for file in files:
        if file.path in wanted:
            try:
                stat = os.stat(file.path, follow_symlinks=False)
            except OSError:
                return None
            if not S_ISREG(stat.st_mode):
                return None
            file = file._replace(mtime_ns=stat.st_mtime_ns, size=stat.st_size)
            wanted.discard(file.path)
        updated.append(file)
    return None if wanted else updated


def _is_output_folder(folder: str) -> bool:
    """A folder publisher built into (``--out`` inside the entries): never entries or media, or each
    build would publish the last one's output again, one folder deeper."""
    return any(os.path.exists(os.path.join(folder, mark)) for mark in (MANIFEST, WRITING))


class Media(NamedTuple):
    """What ``scan_assets`` found besides the entries."""

    assets: list[EntryFile]  # media files to copy
    ignored: list[str]  # names of other files, not published
    refused: list[Refused]  # links not followed and files that are not regular files


ASSET_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".pdf"})


NOT_REGULAR = {
    S_ISFIFO: "a named pipe (FIFO)",
    S_ISSOCK: "a socket",
    S_ISCHR: "a device",
    S_ISBLK: "a device",
}


def scan_assets(entries_dir: Path, skip: Collection[Path] = (), root: Path | None = None) -> Media:
    """Media files kept beside the entries (copied to out/ at the same relative path), the relative
    paths of other files that are ignored, and what is refused: links that lead outside the project
    (``root``; without it, the entries folder) or round in a loop, and anything that is not a regular
    file (a named pipe would block the build reading it). SVG is not copied: it can carry script.
    The folders in ``skip`` (the output, the templates) are not looked into."""
    assets: list[EntryFile] = []
    ignored: list[str] = []
    refused: list[Refused] = []
    base = str(entries_dir.resolve())
    skipped = {str(folder) for folder in skip}
    bounds = _Bounds(base, _real(root), {os.path.realpath(f) for f in skipped})
    stack = [(base, "", base)]
    while stack:
        folder, relative, real = stack.pop()
        with os.scandir(folder) as listing:
            items = sorted(listing, key=attrgetter("name"))
        for item in items:
            name, full = item.name, f"{folder}/{item.name}"
            if name.startswith((".", "_")) or full in skipped:
                continue
            is_link = item.is_symlink()
            if item.is_dir():
                if _is_output_folder(full):
                    continue
                refusal = bounds.refusal(full, relative + name, real, True) if is_link else None
                if refusal:
                    refused.append(refusal)
                    continue
                inner = os.path.realpath(full) if is_link else f"{real}/{name}"
                stack.append((full, f"{relative}{name}/", inner))
                continue
            refusal = bounds.refusal(full, relative + name, real, False) if is_link else None
            if refusal:
                refused.append(refusal)
                continue
            if name.endswith(ENTRY_SUFFIX) and item.is_file():
                continue  # an entry (scan_entry_files reads it): no stat for each of 100,000 entries
            try:
                stat = item.stat()
            except OSError:  # a link to nothing
                if name.endswith(ENTRY_SUFFIX):
                    ignored.append(relative + name)
                else:
                    refused.append(
                        Refused(
                            relative + name,
                            "is a link to nothing, so it is not published",
                            "fix or remove the link",
                        )
                    )
                continue
            kind = next((what for test, what in NOT_REGULAR.items() if test(stat.st_mode)), None)
            if kind is not None:
                refused.append(
                    Refused(
                        relative + name,
                        f"is {kind}, not a regular file, so it is not read",
                        "remove it from the entries folder; only regular files are published",
                    )
                )
            elif name.endswith(ENTRY_SUFFIX):
                continue
            elif Path(name).suffix.lower() in ASSET_SUFFIXES:
                assets.append(EntryFile(full, relative + name, stat.st_mtime_ns, stat.st_size))
            else:
                ignored.append(relative + name)
    assets.sort(key=lambda f: f.relative)
    refused.sort()
    return Media(assets, sorted(ignored), refused)


def entry_files(entries_dir: Path) -> list[Path]:
    """Every entry file below ``entries_dir``, in a stable order; hidden files and folders are skipped."""
    return [Path(f.path) for f in scan_entry_files(entries_dir, entries_dir)]
