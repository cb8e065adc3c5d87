"""One run at a time per project: build, digest, send and publish hold the project lock while they work.

The lock is a POSIX record lock on ``.publisher/lock`` in the project: the operating system releases it
when its holder ends, however it ends (kill -9 included), and worker processes forked by a build do not
inherit it. The file says who holds it, so a second run can tell the user. Taking it again inside the
same process (``publish`` runs a build, a digest and a send) is free.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from publisher.errors import PublisherError

logger = logging.getLogger(__name__)

LOCK_FILE = Path(".publisher") / "lock"

_held: dict[Path, int] = {}  # lock file -> how many times this process holds it
_guard = threading.Lock()


def lock_path(root: Path) -> Path:
    return root / LOCK_FILE


def holder(path: Path) -> str:
    """What the lock file says about who holds it ("" if it says nothing)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


@contextmanager
def project_lock(root: Path, command: str) -> Iterator[None]:
    """Hold the project's lock for ``command``; if another process holds it, raise PublisherError
    naming that process."""
    path = lock_path(root).resolve()
    with _guard:
        if _held.get(path):
            _held[path] += 1
            acquired_here = False
        else:
            acquired_here = True
    if not acquired_here:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Opened once per process and never closed while held: closing any descriptor of the file
        # would release a POSIX lock.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        # A read-only checkout (CI): no other run can write here either, so there is nothing to guard.
        logger.info("%s: no lock (%s)", path, exc.strerror or exc)
        fd = -1
    if fd < 0:
        yield
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            who = holder(path) or "another process"
            raise PublisherError(
                f"{path}: {who} is working on this project -> wait for it to finish and run the command "
                "again (the lock goes away with its holder, even if it is killed)"
            ) from None
        with _guard:
            _held[path] = 1
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"publisher {command} (pid {os.getpid()}, since {started})\n".encode(), 0)
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
