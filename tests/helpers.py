"""Small helpers shared by the build, feed and CLI tests: entry text, output trees, settings."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from publisher.config import Settings, load_settings
from publisher.content.urls import RECORD
from publisher.output import MANIFEST, WRITING


def uri_id(name: str) -> str:
    """The id a test names ``name``: feed ids must be URIs."""
    return f"urn:test:{name}"


def entry(
    title: Any = "Eine Meldung", date: Any = "2024-05-14T09:30:00+02:00", body: str = "", **fields: Any
) -> str:
    """The text of an entry file: YAML front matter (``None`` values are left out) and a body.

    A short ``id`` without a colon (``id="a"``) is written as the URI ``uri_id("a")``."""
    if isinstance(fields.get("id"), str) and fields["id"] and ":" not in fields["id"]:
        fields["id"] = uri_id(fields["id"])
    meta = {"title": title, "date": date, **fields}
    meta = {k: v for k, v in meta.items() if v is not None}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return f"---\n{front}---\n{body or 'Der Text der Meldung.'}\n"


def tree(directory: Path) -> dict[str, bytes]:
    """Every published file below ``directory`` (hidden ones too), ``{relative posix path: bytes}``.

    The build's manifest, its address record and its "being written" mark are left out: they are
    bookkeeping, covered by tests/test_output.py, tests/build/test_urls.py and the crash tests in
    tests/build/test_pipeline.py.
    """
    if not directory.exists():
        return {}
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, WRITING, RECORD)
    }


def carry_record(out: Path, other_out: Path) -> None:
    """Give ``other_out`` the address record of ``out`` (content/urls.py), as a build into a fresh
    folder that keeps the record (a CI cache, a deploy that downloads it) has it."""
    if (out / RECORD).exists():
        other_out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / RECORD, other_out / RECORD)


SETTLED_NS = 1_704_067_200 * 10**9  # 2024-01-01 00:00 UTC


def settle(root: Path, when_ns: int = SETTLED_NS) -> None:
    """Give every file below ``entries/`` written after ``when_ns`` that time as its mtime.

    Files written a moment ago are not trusted by their mtime (another write in the same clock
    tick would not change it), so builds right after a write compare them one by one; settled
    files take the path real projects take, where the cache trusts an unchanged listing.
    """
    for path in (root / "entries").rglob("*"):
        if path.is_file() and path.stat().st_mtime_ns > when_ns:
            os.utime(path, ns=(when_ns, when_ns))


def settings_of(root: Path, **overrides: Any) -> Settings:
    return load_settings(root / "publisher.toml").with_overrides(**overrides)


# A fuller publisher.toml for the sample project (tests/data/entries): the golden files use it.
SAMPLE_CONFIG = """\
title = "Clusternetzwerk Köln: „Nachrichten“ & mehr"
base_url = "https://news.example.org/"
description = "Meldungen aus Köln & Umgebung"
language = "de"
timezone = "Europe/Berlin"
author = "Redaktion Köln"
author_email = "redaktion@news.example.org"
feed_limit = 50
"""
