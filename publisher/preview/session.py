"""One preview session: builds the site into its own folder whenever a file changes, and keeps what
the server shows (the last build's problems, a version that changes with every build)."""

from __future__ import annotations

import gc
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.config import CONFIG_NAME, Settings, load_settings
from publisher.content.remembered import Remembered
from publisher.content.urls import RECORD
from publisher.content.workers import worker_pool
from publisher.errors import Problem, PublisherError
from publisher.output import write_atomic

if TYPE_CHECKING:
    from watchfiles import Change

    from publisher.build.pipeline import BuildReport

Echo = Callable[[str], None]  # a line for the person running the preview (the CLI prints it on stderr)

PAGE_FIRST_SECONDS = 0.5  # how long the feeds wait for an open page to load the new version
PREVIEW_FOLDER = ".publisher/preview"
"""Where the preview builds the site, inside the project: never out/, which may hold a deployed site
and must never get drafts, scheduled entries or the reload script."""


BANNERS = {
    "de": {
        "scheduled": "Vorschau: geplant für {when} – bis dahin nicht veröffentlicht",
        "draft": "Vorschau: Entwurf – wird nicht veröffentlicht, solange draft: true gilt",
    },
    "en": {
        "scheduled": "Preview: scheduled for {when} – not published before then",
        "draft": "Preview: draft – not published while it says draft: true",
    },
}


@dataclass(frozen=True, slots=True)
class PreviewOptions:
    drafts: bool = False  # also show drafts and scheduled entries, each with a banner
    now: datetime | None = None  # a fixed moment (for tests); None: the wall clock at each build


@dataclass(frozen=True, slots=True)
class Outcome:
    """The last build as the server shows it."""

    problems: tuple[str, ...] = ()  # lines to show instead of any page (empty: the site is built)
    title: str = ""  # what the problems page says above them
    notices: dict[str, str] = field(default_factory=dict)  # page path -> banner (drafts, scheduled)


