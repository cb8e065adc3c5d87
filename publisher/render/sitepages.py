"""The files around the archive: redirect pages at old addresses, ``404.html``, ``sitemap.xml`` and
``robots.txt`` (bytes; no file I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from jinja2 import Environment

from publisher.config import Settings
from publisher.render.archive import BaseContext, Page, base_context, feed_links, render_template
from publisher.render.templating import labels

NOT_FOUND = "404.html"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
SITEMAP_LIMIT = 50_000  # addresses per sitemap file (sitemaps.org)


class RedirectContext(BaseContext):
    """redirect.html.j2"""

    target: str  # where the reader is sent: relative to this page when inside the site, else absolute
    heading: str  # the title of the page it leads to


class NotFoundContext(BaseContext):
    """404.html.j2"""


def redirect_page(
    old_path: str, target_url: str, title: str, lang: str, settings: Settings, env: Environment
) -> bytes:
    """The page left at ``old_path`` (inside the site) for a page now at ``target_url`` (absolute):
    a meta refresh and a link for readers, ``rel=canonical`` and ``noindex`` for search engines.

    Used for an entry whose slug changed, for the addresses of a site that moved to a new base
    URL, and for any old address an entry declares."""
    t = labels(lang)
    page = Page(
        path=old_path,
        lang=lang,
        title=f"{t['moved']}: {title}",
        description="",
        canonical_url=target_url,
        feeds=feed_links(settings, "", settings.title),
        robots="noindex",
    )
    base = base_context(settings, page)
    context = RedirectContext(**base, target=base["local"](target_url), heading=title)
    return render_template(env, "redirect.html.j2", context)


def _root_path(settings: Settings, path: str) -> str:
    """An absolute-path link (``/archiv/style.css``): 404.html is served at any depth."""
    return urlsplit(settings.base_url).path + path


def not_found_page(settings: Settings, env: Environment) -> bytes:
    """``404.html``, which web servers show for a missing page. Its links start at the site root,
    and it names no canonical address (it is not one page)."""
    t = labels(settings.language)
    page = Page(
        path=NOT_FOUND,
        lang=settings.language,
        title=f"{t['not_found']} – {settings.title}",
        description="",
        canonical_url="",
        feeds=feed_links(settings, "", settings.title),
        robots="noindex",
    )

    def href(path: str) -> str:
        return _root_path(settings, path)

    def local(url: str) -> str:
        return href(url[len(settings.base_url) :]) if url.startswith(settings.base_url) else url

    base = base_context(settings, page, href=href)
    base["local"] = local
    return render_template(env, "404.html.j2", NotFoundContext(**base))


@dataclass(frozen=True, slots=True)
class SitemapUrl:
    path: str  # inside the site ("" for the front page)
    modified: datetime | None


def sitemap(settings: Settings, urls: Sequence[SitemapUrl]) -> bytes:
    """A sitemaps.org ``<urlset>``, in the order given, with each page's last modification."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url in urls:
        lastmod = f"<lastmod>{url.modified.isoformat()}</lastmod>" if url.modified else ""
        lines.append(f"<url><loc>{escape(settings.url(url.path))}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def sitemap_index(settings: Settings, parts: Sequence[SitemapUrl]) -> bytes:
    """A ``<sitemapindex>`` of the sitemap files ``parts`` (for sites with more addresses than one
    sitemap file may hold)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for part in parts:
        lastmod = f"<lastmod>{part.modified.isoformat()}</lastmod>" if part.modified else ""
        lines.append(f"<sitemap><loc>{escape(settings.url(part.path))}</loc>{lastmod}</sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode("utf-8")


def robots_txt(settings: Settings) -> bytes:
    """``robots.txt``: everything may be crawled, and the sitemap is here. Crawlers read it only at
    the root of a host, so under a base path it is a template to copy there."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {settings.url(SITEMAP)}\n".encode()
