"""Atomic file writes: a temp file in the same directory, then ``os.replace``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of it.

    ``durable`` also flushes the data to disk before the rename, so that even a power failure cannot
    leave an empty file. It costs about a millisecond per file, so archive pages skip it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_if_changed(path: Path, data: bytes, durable: bool = True) -> bool:
    """Write atomically unless the file already holds exactly these bytes. Returns True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data, durable)
    return True


def write_all(out_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write every ``{relative path: bytes}`` under ``out_dir``; return the paths that changed."""
    return [rel for rel in sorted(files) if write_if_changed(out_dir / rel, files[rel])]
