"""Compiled Jinja templates on disk, under the project's cache folder, so a process need not compile them."""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

logger = logging.getLogger(__name__)

PREFIX = "templates-"
# What compiled code depends on besides the template source (which Jinja checks itself): Python and
# Jinja, and the environment's options and filters (constant expressions are folded at compile time).
_INPUTS = ("templating.py", "wordwrap.py")


def fingerprint() -> str:
    """Python and Jinja versions and the modules that configure the environment, hashed."""
    hashed = hashlib.sha256(f"{sys.version_info[:2]}|{jinja2.__version__}".encode())
    here = Path(__file__).parent
    for name in _INPUTS:
        hashed.update(b"\0" + (here / name).read_bytes())
    return hashed.hexdigest()[:16]


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file system bytecode cache that never fails a render: a file that cannot be read
    (missing, corrupt, truncated) means compiling the template again, one that cannot be written is
    skipped. The folder is per fingerprint; starting a new one removes the older ones."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / f"{PREFIX}{fingerprint()}"
        self._ready = self.folder.is_dir()
        super().__init__(str(self.folder))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception as exc:  # any damage to a cache file means: compile again
            logger.debug("ignoring the compiled template %s: %s", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Only after a compile, so the folder is checked here (it may have been deleted meanwhile)."""
        try:
            if not self._ready:
                self._remove_older_folders()
            self.folder.mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError as exc:
            logger.debug("could not cache the compiled template %s: %s", bucket.key, exc)

    def _remove_older_folders(self) -> None:
        self._ready = True
        if self.folder.parent.is_dir():
            for old in self.folder.parent.glob(f"{PREFIX}*"):
                if old != self.folder:
                    shutil.rmtree(old, ignore_errors=True)
