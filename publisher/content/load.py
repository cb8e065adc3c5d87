"""Load entries through the content cache into a Site: every entry for a build or a check, or the
entries of a time window for the digest. Each is normalised once (in parallel on a cold run), checked
across entries (duplicate ids, slugs), and kept as metadata in memory, its HTML left in the cache."""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING

from publisher.config import Settings
from publisher.content import checks
from publisher.content.cache import BuildCache, FileState
from publisher.content.loaders import parse_entry
from publisher.content.normalise import (
    NormaliseContext,
    Normalised,
    normalise,
    removal_warnings,
    with_slug,
)
from publisher.content.remembered import Remembered, remembered_files, remembered_record, remembered_results
from publisher.content.scan import EntryFile, Media, scan_assets
from publisher.content.urls import UrlPlan, UrlRecord, plan_urls
from publisher.content.workers import (
    CHUNK_SIZE,
    RACY_NS,
    UNREAD,
    normalise_files,
    rules_fingerprint,
    trusted_mtime,
    worker_pool,
)
from publisher.errors import Problem, PublisherError
from publisher.model import Entry, newest_first

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Site:
    """Every entry's metadata (``content_html`` left empty to bound memory) and where to get the rest."""

    settings: Settings
    entries: tuple[Entry, ...]  # newest first, light
    fingerprints: dict[str, str]  # source path -> SHA-256 of the file
    problems: tuple[Problem, ...]
    cache: BuildCache
    overrides: dict[str, Entry]  # entries re-normalised in this run (slug collisions), full
    assets: tuple[EntryFile, ...] = ()  # media files in entries/, copied to out/ as they are
    unloaded: tuple[str, ...] = ()  # ids left unloaded by ``load_window`` (``Window.newest``), newest first
    drafts: frozenset[str] = (
        frozenset()
    )  # source paths of the drafts among ``entries`` (``load_site(drafts=True)``)
    urls: UrlPlan = field(default_factory=lambda: UrlPlan(UrlRecord()))  # where the entries' pages are
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # entry file -> paths its text links to

    def close(self) -> None:
        """Close the cache and let the garbage collector see the loaded entries again."""
        self.cache.close()
        gc.unfreeze()

    def full(self, entry: Entry) -> Entry:
        """The entry with its content HTML, from the cache."""
        if entry.source_path in self.overrides:
            return self.overrides[entry.source_path]
        return replace(entry, content_html=self.cache.html(entry.source_path))


class Inputs:
    """The open cache, up to date with entries/, and the fingerprint of every entry file (path order)."""

    __slots__ = ("_fingerprints", "cache")

    def __init__(self, cache: BuildCache, fingerprints: dict[str, str] | None = None) -> None:
        self.cache = cache
        self._fingerprints = fingerprints

    @property
    def fingerprints(self) -> dict[str, str]:
        """``{entry file: SHA-256 of its bytes}``, read from the cache when ``refresh`` found
        nothing changed (the email digest never needs them)."""
        if self._fingerprints is None:
            self._fingerprints = self.cache.fingerprints()
        return self._fingerprints


def refresh(
    settings: Settings,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
    fresh: bool = False,
    remembered: Remembered | None = None,
) -> Inputs:
    """Open the cache and normalise every entry file that is new or changed since it was cached
    (with ``fresh``, every entry file: the cache is emptied first). With ``remembered`` whose
    ``touched`` names every file changed since its listing, only those are looked at again."""
    cache = BuildCache(settings.cache_dir, f"rules {rules_fingerprint()}|{NormaliseContext.of(settings)!r}")
    try:
        if fresh:
            cache.clear()
        return Inputs(cache, _refresh_cache(settings, cache, progress, pool, remembered))
    except BaseException:
        cache.close()
        raise


def _listing_key(files: list[EntryFile]) -> str | None:
    """A key of the entry files' paths, mtimes and sizes; None when one of them changed so recently
    that it could change again without a new mtime (see ``RACY_NS``), or lies in the future."""
    newest = max(map(attrgetter("mtime_ns"), files), default=0)
    if time.time_ns() - newest <= RACY_NS:
        return None
    listing = "".join([f"{f.relative}\0{f.mtime_ns}\0{f.size}\n" for f in files])
    return hashlib.sha256(listing.encode("utf-8", "surrogateescape")).hexdigest()


