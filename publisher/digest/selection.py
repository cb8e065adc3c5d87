"""Which entries the next digest holds: its window, the entries in it, and loading them quickly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from publisher.content.schedule import is_published
from publisher.errors import Problem, PublisherError, warning
from publisher.mail.state import DigestState
from publisher.model import Entry

if TYPE_CHECKING:
    from publisher.config import Settings
    from publisher.content.cache import BuildCache
    from publisher.content.load import Inputs
    from publisher.digest.appearances import Appearances


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """Which entries belong to a digest.

    By date (the first digest, and an explicit ``--since``/``--days``): entries published in
    (start, end], [start, end] for ``--since``. After a sent digest (``lookback`` set): entries that
    became public in (start, end] -- they first appeared on the site then, or their date came then
    (scheduled entries) -- published by ``end``, and dated no earlier than ``lookback``.
    """

    start: datetime
    end: datetime
    start_inclusive: bool = False
    lookback: datetime | None = None

    @property
    def by_appearance(self) -> bool:
        return self.lookback is not None

    def contains(self, moment: datetime) -> bool:
        """Whether an entry published at ``moment`` may be in the digest (by its date alone)."""
        if self.lookback is not None:
            return self.lookback <= moment and is_published(moment, self.end)
        after_start = moment >= self.start if self.start_inclusive else moment > self.start
        return after_start and is_published(moment, self.end)  # nothing the site does not show yet

    @property
    def dates(self) -> tuple[datetime, datetime]:
        """The first and last publication time an entry in the digest may have."""
        return (self.lookback or self.start, self.end)


@dataclass(frozen=True, slots=True)
class TooOld:
    """An entry that became public after the last digest but is dated before its lookback: not mailed."""

    path: str
    entry_id: str
    published: datetime


@dataclass(frozen=True, slots=True)
class Selection:
    window: DigestWindow
    entries: tuple[Entry, ...]
    left_out: tuple[str, ...] = ()  # ids of entries in the window beyond max_entries, newest first
    too_old: tuple[TooOld, ...] = ()


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
    lookback_days: int = 30,
    since: datetime | None = None,
    days: int | None = None,
) -> DigestWindow:
    """The explicit window (``since`` or ``days``), else what became public since the last sent digest
    (dated within ``lookback_days``), else the first digest's ``window_days``."""
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
    return DigestWindow(last.window_end, now, lookback=_days_before(now, lookback_days))


def select_entries(
    entries: Iterable[Entry],
    state: DigestState,
    window: DigestWindow,
    max_entries: int,
    appeared: Mapping[str, datetime] | None = None,
) -> Selection:
    """Entries of the window whose ids were never sent, newest first, capped at ``max_entries``.

    ``appeared`` (entry id -> when it first appeared on the site) matters for a window by
    appearance; an entry missing from it appears now (at the window's end).
    """
    sent = state.sent_entry_ids
    too_old: list[TooOld] = []
    if window.lookback is None:
        fitting = [e for e in entries if window.contains(e.published) and e.id not in sent]
    else:
        first = appeared or {}
        fitting = []
        for e in entries:
            public = max(first.get(e.id, window.end), e.published)
            if (
                e.id in sent
                or not window.start < public <= window.end
                or not is_published(e.published, window.end)
            ):
                continue
            if e.published < window.lookback:
                too_old.append(TooOld(e.source_path, e.id, e.published))
            else:
                fitting.append(e)
    chosen = sorted(fitting, key=lambda e: e.sort_key, reverse=True)
    return Selection(
        window,
        tuple(chosen[:max_entries]),
        tuple(e.id for e in chosen[max_entries:]),
        tuple(sorted(too_old, key=lambda t: t.path)),
    )


TOO_OLD_LISTED = 5  # entries a warning names one by one; the others are counted in one more


def selection_warnings(settings: Settings, selection: Selection) -> list[Problem]:
    """Entries new on the site that the digest leaves out because of their date, by name (the first
    few; the others in one more warning, so that an imported archive gives no flood)."""
    window, days = selection.window, settings.digest.lookback_days
    problems = [
        warning(
            old.path,
            f"is new on the site since the last digest ({window.start.isoformat()}) but dated "
            f"{old.published.date().isoformat()}, more than {days} days before the digest: it is not mailed",
            field="date",
            hint="give it a recent date to mail it, or raise [digest] lookback_days",
        )
        for old in selection.too_old[:TOO_OLD_LISTED]
    ]
    more = len(selection.too_old) - TOO_OLD_LISTED
    if more > 0:
        problems.append(
            warning(
                str(settings.config_path or settings.root / "publisher.toml"),
                f"{more} more entr{'y' if more == 1 else 'ies'} new on the site since the last digest but "
                f"dated more than {days} days before it are not mailed",
                field="digest.lookback_days",
                hint="raise [digest] lookback_days to mail them",
            )
        )
    return problems


def load_selection(
    settings: Settings, state: DigestState, window: DigestWindow, inputs: Inputs | None = None
) -> tuple[Selection, tuple[Problem, ...]]:
    """The digest's entries and every problem in the project.

    Only entries published in the window's dates are loaded, and content HTML only for the chosen
    ones (it is the summary fallback), so a digest of a 100,000-entry project stays quick.
    ``inputs``: the cache, brought up to date by a build just now (see ``content.load.refresh``).
    """
    from publisher.content.load import Window, load_window
    from publisher.digest.appearances import load_appearances

    limit = settings.digest.max_entries
    appeared = load_appearances(settings) if window.by_appearance else None
    site = load_window(
        settings,
        Window(
            window.contains,
            # By date, the newest entries of the window are the digest; by appearance, any may be.
            newest=None if window.by_appearance else limit,
            exclude_ids=state.sent_entry_ids,
            between=window.dates,
        ),
        inputs=inputs,
    )
    try:
        light = select_entries(site.entries, state, window, limit, appeared.first if appeared else None)
        full = tuple(site.full(e) for e in light.entries)
        if appeared is None:
            # Everything in the window beyond the newest ``limit`` is in ``site.unloaded`` (some of it
            # may have been loaded too, for its problems): that is the complete left-out list.
            return replace(light, entries=full, left_out=site.unloaded), site.problems
        older = too_old_elsewhere(settings, site.cache, appeared, state, window, site.entries)
        too_old = tuple(sorted((*light.too_old, *older), key=lambda t: t.path))
        return replace(light, entries=full, too_old=too_old), site.problems
    finally:
        site.close()


def too_old_elsewhere(
    settings: Settings,
    cache: BuildCache,
    appeared: Appearances,
    state: DigestState,
    window: DigestWindow,
    looked_at: Iterable[Entry],
) -> list[TooOld]:
    """Entries new on the site since the window's start, among those not ``looked_at`` (the ones dated
    inside the window's dates), that are dated before its lookback: found through the cache's index,
    so that no other entry needs to be read."""
    others = appeared.since(window.start) - {e.id for e in looked_at} - state.sent_entry_ids
    if not others:
        return []
    lookback = window.dates[0]
    return [
        TooOld(path, entry_id, when)
        for path, moment, entry_id in cache.index_of(others)
        if (when := datetime.fromtimestamp(moment, settings.tz)) < lookback
    ]
