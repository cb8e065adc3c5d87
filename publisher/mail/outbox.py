"""A rendered digest's folder (out/digests/<date>/): its metadata written and read back; the newest one."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.errors import Problem, PublisherError

DIGESTS_DIR = "digests"
MANIFEST = "digest.json"
MESSAGE = "message.eml"
DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}(?:-\d+)?")  # a second digest of a day: <date>-2, see free_folder
REQUIRED_STRINGS = ("digest_id", "date", "subject", "lang")
REQUIRED_TIMES = ("now", "window_start", "window_end")


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """One digest as ``publisher digest`` renders it and ``publisher send`` reads it back: the metadata
    its ``digest.json`` holds, and its files by name (read back: only ``message.eml``)."""

    digest_id: str
    date: str
    now: datetime
    window_start: datetime
    window_end: datetime
    subject: str
    lang: str
    entry_ids: tuple[str, ...]
    file_names: tuple[str, ...]  # the files digest.json lists, besides itself
    files: Mapping[str, bytes] = field(repr=False)
    folder: str = ""  # its folder's name under out/digests/: the date, or date-2, -3 … (see free_folder)
    path: Path | None = None  # where it was read from
    html_size: int = 0  # of the HTML part of the message, as rendered
    warnings: tuple[Problem, ...] = ()  # what rendering it found the user should know

    @property
    def directory(self) -> str:
        """Its folder relative to the output folder."""
        return f"{DIGESTS_DIR}/{self.folder or self.date}"

    @property
    def message(self) -> bytes:
        return self.files[MESSAGE]

    @property
    def message_path(self) -> Path:
        return (self.path or Path(self.directory)) / MESSAGE

    def manifest(self) -> bytes:
        """The ``digest.json`` that describes it."""
        data = {
            "digest_id": self.digest_id,
            "date": self.date,
            "now": self.now.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "subject": self.subject,
            "lang": self.lang,
            "entry_ids": list(self.entry_ids),
            "files": list(self.file_names),
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def digest_folders(out_dir: Path) -> list[Path]:
    """Every ``out/digests/<yyyy-mm-dd>[-N]/`` holding a digest.json, oldest first."""
    root = out_dir / DIGESTS_DIR
    if not root.is_dir():
        return []
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and DATE_DIR.fullmatch(p.name) and (p / MANIFEST).is_file()),
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
    meta_path, message_path = folder / MANIFEST, folder / MESSAGE
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
        digest_id=data["digest_id"],
        date=data["date"],
        subject=data["subject"],
        lang=data["lang"],
        entry_ids=lists["entry_ids"],
        file_names=lists["files"],
        files={MESSAGE: message},
        folder=folder.name,
        path=folder.resolve(),
        now=times["now"],
        window_start=times["window_start"],
        window_end=times["window_end"],
    )