def _refresh_cache(
    settings: Settings,
    cache: BuildCache,
    progress: Progress | None,
    pool: ProcessPoolExecutor | None,
    remembered: Remembered | None = None,
) -> dict[str, str] | None:
    """Bring the cache up to date with entries/; return ``{relative path: SHA-256 of its bytes}``
    of every entry file, in path order, or None when nothing changed since the cache was last
    brought up to date (``BuildCache.fingerprints`` has them then)."""
    if not settings.entries_dir.is_dir():
        raise PublisherError(
            f"{settings.entries_dir}: the entries folder does not exist -> create it, or set entries_dir "
            f"in {settings.config_path or 'publisher.toml'}"
        )
    files = remembered_files(settings, remembered)
    listing = _listing_key(files)
    cached_listing = cache.listing()
    if listing is not None and cached_listing == listing:
        return None  # the same files, the same mtimes and sizes: comparing them one by one would find nothing
    if cached_listing is not None:
        cache.remember_listing(None)
    context = NormaliseContext.of(settings)
    known = cache.stats()
    stale: list[tuple[str, str]] = []
    touched: list[tuple[str, int, int]] = []
    fingerprints: dict[str, str] = {}
    for file in files:
        relative = file.relative
        cached = known.get(relative)
        if cached and cached.mtime_ns == file.mtime_ns and cached.size == file.size:
            fingerprints[relative] = cached.fingerprint
            continue
        if (
            cached
            and cached.size == file.size
            and cached.fingerprint != UNREAD
            and _file_fingerprint(file.path) == cached.fingerprint
        ):
            touched.append((relative, trusted_mtime(file.mtime_ns), file.size))
            fingerprints[relative] = cached.fingerprint
            continue
        stale.append((file.path, relative))
        fingerprints[relative] = ""  # known once it is normalised (keeps the path order)
    cache.forget(set(known) - set(fingerprints))
    cache.touch(touched)
    total = len(stale)
    if total:
        for done, rows in enumerate(normalise_files(stale, context, pool), start=1):
            cache.store(rows)
            for row in rows:
                fingerprints[row.path] = row.fingerprint
            if progress:
                progress("normalise", min(done * CHUNK_SIZE, total), total)
    if listing is not None:
        cache.remember_listing(listing)
    return fingerprints


def asset_fingerprints(cache: BuildCache, assets: Sequence[EntryFile]) -> dict[str, str]:
    """``{path in out/: SHA-256}`` of each media file, read again only when its mtime or size
    changed: an output's key then depends on the file's bytes, not on when a checkout wrote it, so
    two checkouts of the same project build byte-identical manifests."""
    known = cache.media()
    fingerprints: dict[str, str] = {}
    changed: dict[str, FileState] = {}
    for asset in assets:
        cached = known.get(asset.relative)
        if cached and cached.mtime_ns == asset.mtime_ns and cached.size == asset.size:
            fingerprints[asset.relative] = cached.fingerprint
            continue
        fingerprint = _file_fingerprint(asset.path)
        fingerprints[asset.relative] = fingerprint
        changed[asset.relative] = FileState(trusted_mtime(asset.mtime_ns), asset.size, fingerprint)
    gone = set(known) - set(fingerprints)
    if changed or gone:
        cache.remember_media(changed, gone)
    return fingerprints


def _file_fingerprint(path: str) -> str:
    """The SHA-256 of a file's bytes (``UNREAD`` when it cannot be read: normalising it says why)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return UNREAD


@contextmanager
def long_lived() -> Iterator[None]:
    """Create objects that stay alive for the rest of the run, without the cyclic collector.

    Loading 100,000 cached entries creates millions of objects; every time enough have piled up,
    the collector scans them all again, which made up 40 % of a no-change build. They hold no
    reference cycles, so there is nothing for it to find (reference counting still frees the
    rest). Afterwards everything alive is moved to the permanent generation (``gc.freeze``) so that
    later collections skip it too; ``Site.close`` hands it back.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class Window:
    """Which entries ``load_window`` loads: those published at a time ``accepts`` takes.

    ``newest``: only the newest that many of them (leaving out ``exclude_ids``); the ids of the
    others, newest first, are in ``Site.unloaded``. ``between`` (first and last time) may tell that
    ``accepts`` takes nothing outside these times and everything strictly between them, so that
    neither the cache nor ``accepts`` need look at each entry.
    """

    accepts: Callable[[datetime], bool]
    newest: int | None = None
    exclude_ids: frozenset[str] = field(default_factory=frozenset)
    between: tuple[datetime, datetime] | None = None


