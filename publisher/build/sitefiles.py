"""The build's outputs besides entry pages, lists and feeds: redirect pages at old addresses (an
entry's earlier slugs, the old addresses its front matter declares, the site's earlier base URL),
the sitemap, robots.txt and 404.html; and the check that every link into the site leads to a file
the build publishes."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from urllib.parse import unquote, urlsplit

from publisher.build import jobs
from publisher.config import Settings
from publisher.content.urls import Published, UrlRecord
from publisher.errors import Problem, warning
from publisher.model import Entry, Tag
from publisher.render import archive, sitepages
from publisher.render.sitepages import SitemapUrl

Keyed = tuple[tuple[object, ...], jobs.Task]  # what a job's key is made of, and its task


def redirect_jobs(record: UrlRecord, entries: Sequence[Entry], settings: Settings) -> Iterator[Keyed]:
    """A redirect page at every address an entry had before its current one."""
    by_id = {entry.id: entry for entry in entries}
    for entry_id, item in sorted(record.entries.items()):
        entry = by_id.get(entry_id)
        if entry is None:
            continue
        for old in item.moved_from:
            if old != entry.path:
                task = jobs.Redirect(old, entry.url, entry.title, entry.lang)
                yield ("redirect", old, entry.url, entry.title, entry.lang), task


def alias_jobs(
    entries: Sequence[Entry], record: UrlRecord, taken: set[str]
) -> tuple[list[Keyed], list[Problem]]:
    """A redirect page at each old address an entry declares (``aliases``: a migrated site's URLs),
    and a warning for each one that cannot have it: an address another page of this build takes,
    an earlier entry's old address, or one published for another entry (the address record: an
    address stays with its entry). ``taken`` (every path planned so far) gets the new pages."""
    owners = record.owners()
    found: list[Keyed] = []
    problems: list[Problem] = []
    for entry in entries:
        for alias in entry.aliases:
            if alias in taken:
                if alias in record.entries.get(entry.id, _NOWHERE).moved_from:
                    continue  # its own earlier address: already a redirect to it
                problems.append(
                    warning(
                        entry.source_path,
                        f"the old address {alias} is already a page of this site; it gets no redirect",
                        field="aliases",
                        hint="remove it from the entry, or give the other page another address",
                    )
                )
                continue
            owner = owners.get(alias)
            if owner is not None and owner != entry.id:
                problems.append(
                    warning(
                        entry.source_path,
                        f"the old address {alias} was published for another entry ({owner}); "
                        "it gets no redirect",
                        field="aliases",
                        hint="remove it from the entry: an address, once published, stays with its entry",
                    )
                )
                continue
            taken.add(alias)
            task = jobs.Redirect(alias, entry.url, entry.title, entry.lang, entry.source_path)
            found.append((("redirect", alias, entry.url, entry.title, entry.lang), task))
    return found, problems


_NOWHERE = Published("", 0.0)


def moved_base_prefixes(record: UrlRecord, base_url: str) -> list[str]:
    """For each earlier base URL of the site on the same host, inside the new one, the folder
    (relative to the new base) where its addresses now lie: ``https://x.org/news/`` moved to
    ``https://x.org/`` gives ``news/``. Earlier bases elsewhere cannot be served from out/."""
    new = urlsplit(base_url)
    prefixes = []
    for old_url in record.previous_base_urls:
        old = urlsplit(old_url)
        if (old.scheme, old.netloc) == (new.scheme, new.netloc) and old.path.startswith(new.path):
            prefix = old.path[len(new.path) :]
            if prefix:
                prefixes.append(prefix)
    return prefixes


def base_move_jobs(
    record: UrlRecord, entries: Sequence[Entry], settings: Settings, taken: Collection[str]
) -> Iterator[Keyed]:
    """Redirect pages at the addresses the entries (and the front page) had under an earlier base
    URL of the same host, where out/ can still serve them; never over a file the build writes."""
    by_id = {entry.id: entry for entry in entries}
    t_home = settings.title
    for prefix in moved_base_prefixes(record, settings.base_url):
        pages: dict[str, tuple[str, str, str]] = {
            f"{prefix}index.html": (settings.base_url, t_home, settings.language)
        }
        for entry_id, item in sorted(record.entries.items()):
            entry = by_id.get(entry_id)
            if entry is None:
                continue
            for old in (item.path, *item.moved_from):
                pages[f"{prefix}{old}"] = (entry.url, entry.title, entry.lang)
        for path, (url, title, lang) in sorted(pages.items()):
            if path not in taken:
                yield ("redirect", path, url, title, lang), jobs.Redirect(path, url, title, lang)


