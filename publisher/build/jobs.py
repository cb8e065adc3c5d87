"""Output jobs: each output file (or feed set) with the small, picklable task that renders it, and
the function that renders and writes a batch of tasks, in a worker process or in this one.

A task carries exactly what its output depends on (the build keys each job by the same inputs),
and light entries: a worker reads the content HTML it needs from the build cache itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from os.path import join
from pathlib import Path
from typing import Protocol

from jinja2 import Environment

from publisher.config import Settings
from publisher.model import Entry, Feed, FeedMeta, Tag
from publisher.output import write_if_changed
from publisher.render import archive, feeds, sitepages
from publisher.render.templating import make_environment

HtmlSource = Callable[[list[str]], dict[str, str]]  # source paths -> their content HTML


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """What every page shows of the whole site besides the settings (part of every page's key)."""

    languages: tuple[str, ...] = ()  # the entries' languages, sorted; several: each has its feeds


@dataclass(frozen=True, slots=True)
class Renderer:
    """What tasks render with: the settings, the template environment and the entries' HTML."""

    settings: Settings
    env: Environment
    html: Mapping[str, str]  # source path -> content HTML, of every entry the batch shows in full
    facts: SiteFacts = SiteFacts()

    def full(self, entries: Sequence[Entry]) -> tuple[Entry, ...]:
        """The entries with their content HTML (entries re-normalised in this run already have it)."""
        return tuple(
            e if e.content_html else replace(e, content_html=self.html[e.source_path]) for e in entries
        )


class Task(Protocol):
    @property
    def paths(self) -> tuple[str, ...]: ...

    def render(self, renderer: Renderer) -> dict[str, bytes]: ...


@dataclass(frozen=True, slots=True)
class EntryPage:
    entry: Entry

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.entry.path,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        (entry,) = renderer.full((self.entry,))
        languages = renderer.facts.languages
        return {entry.path: archive.entry_page(entry, renderer.settings, renderer.env, languages)}


@dataclass(frozen=True, slots=True)
class FeedSet:
    """RSS, Atom and JSON Feed of the same entries (already cut to the feed limit); ``archives``
    is how many archived documents the feed has (the Atom feed links the newest)."""

    meta: FeedMeta
    entries: tuple[Entry, ...]
    archives: int = 0

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f"{self.meta.path_prefix}{name}" for name in feeds.FEED_FILES.values())

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        return feeds.render_feeds(Feed(self.meta, renderer.full(self.entries), self.archives))