def load_site(
    settings: Settings,
    progress: Progress | None = None,
    *,
    pool: ProcessPoolExecutor | None = None,
    inputs: Inputs | None = None,
    media: Media | None = None,
    drafts: bool = False,
    remembered: Remembered | None = None,
) -> Site:
    """Load and normalise every entry (using the cache), then check what spans entries.

    ``inputs`` is the result of ``refresh`` and ``media`` that of ``scan.scan_assets``, if the
    caller has them already; ``pool`` normalises a cold cache (without one, the load starts its own).
    ``drafts`` also loads the complete drafts (for the preview), named in ``Site.drafts``;
    ``remembered`` keeps the results for the next load in the same process (see ``Remembered``).
    """
    if inputs is None:
        if pool is None:
            with worker_pool() as own_pool:
                inputs = refresh(settings, progress, own_pool)
        else:
            inputs = refresh(settings, progress, pool)
    loaded = _load(settings, inputs.cache, None, drafts, remembered)
    if media is None:
        media = scan_assets(settings.entries_dir, settings.not_entries, settings.root)
    entries_prefix = (
        settings.entries_dir.relative_to(settings.root).as_posix()
        if settings.entries_dir.is_relative_to(settings.root)
        else str(settings.entries_dir)
    )
    assets, ignored, refused = media
    loaded.problems.extend(checks.ignored_file(f"{entries_prefix}/{name}") for name in ignored)
    loaded.problems.extend(checks.refused_file(f"{entries_prefix}/{item.relative}", item) for item in refused)
    ordered = newest_first(loaded.entries)
    loaded.problems.extend(checks.tag_conflicts(ordered, partial(checks.line_of_field, settings.root)))
    return loaded.site(settings, ordered, tuple(assets))


def load_window(
    settings: Settings, window: Window, progress: Progress | None = None, inputs: Inputs | None = None
) -> Site:
    """The entries ``window`` asks for, and the problems of every file that has any: a digest of
    20 entries need not unpickle 100,000. Duplicate ids and slugs are still checked across every
    entry, from the cache's index. Media files are not scanned (a digest links to out/).
    ``inputs``: the result of ``refresh``, if the caller has it already (a build just made it)."""
    cache = (inputs or refresh(settings, progress)).cache
    in_window = _in_window(cache, settings, window)
    unloaded: tuple[str, ...] = ()
    if window.newest is not None:
        unloaded = tuple(entry_id for _, entry_id in in_window[window.newest :])
        in_window = in_window[: window.newest]
    wanted = sorted({path for path, _ in in_window}.union(cache.flagged()))
    loaded = _load(settings, cache, wanted)
    chosen = [e for e in loaded.entries if window.accepts(e.published)]
    return loaded.site(settings, newest_first(chosen), unloaded=unloaded)


@dataclass(slots=True)
class _Loaded:
    """Entries read from the cache, with slug collisions resolved, and the problems found so far."""

    cache: BuildCache
    entries: list[Entry]
    fingerprints: dict[str, str]
    problems: list[Problem]
    overrides: dict[str, Entry]
    drafts: frozenset[str] = frozenset()
    urls: UrlPlan = field(default_factory=lambda: UrlPlan(UrlRecord()))
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def site(
        self,
        settings: Settings,
        ordered: Sequence[Entry],
        assets: tuple[EntryFile, ...] = (),
        unloaded: tuple[str, ...] = (),
    ) -> Site:
        """The Site of these entries (``ordered``: newest first), its problems sorted by place."""
        self.problems.sort(key=lambda p: (p.path, p.line or 0, p.field or "", p.message))
        return Site(
            settings=settings,
            entries=tuple(ordered),
            fingerprints=self.fingerprints,
            problems=tuple(self.problems),
            cache=self.cache,
            overrides=self.overrides,
            assets=assets,
            unloaded=unloaded,
            drafts=self.drafts,
            urls=self.urls,
            links=self.links,
        )


