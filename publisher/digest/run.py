"""One digest run, start to finish: wait for a digest still being sent, choose the entries (from a
build's scan when there is one), render, pick the folder, write, and mark as sent if asked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.digest import folder as digest_folder
from publisher.digest import render, selection
from publisher.digest.appearances import load_appearances
from publisher.errors import Problem
from publisher.lock import project_lock
from publisher.mail.outbox import RenderedDigest
from publisher.mail.state import DigestState

if TYPE_CHECKING:
    from publisher.config import Settings
    from publisher.content.load import Inputs, Site

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scan:
    """What a build has read already: its site (every entry, without content) when it loaded one,
    and in any case its inputs (the cache, up to date with entries/)."""

    site: Site | None
    inputs: Inputs


@dataclass(frozen=True, slots=True)
class DigestRun:
    """What one digest run did. ``rendered`` is None when no digest was written: an unfinished one
    is still being sent (``busy``), nothing is new, or the entries have errors."""

    window: selection.DigestWindow | None
    rendered: RenderedDigest | None = None
    paths: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = ()  # errors that stopped it, or warnings about what it holds
    busy: str = ""  # the digest still being sent
    moved_to: str = ""  # the date's folder held a sent digest: written to this folder instead
    marked_sent: bool = False

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def run_digest(
    settings: Settings,
    now: datetime,
    *,
    since: datetime | None = None,
    days: int | None = None,
    mark_sent: bool = False,
    scan: Scan | None = None,
) -> DigestRun:
    """Render and write the digest of what is new at ``now`` (see ``selection.DigestWindow``).
    Raises PublisherError for what the user must fix (a bad window, a template without an
    unsubscribe link, a corrupt state file)."""
    with project_lock(settings.root, "digest"):
        busy = digest_folder.unfinished_digest(settings)
        if busy is not None:
            return DigestRun(None, busy=busy)
        state = digest_folder.load_digest_state(settings)
        window = selection.digest_window(
            state,
            now,
            window_days=settings.digest.window_days,
            lookback_days=settings.digest.lookback_days,
            since=since,
            days=days,
        )
        chosen, problems = _select(settings, state, window, scan)
        errors = tuple(p for p in problems if p.is_error)
        if errors:
            return DigestRun(window, problems=errors)
        in_digest = {e.source_path for e in chosen.entries}
        shown = [p for p in problems if p.path in in_digest] + selection.selection_warnings(settings, chosen)
        if not chosen.entries:
            return DigestRun(window, problems=tuple(shown))
        rendered = render.render_digest(settings, chosen, now)
        folder = digest_folder.free_folder(settings, rendered, state)
        moved_to = ""
        if folder != rendered.folder:
            moved_to = folder
            rendered = render.render_digest(settings, chosen, now, folder=folder)
        paths = digest_folder.write_digest(settings, rendered)
        if mark_sent:
            digest_folder.mark_sent(settings, rendered)
        return DigestRun(
            window,
            rendered,
            tuple(paths),
            (*shown, *rendered.warnings),
            moved_to=moved_to,
            marked_sent=mark_sent,
        )


def _select(
    settings: Settings, state: DigestState, window: selection.DigestWindow, scan: Scan | None
) -> tuple[selection.Selection, tuple[Problem, ...]]:
    """The entries, from the build's site if it loaded one (nothing is read again), else from the
    digest's own quick scan of the window's dates (on the build's up-to-date cache, if given)."""
    if scan is None or scan.site is None:
        return selection.load_selection(settings, state, window, scan.inputs if scan else None)
    site = scan.site
    record = load_appearances(settings) if window.by_appearance else None
    # The site's entries are newest first: those dated inside the window's dates are a short head
    # of the list. Only entries new on the site but dated further back need a look beyond it.
    low = window.dates[0]
    candidates = list(takewhile(lambda e: e.published >= low, site.entries))
    appeared = record.first if record is not None else None
    light = selection.select_entries(candidates, state, window, settings.digest.max_entries, appeared)
    full = tuple(site.full(e) for e in light.entries)
    too_old = light.too_old
    if record is not None:
        older = selection.too_old_elsewhere(settings, site.cache, record, state, window, candidates)
        too_old = tuple(sorted((*too_old, *older), key=lambda t: t.path))
    return selection.Selection(window, full, light.left_out, too_old), site.problems