class Session:
    """The settings, the preview folder and the state shared by the server's threads."""

    def __init__(
        self, config_path: Path | None, cwd: Path, options: PreviewOptions, echo: Echo = lambda line: None
    ) -> None:
        self.config_path = config_path or cwd / CONFIG_NAME
        self.cwd = cwd
        self.options = options
        self.echo = echo
        self.settings = load_settings(self.config_path, cwd)  # a broken file at start: the caller says so
        # publisher.toml as it was when the settings in use were read: a file replaced before the
        # watcher is ready is still noticed (the watcher compares against this, not its own start)
        self.config_read = self._config_state()
        self.started = time.time_ns()
        self.generation = 0
        self.outcome = Outcome()
        self._shown_early = False
        self._warned: set[str] = set()  # the warnings of the last build, shown by then
        self.listeners = 0  # open pages waiting for the next build
        self.loaded = ""  # the version of the last page that told it has loaded
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.busy = threading.Lock()  # one build (or digest) at a time: they share the build cache
        self._resources = ExitStack()
        # Workers forked now, while this process is small, and kept for every build (see worker_pool).
        self.pool = self._resources.enter_context(worker_pool())
        self.remembered = Remembered()  # the entries of the last build, for the next one

    @property
    def version(self) -> str:
        return f"{self.started}-{self.generation}"

    @property
    def out_dir(self) -> Path:
        return self.settings.root / PREVIEW_FOLDER

    def preview_settings(self) -> Settings:
        return self.settings.with_overrides(out_dir=self.out_dir)

    # --- building ------------------------------------------------------------------------------

    def rebuild(self) -> Outcome:
        """Build the site into the preview folder and tell every waiting page. Never raises for a
        problem in the project: that is shown on every page until the next good build."""
        started = time.perf_counter()
        self._shown_early = False
        with self.busy:
            outcome = self._build(started)
            # What the session keeps between builds (every entry, the address record) would be
            # looked through by each full collection of the next build (0.14 s at 10,000 entries):
            # the garbage of this build is collected now, and the rest kept out of the collector's
            # sight until the next build's end hands it back (``Site.close``).
            gc.collect()
            gc.freeze()
        seconds = time.perf_counter() - started
        if not (self._shown_early and outcome == self.outcome):
            self._show(outcome)
        if outcome.problems:
            self.echo(f"{outcome.title} ({seconds:.2f} s):")
            for line in outcome.problems:
                self.echo(f"  {line}")
        return outcome

    def _build(self, started: float) -> Outcome:
        from publisher.build.pipeline import build

        try:
            self.config_read = self._config_state()
            self.settings = load_settings(self.config_path, self.cwd)
            now = self.options.now or datetime.now(self.settings.tz)
            drafts = self.options.drafts
            self._take_addresses()
            report = build(
                self.preview_settings(),
                now=now,
                future=drafts,
                drafts=drafts,
                pool=self.pool,
                rehearse=False,
                on_pages=self._pages_written,
                remembered=self.remembered,
                appearances=False,  # the preview is no site: nothing appears by being previewed
                ping=False,  # the preview is not the published site: no WebSub hub hears of it
            )
        except PublisherError as exc:
            lines = [str(p) for p in exc.problems] or [str(exc)]
            head = str(exc).splitlines()[0] if exc.problems else "The site cannot be built"
            return Outcome(tuple(lines), head)
        except Exception as exc:  # a bug: shown like a problem, so that the preview keeps running
            return Outcome(
                (*traceback.format_exception_only(exc), traceback.format_exc()),
                "publisher failed while building the site (a bug: please report it)",
            )
        self._echo_warnings(report.warnings)
        if report.errors:
            count = len(report.errors)
            return Outcome(
                tuple(map(str, report.errors)), f"{count} error(s) in the entries: nothing was built"
            )
        self.echo(
            f"built {report.entries} entries in {time.perf_counter() - started:.3f} s: "
            f"{len(report.written)} file(s) written, {len(report.deleted)} deleted"
        )
        return self._outcome_of(report)

    def _echo_warnings(self, warnings: Sequence[Problem]) -> None:
        """Each warning once: after the first build only those the last build did not have, and a
        count of the others. (A migrated site's thousands of link warnings, printed again on every
        save, buried the one the save brought, and printing them took longer than the build.)"""
        lines = [str(problem) for problem in warnings]
        for line in lines:
            if line not in self._warned:
                self.echo(line)
        known = sum(1 for line in lines if line in self._warned)
        if known:
            self.echo(
                f"{known} warning(s) as after the last build, not repeated ('publisher check' lists them all)"
            )
        self._warned = set(lines)

    def _take_addresses(self) -> None:
        """Start the preview folder with the address record of the site's output folder (read, never
        written), so that the preview shows each entry at the address the site gives it: an address
        once published stays with its entry, whatever its title says now."""
        kept = self.out_dir / RECORD
        if kept.exists():
            return
        try:
            data = (self.settings.out_dir / RECORD).read_bytes()
        except OSError:
            return
        write_atomic(kept, data)

    def _outcome_of(self, report: BuildReport) -> Outcome:
        """What the server shows after a build without errors: the pages, with banners on the
        drafts and scheduled entries when they are shown."""
        if not self.options.drafts:
            return Outcome()
        labels = BANNERS.get(self.settings.language, BANNERS["en"])
        notices = {
            entry.path: labels["scheduled"].format(when=entry.published.strftime("%Y-%m-%d %H:%M"))
            for entry in report.scheduled
        }
        notices.update((entry.path, labels["draft"]) for entry in report.drafts)
        return Outcome(notices=notices)

    def _show(self, outcome: Outcome) -> None:
        """Make ``outcome`` what the server shows, and tell every open page to reload."""
        with self.changed:
            self.outcome = outcome
            self.generation += 1
            self.changed.notify_all()

    def _pages_written(self, report: BuildReport) -> None:
        """The pages are written (the feeds are next): the open pages may reload now. The feeds
        wait until a page has loaded the new version (or half a second), so that rendering them
        does not slow down the reload the editor is waiting for."""
        self._shown_early = True
        self._show(self._outcome_of(report))
        with self.changed:
            if self.listeners:
                self.changed.wait_for(lambda: self.loaded == self.version, PAGE_FIRST_SECONDS)

    def page_loaded(self, version: str) -> None:
        """A page of ``version`` has loaded in the browser, with its style sheet and images (the
        page's script tells)."""
        with self.changed:
            self.loaded = version
            self.changed.notify_all()

    def listening(self, change: int) -> None:
        """An open page connected to (+1) or left (-1) the event stream."""
        with self.changed:
            self.listeners += change

    def wait(self, shown: str | None, timeout: float) -> str:
        """The current version, as soon as it differs from ``shown`` (or after ``timeout`` seconds)."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != shown or self.stopping.is_set(), timeout)
            return self.version

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        if self.busy.acquire(timeout=5):  # a build still running is left to end with the process
            try:
                self._resources.close()
            finally:
                self.busy.release()

    # --- the digest as it would go out now ------------------------------------------------------

    def digest(self) -> Mapping[str, bytes] | Outcome:
        """The digest's files as ``publisher digest`` would render them now (nothing written, nothing
        marked as sent), or the problems that keep it from being rendered."""
        from publisher.digest import folder, selection
        from publisher.digest.render import render_digest

        settings = self.settings
        now = self.options.now or selection.default_now(settings)
        try:
            with self.busy:
                state = folder.load_digest_state(settings)
                window = selection.digest_window(
                    state,
                    now,
                    window_days=settings.digest.window_days,
                    lookback_days=settings.digest.lookback_days,
                )
                chosen, problems = selection.load_selection(settings, state, window)
                errors = [p for p in problems if p.is_error]
                if errors:
                    return Outcome(
                        tuple(map(str, errors)), f"{len(errors)} error(s) in the entries: no digest"
                    )
                rendered = render_digest(settings, chosen, now)
        except PublisherError as exc:
            return Outcome(
                tuple(str(p) for p in exc.problems) or (str(exc),), "The digest cannot be rendered"
            )
        return rendered.files

    # --- watching ---------------------------------------------------------------------------------

    def watched(self) -> tuple[Path, ...]:
        settings = self.settings
        paths = [settings.entries_dir, self.config_path]
        if settings.templates_dir.is_dir():
            paths.append(settings.templates_dir)
        return tuple(path for path in paths if path.exists())

    def ignored(self, path: str) -> bool:
        """Changes the build does not read: its own output, the cache, hidden and editor files."""
        settings = self.settings
        resolved = Path(path)
        for folder in (settings.root / ".publisher", settings.out_dir):
            if resolved == folder or resolved.is_relative_to(folder):
                return True
        name = resolved.name
        return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))

    def _note_changes(self, changes: set[tuple[Change, str]], pending: bool) -> None:
        """Tell the next build which entry files changed, when all that changed is known entry files
        edited in place (the next build then looks at those alone instead of every file); anything
        else (a file added, removed or renamed over, templates, settings) makes it list them all."""
        from watchfiles import Change

        touched = self.remembered.touched
        listing = self.remembered.listing
        if touched is None or listing is None or pending:
            self.remembered.touched = None
            return
        known = {file.path for file in listing[1]}
        edited = set()
        for change, path in changes:
            folder, name = os.path.split(path)
            real = os.path.join(os.path.realpath(folder), name)
            if change != Change.modified or real not in known:
                self.remembered.touched = None
                return
            edited.add(real)
        touched.update(edited)

    def _config_state(self) -> tuple[int, int, int] | None:
        try:
            stat = self.config_path.stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def watch(self, **watch_options: Any) -> None:
        """Rebuild after every change until ``stop``. Every second without changes it looks whether
        a watched folder appeared (templates/ created after the start) or moved (the configuration
        names another one), or whether publisher.toml was replaced (editors that save by renaming
        a new file over the old one), and then watches again, with a build if nothing else made one."""
        from watchfiles import watch

        # A build is due once the new watch runs: changes made before it was ready are in it (the first
        # watch also catches what was saved between the first build and the watcher's start).
        pending = True
        while not self.stopping.is_set():
            paths = self.watched()
            options = {"debounce": 1600, "step": 15, "rust_timeout": 1000, **watch_options}
            for changes in watch(
                *paths,
                watch_filter=lambda _change, path: not self.ignored(path),
                stop_event=self.stopping,
                raise_interrupt=False,
                yield_on_timeout=True,
                **options,
            ):
                if changes or pending:
                    self._note_changes(changes, pending)
                    pending = False
                    self.rebuild()
                if self.watched() != paths or self._config_state() != self.config_read:
                    pending = True
                    break