@dataclass(frozen=True, slots=True)
class ArchivedFeed:
    """Archived Atom document ``number`` of ``archives`` of a feed (RFC 5005), oldest first."""

    meta: FeedMeta
    number: int
    archives: int
    entries: tuple[Entry, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return (feeds.archive_path(self.meta.path_prefix, self.number),)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        feed = Feed(self.meta, renderer.full(self.entries), self.archives, self.number)
        return feeds.render_archived(feed)


@dataclass(frozen=True, slots=True)
class Redirect:
    """A page at an old address that sends readers to the page now at ``target_url``."""

    path: str
    target_url: str
    title: str
    lang: str
    source_path: str = ""  # the entry that declares the old address (front matter ``aliases``), if one does

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        page = sitepages.redirect_page(
            self.path, self.target_url, self.title, self.lang, renderer.settings, renderer.env
        )
        return {self.path: page}


@dataclass(frozen=True, slots=True)
class NotFound:
    @property
    def paths(self) -> tuple[str, ...]:
        return (sitepages.NOT_FOUND,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        return {sitepages.NOT_FOUND: sitepages.not_found_page(renderer.settings, renderer.env)}


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A sitemap file (``index``: a sitemap index of other sitemap files) at ``path``."""

    path: str
    urls: tuple[sitepages.SitemapUrl, ...]
    index: bool = False

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        write = sitepages.sitemap_index if self.index else sitepages.sitemap
        return {self.path: write(renderer.settings, self.urls)}


@dataclass(frozen=True, slots=True)
class Robots:
    @property
    def paths(self) -> tuple[str, ...]:
        return (sitepages.ROBOTS,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        return {sitepages.ROBOTS: sitepages.robots_txt(renderer.settings)}


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of the index or of a tag's list: its entries, and where it sits among its siblings."""

    kind: archive.ListKind
    tag: Tag | None
    number: int  # 0: the front page
    numbered: int  # how many numbered pages the list has
    entries: tuple[Entry, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        if self.tag is None:
            return (archive.index_path(self.number),)
        return (archive.tag_path(self.tag, self.number),)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        path, data = archive.list_page(
            self.entries,
            renderer.settings,
            renderer.env,
            kind=self.kind,
            tag=self.tag,
            number=self.number,
            numbered=self.numbered,
            languages=renderer.facts.languages,
        )
        return {path: data}


@dataclass(frozen=True, slots=True)
class TagsPage:
    counts: tuple[tuple[Tag, int], ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return (archive.TAGS_INDEX,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        page = archive.tags_page(self.counts, renderer.settings, renderer.env, renderer.facts.languages)
        return {archive.TAGS_INDEX: page}


@dataclass(frozen=True, slots=True)
class Stylesheet:
    @property
    def paths(self) -> tuple[str, ...]:
        return (archive.STYLESHEET,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        return {archive.STYLESHEET: archive.stylesheet(renderer.env)}


@dataclass(frozen=True, slots=True)
class Asset:
    """A media file from entries/, copied as it is."""

    relative: str  # its path in out/
    source: str  # absolute path of the file in entries/

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.relative,)

    def render(self, renderer: Renderer) -> dict[str, bytes]:
        return {self.relative: Path(self.source).read_bytes()}


def weight(task: Task) -> int:
    """Rough cost of a task in entry pages, to cut batches of similar duration."""
    if isinstance(task, FeedSet):
        return 3 + len(task.entries) // 2
    if isinstance(task, ArchivedFeed):
        return 1 + len(task.entries) // 4
    if isinstance(task, Sitemap):
        return 1 + len(task.urls) // 1000
    if isinstance(task, ListPage):
        return 2
    return 1


def cache_html(cache_file: str) -> HtmlSource:
    """Content HTML from the build cache file, read-only (for worker processes)."""
    from publisher.content.cache import read_html

    return lambda paths: dict(read_html(Path(cache_file), paths)) if paths else {}


def _shown_in_full(task: Task) -> tuple[Entry, ...]:
    if isinstance(task, EntryPage):
        return (task.entry,)
    if isinstance(task, FeedSet | ArchivedFeed):
        return task.entries
    return ()


def _renderer(
    settings: Settings, html: HtmlSource | str, tasks: Sequence[Task], facts: SiteFacts
) -> Renderer:
    source = cache_html(html) if isinstance(html, str) else html
    needed = {e.source_path for task in tasks for e in _shown_in_full(task) if not e.content_html}
    return Renderer(settings, make_environment(settings), source(sorted(needed)), facts)


def rehearse(
    settings: Settings, html: HtmlSource | str, tasks: Iterable[Task], facts: SiteFacts = SiteFacts()
) -> None:
    """Render the tasks without writing anything; raises what rendering them raises."""
    tasks = list(tasks)
    renderer = _renderer(settings, html, tasks, facts)
    for task in tasks:
        task.render(renderer)


def run_batch(
    settings: Settings, html: HtmlSource | str, tasks: Iterable[Task], facts: SiteFacts = SiteFacts()
) -> list[tuple[str, bool]]:
    """Render the tasks and write their files into ``settings.out_dir`` (only changed bytes).

    ``html`` is where content HTML comes from: a function, or the path of the build cache file
    when this runs in a worker process. Returns ``(path, written)`` for every file.
    """
    tasks = list(tasks)
    renderer = _renderer(settings, html, tasks, facts)
    out = str(settings.out_dir)
    results = []
    for task in tasks:
        for path, data in sorted(task.render(renderer).items()):
            results.append((path, write_if_changed(Path(join(out, path)), data, durable=False)))
    return results
