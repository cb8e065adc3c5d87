"""Which entries the next digest holds: its window, the entries in it, and loading them quickly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from publisher.content.schedule import is_published
from publisher.errors import Problem, PublisherError
from publisher.mail.state import DigestState
from publisher.model import Entry

if TYPE_CHECKING:
    from publisher.config import Settings


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """Entries published in (start, end] belong to the digest; [start, end] for an explicit --since."""

    start: datetime
    end: datetime
    start_inclusive: bool = False

    def contains(self, moment: datetime) -> bool:
        after_start = moment >= self.start if self.start_inclusive else moment > self.start
        return after_start and is_published(moment, self.end)  # nothing the site does not show yet


@dataclass(frozen=True, slots=True)
class Selection:
    window: DigestWindow
    entries: tuple[Entry, ...]
    left_out: tuple[str, ...] = ()  # ids of entries in the window beyond max_entries, newest first


MOMENT_RANGE = (1900, 9000)  # years --now and --since may name
MAX_WINDOW_DAYS = 182_500  # 500 years: a window before any moment in range still is a date


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time (``2024-05-20``, ``2024-05-20T09:00+02:00``, ``…Z``); naive means ``tz``.

    Raises ValueError with a message fit for the user.
    """
    from publisher.content.dates import parse_when

    try:
        moment = parse_when(text, tz)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write 2024-05-20 or 2024-05-20T09:00+02:00") from None
    # In the site's zone, so that windows like "--days 30" show the offsets the site really had.
    try:
        moment = moment.astimezone(tz)
    except OverflowError:
        moment = datetime.min.replace(tzinfo=UTC)  # marks it out of range below
    if not MOMENT_RANGE[0] <= moment.year <= MOMENT_RANGE[1]:
        raise ValueError(
            f"{text!r} is out of range: give a date between the years {MOMENT_RANGE[0]} and {MOMENT_RANGE[1]}"
        )
    return moment


def default_now(settings: Settings) -> datetime:
    """The current time in the site's time zone, to the second."""
    return datetime.now(settings.tz).replace(microsecond=0)


def _days_before(now: datetime, days: int) -> datetime:
    from publisher.content.dates import whole_minute_offset

    return whole_minute_offset(now - timedelta(days=days))


def digest_window(
    state: DigestState,
    now: datetime,
    *,
    window_days: int,
    since: datetime | None = None,
    days: int | None = None,
) -> DigestWindow:
    """The explicit window (``since`` or ``days``), else after the last sent digest, else ``window_days``."""
    if since is not None and days is not None:
        raise PublisherError("give either --since or --days, not both")
    if since is not None:
        if since > now:
            raise PublisherError(
                f"--since {since.isoformat()} is after the digest time {now.isoformat()} -> "
                "give a date in the past (or a later --now)"
            )
        return DigestWindow(since, now, start_inclusive=True)
    if days is not None:
        return DigestWindow(_days_before(now, days), now)
    last = state.last
    if last is None:
        return DigestWindow(_days_before(now, window_days), now)
    if last.window_end > now:
        raise PublisherError(
            f"the last sent digest ({last.digest_id}) already covers entries up to "
            f"{last.window_end.isoformat()}, after the digest time {now.isoformat()} -> "
            "use a later --now, or --since/--days to render an earlier window"
        )
    return DigestWindow(last.window_end, now)


def select_entries(
    entries: Iterable[Entry], state: DigestState, window: DigestWindow, max_entries: int
) -> Selection:
    """Entries in the window whose ids were never sent, newest first, capped at ``max_entries``."""
    sent = state.sent_entry_ids
    chosen = sorted(
        (e for e in entries if window.contains(e.published) and e.id not in sent),
        key=lambda e: e.sort_key,
        reverse=True,
    )
    return Selection(window, tuple(chosen[:max_entries]), tuple(e.id for e in chosen[max_entries:]))


def load_selection(
    settings: Settings, state: DigestState, window: DigestWindow
) -> tuple[Selection, tuple[Problem, ...]]:
    """The digest's entries and every problem in the project.

    Only entries published in the window are loaded, and content HTML only for the chosen ones
    (it is the summary fallback), so a digest of a 100,000-entry project stays quick.
    """
    from publisher.content.load import Window, load_window

    limit = settings.digest.max_entries
    site = load_window(
        settings,
        Window(
            window.contains,
            newest=limit,
            exclude_ids=state.sent_entry_ids,
            between=(window.start, window.end),
        ),
    )
    try:
        light = select_entries(site.entries, state, window, limit)
        full = tuple(site.full(e) for e in light.entries)
        # Everything in the window beyond the newest ``limit`` is in ``site.unloaded`` (some of it
        # may have been loaded too, for its problems): that is the complete left-out list.
        return replace(light, entries=full, left_out=site.unloaded), site.problems
    finally:
        site.close()
