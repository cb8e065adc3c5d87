"""Load every entry through the content cache into a Site: normalised (in parallel on a cold run),
checked across entries (duplicate ids, slugs), with metadata in memory and the HTML left in the cache."""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import os
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.config import Settings
from publisher.content.cache import BuildCache, IndexRow
from publisher.content.loaders import (
    ASSET_SUFFIXES,
    ENTRY_SUFFIX,
    EntryFile,
    Media,
    field_line,
    parse_entry,
    scan_assets,
    scan_entry_files,
)
from publisher.content.normalise import RULES_VERSION, Normalised, SiteContext, normalise, removal_warnings
from publisher.content.urls import UrlPlan, UrlRecord, plan_urls, read_record
from publisher.errors import Problem, PublisherError, warning
from publisher.model import Entry, newest_first

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
PARALLEL_THRESHOLD = 256
CHUNK_SIZE = 128
RACY_NS = 2_000_000_000  # mtimes younger than this are not trusted (coarse file system clocks)


@dataclass(frozen=True, slots=True)
class Site:
    """Every entry's metadata (``content_html`` left empty to bound memory) and where to get the rest."""

    settings: Settings
    entries: tuple[Entry, ...]  # newest first, light
    digests: dict[str, str]  # source path -> content key
    problems: tuple[Problem, ...]
    cache: BuildCache
    overrides: dict[str, Entry]  # entries re-normalised in this run (slug collisions), full
    assets: tuple[EntryFile, ...] = ()  # media files in entries/, copied to out/ as they are
    unloaded: tuple[str, ...] = ()  # ids left unloaded by ``load_site(newest=...)``, newest first
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


def site_context(settings: Settings) -> SiteContext:
    return SiteContext(settings.base_url, settings.timezone, settings.language)


def _trusted_mtime(mtime_ns: int) -> int:
    """The mtime to remember, or 0 if the file changed so recently that another change within the
    same clock tick would keep it (then the next build compares the content instead)."""
    return mtime_ns if time.time_ns() - mtime_ns > RACY_NS else 0


def _normalise_file(path: Path, relative: str, site: SiteContext) -> tuple[object, ...]:
    """Read, parse and normalise one file; the row the cache stores (runs in worker processes)."""
    stat = path.stat()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    source, problems = parse_entry(data, relative)
    result = normalise(source, site) if source else Normalised(None, tuple(problems))
    html = result.entry.content_html if result.entry else ""
    light = _light(result)
    entry = result.entry
    return (
        relative,
        _trusted_mtime(stat.st_mtime_ns),
        stat.st_size,
        digest,
        pickle.dumps(light, pickle.HIGHEST_PROTOCOL),
        html,
        entry.published.timestamp() if entry else None,
        entry.id if entry else None,
        entry.slug if entry else None,
        int(entry is None or bool(result.problems) or bool(entry.removed)),
        int(bool(source and source.metadata.get("slug"))),
    )


def _file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _light(result: Normalised) -> Normalised:
    if result.entry is None:
        return result
    return replace(result, entry=replace(result.entry, content_html=""))


def _normalise_chunk(items: list[tuple[str, str]], site: SiteContext) -> list[tuple[object, ...]]:
    return [_normalise_file(Path(path), relative, site) for path, relative in items]


def _listing_key(files: list[EntryFile]) -> str | None:
    """A key of the entry files' paths, mtimes and sizes; None when one of them changed so recently
    that it could change again without a new mtime (see ``RACY_NS``), or lies in the future."""
    newest = max(map(itemgetter(2), files), default=0)
    if time.time_ns() - newest <= RACY_NS:
        return None
    listing = "".join([f"{f.relative}\0{f.mtime_ns}\0{f.size}\n" for f in files])
    return hashlib.sha256(listing.encode("utf-8", "surrogateescape")).hexdigest()


