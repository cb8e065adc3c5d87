"""The web archive: entry pages, paged lists and the tag index, rendered to UTF-8 HTML bytes (no file I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal, TypedDict

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup, escape

from publisher.config import Settings
from publisher.errors import Problem, PublisherError
from publisher.model import Entry, Tag
from publisher.render.links import canonical_url, local_url, page_content, relative_href
from publisher.render.social import MetaTag, article_json_ld, page_meta
from publisher.render.templating import format_date, labels, language_name, template_location

STYLESHEET = "style.css"
TAGS_INDEX = "tags/index.html"
TEMPLATE_HINT = "see 'Variables each template receives' in docs/templates.md"
# (file name, MIME type, visible name) of every feed format, in the order they are offered.
FEED_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("rss.xml", "application/rss+xml", "RSS"),
    ("atom.xml", "application/atom+xml", "Atom"),
    ("feed.json", "application/feed+json", "JSON Feed"),
)

ListKind = Literal["index", "tag"]


# --- where pages live -----------------------------------------------------------------------------


def index_path(number: int = 0) -> str:
    """``index.html`` (the front page), ``page/1.html`` (the oldest entries), ``page/2.html`` …"""
    return "index.html" if number == 0 else f"page/{number}.html"


def tag_path(tag: Tag, number: int = 0) -> str:
    """``tags/<slug>/index.html`` (the tag's front page), ``tags/<slug>/page/1.html`` …"""
    return f"tags/{tag.slug}/index.html" if number == 0 else f"tags/{tag.slug}/page/{number}.html"


def numbered_page_count(entry_count: int, page_size: int) -> int:
    """How many numbered pages a list of ``entry_count`` entries has behind its front page.

    Numbered pages count from the oldest entries (page 1) and hold exactly ``page_size`` entries
    each, so that a page, once written, keeps its URL and its bytes when newer entries arrive: a
    new entry changes the front page only, and every ``page_size`` entries one new page appears.
    The front page holds the rest: between ``page_size`` and ``2 * page_size - 1`` entries (all of
    them when there are fewer).
    """
    return max(0, entry_count // page_size - 1)


def page_slices(entry_count: int, page_size: int) -> list[tuple[int, slice]]:
    """``(number, slice of the newest-first list)`` of every page of a list: the front page (0)
    first, then the numbered pages from the newest (the highest number) down to page 1."""
    numbered = numbered_page_count(entry_count, page_size)
    pages = [(0, slice(0, entry_count - numbered * page_size))]
    for number in range(numbered, 0, -1):
        stop = entry_count - (number - 1) * page_size
        pages.append((number, slice(stop - page_size, stop)))
    return pages


# --- what templates receive -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed offered by a page: autodiscovery ``<link rel="alternate">`` and a visible footer link."""

    url: str  # absolute
    type: str  # MIME type, e.g. application/atom+xml
    name: str  # RSS, Atom, JSON Feed
    title: str  # e.g. "Newsroom: Umwelt (Atom)"
    hreflang: str = ""  # the language of a language feed (de/atom.xml), else ""
    language: str = ""  # ... and its name in the site's language ("Englisch")


@dataclass(frozen=True, slots=True)
class Page:
    """Facts about the page being rendered, shared by every archive template."""

    path: str  # site-relative output path, e.g. posts/<slug>.html
    lang: str  # <html lang>
    title: str  # <title>
    description: str  # <meta name="description">, may be empty
    canonical_url: str  # absolute; "" on 404.html (it is shown at any address)
    feeds: tuple[FeedLink, ...]  # the site feeds
    tag_feeds: tuple[FeedLink, ...] = ()  # the tag's own feeds on tag pages
    language_feeds: tuple[FeedLink, ...] = ()  # one set per language, when the site has several
    meta: tuple[MetaTag, ...] = ()  # Open Graph and Twitter card tags
    json_ld: str = ""  # schema.org data of an entry page (Markup: JSON made safe for <script>)
    robots: str = ""  # <meta name="robots">, e.g. "noindex" on redirect pages

    @property
    def meta_html(self) -> Markup:
        """``page.meta`` as ``<meta>`` elements (written here: a loop in the template cost a third
        of an entry page's time)."""
        return meta_markup(self.meta)

    @property
    def feeds_head(self) -> Markup:
        """The autodiscovery ``<link rel="alternate">`` of every feed the page offers."""
        return _feeds_markup(self.feeds, self.tag_feeds, self.language_feeds, self.lang)[0]

    @property
    def feeds_footer(self) -> Markup:
        """The footer's lists of the same feeds, under their headings."""
        return _feeds_markup(self.feeds, self.tag_feeds, self.language_feeds, self.lang)[1]


def meta_markup(tags: tuple[MetaTag, ...]) -> Markup:
    return Markup(
        "\n".join(f'<meta {t.attribute}="{escape(t.name)}" content="{escape(t.content)}">' for t in tags)
    )


@lru_cache(maxsize=512)
def _feeds_markup(
    feeds: tuple[FeedLink, ...],
    tag_feeds: tuple[FeedLink, ...],
    language_feeds: tuple[FeedLink, ...],
    lang: str,
) -> tuple[Markup, Markup]:
    """The same for every page with the same feeds (every URL is absolute), so made once."""
    head = Markup("\n").join(
        Markup('<link rel="alternate" type="{}" title="{}" href="{}"{}>').format(
            f.type, f.title, f.url, Markup(' hreflang="{}"').format(f.hreflang) if f.hreflang else ""
        )
        for f in (*feeds, *tag_feeds, *language_feeds)
    )
    t = labels(lang)

    def items(chosen: tuple[FeedLink, ...]) -> Markup:
        return Markup("\n").join(
            Markup('<li><a href="{}" type="{}">{}</a></li>').format(f.url, f.type, f.name) for f in chosen
        )

    parts = []
    if tag_feeds:
        parts.append(
            Markup('<h2 class="feeds-heading">{}</h2>\n<ul class="feed-links">\n{}\n</ul>').format(
                t["tag_feeds"], items(tag_feeds)
            )
        )
    parts.append(
        Markup('<h2 class="feeds-heading">{}</h2>\n<ul class="feed-links">\n{}\n</ul>').format(
            t["feeds"], items(feeds)
        )
    )
    if language_feeds:
        by_language: dict[str, list[FeedLink]] = {}
        for f in language_feeds:
            by_language.setdefault(f.hreflang, []).append(f)
        rows = Markup("\n").join(
            Markup("<li>{}: {}</li>").format(
                links[0].language,
                Markup(", ").join(
                    Markup('<a href="{}" type="{}" hreflang="{}">{}</a>').format(f.url, f.type, lang_, f.name)
                    for f in links
                ),
            )
            for lang_, links in by_language.items()
        )
        parts.append(
            Markup('<h2 class="feeds-heading">{}</h2>\n<ul class="language-feeds">\n{}\n</ul>').format(
                t["language_feeds"], rows
            )
        )
    return head, Markup("\n").join(parts)


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a list page sits among its siblings; newer/older are site-relative paths or None.

    ``number`` is 0 on the front page (``index.html``, the newest entries); numbered pages count
    from the oldest entries (``page/1.html``), see ``numbered_page_count``.
    """

    number: int
    newer_path: str | None
    older_path: str | None


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: Tag
    count: int
    path: str  # site-relative path of the tag's first page


class BaseContext(TypedDict):
    """Variables every archive template (and base.html.j2) receives."""

    site: Settings
    page: Page
    t: Mapping[str, str]  # labels(page.lang)
    href: Callable[[str], str]  # site-relative path -> link relative to this page
    local: Callable[[str], str]  # absolute URL -> relative link if it lies in the site (e.g. image.url)
    tag_path: Callable[..., str]  # tag_path(tag, number=0) -> site-relative path


class EntryContext(BaseContext):
    """entry.html.j2"""

    entry: Entry
    content: Markup  # entry.content_html, already sanitised
    show_updated: bool  # the updated date reads differently from the published date


class ListContext(BaseContext):
    """list.html.j2 (the index and the tag pages)"""

    kind: ListKind
    tag: Tag | None
    heading: str
    entries: Sequence[Entry]  # this page's entries; content_html is not used (may be empty)
    pager: Pager


class TagsContext(BaseContext):
    """tags.html.j2"""

    tags: Sequence[TagCount]


# --- rendering ------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def feed_links(
    settings: Settings, prefix: str, title: str, hreflang: str = "", language: str = ""
) -> tuple[FeedLink, ...]:
    return tuple(
        FeedLink(settings.url(prefix + filename), mime, name, f"{title} ({name})", hreflang, language)
        for filename, mime, name in FEED_FORMATS
    )


def language_feed_links(settings: Settings, languages: Sequence[str]) -> tuple[FeedLink, ...]:
    """The feeds of each language (``de/atom.xml`` …), offered when the site has more than one."""
    return _language_feed_links(settings, tuple(languages))


@lru_cache(maxsize=64)
def _language_feed_links(settings: Settings, languages: tuple[str, ...]) -> tuple[FeedLink, ...]:
    if len(languages) < 2:
        return ()
    links: list[FeedLink] = []
    for lang in languages:
        name = language_name(lang, settings.language)
        links += feed_links(settings, f"{lang}/", f"{settings.title}: {name}", hreflang=lang, language=name)
    return tuple(links)


def _page(
    settings: Settings,
    path: str,
    lang: str,
    title: str,
    description: str,
    tag: Tag | None = None,
    languages: Sequence[str] = (),
) -> Page:
    canonical = canonical_url(settings, path)
    return Page(
        path=path,
        lang=lang,
        title=title,
        description=description,
        canonical_url=canonical,
        feeds=feed_links(settings, "", settings.title),
        tag_feeds=feed_links(settings, f"tags/{tag.slug}/", f"{settings.title}: {tag.name}") if tag else (),
        language_feeds=language_feed_links(settings, languages),
        meta=page_meta(settings, title=title, description=description, url=canonical, lang=lang),
    )


def base_context(settings: Settings, page: Page, href: Callable[[str], str] | None = None) -> BaseContext:
    """What every page template gets; ``href`` (site path -> link) defaults to a link relative to the page."""
    return BaseContext(
        site=settings,
        page=page,
        t=labels(page.lang),
        href=href or partial(relative_href, page.path),
        local=partial(local_url, settings.base_url, page.path),
        tag_path=tag_path,
    )


def render_template(env: Environment, name: str, context: Mapping[str, object]) -> bytes:
    """Render one template; template mistakes become a PublisherError naming the file and line."""
    try:
        return env.get_template(name).render(context).encode("utf-8")
    except TemplateNotFound as exc:
        filename, line = template_location(exc) or (None, None)
        problem = Problem(
            filename or name,
            f"template {exc.name!r} not found",
            line=line,
            hint="check the name in extends, include or import (the bundled templates are also "
            '"bundled/NAME"), or restore the file',
        )
    except TemplateSyntaxError as exc:
        problem = Problem(exc.filename or exc.name or name, exc.message or str(exc), line=exc.lineno)
    except TemplateError as exc:
        filename, line = template_location(exc) or (None, None)
        problem = Problem(filename or name, exc.message or str(exc), line=line, hint=TEMPLATE_HINT)
    except RecursionError:
        problem = Problem(
            name,
            "the templates extend or include each other in a circle",
            hint='a template that builds on the bundled one of the same name extends "bundled/NAME"',
        )
    except PublisherError:
        raise
    except Exception as exc:  # an expression in a template failed: {{ title + 1 }}, {{ 1/0 }}
        filename, line = template_location(exc) or (None, None)
        if filename is None:
            raise  # not from a template: a bug in publisher, keep its traceback
        problem = Problem(filename, f"{type(exc).__name__}: {exc}", line=line, hint=TEMPLATE_HINT)
    raise PublisherError(f"cannot render {name}", [problem])


def entry_page(entry: Entry, settings: Settings, env: Environment, languages: Sequence[str] = ()) -> bytes:
    """The page at ``entry.path``. Depends only on the entry, the settings, the templates and the
    site's languages (each with its own feeds when there are several)."""
    title = f"{entry.title} – {settings.title}"
    page = Page(
        path=entry.path,
        lang=entry.lang,
        title=title,
        description=entry.summary,
        canonical_url=entry.url,
        feeds=feed_links(settings, "", settings.title),
        language_feeds=language_feed_links(settings, languages),
        meta=page_meta(
            settings,
            title=entry.title,
            description=entry.summary,
            url=entry.url,
            lang=entry.lang,
            entry=entry,
        ),
        json_ld=article_json_ld(entry, settings),
    )
    t = labels(entry.lang)
    content = page_content(entry.content_html, settings.base_url, entry.path, t["table"])
    context = EntryContext(
        **base_context(settings, page),
        entry=entry,
        content=Markup(content),  # sanitised once
        show_updated=format_date(entry.updated, entry.lang) != format_date(entry.published, entry.lang),
    )
    return render_template(env, "entry.html.j2", context)


def list_pages(
    entries: Sequence[Entry],
    settings: Settings,
    env: Environment,
    *,
    kind: ListKind,
    tag: Tag | None = None,
    languages: Sequence[str] = (),
) -> dict[str, bytes]:
    """Paged lists of ``entries`` (in the order given, newest first), see ``page_slices``.

    ``kind="index"`` -> ``index.html``, ``page/N.html`` …; ``kind="tag"`` -> ``tags/<slug>/index.html``,
    ``tags/<slug>/page/N.html`` …. With no entries there is still the front page, saying so.
    """
    numbered = numbered_page_count(len(entries), settings.page_size)
    return dict(
        list_page(
            entries[part],
            settings,
            env,
            kind=kind,
            tag=tag,
            number=number,
            numbered=numbered,
            languages=languages,
        )
        for number, part in page_slices(len(entries), settings.page_size)
    )


def list_path_of(kind: ListKind, tag: Tag | None) -> Callable[[int], str]:
    """The function from a page number to the page's path, for the index or one tag's list."""
    if kind == "index":
        if tag is not None:
            raise ValueError("list_pages(kind='index') takes no tag")
        return index_path
    if kind == "tag":
        if tag is None:
            raise ValueError("list_pages(kind='tag') needs the tag")
        return partial(tag_path, tag)
    raise ValueError(f"list_pages: kind must be 'index' or 'tag', not {kind!r}")


def pager(path_of: Callable[[int], str], number: int, numbered: int) -> Pager:
    """The links of page ``number`` of a list with ``numbered`` numbered pages behind its front page."""
    if not 0 <= number <= numbered:
        raise ValueError(f"list_page: page {number} does not exist (the list has {numbered} numbered pages)")
    if number == 0:
        return Pager(0, None, path_of(numbered) if numbered else None)
    return Pager(
        number,
        newer_path=path_of(number + 1 if number < numbered else 0),
        older_path=path_of(number - 1) if number > 1 else None,
    )


def list_page(
    page_entries: Sequence[Entry],
    settings: Settings,
    env: Environment,
    *,
    kind: ListKind,
    tag: Tag | None = None,
    number: int = 0,
    numbered: int = 0,
    languages: Sequence[str] = (),
) -> tuple[str, bytes]:
    """``(path, bytes)`` of page ``number`` (0: the front page) of a list with ``numbered`` numbered
    pages; ``page_entries`` are the entries on this page only. It depends on nothing else, so a
    build re-renders only the pages that change."""
    t = labels(settings.language)
    path_of = list_path_of(kind, tag)
    if kind == "index":
        heading = t["all_entries"]
    else:
        assert tag is not None
        heading = f"{t['entries_tagged']} {t['quote_open']}{tag.name}{t['quote_close']}"
    links = pager(path_of, number, numbered)
    path = path_of(number)
    title = heading if number == 0 else f"{heading} – {t['page']} {number}"
    page = _page(
        settings,
        path,
        settings.language,
        f"{title} – {settings.title}",
        settings.description if kind == "index" else "",
        tag,
        languages,
    )
    context = ListContext(
        **base_context(settings, page),
        kind=kind,
        tag=tag,
        heading=heading,
        entries=page_entries,
        pager=links,
    )
    return path, render_template(env, "list.html.j2", context)


def tags_page(
    tag_counts: Sequence[tuple[Tag, int]], settings: Settings, env: Environment, languages: Sequence[str] = ()
) -> bytes:
    """``tags/index.html``: every tag (in the order given) with its number of entries."""
    t = labels(settings.language)
    title = f"{t['tags']} – {settings.title}"
    page = _page(settings, TAGS_INDEX, settings.language, title, "", languages=languages)
    context = TagsContext(
        **base_context(settings, page),
        tags=tuple(TagCount(tag, n, tag_path(tag)) for tag, n in tag_counts),
    )
    return render_template(env, "tags.html.j2", context)


def stylesheet(env: Environment) -> bytes:
    """``style.css``, shared by every page; a project's ``templates/style.css`` replaces the bundled one."""
    if env.loader is None:
        raise PublisherError("the template environment has no loader; use publisher.render.templating")
    try:
        source, _, _ = env.loader.get_source(env, STYLESHEET)
    except TemplateNotFound:
        raise PublisherError(
            f"{STYLESHEET}: not found in the project's templates/ nor the bundled ones",
            [Problem(STYLESHEET, "missing stylesheet", hint="restore templates/style.css")],
        ) from None
    return source.encode("utf-8")


def tag_counts(entries: Sequence[Entry]) -> list[tuple[Tag, int]]:
    """Every tag used by ``entries`` with its count, sorted by name; a slug keeps its first name."""
    found: dict[str, tuple[Tag, int]] = {}
    for entry in entries:
        for tag in entry.tags:
            known, n = found.get(tag.slug, (tag, 0))
            found[tag.slug] = (known, n + 1)
    return sorted(found.values(), key=lambda item: (item[0].name.casefold(), item[0].slug))
