"""Find and read rendered digests (``out/digests/<yyyy-mm-dd>/digest.json`` + ``message.eml``) for sending."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.errors import Problem, PublisherError

DIGESTS_DIR = "digests"
DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}(?:-\d+)?")  # a second digest of a day: <date>-2, see free_folder
REQUIRED_STRINGS = ("digest_id", "date", "subject", "lang")
REQUIRED_TIMES = ("now", "window_start", "window_end")


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """One digest as ``publisher digest`` left it on disk: the metadata and the raw message template."""

    folder: Path
    digest_id: str
    date: str
    now: datetime
    window_start: datetime
    window_end: datetime
    subject: str
    lang: str
    entry_ids: tuple[str, ...]
    files: tuple[str, ...]
    message: bytes

    @property
    def message_path(self) -> Path:
        return self.folder / "message.eml"


def digest_folders(out_dir: Path) -> list[Path]:
    """Every ``out/digests/<yyyy-mm-dd>[-N]/`` holding a digest.json, oldest first."""
    root = out_dir / DIGESTS_DIR
    if not root.is_dir():
        return []
    return sorted(
        (
            p
            for p in root.iterdir()
            if p.is_dir() and DATE_DIR.fullmatch(p.name) and (p / "digest.json").is_file()
        ),
        key=_edition,
    )


def _edition(folder: Path) -> tuple[str, int]:
    """Sort key: the date, then the number of the day's edition (2024-05-10-10 after -9)."""
    name = folder.name
    return (name[:10], int(name[11:]) if len(name) > 10 else 1)


def latest_digest(out_dir: Path) -> Path:
    """The newest rendered digest folder; an error that says what to run when there is none."""
    folders = digest_folders(out_dir)
    if not folders:
        raise PublisherError(
            f"{out_dir / DIGESTS_DIR}: no rendered digest found -> run 'publisher digest' first, "
            "or pass --digest DIR"
        )
    return folders[-1]


def _time(path: str, data: dict[str, Any], key: str, problems: list[Problem]) -> datetime:
    try:
        value = datetime.fromisoformat(data[key])
        if value.tzinfo is None:
            raise ValueError("no UTC offset")
        return value
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(Problem(path, f"is missing or not an ISO time with offset ({exc})", field=key))
        return datetime.min


def load_digest(folder: Path) -> RenderedDigest:
    """Read and check a digest folder; every missing or malformed field is reported at once."""
    meta_path, message_path = folder / "digest.json", folder / "message.eml"
    hint = "re-render it with 'publisher digest'"
    try:
        data = json.loads(meta_path.read_bytes().decode("utf-8"))
        message = message_path.read_bytes()
    except FileNotFoundError as exc:
        raise PublisherError(
            f"{exc.filename}: missing -> {hint}, or pick another folder with --digest"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublisherError(f"{meta_path}: not valid UTF-8 JSON ({exc}) -> {hint}") from None
    if not isinstance(data, dict):
        raise PublisherError(f"{meta_path}: must hold a JSON object -> {hint}")
    path = str(meta_path)
    problems: list[Problem] = []
    for key in REQUIRED_STRINGS:
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(Problem(path, "is missing or not a non-empty string", field=key, hint=hint))
    times = {key: _time(path, data, key, problems) for key in REQUIRED_TIMES}
    lists = {}
    for key in ("entry_ids", "files"):
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(path, "is missing or not a list of strings", field=key, hint=hint))
            value = []
        lists[key] = tuple(value)
    if problems:
        raise PublisherError(f"{meta_path}: the digest metadata has {len(problems)} problem(s)", problems)
    return RenderedDigest(
        folder=folder.resolve(),
        digest_id=data["digest_id"],
        date=data["date"],
        subject=data["subject"],
        lang=data["lang"],
        entry_ids=lists["entry_ids"],
        files=lists["files"],
        message=message,
        **times,
    )
