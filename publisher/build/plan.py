"""What a build writes: every output with the key of everything it is rendered from, planned
before anything is rendered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256

from publisher.build import jobs, sitefiles
from publisher.build.freshness import key
from publisher.build.media import with_media_facts
from publisher.config import Settings
from publisher.content.load import (
    Site,
    asset_fingerprints,
    long_lived,
)
from publisher.content.urls import UrlRecord, updated_record
from publisher.errors import Problem
from publisher.model import Author, Entry, FeedMeta, Tag
from publisher.render import archive, feeds


def feed_meta(settings: Settings, title: str, home_path: str, prefix: str, language: str) -> FeedMeta:
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
        logo_url=settings.logo_url,
        hub_url=settings.websub_hub,
        content=settings.feed_content,
    )


@dataclass(frozen=True, slots=True)
class Job:
    """Output files rendered together by one task, and the key of everything they depend on."""

    key: str
    task: jobs.Task


@dataclass(frozen=True, slots=True)
class Outputs:
    """Everything a build is about to write, decided before anything is written."""

    planned: list[Job]
    facts: jobs.SiteFacts
    record: UrlRecord  # the address record as this build leaves it
    problems: tuple[Problem, ...]  # found while planning: old addresses already taken
    once: tuple[Problem, ...]  # said by the build that makes the change only: a base URL moved away
    entries: tuple[Entry, ...]  # as published (see ``published_entries``)
    produced: frozenset[str]  # every path the build writes


def link_problems(site: Site, outputs: Outputs) -> list[Problem]:
    """Links in the entries (and the logo) to addresses inside the site that the build does not
    publish. Apart from the plan, so that a build can write the pages before it looks (the preview
    shows the edited page sooner); only warnings, so nothing written depends on them."""
    return sitefiles.link_problems(outputs.entries, site.links, outputs.produced, site.settings)


def published_entries(site: Site) -> tuple[Entry, ...]:
    """The entries as this build publishes them: at their final address, with their lead image's
    size when it is a media file of the site."""
    entries = tuple(site.overrides.get(e.source_path, e) for e in site.entries)
    return tuple(with_media_facts(entries, site.assets, site.settings.base_url))


def plan_outputs(site: Site, settings_fp: str, templates_fp: str) -> Outputs:
    settings = site.settings
    entries = published_entries(site)
    facts = jobs.SiteFacts(tuple(sorted({e.lang for e in entries})))
    published = (e for e in site.entries if e.source_path not in site.drafts)  # no draft keeps an address
    record = updated_record(site.urls, published, settings.base_url)
    with long_lived():
        planned = list(plan_jobs(site, entries, facts, record, settings_fp, templates_fp))
    taken = {path for job in planned for path in job.task.paths}
    aliases, problems = sitefiles.alias_jobs(entries, record, taken)
    for parts, task in aliases:
        planned.append(Job(key(*parts, settings_fp, templates_fp), task))
    for parts, task in sitefiles.base_move_jobs(record, entries, settings, taken):
        planned.append(Job(key(*parts, settings_fp, templates_fp), task))
        taken.update(task.paths)
    once = sitefiles.base_move_problems(site.urls.record, settings)
    return Outputs(planned, facts, record, tuple(problems), tuple(once), entries, frozenset(taken))


def plan_jobs(
    site: Site,
    entries: tuple[Entry, ...],
    facts: jobs.SiteFacts,
    record: UrlRecord,
    settings_fp: str,
    templates_fp: str,
) -> Iterator[Job]:
    """Every output as a job keyed by exactly what it is rendered from."""
    settings = site.settings
    # An entry's bytes and its slug (which a slug collision elsewhere can change) decide what is
    # published, except for a fallback id: that comes from the file's path, so it is in the token too;
    # and the size of its lead image, when that is a file of the site.
    token = {
        e.source_path: f"{site.fingerprints[e.source_path]} {e.slug} {e.id}{image_facts(e)}" for e in entries
    }

    def listed(chosen: Iterable[Entry]) -> str:
        """What a list or feed of ``chosen`` depends on, as one string (cheap to hash at 100k)."""
        return "\n".join([token[e.source_path] for e in chosen])

    entry_prefix = f"entry\0{settings_fp}\0{templates_fp}\0{facts.languages}\0"
    facts_text = repr(facts)
    for entry in entries:
        page_key = sha256(f"{entry_prefix}{token[entry.source_path]}".encode()).hexdigest()
        yield Job(page_key, jobs.EntryPage(entry))

    def feed_jobs(meta: FeedMeta, chosen: Sequence[Entry], archived: bool = True) -> Iterator[Job]:
        """The subscription feeds (the newest ``feed_limit`` entries) and, with ``archived``, the
        archived Atom documents (RFC 5005), counted from the oldest entries: a new entry changes
        the newest. Topic feeds are not archived: every entry would be archived once per topic,
        which more than doubled the cost of the archives (the site's archived feed has them all)."""
        top = tuple(chosen[: settings.feed_limit])
        count = feeds.archive_count(len(chosen), settings.feed_limit) if archived else 0
        meta_text = repr(meta)  # once, not for every archived document
        yield Job(key("feed", settings_fp, meta_text, count, listed(top)), jobs.FeedSet(meta, top, count))
        size = feeds.archive_size(settings.feed_limit)
        end = len(chosen)
        for number in range(1, count + 1):
            part = tuple(chosen[end - number * size : end - (number - 1) * size])
            last = number == count  # the newest archived document has no next-archive link
            page_key = key("archived", settings_fp, meta_text, number, last, listed(part))
            yield Job(page_key, jobs.ArchivedFeed(meta, number, count, part))

    def list_jobs(chosen: Sequence[Entry], tag: Tag | None) -> Iterator[Job]:
        """One job per page, so that an edit re-renders only the pages that show the entry (and a
        new entry only the front page: numbered pages count from the oldest)."""
        kind: archive.ListKind = "index" if tag is None else "tag"
        path_of = archive.list_path_of(kind, tag)
        numbered = archive.numbered_page_count(len(chosen), settings.page_size)
        tag_text = repr(tag)  # once, not for every page
        for number, part in archive.page_slices(len(chosen), settings.page_size):
            shown = tuple(chosen[part])
            links = archive.pager(path_of, number, numbered)
            page_key = key("list", settings_fp, templates_fp, facts_text, tag_text, links, listed(shown))
            yield Job(page_key, jobs.ListPage(kind, tag, number, numbered, shown))

    yield from feed_jobs(feed_meta(settings, settings.title, "index.html", "", settings.language), entries)
    yield from list_jobs(entries, None)

    by_tag: dict[str, list[Entry]] = defaultdict(list)
    tag_names: dict[str, Tag] = {}
    for entry in entries:
        for tag in entry.tags:
            by_tag[tag.slug].append(entry)
            tag_names.setdefault(tag.slug, tag)
    for slug in sorted(by_tag):
        tag, tagged = tag_names[slug], by_tag[slug]
        meta = feed_meta(
            settings,
            f"{settings.title}: {tag.name}",
            f"tags/{slug}/index.html",
            f"tags/{slug}/",
            settings.language,
        )
        yield from feed_jobs(meta, tagged, archived=False)
        yield from list_jobs(tagged, tag)
    counts = tuple((tag_names[slug], len(by_tag[slug])) for slug in sorted(by_tag))
    yield Job(key("tags", settings_fp, templates_fp, facts, counts), jobs.TagsPage(counts))

    if len(facts.languages) > 1:
        for lang in facts.languages:
            chosen = [e for e in entries if e.lang == lang]
            yield from feed_jobs(
                feed_meta(settings, f"{settings.title} ({lang})", "index.html", f"{lang}/", lang), chosen
            )
    yield Job(key("static", templates_fp), jobs.Stylesheet())
    yield Job(key("404", settings_fp, templates_fp), jobs.NotFound())
    yield Job(key("robots", settings_fp), jobs.Robots())
    tagged_lists = {slug: (tag_names[slug], by_tag[slug]) for slug in by_tag}
    for parts, task in sitefiles.sitemap_jobs(entries, tagged_lists):
        yield Job(key(*parts, settings_fp), task)
    for parts, task in sitefiles.redirect_jobs(record, entries, settings):
        yield Job(key(*parts, settings_fp, templates_fp), task)
    media = asset_fingerprints(site.cache, site.assets)
    for asset in site.assets:
        yield Job(key("asset", asset.relative, media[asset.relative]), jobs.Asset(asset.relative, asset.path))


def image_facts(entry: Entry) -> str:
    image = entry.image
    if image is None or image.length is None:
        return ""
    return f" {image.length} {image.width} {image.height}"