def _refresh_cache(
    settings: Settings, cache: BuildCache, progress: Progress | None, pool: ProcessPoolExecutor | None
) -> dict[str, str] | None:
    """Bring the cache up to date with entries/; return ``{relative path: SHA-256 of its bytes}``
    of every entry file, in path order, or None when nothing changed since the cache was last
    brought up to date (``BuildCache.digests`` has them then)."""
    if not settings.entries_dir.is_dir():
        raise PublisherError(
            f"{settings.entries_dir}: the entries folder does not exist -> create it, or set entries_dir "
            f"in {settings.config_path or 'publisher.toml'}"
        )
    files = scan_entry_files(settings.entries_dir, settings.root, settings.not_entries)
    listing = _listing_key(files)
    remembered = cache.listing()
    if listing is not None and remembered == listing:
        return None  # the same files, the same mtimes and sizes: comparing them one by one would find nothing
    if remembered is not None:
        cache.remember_listing(None)
    site = site_context(settings)
    known = cache.stats()
    stale: list[tuple[str, str]] = []
    touched: list[tuple[str, int, int]] = []
    digests: dict[str, str] = {}
    for file in files:
        relative = file.relative
        cached = known.get(relative)
        if cached and cached[0] == file.mtime_ns and cached[1] == file.size:
            digests[relative] = cached[2]
            continue
        if cached and cached[1] == file.size and _file_digest(file.path) == cached[2]:
            touched.append((relative, _trusted_mtime(file.mtime_ns), file.size))
            digests[relative] = cached[2]
            continue
        stale.append((file.path, relative))
        digests[relative] = ""  # known once it is normalised (keeps the path order)
    cache.forget(set(known) - set(digests))
    cache.touch(touched)
    total = len(stale)
    if total:
        for done, rows in enumerate(_run_normalise(stale, site, pool), start=1):
            cache.store(rows)
            for row in rows:
                digests[str(row[0])] = str(row[3])
            if progress:
                progress("normalise", min(done * CHUNK_SIZE, total), total)
    if listing is not None:
        cache.remember_listing(listing)
    return digests


def asset_digests(cache: BuildCache, assets: Sequence[EntryFile]) -> dict[str, str]:
    """``{path in out/: SHA-256}`` of each media file, read again only when its mtime or size
    changed: an output's key then depends on the file's bytes, not on when a checkout wrote it, so
    two checkouts of the same project build byte-identical manifests."""
    known = cache.media()
    digests: dict[str, str] = {}
    changed: list[tuple[str, int, int, str]] = []
    for asset in assets:
        cached = known.get(asset.relative)
        if cached and cached[0] == asset.mtime_ns and cached[1] == asset.size:
            digests[asset.relative] = cached[2]
            continue
        digests[asset.relative] = _file_digest(asset.path)
        changed.append((asset.relative, _trusted_mtime(asset.mtime_ns), asset.size, digests[asset.relative]))
    gone = set(known) - set(digests)
    if changed or gone:
        cache.remember_media(changed, gone)
    return digests


class Inputs:
    """The open cache, up to date with entries/, and the digest of every entry file (path order)."""

    __slots__ = ("_digests", "cache")

    def __init__(self, cache: BuildCache, digests: dict[str, str] | None = None) -> None:
        self.cache = cache
        self._digests = digests

    @property
    def digests(self) -> dict[str, str]:
        """Read from the cache when ``refresh`` found nothing changed (a digest never needs them)."""
        if self._digests is None:
            self._digests = self.cache.digests()
        return self._digests


def refresh(
    settings: Settings,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
    fresh: bool = False,
) -> Inputs:
    """Open the cache and normalise every entry file that is new or changed since it was cached
    (with ``fresh``, every entry file: the cache is emptied first)."""
    cache = BuildCache(settings.cache_dir, f"rules {RULES_VERSION}|{site_context(settings)!r}")
    try:
        if fresh:
            cache.clear()
        return Inputs(cache, _refresh_cache(settings, cache, progress, pool))
    except BaseException:
        cache.close()
        raise


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


@contextmanager
def worker_pool() -> Iterator[ProcessPoolExecutor | None]:
    """One process per core for a whole build, or None on a single core.

    The workers are forked at once, while this process is still small: forked later, after the
    metadata of every entry is loaded (hundreds of MB at 100,000 entries), each worker would end
    up with a private copy of it as soon as Python's reference counting touched the pages.
    Forking (not spawning) also spares callers the ``if __name__ == "__main__"`` guard.
    """
    cores = os.cpu_count() or 1
    if cores < 2:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for a whole-site load

    with ProcessPoolExecutor(max_workers=cores) as pool:
        pool.submit(int).result()  # starts every worker now
        yield pool


def _run_normalise(
    stale: list[tuple[str, str]], site: SiteContext, pool: ProcessPoolExecutor | None
) -> Iterator[list[tuple]]:
    chunks = [stale[i : i + CHUNK_SIZE] for i in range(0, len(stale), CHUNK_SIZE)]
    if pool is None or len(stale) < PARALLEL_THRESHOLD:
        for chunk in chunks:
            yield _normalise_chunk(chunk, site)
        return
    yield from pool.map(_normalise_chunk, chunks, [site] * len(chunks))


