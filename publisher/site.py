"""Load every entry through the content cache into a Site: normalised (in parallel on a cold run),
checked across entries (duplicate ids, slugs), with metadata in memory and the HTML left in the cache."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from publisher.cache import BuildCache
from publisher.config import Settings
from publisher.errors import Problem, PublisherError, warning
from publisher.loaders import ASSET_SUFFIXES, EntryFile, parse_entry, scan_assets, scan_entry_files
from publisher.model import Entry, newest_first
from publisher.normalise import Normalised, SiteContext, normalise, removal_warnings
from publisher.slugs import unique_slug

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


def _normalise_file(path: Path, relative: str, site: SiteContext) -> tuple[str, int, int, str, bytes, str]:
    """Read, parse and normalise one file; the row the cache stores (runs in worker processes)."""
    stat = path.stat()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    source, problems = parse_entry(data, relative)
    result = normalise(source, site) if source else Normalised(None, tuple(problems))
    html = result.entry.content_html if result.entry else ""
    light = _light(result)
    return (
        relative,
        _trusted_mtime(stat.st_mtime_ns),
        stat.st_size,
        digest,
        pickle.dumps(light, pickle.HIGHEST_PROTOCOL),
        html,
    )


def _file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _light(result: Normalised) -> Normalised:
    if result.entry is None:
        return result
    return replace(result, entry=replace(result.entry, content_html=""))


def _normalise_chunk(
    items: list[tuple[str, str]], site: SiteContext
) -> list[tuple[str, int, int, str, bytes, str]]:
    return [_normalise_file(Path(path), relative, site) for path, relative in items]


def _refresh_cache(settings: Settings, cache: BuildCache, progress: Progress | None) -> list[str]:
    """Bring the cache up to date with entries/; return the relative paths of all entry files."""
    if not settings.entries_dir.is_dir():
        raise PublisherError(
            f"{settings.entries_dir}: the entries folder does not exist -> create it, or set entries_dir "
            f"in {settings.config_path or 'publisher.toml'}"
        )
    site = site_context(settings)
    known = cache.stats()
    stale: list[tuple[str, str]] = []
    touched: list[tuple[str, int, int]] = []
    paths: list[str] = []
    for file in scan_entry_files(settings.entries_dir, settings.root):
        relative = file.relative
        paths.append(relative)
        cached = known.get(relative)
        if cached and cached[0] == file.mtime_ns and cached[1] == file.size:
            continue
        if cached and cached[1] == file.size and _file_digest(file.path) == cached[2]:
            touched.append((relative, _trusted_mtime(file.mtime_ns), file.size))
            continue
        stale.append((file.path, relative))
    cache.forget(set(known) - set(paths))
    cache.touch(touched)
    total = len(stale)
    if total:
        for done, rows in enumerate(_run_normalise(stale, site), start=1):
            cache.store(rows)
            if progress:
                progress("normalise", min(done * CHUNK_SIZE, total), total)
    return paths


def _run_normalise(stale: list[tuple[str, str]], site: SiteContext) -> Iterator[list[tuple]]:
    chunks = [stale[i : i + CHUNK_SIZE] for i in range(0, len(stale), CHUNK_SIZE)]
    if len(stale) < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        for chunk in chunks:
            yield _normalise_chunk(chunk, site)
        return
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        yield from pool.map(_normalise_chunk, chunks, [site] * len(chunks))


def load_site(settings: Settings, progress: Progress | None = None) -> Site:
    """Load and normalise every entry (using the cache), then check what spans entries."""
    cache = BuildCache(settings.cache_dir, repr(site_context(settings)))
    paths = set(_refresh_cache(settings, cache, progress))
    problems: list[Problem] = []
    entries: list[Entry] = []
    digests: dict[str, str] = {}
    for path, digest, result in cache.light_results():
        if path not in paths:
            continue
        assert isinstance(result, Normalised)
        problems.extend(result.problems)
        if result.entry is not None:
            entries.append(result.entry)
            digests[path] = digest
            problems.extend(removal_warnings(result.entry))
    overrides = _resolve_slugs(settings, entries, problems)
    entries = [overrides.get(e.source_path, e) for e in entries]
    problems.extend(_duplicate_ids(entries))
    overrides_full = dict(overrides)
    light_overrides = {p: replace(e, content_html="") for p, e in overrides.items()}
    entries = [light_overrides.get(e.source_path, e) for e in entries]
    assets, ignored = scan_assets(settings.entries_dir)
    entries_prefix = (
        settings.entries_dir.relative_to(settings.root).as_posix()
        if settings.entries_dir.is_relative_to(settings.root)
        else str(settings.entries_dir)
    )
    problems.extend(
        warning(
            f"{entries_prefix}/{name}",
            "is neither an entry (.md) nor a media file, so it is not published",
            hint=f"only media files ({', '.join(sorted(ASSET_SUFFIXES))}) are copied to out/",
        )
        for name in ignored
    )
    problems.sort(key=lambda p: (p.path, p.line or 0, p.field or "", p.message))
    return Site(
        settings, newest_first(entries), digests, tuple(problems), cache, overrides_full, tuple(assets)
    )


def _resolve_slugs(settings: Settings, entries: list[Entry], problems: list[Problem]) -> dict[str, Entry]:
    """Make slugs unique. Two explicit equal slugs are an error; a generated one gets ``-2``, ``-3``…"""
    by_slug: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_slug[entry.slug].append(entry)
    overrides: dict[str, Entry] = {}
    taken = set(by_slug)
    for slug, group in sorted(by_slug.items()):
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (e.published, e.source_path))
        explicit = [e for e in group if _has_explicit_slug(settings, e)]
        if len(explicit) > 1:
            first = explicit[0].source_path
            for other in explicit[1:]:
                problems.append(
                    Problem(
                        other.source_path,
                        f"slug {slug!r} is already used by {first}",
                        field="slug",
                        hint="give one of the entries another slug",
                    )
                )
        keep = explicit[0] if explicit else group[0]
        for entry in group:
            if entry is keep or entry in explicit:
                continue
            new_slug = unique_slug(slug, taken)
            taken.add(new_slug)
            overrides[entry.source_path] = _renormalise(settings, entry.source_path, new_slug)
    return overrides


def _has_explicit_slug(settings: Settings, entry: Entry) -> bool:
    source, _ = parse_entry((settings.root / entry.source_path).read_bytes(), entry.source_path)
    return bool(source and source.metadata.get("slug"))


def _renormalise(settings: Settings, relative: str, slug: str) -> Entry:
    source, _ = parse_entry((settings.root / relative).read_bytes(), relative)
    assert source is not None
    result = normalise(source, site_context(settings), slug_override=slug)
    assert result.entry is not None
    return result.entry


def _duplicate_ids(entries: list[Entry]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for entry in sorted(entries, key=lambda e: e.source_path):
        if entry.id in seen:
            problems.append(
                Problem(
                    entry.source_path,
                    f"id {entry.id!r} is already used by {seen[entry.id]}",
                    field="id",
                    hint="each entry needs its own id; remove this one and run 'publisher check --fix-ids'",
                )
            )
        else:
            seen[entry.id] = entry.source_path
    return problems


def load_entries(
    settings: Settings, select: Callable[[Entry], bool] | None = None
) -> tuple[tuple[Entry, ...], tuple[Problem, ...]]:
    """Normalised entries (drafts excluded, newest first, with content) and every problem found.

    ``select`` filters on metadata before the content is fetched, e.g. a digest's time window.
    """
    site = load_site(settings)
    try:
        chosen = [e for e in site.entries if select is None or select(e)]
        return tuple(site.full(e) for e in chosen), site.problems
    finally:
        site.cache.close()
