"""When each entry first appeared on the site: the record ``publisher build`` (and ``publish``) keeps
beside the digest state, so that the next digest holds what is new on the site, whatever date it carries.

``appeared.json`` lists, per run that published new entries, the run's time and the entry ids it
published first (sorted), oldest run first::

    {"version": 1, "runs": [{"at": "2024-05-20T09:00:00+02:00", "ids": ["tag:…", …]}, …]}

It is written atomically and only when a run publishes an id it does not hold yet. It lives outside
the output folder, so out/ stays byte-identical for the same inputs, and a ``build --full`` or a new
out/ does not make old entries new again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import PublisherError
from publisher.mail.state import load_state
from publisher.output import write_atomic

if TYPE_CHECKING:
    from publisher.config import Settings

logger = logging.getLogger(__name__)

VERSION = 1
FILE_NAME = "appeared.json"


@dataclass(frozen=True, slots=True)
class Appearances:
    """Entry id -> the time of the run that published it first."""

    first: Mapping[str, datetime] = field(default_factory=dict)
    runs: tuple[tuple[datetime, tuple[str, ...]], ...] = ()

    def since(self, moment: datetime) -> frozenset[str]:
        """Ids that first appeared after ``moment``."""
        return frozenset(i for at, ids in self.runs if at > moment for i in ids)


def appearances_path(settings: Settings) -> Path:
    return settings.state_path.with_name(FILE_NAME)


def _corrupt(path: Path, why: str) -> PublisherError:
    return PublisherError(
        f"{path}: the record of when entries appeared is corrupt ({why}) -> restore it from a backup, or "
        "delete it: the next build records the entries on the site as there by the last sent digest "
        "(an entry dated after it still counts as new)"
    )


# The record as this process last read or wrote it, by file: a publish run reads it in the build and
# again in the digest step; at 100,000 entries that is 4 MB of JSON.
_known: dict[Path, tuple[tuple[int, int, int], Appearances]] = {}


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def load_appearances(settings: Settings) -> Appearances:
    """The record; a missing file is an empty record, a corrupt one an error."""
    path = appearances_path(settings)
    key = _file_key(path)
    known = _known.get(path)
    if key is not None and known is not None and known[0] == key:
        return known[1]
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return Appearances()
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("version") != VERSION:
            raise _corrupt(path, f"unknown version {data.get('version')!r}")
        runs = []
        for run in data["runs"]:
            at = datetime.fromisoformat(run["at"])
            if at.tzinfo is None:
                raise ValueError(f"time without offset: {run['at']}")
            ids = tuple(run["ids"])
            if not all(type(i) is str for i in ids):
                raise TypeError(f"an id of the run at {run['at']} is not a string")
            runs.append((at, ids))
    except PublisherError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
    record = _record(tuple(runs))
    if key is not None:
        _known[path] = (key, record)
    return record


def _record(runs: tuple[tuple[datetime, tuple[str, ...]], ...]) -> Appearances:
    first: dict[str, datetime] = {}
    for at, ids in reversed(runs):  # an earlier run wins: it is written over the later ones
        first.update(dict.fromkeys(ids, at))
    return Appearances(first, runs)


def _dump(runs: list[tuple[datetime, tuple[str, ...]]]) -> bytes:
    """The file: one line per run (json's fast encoder writes each; an indented file of 100,000 ids
    takes ten times as long to write)."""
    lines = [json.dumps({"at": at.isoformat(), "ids": list(ids)}, ensure_ascii=False) for at, ids in runs]
    return f'{{"version": {VERSION}, "runs": [\n'.encode() + ",\n".join(lines).encode("utf-8") + b"\n]}\n"


def record_appearances(settings: Settings, ids: Iterable[str], now: datetime) -> tuple[str, ...]:
    """Add the ids not in the record yet, as first published at ``now``; returns them (sorted).

    When there is no record yet but a digest was sent (a project from before the record, or a
    record deleted), the entries on the site are recorded as there by the last sent digest: they are
    not new, only unrecorded. An entry dated after that digest still counts as new by its date.
    """
    record = load_appearances(settings)
    first = record.first
    new = tuple(sorted({i for i in ids if i not in first}))
    if not new:
        return ()
    if not record.runs:
        try:
            last = load_state(settings.state_path).last
        except OSError:  # a folder that is a file (a read-only checkout): no state to go by
            last = None
        if last is not None:
            now = min(now, last.window_end)
    runs = [*record.runs, (now, new)]
    path = appearances_path(settings)
    try:
        write_atomic(path, _dump(runs))
    except OSError as exc:
        # A read-only checkout still builds. A digest counts unrecorded entries as new when it runs.
        logger.warning(
            "%s: could not record which entries appeared (%s); the next digest counts them as new "
            "then -> make the folder writable where digests are made",
            path,
            exc.strerror or exc,
        )
        return ()
    if (key := _file_key(path)) is not None:
        _known[path] = (key, Appearances({**record.first, **dict.fromkeys(new, now)}, tuple(runs)))
    return new