def load_site(
    settings: Settings,
    progress: Progress | None = None,
    published: Callable[[datetime], bool] | None = None,
    newest: int | None = None,
    exclude_ids: frozenset[str] = frozenset(),
    pool: ProcessPoolExecutor | None = None,
    inputs: Inputs | None = None,
    media: Media | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> Site:
    """Load and normalise every entry (using the cache), then check what spans entries.

    With ``published``, only entries whose publication time it accepts are loaded (plus every file
    with problems): a digest of 20 entries need not unpickle 100,000. With ``newest`` too, only the
    newest that many of those (leaving out ``exclude_ids``) are loaded; the ids of the others, newest
    first, are in ``Site.unloaded``. ``between`` (first and last time) may tell that ``published``
    accepts nothing outside these times and everything strictly between them, so that neither the
    cache nor ``published`` need look at each entry. Cross-entry checks (duplicate ids and slugs)
    still cover every entry, from the cache's index. ``inputs`` is the result of ``refresh`` and
    ``media`` that of ``loaders.scan_assets``, if the caller has them already.
    """
    if inputs is None:
        if pool is None and published is None:
            # A whole-site load on its own (check, entries): its own workers, for a cold cache.
            with worker_pool() as own_pool:
                inputs = refresh(settings, progress, own_pool)
        else:
            inputs = refresh(settings, progress, pool)
    cache = inputs.cache
    problems: list[Problem] = []
    collisions = cache.collisions()
    line_of = partial(_line_of_field, settings.root)
    urls = plan_urls(cache.index(), read_record(settings.out_dir), problems, line_of)
    slug_overrides = urls.slugs
    problems.extend(_duplicate_ids(collisions, line_of, partial(_mtime_of, settings.root)))
    wanted: list[str] | None = None  # None: every entry
    unloaded: tuple[str, ...] = ()
    if published is not None or newest is not None:
        in_window = _in_window(cache, settings, published, between, exclude_ids)
        if newest is not None:
            unloaded = tuple(entry_id for _, entry_id in in_window[newest:])
            in_window = in_window[:newest]
        if published is not None:
            wanted = sorted({path for path, _ in in_window}.union(cache.flagged()))
    entries: list[Entry] = []
    digests: dict[str, str] = {}
    links: dict[str, tuple[str, ...]] = {}
    with long_lived():
        for path, digest, result in cache.light_results(wanted):
            assert isinstance(result, Normalised)
            problems.extend(result.problems)
            if result.entry is not None:
                entries.append(result.entry)
                digests[path] = digest
                problems.extend(removal_warnings(result.entry))
                if result.links:
                    links[path] = result.links
    loaded = set(digests)
    overrides = {
        path: _renormalise(settings, path, slug) for path, slug in slug_overrides.items() if path in loaded
    }
    light_overrides = {p: replace(e, content_html="") for p, e in overrides.items()}
    entries = [light_overrides.get(e.source_path, e) for e in entries]
    if published is not None:
        entries = [e for e in entries if published(e.published)]
    # Media files matter to builds only (a digest links to out/).
    if media is None:
        media = scan_assets(settings.entries_dir, settings.not_entries) if published is None else ([], [])
    assets, ignored = media
    entries_prefix = (
        settings.entries_dir.relative_to(settings.root).as_posix()
        if settings.entries_dir.is_relative_to(settings.root)
        else str(settings.entries_dir)
    )
    problems.extend(_ignored_file(f"{entries_prefix}/{name}") for name in ignored)
    ordered = newest_first(entries)
    if published is None:
        problems.extend(_tag_conflicts(ordered, line_of))
    problems.sort(key=lambda p: (p.path, p.line or 0, p.field or "", p.message))
    return Site(
        settings, ordered, digests, tuple(problems), cache, overrides, tuple(assets), unloaded, urls, links
    )


def _tag_conflicts(entries: Sequence[Entry], line_of: LineOf) -> list[Problem]:
    """Warnings for tags whose names differ but whose page is the same (``C++`` and ``C#`` both
    become ``tags/c/``): that page shows one name, the newest entry's (``entries``: newest first),
    and lists the entries of both. Names that differ only in case are the same tag."""
    shown: dict[str, str] = {}
    reported: set[tuple[str, str]] = set()
    problems = []
    for entry in entries:
        for tag in entry.tags:
            name = shown.setdefault(tag.slug, tag.name)
            if tag.name.casefold() == name.casefold() or (tag.slug, tag.name) in reported:
                continue
            reported.add((tag.slug, tag.name))
            problems.append(
                warning(
                    entry.source_path,
                    f"tag {tag.name!r} gets the same page as the tag {name!r} (tags/{tag.slug}/), "
                    f"which lists this entry under {name!r}",
                    line=line_of(entry.source_path, "tags"),
                    field="tags",
                    hint="rename one of the two tags so that their names differ in letters or digits",
                )
            )
    return problems


def _ignored_file(path: str) -> Problem:
    if path.endswith(ENTRY_SUFFIX):
        return warning(
            path,
            "is a link to nothing (or to no file), so it is not published",
            hint="fix or remove the link",
        )
    return warning(
        path,
        "is neither an entry (.md) nor a media file, so it is not published",
        hint=f"only media files ({', '.join(sorted(ASSET_SUFFIXES))}) are copied to out/",
    )


def _in_window(
    cache: BuildCache,
    settings: Settings,
    published: Callable[[datetime], bool] | None,
    between: tuple[datetime, datetime] | None,
    exclude_ids: frozenset[str],
) -> list[tuple[str, str]]:
    """``(path, id)`` of the publishable entries ``published`` accepts, newest first, without
    ``exclude_ids``. With ``between``, the cache's index picks the rows, and only times on its
    edges go through ``published``."""
    if between is None:
        rows = cache.timeline()
        low, high = math.inf, -math.inf  # no time is known to be inside
    else:
        low, high = between[0].timestamp(), between[1].timestamp()
        rows = cache.timeline(low, high)
    tz = settings.tz

    def accepts(moment: float) -> bool:
        return published is None or published(datetime.fromtimestamp(moment, tz))

    return [
        (path, entry_id)
        for path, moment, entry_id in rows
        if entry_id not in exclude_ids and (low < moment < high or accepts(moment))
    ]


def _line_of_field(root: Path, relative: str, field: str) -> int | None:
    """The line of a front-matter key in an entry file. Cross-entry checks name few files, and the
    cache's index keeps no lines, so the file is read again for its message."""
    try:
        return field_line((root / relative).read_text(encoding="utf-8-sig"), field)
    except (OSError, UnicodeDecodeError):
        return None


LineOf = Callable[[str, str], int | None]  # (entry file, front-matter key) -> its line


def _renormalise(settings: Settings, relative: str, slug: str) -> Entry:
    source, _ = parse_entry((settings.root / relative).read_bytes(), relative)
    assert source is not None
    result = normalise(source, site_context(settings), slug_override=slug)
    assert result.entry is not None
    return result.entry


def _mtime_of(root: Path, relative: str) -> int:
    try:
        return (root / relative).stat().st_mtime_ns
    except OSError:
        return 2**63


def _duplicate_ids(rows: list[IndexRow], line_of: LineOf, mtime_of: Callable[[str], int]) -> list[Problem]:
    """Problems for every id already used by an entry published before it (at the same time: by the
    file changed longer ago, then by path order). ``rows`` hold at least every row whose id is shared.

    The entry published first keeps its id: readers have seen it under that id, and the usual
    way to get a duplicate is to copy an old entry to start a new one (before its date is changed,
    the copy is the file written last).
    """
    seen: dict[str, IndexRow] = {}
    problems = []
    ordered = sorted(
        (r for r in rows if r.entry_id is not None),
        key=lambda r: (math.inf if r.published is None else r.published, mtime_of(r.path), r.path),
    )
    for row in ordered:
        assert row.entry_id is not None
        first = seen.setdefault(row.entry_id, row)
        if first is row:
            continue
        how = "saved earlier, with the same date" if first.published == row.published else "published earlier"
        problems.append(
            Problem(
                row.path,
                f"id {row.entry_id!r} is already used by {first.path}, {how}",
                line=line_of(row.path, "id"),
                field="id",
                hint="each entry needs its own id; remove this one and run 'publisher check --fix-ids'",
            )
        )
    return problems


def load_entries(
    settings: Settings,
    select: Callable[[Entry], bool] | None = None,
    published: Callable[[datetime], bool] | None = None,
) -> tuple[tuple[Entry, ...], tuple[Problem, ...]]:
    """Normalised entries (drafts excluded, newest first, with content) and every problem found.

    ``select`` filters on metadata before the content is fetched; ``published`` filters on the
    publication time before anything else is loaded (e.g. a digest's time window).
    """
    site = load_site(settings, published=published)
    try:
        chosen = [e for e in site.entries if select is None or select(e)]
        return tuple(site.full(e) for e in chosen), site.problems
    finally:
        site.close()