def _load(
    settings: Settings,
    cache: BuildCache,
    wanted: list[str] | None,
    drafts: bool = False,
    remembered: Remembered | None = None,
) -> _Loaded:
    """The cached results of the ``wanted`` files (None: every file), with the problems of the
    checks across every entry (duplicate ids, addresses: see ``urls.plan_urls``), and the entries
    whose address is not the one their own slug gives (kept by the address record, or a shared
    slug) at that address (normalised again only when their page links to itself)."""
    problems: list[Problem] = []
    collisions = cache.collisions()
    line_of = partial(checks.line_of_field, settings.root)
    urls = plan_urls(cache.index(), remembered_record(settings.out_dir, remembered), problems, line_of)
    slug_overrides = urls.slugs
    problems.extend(checks.duplicate_ids(collisions, line_of, partial(checks.mtime_of, settings.root)))
    entries: list[Entry] = []
    fingerprints: dict[str, str] = {}
    draft_paths: set[str] = set()
    links: dict[str, tuple[str, ...]] = {}
    with long_lived():
        for path, fingerprint, result in remembered_results(cache, wanted, remembered):
            assert isinstance(result, Normalised)
            problems.extend(result.problems)
            if result.entry is not None and (drafts or not result.draft):
                entries.append(result.entry)
                fingerprints[path] = fingerprint
                problems.extend(removal_warnings(result.entry))
                if result.links:
                    links[path] = result.links
                if result.draft:
                    draft_paths.add(path)
    overrides: dict[str, Entry] = {}
    light_overrides: dict[str, Entry] = {}
    moving = {path: slug for path, slug in slug_overrides.items() if path in fingerprints}
    for entry in entries:
        slug = moving.get(entry.source_path)
        if slug is None:
            continue
        # An entry whose page does not refer to itself reads the same at its new address: its cached
        # HTML serves (normalising a third of a migrated site again on every build cost seconds).
        moved = with_slug(entry, slug, settings.base_url, cache.html(entry.source_path))
        if moved is None:
            overrides[entry.source_path] = moved = _renormalise(settings, entry.source_path, slug)
        light_overrides[entry.source_path] = replace(moved, content_html="")
    entries = [light_overrides.get(e.source_path, e) for e in entries]
    return _Loaded(cache, entries, fingerprints, problems, overrides, frozenset(draft_paths), urls, links)


def _in_window(cache: BuildCache, settings: Settings, window: Window) -> list[tuple[str, str]]:
    """``(path, id)`` of the publishable entries the window accepts, newest first, without its
    ``exclude_ids``. With ``between``, the cache's index picks the rows, and only times on its
    edges go through ``accepts``."""
    between, exclude_ids = window.between, window.exclude_ids
    if between is None:
        rows = cache.timeline()
        low, high = math.inf, -math.inf  # no time is known to be inside
    else:
        low, high = between[0].timestamp(), between[1].timestamp()
        rows = cache.timeline(low, high)
    tz = settings.tz

    def accepts(moment: float) -> bool:
        return window.accepts(datetime.fromtimestamp(moment, tz))

    return [
        (path, entry_id)
        for path, moment, entry_id in rows
        if entry_id not in exclude_ids and (low < moment < high or accepts(moment))
    ]


def _renormalise(settings: Settings, relative: str, slug: str) -> Entry:
    source, _ = parse_entry((settings.root / relative).read_bytes(), relative)
    assert source is not None
    result = normalise(source, NormaliseContext.of(settings), slug_override=slug)
    assert result.entry is not None
    return result.entry


def load_entries(
    settings: Settings, select: Callable[[Entry], bool] | None = None
) -> tuple[tuple[Entry, ...], tuple[Problem, ...]]:
    """Normalised entries (drafts excluded, newest first, with content) and every problem found.

    ``select`` filters on metadata before the content is fetched.
    """
    site = load_site(settings)
    try:
        chosen = [e for e in site.entries if select is None or select(e)]
        return tuple(site.full(e) for e in chosen), site.problems
    finally:
        site.close()
