"""The build pipeline: entries -> normalised model -> feeds and archive pages -> out/.

The only module that knows the order. It is incremental: normalised entries are cached by file
content, and each output file carries a key of everything it was rendered from, so a rebuild
renders and writes only what changed. The result is byte-identical to a cold build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from pathlib import Path

from publisher import output
from publisher.build import freshness, jobs, websub
from publisher.build.freshness import settings_fingerprint, templates_fingerprint
from publisher.build.plan import Job, Outputs, link_problems, plan_outputs
from publisher.config import Settings, legal_problems
from publisher.content.cache import BuildCache
from publisher.content.load import Inputs, Progress, Site, load_site, refresh
from publisher.content.remembered import Remembered
from publisher.content.scan import scan_assets
from publisher.content.schedule import is_published, scheduled
from publisher.content.urls import RECORD, write_record
from publisher.content.workers import PARALLEL_THRESHOLD, worker_pool
from publisher.digest.appearances import record_appearances
from publisher.errors import Problem
from publisher.lock import project_lock
from publisher.model import Entry

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    entries: int
    problems: tuple[Problem, ...]
    scheduled: tuple[Entry, ...] = ()  # dated after the build's time: left out unless --future
    drafts: tuple[Entry, ...] = ()  # drafts published (``build(drafts=True)``, the preview)
    announced: tuple[str, ...] = ()  # feeds the WebSub hub was told about

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


# --- outputs -------------------------------------------------------------------------------------


AfterBuild = Callable[[Site | None, Inputs], None]


def build(
    settings: Settings,
    progress: Progress | None = None,
    full: bool = False,
    strict: bool = False,
    *,
    now: datetime | None = None,
    future: bool = False,
    drafts: bool = False,
    pool: ProcessPoolExecutor | None = None,
    rehearse: bool = True,
    on_pages: Callable[[BuildReport], None] | None = None,
    remembered: Remembered | None = None,
    appearances: bool = True,
    then: AfterBuild | None = None,
    ping: bool = True,
) -> BuildReport:
    """Build out/ from entries/. With errors (with ``strict``, any problem), nothing is written
    and the report lists them all.

    ``full`` ignores everything remembered from earlier builds (the cache, the outputs' keys) and
    renders every file again; files whose bytes come out the same are still left untouched.
    Entries dated after ``now`` (default: the wall clock) are scheduled and left out, unless
    ``future``; the report lists them either way. ``drafts`` publishes the complete drafts too,
    listed in the report (only the preview does, into its own folder). ``pool`` is a running
    ``worker_pool`` to use instead of starting one (a long-running preview keeps one).
    ``rehearse=False`` skips rendering one page of each kind before writing (for a folder nobody
    else reads, such as the preview's). ``on_pages`` is called once the pages are written, before
    the feeds, with a report of what is known by then (the preview reloads the page at that point).
    ``remembered`` keeps the loaded entries for the next build in the same process.

    A build of the site records when each entry first appeared (at ``now``; see
    ``digest.appearances``); ``appearances=False`` does not (the preview's). ``then`` runs after a build
    without errors, while the entries are still at hand: with the loaded site, or with None when
    nothing changed since the last build (no entry was loaded); the inputs' cache is open and up to
    date in both cases. The build holds the project's lock (see ``publisher.lock``).

    After a build that changed a subscription feed, the WebSub hub (``websub_hub``) is told, unless
    ``ping`` is False (a folder that is not the published site, such as the preview's)."""
    now = now or datetime.now(settings.tz)
    with (
        project_lock(settings.root, "build"),
        nullcontext(pool) if pool is not None else worker_pool() as workers,
    ):
        inputs = refresh(settings, progress, workers, fresh=full, remembered=remembered)
        try:
            media = scan_assets(settings.entries_dir, settings.not_entries, settings.root)
            held = () if future else _held_back(inputs.cache, now)
            fingerprint = freshness.inputs_fingerprint(
                settings, inputs.fingerprints, media, held, "drafts" if drafts else ""
            )
            done = (
                None
                if full or output.interrupted(settings.out_dir)
                else freshness.unchanged(inputs.cache, settings.out_dir, fingerprint)
            )
            if done is not None and then is not None:
                then(None, inputs)
        except BaseException:
            inputs.cache.close()
            raise
        if done is not None:
            inputs.cache.close()
            last, files = done
            return BuildReport((), (), files, last.entries, last.problems, last.scheduled, last.drafts)
        site = load_site(
            settings, progress, pool=workers, inputs=inputs, media=media, drafts=drafts, remembered=remembered
        )
        try:
            included = tuple(e for e in site.entries if e.source_path in site.drafts)
            upcoming = scheduled((e for e in site.entries if e.source_path not in site.drafts), now)
            if upcoming and not future:
                site = replace(site, entries=tuple(e for e in site.entries if is_published(e.published, now)))
            if any(p.is_error for p in site.problems):
                return BuildReport((), (), 0, len(site.entries), site.problems, upcoming, included)
            outputs = plan_outputs(site, settings_fingerprint(settings), templates_fingerprint(settings))
            problems = _in_order((*site.problems, *outputs.problems))
            # Links to unpublished addresses are only warnings: looked for after writing (the pages
            # come sooner), unless a strict build must refuse on them first.
            links: list[Problem] | None = link_problems(site, outputs) if strict else None
            if strict and (problems or links or outputs.once):
                every = _in_order((*problems, *(links or ()), *outputs.once))
                return BuildReport((), (), 0, len(site.entries), every, upcoming, included)
            early = None
            if on_pages is not None:
                provisional = BuildReport((), (), 0, len(site.entries), problems, upcoming, included)
                early = partial(on_pages, provisional)
            report = _write_outputs(site, outputs, problems, progress, workers, full, rehearse, early)
            if links is None:
                links = link_problems(site, outputs)
            problems = _in_order((*problems, *links))
            report = replace(report, problems=problems, scheduled=upcoming, drafts=included)
            if appearances:
                published = (e.id for e in site.entries if e.source_path not in site.drafts)
                record_appearances(settings, published, now.replace(microsecond=0))
            build_record = freshness.BuildRecord(
                fingerprint, "", report.entries, report.problems, upcoming, included
            )
            freshness.remember(site.cache, settings.out_dir, build_record)
            report = replace(report, problems=_in_order((*report.problems, *outputs.once)))
            if then is not None:
                then(site, inputs)
        finally:
            site.close()
    # After the build is recorded: a hub that cannot be reached now is not reported again by a
    # rebuild that finds nothing changed.
    if not ping:
        return report
    announced, failed = websub.announce(settings, report.written)
    return replace(report, problems=(*report.problems, *failed), announced=announced)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check_site`` found: every problem, and the entries dated after its time."""

    entries: int  # entries checked (the scheduled ones too)
    problems: tuple[Problem, ...]
    scheduled: tuple[Entry, ...]


def check_site(
    settings: Settings, progress: Progress | None = None, *, now: datetime | None = None
) -> CheckReport:
    """What ``build`` would report, without writing anything: every problem, including links into
    the site that the build would not publish and the configuration's legal problems, and the
    entries scheduled after ``now`` (default: the wall clock), which the build leaves out."""
    now = now or datetime.now(settings.tz)
    site = load_site(settings, progress)
    try:
        upcoming = scheduled(site.entries, now)
        config_problems = legal_problems(settings)
        if any(p.is_error for p in site.problems):
            return CheckReport(len(site.entries), _in_order((*site.problems, *config_problems)), upcoming)
        built = replace(site, entries=tuple(e for e in site.entries if is_published(e.published, now)))
        planned = plan_outputs(built, "", "")
        links = link_problems(built, planned)
        every = (*site.problems, *planned.problems, *links, *planned.once, *config_problems)
        return CheckReport(len(site.entries), _in_order(every), upcoming)
    finally:
        site.close()


def _in_order(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.path, p.line or 0, p.field or "", p.message)))


def _held_back(cache: BuildCache, now: datetime) -> tuple[str, ...]:
    """Paths of the entries dated after ``now``, from the cache's index (no entry is loaded)."""
    return tuple(
        sorted(
            path
            for path, moment, _ in cache.timeline(since=now.timestamp())
            if not is_published(datetime.fromtimestamp(moment, UTC), now)
        )
    )


def _batches(todo: Sequence[Job], workers: int) -> list[list[Job]]:
    """Cut the jobs into batches of similar cost: big enough to be cheap to send to a worker,
    small enough (about 16 per worker) to keep both cores busy until the end."""
    total = sum(jobs.weight(job.task) for job in todo)
    target = max(8, min(256, total // (16 * workers)))
    batches: list[list[Job]] = [[]]
    load = 0
    for job in todo:
        if load >= target:
            batches.append([])
            load = 0
        batches[-1].append(job)
        load += jobs.weight(job.task)
    return [batch for batch in batches if batch]


def _share(todo: Sequence[Job]) -> tuple[list[Job], list[Job]]:
    """Split the jobs into those this process renders and those sent to the workers.

    Sending a job means pickling its entries here and unpickling them there, which for list pages
    (20 entries each, every entry on about four of them) costs about as much as rendering them.
    So this process renders list pages itself, about a third of all the work, while the workers
    take entry pages, feeds (they read the HTML from the cache themselves) and the other lists.
    """
    total = sum(jobs.weight(job.task) for job in todo)
    local: list[Job] = []
    remote: list[Job] = []
    load = 0
    for job in todo:
        if not isinstance(job.task, jobs.EntryPage | jobs.FeedSet | jobs.ArchivedFeed) and load < total / 3:
            local.append(job)
            load += jobs.weight(job.task)
        else:
            remote.append(job)
    return local, remote


def _run(
    site: Site,
    todo: Sequence[Job],
    facts: jobs.SiteFacts,
    progress: Progress | None,
    pool: ProcessPoolExecutor | None,
) -> Iterator[tuple[str, bool]]:
    """Render and write the jobs on every core (in this process when they are few or the cache
    cannot be shared); yields ``(path, written)`` for every file."""
    settings = site.settings

    def html(paths: list[str]) -> dict[str, str]:
        return {path: site.cache.html(path) for path in paths}

    parallel = pool is not None and len(todo) >= PARALLEL_THRESHOLD and site.cache.shareable
    local, remote = _share(todo) if parallel else (list(todo), [])
    sent = _batches(remote, 2)
    if sent:
        assert pool is not None
        cache_file = str(site.cache.path)
        pending = [
            pool.submit(jobs.run_batch, settings, cache_file, [j.task for j in b], facts) for b in sent
        ]
    kept = _batches(local, 1)
    done = 0
    for batch, result in chain(
        zip(kept, (jobs.run_batch(settings, html, [j.task for j in b], facts) for b in kept), strict=True),
        zip(sent, (future.result() for future in pending) if sent else (), strict=True),
    ):
        yield from result
        done += len(batch)
        if progress:
            progress("write", done, len(todo))


def _write_outputs(
    site: Site,
    outputs: Outputs,
    problems: tuple[Problem, ...],
    progress: Progress | None,
    pool: ProcessPoolExecutor | None,
    full: bool = False,
    rehearse: bool = True,
    pages_written: Callable[[], None] | None = None,
) -> BuildReport:
    from publisher.output import read_manifest, write_manifest

    out = site.settings.out_dir
    previous = read_manifest(out)
    keys: dict[str, str] = {}
    todo: list[Job] = []
    unchanged = 0
    # One listing per folder instead of a stat per file (2,000 stats at 1,000 entries).
    present = freshness.files_below(out) if previous and not full else set()
    for job in outputs.planned:
        paths = job.task.paths
        keys.update(dict.fromkeys(paths, job.key))
        if not full and all(previous.get(p) == job.key and p in present for p in paths):
            unchanged += len(paths)
        else:
            todo.append(job)
    if rehearse:
        _rehearse(site, todo, outputs.facts)
    interrupted_before = output.interrupted(out)
    output.start_writing(out)
    # Forget the keys of files about to be rewritten or deleted first, so that a build that crashes
    # half-way is not mistaken for a finished one (their paths stay listed for stale-file removal).
    outdated = {p: "" for p, k in previous.items() if keys.get(p) != k}
    if outdated:
        write_manifest(out, previous | outdated)
    written: list[str] = []
    if pages_written is None:
        batches = [todo]
    else:  # the pages first, so that a preview can show them while the feeds are rendered
        feed_tasks = jobs.FeedSet | jobs.ArchivedFeed
        batches = [[j for j in todo if not isinstance(j.task, feed_tasks)]]
        batches.append([j for j in todo if isinstance(j.task, feed_tasks)])
    deleted: list[str] | None = None
    for number, batch in enumerate(batches):
        if number and pages_written is not None:
            # the page of an entry that is gone is gone when the open page reloads
            deleted = _delete_stale(out, set(previous) - set(keys))
            pages_written()
        for path, changed in _run(site, batch, outputs.facts, progress, pool):
            if changed:
                written.append(path)
            else:
                unchanged += 1
    if deleted is None:
        deleted = _delete_stale(out, set(previous) - set(keys))
    # The addresses this build published are remembered before the manifest vouches for the build
    # (not written again when none changed: encoding 10,000 of them took 0.2 s of each edit's build).
    if outputs.record != site.urls.record or not (out / RECORD).is_file():
        write_record(out, outputs.record)
    if keys != previous or outdated:
        write_manifest(out, keys)
    output.finish_writing(out, interrupted_before)
    return BuildReport(tuple(sorted(written)), tuple(deleted), unchanged, len(site.entries), problems)


def _rehearse(site: Site, todo: Sequence[Job], facts: jobs.SiteFacts) -> None:
    """Render the first job of each kind in memory before anything is written, so that a template
    mistake stops the build with out/ as it was rather than half-way through writing it.

    A mistake that only some entries' data reach (a branch for entries with an image, say) can
    still stop the build later; the files written by then are complete, the manifest no longer
    vouches for them, and the next build after the fix puts out/ right.
    """
    first: dict[tuple[object, ...], jobs.Task] = {}
    for job in todo:
        task = job.task
        if not isinstance(task, jobs.Asset):
            kind = (type(task), getattr(task, "kind", None), getattr(task, "number", None) == 0)
            first.setdefault(kind, task)
    if first:
        jobs.rehearse(
            site.settings, lambda paths: {p: site.cache.html(p) for p in paths}, first.values(), facts
        )


def _delete_stale(out: Path, paths: Iterable[str]) -> list[str]:
    """Remove files a previous build wrote that no entry produces any more, and emptied folders.
    Only what lies inside ``out``: a path that leads out of it (through a folder replaced by a
    link, say) is left alone."""
    deleted = []
    for path in sorted(paths):
        target = out / path
        if not output.lies_inside(out, path):
            logger.warning("%s: not deleted: it lies outside %s", target, out)
            continue
        if target.is_file() or target.is_symlink():
            target.unlink()
            deleted.append(path)
            parent = target.parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    return deleted
