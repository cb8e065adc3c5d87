"""Helpers shared by the content tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def copies_of(sources: Sequence[Path], folder: Path) -> list[Path]:
    """Copies of source files, each in a folder of its own (two may share a name)."""
    copies = []
    for number, source in enumerate(sources):
        copy = folder / str(number) / source.name
        copy.parent.mkdir(parents=True)
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    return copies