def base_move_problems(record: UrlRecord, settings: Settings) -> list[Problem]:
    """A warning, in the build that changes base_url, when the old addresses cannot be kept from
    out/ (another host, or a new base below the old one): the old server must redirect them."""
    if not record.base_url or record.base_url == settings.base_url:
        return []
    if moved_base_prefixes(UrlRecord(settings.base_url, (record.base_url,)), settings.base_url):
        return []
    where = str(settings.config_path or "publisher.toml")
    return [
        warning(
            where,
            f"base_url moved from {record.base_url} to {settings.base_url}: the pages keep their paths, "
            "but addresses under the old base URL are not served from this output folder",
            field="base_url",
            hint=f"redirect {record.base_url}… to {settings.base_url}… on the old server "
            "(e.g. 'Redirect 301 / <new base URL>' for Apache), so that links in sent mails keep working",
        )
    ]


def sitemap_jobs(
    entries: Sequence[Entry],
    tagged: Mapping[str, tuple[Tag, Sequence[Entry]]],
    limit: int = sitepages.SITEMAP_LIMIT,
) -> Iterator[Keyed]:
    """``sitemap.xml`` with every entry page (newest first) and the front pages of the index and the
    tags, each with its last modification; past ``limit`` addresses (sitemaps.org allows 50,000 per
    file), an index of sitemap files: ``sitemaps/pages.xml`` and ``sitemaps/N.xml`` of ``limit``
    entries each, counted from the oldest (so that a new entry changes only the newest file)."""
    newest = entries[0].updated if entries else None
    pages = [SitemapUrl("", max((e.updated for e in entries), default=None))]
    pages.append(SitemapUrl(archive.TAGS_INDEX.removesuffix("index.html"), newest))
    for slug in sorted(tagged):
        tag, chosen = tagged[slug]
        modified = max((e.updated for e in chosen), default=None)
        pages.append(SitemapUrl(archive.tag_path(tag).removesuffix("index.html"), modified))
    urls = [SitemapUrl(e.path, e.updated) for e in entries]
    if len(pages) + len(urls) <= limit:
        everything = tuple(pages + urls)
        yield ("sitemap", _listed(everything)), jobs.Sitemap(sitepages.SITEMAP, everything)
        return
    parts = [SitemapUrl("sitemaps/pages.xml", max((p.modified for p in pages if p.modified), default=None))]
    yield ("sitemap", _listed(pages)), jobs.Sitemap("sitemaps/pages.xml", tuple(pages))
    oldest_first = urls[::-1]
    for start in range(0, len(oldest_first), limit):
        chunk = tuple(oldest_first[start : start + limit])
        path = f"sitemaps/{start // limit + 1}.xml"
        parts.append(SitemapUrl(path, max((u.modified for u in chunk if u.modified), default=None)))
        yield ("sitemap", _listed(chunk)), jobs.Sitemap(path, chunk)
    yield ("sitemap-index", _listed(parts)), jobs.Sitemap(sitepages.SITEMAP, tuple(parts), index=True)


def _listed(urls: Sequence[SitemapUrl]) -> str:
    """What a sitemap file is made of, as one string for its key: a line per address with its last
    modification (the reprs of 10,000 dataclasses and datetimes took a tenth of a second)."""
    return "\n".join([f"{u.path} {u.modified.isoformat() if u.modified else '-'}" for u in urls])


def link_problems(
    entries: Sequence[Entry],
    links: Mapping[str, Sequence[str]],
    produced: Collection[str],
    settings: Settings,
) -> list[Problem]:
    """A warning for each link in an entry's text to an address inside the site that the build
    does not publish (a file that is not in entries/, a misspelt page); it is still published."""
    problems = []
    for entry in entries:
        image = entry.image
        if image is not None and image.url.startswith(settings.base_url):
            path = unquote(image.url[len(settings.base_url) :].partition("?")[0].partition("#")[0])
            if path not in produced:
                problems.append(
                    warning(
                        entry.source_path,
                        f"its image {image.url} is not published by this build",
                        field="image.url",
                        hint="put the image into the entries folder at that path (media files there are "
                        "copied to the same path), or give its full https:// address",
                    )
                )
        for path in links.get(entry.source_path, ()):
            target = f"{path}index.html" if path == "" or path.endswith("/") else path
            if target in produced or f"{target}/index.html" in produced:
                continue
            problems.append(
                warning(
                    entry.source_path,
                    f"links to {settings.url(path)}, which this build does not publish",
                    field="body",
                    hint="correct the link; a file to publish goes into the entries folder (media files "
                    "there are copied to the same path); a page published elsewhere needs its full address",
                )
            )
    if settings.logo and not urlsplit(settings.logo).scheme and settings.logo not in produced:
        problems.append(
            warning(
                str(settings.config_path or "publisher.toml"),
                f"logo {settings.logo!r} is not published by this build",
                field="logo",
                hint="put the file into the entries folder at that path (e.g. entries/media/logo.png for "
                'logo = "media/logo.png"), or give the logo\'s full https:// address',
            )
        )
    return problems
