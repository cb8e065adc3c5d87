"""The digest state file: which digest was sent last, when, and which entry ids it held."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher.errors import PublisherError
from publisher.output import write_atomic

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SentDigest:
    digest_id: str
    sent_at: datetime
    window_end: datetime
    entry_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestState:
    """Every digest marked as sent, oldest first. An empty history means "no digest yet"."""

    sent: tuple[SentDigest, ...] = ()

    @property
    def last(self) -> SentDigest | None:
        return self.sent[-1] if self.sent else None

    @property
    def sent_entry_ids(self) -> frozenset[str]:
        return frozenset(i for d in self.sent for i in d.entry_ids)


def _corrupt(path: Path, why: str) -> PublisherError:
    return PublisherError(
        f"{path}: the digest state file is corrupt ({why}). Nothing was rendered, so no subscriber gets "
        "entries twice -> restore it from a backup, or delete it to start over with the first-digest window"
    )


def load_state(path: Path) -> DigestState:
    """Read the state; a missing file is the empty state, a corrupt one an error (never a silent reset)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return DigestState()
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("version") != STATE_VERSION:
            raise _corrupt(path, f"unknown version {data.get('version')!r}")
        sent = tuple(
            SentDigest(
                digest_id=str(item["digest_id"]),
                sent_at=_aware(item["sent_at"]),
                window_end=_aware(item["window_end"]),
                entry_ids=tuple(str(i) for i in item["entry_ids"]),
            )
            for item in data["sent"]
        )
    except PublisherError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
    return DigestState(sent=sent)


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"time without offset: {text}")
    return value


def save_state(path: Path, state: DigestState) -> None:
    data = {
        "version": STATE_VERSION,
        "sent": [
            {
                "digest_id": d.digest_id,
                "sent_at": d.sent_at.isoformat(),
                "window_end": d.window_end.isoformat(),
                "entry_ids": list(d.entry_ids),
            }
            for d in state.sent
        ],
    }
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def record_sent(path: Path, digest: SentDigest) -> DigestState:
    """Append a sent digest to the state (idempotent per digest id) and write it atomically."""
    state = load_state(path)
    if any(d.digest_id == digest.digest_id for d in state.sent):
        return state
    new_state = DigestState(sent=(*state.sent, digest))
    save_state(path, new_state)
    return new_state
