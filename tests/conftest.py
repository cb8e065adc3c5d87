"""Shared fixtures: a CLI runner and small publisher projects written into tmp_path."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

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


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a root sandbox without a network: no sandbox, no GPU, and none of the background
# connections Chromium would otherwise try (and be refused) at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by playwright; the test is skipped (with why) without it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """An open subscriber database in a temporary folder."""
    from publisher.mail import database

    connection = database.connect(tmp_path / "publisher.db")
    yield connection
    connection.close()
