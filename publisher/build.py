"""The build pipeline: entries -> normalised model -> feeds and archive pages -> out/.

The only module that knows the order. It is incremental: normalised entries are cached by file
content, and each output file carries a key of everything it was rendered from, so a rebuild
renders and writes only what changed. The result is byte-identical to a cold build.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from hashlib import sha256
from os.path import isfile, join
from pathlib import Path

from publisher import __version__
from publisher.config import Settings
from publisher.errors import Problem
from publisher.model import Author, Entry, Feed, FeedMeta, Tag
from publisher.site import (
    CHUNK_SIZE,
    PARALLEL_THRESHOLD,
    Progress,
    Site,
    load_entries,
    load_site,
    long_lived,
    site_context,
    worker_pool,
)

__all__ = ["BuildReport", "build", "load_entries", "load_site", "site_context"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    entries: int
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


# --- outputs -------------------------------------------------------------------------------------


def _key(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _settings_fingerprint(settings: Settings) -> str:
    relevant = (
        settings.title,
        settings.base_url,
        settings.description,
        settings.language,
        settings.timezone,
        settings.author,
        settings.author_email,
        settings.feed_limit,
        settings.page_size,
        __version__,
    )
    return _key(*relevant)


def _templates_fingerprint(settings: Settings) -> str:
    from publisher.templating import default_templates_dir

    digest = hashlib.sha256()
    for folder in (settings.templates_dir, default_templates_dir()):
        if not folder.is_dir():
            continue
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(file.relative_to(folder).as_posix().encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _feed_meta(settings: Settings, title: str, home_path: str, prefix: str, language: str) -> FeedMeta:
    # Atom requires an author on every entry unless the feed has one: fall back to the site title.
    author = Author(settings.author or settings.title, settings.author_email)
    return FeedMeta(
        title=title,
        description=settings.description,
        base_url=settings.base_url,
        home_url=settings.url(home_path.removesuffix("index.html")),
        language=language,
        author=author,
        feed_id=f"{settings.base_url}{prefix}atom.xml",
        path_prefix=prefix,
    )


@dataclass(frozen=True, slots=True)
class _Job:
    """A group of output files rendered together, and the key of everything they depend on."""

    key: str
    paths: tuple[str, ...] | None  # None: the paths are known only after rendering (paged lists)
    render: Callable[[], dict[str, bytes]]


def _entry_page_keys(site: Site, settings_fp: str, templates_fp: str) -> list[tuple[Entry, str]]:
    """Each entry page depends only on its entry, the settings and the templates."""
    prefix = f"entry\0{settings_fp}\0{templates_fp}\0"
    return [
        (entry, sha256(f"{prefix}{site.digests[entry.source_path]}\0{entry.slug}".encode()).hexdigest())
        for entry in site.entries
    ]


@contextmanager
def _entry_pages_in_background(
    site: Site, todo: list[Entry], progress: Progress | None, pool: ProcessPoolExecutor | None
) -> Iterator[list[str]]:
    """Render and write entry pages on every core while the caller renders the other outputs.

    Yields the list that holds the written paths once the block has finished. With few pages (or
    one core, or no shareable cache) they are rendered in-process when the block ends.
    """
    written: list[str] = []
    settings = site.settings
    chunks = [
        [site.overrides.get(e.source_path, e) for e in todo[i : i + CHUNK_SIZE]]
        for i in range(0, len(todo), CHUNK_SIZE)
    ]
    if pool is None or len(todo) < PARALLEL_THRESHOLD or not site.cache.shareable:
        yield written
        for number, chunk in enumerate(chunks, start=1):
            written.extend(_entry_page_chunk(settings, None, chunk, site))
            if progress:
                progress("pages", min(number * CHUNK_SIZE, len(todo)), len(todo))
        return
    futures = [pool.submit(_entry_page_chunk, settings, site.cache.path, chunk) for chunk in chunks]
    yield written
    for number, future in enumerate(futures, start=1):
        written.extend(future.result())
        if progress:
            progress("pages", min(number * CHUNK_SIZE, len(todo)), len(todo))


def _entry_page_chunk(
    settings: Settings, cache_file: Path | str | None, chunk: list[Entry], site: Site | None = None
) -> list[str]:
    """Render one chunk of entry pages (in a worker process, or in-process with ``site``)."""
    from publisher import archive
    from publisher.cache import read_html
    from publisher.output import write_if_changed
    from publisher.templating import make_environment

    env = make_environment(settings)
    if site is not None:
        full = [site.full(e) for e in chunk]
    else:
        need = [e.source_path for e in chunk if not e.content_html]
        html = dict(read_html(Path(str(cache_file)), need))
        full = [e if e.content_html else replace(e, content_html=html[e.source_path]) for e in chunk]
    written = []
    for entry in full:
        if write_if_changed(
            settings.out_dir / entry.path, archive.entry_page(entry, settings, env), durable=False
        ):
            written.append(entry.path)
    return written


def _plan(site: Site, settings_fp: str, templates_fp: str) -> Iterator[_Job]:
    """Every output except the entry pages, as jobs keyed by what they depend on."""
    from publisher import archive, feeds
    from publisher.templating import make_environment

    settings = site.settings
    env = make_environment(settings)
    entries = site.entries
    with long_lived():
        token = {e.source_path: f"{site.digests[e.source_path]} {e.slug}" for e in entries}

    def listed(chosen: Iterable[Entry]) -> str:
        """What a list or feed of ``chosen`` depends on, as one string (cheap to hash at 100k)."""
        return "\n".join([token[e.source_path] for e in chosen])

    def feed_job(meta: FeedMeta, chosen: tuple[Entry, ...]) -> _Job:
        top = chosen[: settings.feed_limit]
        key = _key("feed", settings_fp, meta, listed(top))
        paths = tuple(f"{meta.path_prefix}{name}" for name in feeds.FEED_FILES.values())
        return _Job(key, paths, lambda: feeds.render_feeds(Feed(meta, tuple(site.full(e) for e in top))))

    yield feed_job(_feed_meta(settings, settings.title, "index.html", "", settings.language), entries)
    yield _Job(
        _key("list", settings_fp, templates_fp, listed(entries)),
        None,
        lambda: archive.list_pages(entries, settings, env, kind="index"),
    )

    by_tag: dict[str, list[Entry]] = defaultdict(list)
    tag_names: dict[str, Tag] = {}
    for entry in entries:
        for tag in entry.tags:
            by_tag[tag.slug].append(entry)
            tag_names.setdefault(tag.slug, tag)
    for slug in sorted(by_tag):
        tag, tagged = tag_names[slug], tuple(by_tag[slug])
        meta = _feed_meta(
            settings,
            f"{settings.title}: {tag.name}",
            f"tags/{slug}/index.html",
            f"tags/{slug}/",
            settings.language,
        )
        yield feed_job(meta, tagged)
        key = _key("tag", settings_fp, templates_fp, tag, listed(tagged))
        yield _Job(
            key,
            None,
            lambda tag=tag, tagged=tagged: archive.list_pages(tagged, settings, env, kind="tag", tag=tag),
        )
    counts = [(tag_names[slug], len(by_tag[slug])) for slug in sorted(by_tag)]
    yield _Job(
        _key("tags", settings_fp, templates_fp, counts),
        ("tags/index.html",),
        lambda: {"tags/index.html": archive.tags_page(counts, settings, env)},
    )

    languages = sorted({e.lang for e in entries})
    if len(languages) > 1:
        for lang in languages:
            chosen = tuple(e for e in entries if e.lang == lang)
            yield feed_job(
                _feed_meta(settings, f"{settings.title} ({lang})", "index.html", f"{lang}/", lang), chosen
            )
    yield _Job(_key("static", templates_fp), ("style.css",), lambda: {"style.css": archive.stylesheet(env)})
    for asset in site.assets:
        yield _Job(
            _key("asset", asset.relative, asset.mtime_ns, asset.size),
            (asset.relative,),
            lambda asset=asset: {asset.relative: Path(asset.path).read_bytes()},
        )


def build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    """Build out/ from entries/. With errors, nothing is written and the report lists them all."""
    with worker_pool() as pool:
        site = load_site(settings, progress, pool=pool)
        try:
            if any(p.is_error for p in site.problems):
                return BuildReport((), (), 0, len(site.entries), site.problems)
            return _write_outputs(site, progress, pool)
        finally:
            site.close()


def _write_outputs(site: Site, progress: Progress | None, pool: ProcessPoolExecutor | None) -> BuildReport:
    from publisher.output import read_manifest, write_if_changed, write_manifest

    out = site.settings.out_dir
    out_folder = str(out)
    previous = read_manifest(out)
    keys: dict[str, str] = {}
    written: list[str] = []
    unchanged = 0
    by_key: dict[str, list[str]] = defaultdict(list)
    for path, key in sorted(previous.items()):
        by_key[key].append(path)
    settings_fp = _settings_fingerprint(site.settings)
    templates_fp = _templates_fingerprint(site.settings)
    todo = []
    with long_lived():
        page_keys = _entry_page_keys(site, settings_fp, templates_fp)
    for entry, key in page_keys:
        keys[entry.path] = key
        if previous.get(entry.path) == key and isfile(join(out_folder, entry.path)):
            unchanged += 1
        else:
            todo.append(entry)
    jobs = list(_plan(site, settings_fp, templates_fp))
    current = set(keys.values()) | {job.key for job in jobs}
    # Forget the keys of files about to be rewritten or deleted first, so that a build that crashes
    # half-way is not mistaken for a finished one (their paths stay listed for stale-file removal).
    outdated = {p: "" for p, k in previous.items() if k not in current}
    if outdated:
        write_manifest(out, previous | outdated)
    with _entry_pages_in_background(site, todo, progress, pool) as pages_written:
        for number, job in enumerate(jobs, start=1):
            known = job.paths if job.paths is not None else tuple(by_key.get(job.key, ()))
            if known and all(previous.get(p) == job.key and isfile(join(out_folder, p)) for p in known):
                keys.update(dict.fromkeys(known, job.key))
                unchanged += len(known)
            else:
                for path, data in sorted(job.render().items()):
                    keys[path] = job.key
                    if write_if_changed(out / path, data, durable=path.endswith((".xml", ".json"))):
                        written.append(path)
                    else:
                        unchanged += 1
            if progress and (number % 200 == 0 or number == len(jobs)):
                progress("write", number, len(jobs))
    written.extend(pages_written)
    unchanged += len(todo) - len(pages_written)
    deleted = _delete_stale(out, set(previous) - set(keys))
    if keys != previous or outdated:
        write_manifest(out, keys)
    return BuildReport(tuple(written), tuple(deleted), unchanged, len(site.entries), site.problems)


def _delete_stale(out: Path, paths: Iterable[str]) -> list[str]:
    """Remove files a previous build wrote that no entry produces any more, and emptied folders."""
    deleted = []
    for path in sorted(paths):
        target = out / path
        if target.is_file():
            target.unlink()
            deleted.append(path)
            parent = target.parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    return deleted
