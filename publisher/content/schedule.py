"""When an entry is out: the one rule the build, ``check``, the preview and the digest share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from publisher.model import Entry


def is_published(published: datetime, now: datetime) -> bool:
    """Whether an entry dated ``published`` is out at ``now``. One dated later is scheduled: it is
    not built, in no feed and in no digest until its time comes (as Hugo does by default)."""
    return published <= now


def scheduled(entries: Iterable[Entry], now: datetime) -> tuple[Entry, ...]:
    """The entries not out yet at ``now``, the soonest first."""
    return tuple(sorted((e for e in entries if not is_published(e.published, now)), key=lambda e: e.sort_key))
