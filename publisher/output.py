"""Atomic file writes (a temp file in the same directory, then ``os.replace``) and the manifest of
what a build wrote into an output folder."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

_temp_names = itertools.count()


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of it.

    The temp file sits beside the target and is named after this process, so concurrent writers
    never share one. It gets the permissions of any new file (0644 under the usual umask), not
    the 0600 of ``tempfile.mkstemp``: a web server must be able to read what a build writes.
    ``durable`` also flushes the data to disk before the rename, so that even a power failure cannot
    leave an empty file; it costs a journal commit per file, so build outputs skip it.
    """
    tmp = f"{path.parent}/.{path.name}.{os.getpid()}.{next(_temp_names)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:  # the folder is new; trying first saves a mkdir per file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet, atomically: the bytes go to a temp file beside it,
    which is then linked under the final name (that fails if the name is taken, even by a file
    another process created a moment ago). Raises FileExistsError; never replaces a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{path.parent}/.{path.name}.{os.getpid()}.{next(_temp_names)}.tmp"
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_if_changed(path: Path, data: bytes, durable: bool = True) -> bool:
    """Write atomically unless the file already holds exactly these bytes. Returns True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data, durable)
    return True


WRITING = ".publisher-writing"
"""In the output folder while a build writes into it: found at the start of a build, it means the
last one was interrupted (killed, cancelled in CI), which can leave temp files behind."""
_TEMP_FILE = re.compile(r"^\..+\.(?P<pid>\d+)\.\d+\.tmp$")  # write_atomic's names


def start_writing(out_dir: Path) -> None:
    """Mark ``out_dir`` as being written; first remove what an interrupted build left behind."""
    if (out_dir / WRITING).exists():
        remove_temp_files(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / WRITING).touch()  # not write_atomic: a kill between its write and rename would lose the mark


def finish_writing(out_dir: Path, interrupted_before: bool = False) -> None:
    """Remove the mark. After an interrupted build, sweep again first: temp files of its workers,
    still alive when this build started, are gone now; if some still run, the mark stays, so that
    the next build looks again."""
    if interrupted_before and _temp_files(out_dir, only_dead=False):
        remove_temp_files(out_dir)
        if _temp_files(out_dir, only_dead=False):
            return
    (out_dir / WRITING).unlink(missing_ok=True)


def interrupted(out_dir: Path) -> bool:
    return (out_dir / WRITING).exists()


def remove_temp_files(out_dir: Path) -> list[str]:
    """Delete ``write_atomic``'s temp files whose process is gone; return their relative paths.

    A process still running (a build next to this one) keeps its files: it will rename them.
    """
    removed = []
    for path in _temp_files(out_dir, only_dead=True):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path.relative_to(out_dir).as_posix())
    return sorted(removed)


def _temp_files(out_dir: Path, only_dead: bool) -> list[Path]:
    found = []
    for folder, _, names in os.walk(out_dir):
        for name in names:
            match = _TEMP_FILE.match(name)
            if match and not (only_dead and _running(int(match.group("pid")))):
                found.append(Path(folder, name))
    return found


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a killed build's workers can stay unreaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the process exists


LINE_PER_ITEM = (",\n", ": ")
"""``json.dumps`` separators for a file a person may read or diff: an item per line. (``indent``
does that too, but only Python's slow encoder can indent: 0.1 s for 13,000 files at every build.)"""

MANIFEST = ".publisher-manifest.json"
MANIFEST_VERSION = 1


def read_manifest(out_dir: Path) -> dict[str, str]:
    """``{relative path: key of its inputs}`` of every file the last build wrote into ``out_dir``.

    It lives in the output folder itself, so that it always describes exactly that folder, even
    after the build cache was deleted. A missing or unreadable manifest means "nothing known".

    The file can be edited by anyone who can write ``out/``: its paths are not trusted. What
    deletes files it lists checks each path with ``lies_inside`` first.
    """
    try:
        data = json.loads((out_dir / MANIFEST).read_bytes())
        files = data["files"] if data.get("version") == MANIFEST_VERSION else {}
        return {str(path): str(key) for path, key in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def is_inside_path(path: str) -> bool:
    """Whether ``path`` is a plain relative path that stays inside the folder it is relative to."""
    if not path or "\0" in path or os.path.isabs(path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def lies_inside(folder: Path, path: str) -> bool:
    """Whether ``folder/path`` is inside ``folder`` after following every symbolic link on the way
    to it (the file itself may be a link: removing it removes the link, not its target)."""
    if not is_inside_path(path):
        return False
    target = Path(os.path.join(folder, path))
    real_folder = os.path.realpath(folder)
    real_parent = os.path.realpath(target.parent)
    return real_parent == real_folder or real_parent.startswith(real_folder + os.sep)


def write_manifest(out_dir: Path, files: Mapping[str, str]) -> None:
    document = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    write_atomic(out_dir / MANIFEST, json.dumps(document, separators=LINE_PER_ITEM).encode("utf-8"))
