"""The digest's folder: writing its files, marking it as sent, the state file."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from publisher.config import Settings
from publisher.digest.folder import load_digest_state, mark_sent, write_digest
from publisher.errors import PublisherError
from publisher.mail.state import load_state
from tests.digest.fixtures import NOW, golden_entries, make_entry, make_project, render


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_project(tmp_path / "site")


def test_write_digest_writes_every_file(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    paths = write_digest(settings, rendered)
    directory = settings.out_dir / "digests" / "2024-05-20"
    assert paths == [
        directory / n for n in ("email.html", "email.txt", "index.html", "message.eml", "digest.json")
    ]
    assert {p.name: p.read_bytes() for p in paths} == rendered.files
    assert sorted(p.name for p in directory.iterdir()) == sorted(rendered.files)  # no temp files left


def test_mark_sent_then_only_newer_entries(settings: Settings) -> None:
    first = render(settings, golden_entries())
    mark_sent(settings, first)
    state = load_state(settings.state_path)
    assert [(d.digest_id, d.window_end, d.entry_ids) for d in state.sent] == [
        (first.digest_id, NOW, first.entry_ids)
    ]
    later = NOW + timedelta(days=7)
    newer = (make_entry(10, published=NOW + timedelta(days=1)), *golden_entries())
    second = render(settings, newer, now=later, state=state)
    assert second.entry_ids == (newer[0].id,)
    assert second.window_start == NOW
    assert mark_sent(settings, first) == state  # idempotent per digest id


def test_a_crash_while_writing_the_state_leaves_the_old_state(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_sent(settings, render(settings, golden_entries()))
    before = settings.state_path.read_bytes()
    later = render(
        settings,
        (make_entry(10, published=NOW + timedelta(days=1)),),
        now=NOW + timedelta(days=2),
        state=load_state(settings.state_path),
    )
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        if Path(dst) == settings.state_path:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PublisherError, match="NOT marked as sent"):
        mark_sent(settings, later)
    assert settings.state_path.read_bytes() == before
    left = sorted(p.name for p in settings.state_path.parent.iterdir() if p != settings.cache_dir)
    assert left == ["state.json"]  # no temporary file next to it (cache/ holds compiled templates)


def test_a_corrupt_state_file_is_an_error(settings: Settings) -> None:
    settings.state_path.parent.mkdir(parents=True)
    settings.state_path.write_text('{"version": 1, "sent": [{"digest_id": "x"}]}')
    with pytest.raises(PublisherError, match="state file is corrupt"):
        load_digest_state(settings)
