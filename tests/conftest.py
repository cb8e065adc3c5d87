"""Shared fixtures: a CLI runner and small publisher projects written into tmp_path."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.config import Settings, load_settings

DATA = Path(__file__).parent / "data"
SAMPLE_ENTRIES = DATA / "entries"
BASE_URL = "https://news.example.org/"
TITLE = "Testnachrichten"

MakeProject = Callable[..., Path]


@pytest.fixture
def runner() -> CliRunner:
    """click >= 8.2 keeps them apart: ``result.stdout`` and ``result.stderr``."""
    return CliRunner()


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """``make_project({"2024/a.md": text}, sample=False, config=None, extra="") -> root``.

    Writes ``publisher.toml`` (title and base_url, plus ``extra`` TOML lines, or exactly ``config``)
    and the given files below ``entries/`` (text or bytes). ``sample=True`` first copies
    ``tests/data/entries``. Every call makes a new folder (``project-1``, ``project-2`` …).
    """
    numbers = itertools.count(1)

    def make(
        files: Mapping[str, str | bytes] | None = None,
        *,
        sample: bool = False,
        config: str | None = None,
        extra: str = "",
    ) -> Path:
        root = tmp_path / f"project-{next(numbers)}"
        entries = root / "entries"
        entries.mkdir(parents=True)
        if config is None:
            config = f'title = "{TITLE}"\nbase_url = "{BASE_URL}"\n{extra}'
        (root / "publisher.toml").write_text(config, encoding="utf-8")
        if sample:
            shutil.copytree(SAMPLE_ENTRIES, entries, dirs_exist_ok=True)
        for relative, content in (files or {}).items():
            path = entries / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return root

    return make


@pytest.fixture
def settings(make_project: MakeProject) -> Settings:
    """Settings of a fresh project holding the sample entries of tests/data/entries."""
    return load_settings(make_project(sample=True) / "publisher.toml")
