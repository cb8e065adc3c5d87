"""Pure functions from a SourceEntry to a normalised Entry: a table of parsers, one per front-matter
field, that check and convert each value (dates, slugs, ids, safe HTML) and report every problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from publisher.content.dates import when
from publisher.content.fields import (
    Fields,
    aliases_of,
    authors_of,
    image_of,
    is_web_url,
    shown,
    tags_of,
    without_control_chars,
)
from publisher.content.generators import translate
from publisher.content.ids import fallback_id
from publisher.content.languages import known_language
from publisher.content.loaders import SourceEntry
from publisher.content.sanitise import (
    first_paragraph_text,
    internal_links,
    paragraphs_text,
    render_markdown,
    sanitise_html,
    shorten,
    strip_control_chars,
)
from publisher.content.slugs import slugify
from publisher.errors import Problem, Severity, warning
from publisher.model import Author, Entry, Image, Removal, Tag, pickled_as_arguments
from publisher.urls import encode_url, is_absolute_uri

if TYPE_CHECKING:
    from publisher.config import Settings

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")
SUMMARY_LIMIT = 300


@dataclass(frozen=True, slots=True)
class NormaliseContext:
    """The few settings normalisation depends on (also part of the cache key of a normalised entry)."""

    base_url: str
    timezone: str
    language: str

    @classmethod
    def of(cls, settings: Settings) -> NormaliseContext:
        return cls(settings.base_url, settings.timezone, settings.language)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Normalised:
    """The outcome for one file: the entry (None if it has errors) and its problems. A draft's entry
    is kept when it is complete, for the preview; nothing else publishes a draft."""

    entry: Entry | None
    problems: tuple[Problem, ...]
    draft: bool = False
    has_explicit_id: bool = True
    links: tuple[str, ...] = ()  # paths inside the site the entry's text links to (see internal_links)


@dataclass(slots=True)
class _Parsed:
    """One entry while its fields are parsed: where its problems go, and the values parsed so far
    (a parser may use the values of the rows before it in its table)."""

    fields: Fields
    context: NormaliseContext
    source: SourceEntry
    slug_override: str | None
    keys: frozenset[str]  # the front matter's keys (a parser gets None both for an absent key and for null)
    draft: bool = False
    title: str = ""
    lang: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    slug: str = ""
    entry_id: str = ""
    has_explicit_id: bool = False
    legacy_id: bool = False
    html: str = ""
    links: tuple[str, ...] = ()
    removed: tuple[Removal, ...] = ()
    summary: str = ""
    source_url: str = ""
    authors: tuple[Author, ...] = ()
    tags: tuple[Tag, ...] = ()
    image: Image | None = None
    subtitle: str = ""
    excerpt_separator: str = "<!--more-->"
    aliases: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The entry's page in out/ (once the slug is parsed)."""
        return entry_path(self.slug)

    @property
    def page_url(self) -> str:
        return self.context.base_url + self.path


FieldParser = Callable[[_Parsed, Any], None]
"""Parses one front-matter value (None when the key is absent) into ``_Parsed``, reporting every
problem through ``_Parsed.fields``."""


def _parse_draft(entry: _Parsed, value: Any) -> None:
    if isinstance(value, bool) or "draft" not in entry.keys:
        entry.draft = value is True
        return
    entry.fields.error(
        "draft",
        f"{shown(value)} must be true or false",
        hint="write draft: true to keep the entry unpublished, or remove the line to publish it",
    )


def _parse_title(entry: _Parsed, value: Any) -> None:
    entry.title = entry.fields.text("title", value, required=True)


def _parse_lang(entry: _Parsed, value: Any) -> None:
    lang = entry.fields.text("lang", value) or entry.context.language
    if not LANG_PATTERN.match(lang) or not known_language(lang):
        entry.fields.error(
            "lang",
            f"'{lang}' is not a language code this site can show dates in",
            hint="use a code such as de, en, de-AT or en-GB",
        )
        lang = entry.context.language
    entry.lang = lang


def _parse_date(entry: _Parsed, value: Any) -> None:
    if value is None:
        entry.fields.error("date", "is missing", hint="add 'date: 2024-05-14' (ISO 8601) to the front matter")
    else:
        entry.published = when(entry.fields, "date", value, entry.context.tz)


def _parse_updated(entry: _Parsed, value: Any) -> None:
    if value is None:
        return
    entry.updated = when(entry.fields, "updated", value, entry.context.tz)
    if entry.published and entry.updated and entry.updated < entry.published:
        entry.fields.error("updated", "is earlier than date", hint="updated is when the entry last changed")


def _parse_slug(entry: _Parsed, value: Any) -> None:
    """The slug written in the front matter (unless a collision gave the entry another one), else
    one made from the title in the entry's language."""
    slug = entry.slug_override or entry.fields.text("slug", value)
    if slug and not SLUG_PATTERN.match(slug):
        entry.fields.error(
            "slug",
            f"{shown(slug)} may only hold a-z, 0-9 and single hyphens",
            hint=f"e.g. slug: {slugify(slug)}",
        )
    entry.slug = slug or slugify(entry.title, entry.lang)


def _parse_legacy_id(entry: _Parsed, value: Any) -> None:
    """``legacy_id: true``: the id is the one an earlier feed gave the item (``publisher import
    --from-feed`` writes it for a guid that is no URI), kept as it is so that readers who follow the
    old feed see no duplicates."""
    if isinstance(value, bool) or "legacy_id" not in entry.keys:
        entry.legacy_id = value is True
        return
    entry.fields.error(
        "legacy_id",
        f"{shown(value)} must be true or false",
        hint="write legacy_id: true to keep an earlier feed's id that is no URI, or remove the line",
    )


def _parse_id(entry: _Parsed, value: Any) -> None:
    entry.has_explicit_id = value is not None
    if value is not None:
        entry.entry_id = entry.fields.text("id", value)
        if not entry.entry_id:
            entry.fields.error(
                "id", "is empty", hint="remove the line so 'publisher check --fix-ids' mints one"
            )
        elif not entry.legacy_id and not is_absolute_uri(entry.entry_id):
            entry.fields.error(
                "id",
                f"{shown(entry.entry_id)} is not a URI, which feeds need as an id "
                "(Atom: a full and valid URL)",
                hint="write a URI such as urn:uuid:… or tag:example.org,2024:meldung-1, or remove the line "
                "and run 'publisher check --fix-ids' to mint one (readers see an entry with a new id as "
                "new); to keep an earlier feed's id that readers know, add 'legacy_id: true'",
            )
    elif entry.published is not None:
        entry.entry_id = fallback_id(entry.source.path, entry.published)
        entry.fields.warn(
            "id",
            "has no id; a fallback id from the file name is used and changes if the file is renamed",
            hint="run 'publisher check --fix-ids' to write a permanent id into the file",
        )


def _render_body(entry: _Parsed) -> None:
    """The Markdown below the front matter, as safe HTML whose relative links resolve against the
    entry's page."""
    body, removed_chars = strip_control_chars(entry.source.body)
    if entry.excerpt_separator.startswith("<!--"):  # the summary's end, not a comment of the text
        body = body.replace(entry.excerpt_separator, "")
    if not body.strip():
        entry.fields.error(
            "body", "the entry has no text", hint="write the entry's text below the closing '---' line"
        )
    safe = sanitise_html(render_markdown(body), entry.context.base_url, entry.page_url)
    entry.html = safe.html
    entry.links = internal_links(safe.html, entry.context.base_url, entry.page_url)
    entry.removed = (*removed_chars, *safe.removed)


def _parse_excerpt_separator(entry: _Parsed, value: Any) -> None:
    """Jekyll's ``excerpt_separator``: where the summary ends (default ``<!--more-->``, as in Hugo)."""
    separator = entry.fields.text("excerpt_separator", value)
    if separator:
        entry.excerpt_separator = separator


def _parse_summary(entry: _Parsed, value: Any) -> None:
    """The summary given, else the text before the excerpt separator, else the first paragraph."""
    summary = entry.fields.text("summary", value)
    if not summary and entry.excerpt_separator in entry.source.body:
        excerpt = entry.source.body.split(entry.excerpt_separator, 1)[0]
        summary = paragraphs_text(render_markdown(strip_control_chars(excerpt)[0]))
    entry.summary = shorten(summary or first_paragraph_text(entry.html), SUMMARY_LIMIT)


def _parse_source(entry: _Parsed, value: Any) -> None:
    entry.source_url = entry.fields.text("source", value)
    if entry.source_url and is_web_url(entry.source_url):
        entry.source_url = encode_url(entry.source_url)
    elif entry.source_url:
        entry.fields.error(
            "source",
            f"{shown(entry.source_url)} is not an absolute http(s) URL",
            hint="write the full address of the original, e.g. source: https://www.example.org/presse/1",
        )


def _parse_authors(entry: _Parsed, value: Any) -> None:
    entry.authors = authors_of(entry.fields, value)


def _parse_tags(entry: _Parsed, value: Any) -> None:
    entry.tags = tags_of(entry.fields, value, entry.context.language)


def _parse_image(entry: _Parsed, value: Any) -> None:
    entry.image = image_of(entry.fields, value, entry.context.base_url, entry.page_url)


def _parse_subtitle(entry: _Parsed, value: Any) -> None:
    entry.subtitle = entry.fields.text("subtitle", value)


def _parse_aliases(entry: _Parsed, value: Any) -> None:
    """Old addresses of the entry on this site's host (``aliases``, or Jekyll's ``permalink``): each
    gets a page that sends readers and search engines to the entry's page."""
    entry.aliases = aliases_of(entry.fields, value, entry.context.base_url, entry.path)


ADDRESS_FIELDS: dict[str, FieldParser] = {
    "draft": _parse_draft,
    "title": _parse_title,
    "lang": _parse_lang,
    "date": _parse_date,
    "updated": _parse_updated,
    "slug": _parse_slug,
    "legacy_id": _parse_legacy_id,
    "id": _parse_id,
    "excerpt_separator": _parse_excerpt_separator,
}
"""The fields that decide whether, where and under which id the entry is published, parsed first
and in this order (the slug is made from the title in the entry's language). Then the body is
rendered against the entry's page URL."""


CONTENT_FIELDS: dict[str, FieldParser] = {
    "summary": _parse_summary,
    "source": _parse_source,
    "authors": _parse_authors,
    "tags": _parse_tags,
    "image": _parse_image,
    "subtitle": _parse_subtitle,
    "aliases": _parse_aliases,
}
"""The fields parsed after the body, in this order (a missing summary is the body's first paragraph,
an image's relative URL resolves against the entry's page)."""


KNOWN_FIELDS = frozenset(ADDRESS_FIELDS) | frozenset(CONTENT_FIELDS)


def normalise(source: SourceEntry, context: NormaliseContext, slug_override: str | None = None) -> Normalised:
    """Check and convert every field; collect every problem rather than stopping at the first."""
    fields = Fields(source)
    cleaned = {}
    for key, value in source.metadata.items():
        cleaned[key], removed_any = without_control_chars(value)
        if removed_any:
            fields.warn(key, "control characters that XML forbids were removed", hint="retype the text")
    meta = translate(cleaned, context.base_url)  # "author", "categories", "permalink" … as they are meant
    for key in sorted(set(meta) - KNOWN_FIELDS):
        fields.warn(
            key, "unknown front-matter key is ignored", hint=f"known keys: {', '.join(sorted(KNOWN_FIELDS))}"
        )
    entry = _Parsed(fields, context, source, slug_override, frozenset(meta))
    for name, parse in ADDRESS_FIELDS.items():
        parse(entry, meta.get(name))
    _render_body(entry)
    for name, parse in CONTENT_FIELDS.items():
        parse(entry, meta.get(name))
    return _outcome(entry)


def _outcome(entry: _Parsed) -> Normalised:
    """The entry, if it has no errors, and every problem found (a draft's errors as warnings)."""
    problems = entry.fields.problems
    if any(p.is_error for p in problems) or entry.published is None:
        if entry.draft:
            # Left out of everything: what is still missing must not stop the build, only be shown.
            warned = tuple(_draft_warning(p) if p.is_error else p for p in problems)
            return Normalised(None, warned, draft=True, has_explicit_id=entry.has_explicit_id)
        return Normalised(None, tuple(problems), has_explicit_id=entry.has_explicit_id)
    published = entry.published
    result = Entry(
        id=entry.entry_id,
        title=strip_control_chars(entry.title)[0],
        slug=entry.slug,
        path=entry.path,
        url=entry.page_url,
        published=published,
        updated=entry.updated or published,
        lang=entry.lang,
        content_html=entry.html,
        summary=entry.summary,
        subtitle=entry.subtitle,
        authors=entry.authors,
        tags=entry.tags,
        image=entry.image,
        source_url=entry.source_url,
        source_path=entry.source.path,
        removed=tuple(entry.removed),
        aliases=entry.aliases,
    )
    return Normalised(
        result, tuple(problems), draft=entry.draft, has_explicit_id=entry.has_explicit_id, links=entry.links
    )


POSTS = "posts/"  # the folder of the entry pages in out/


def entry_path(slug: str) -> str:
    """The entry page's place in out/."""
    return f"{POSTS}{slug}.html"


def with_slug(entry: Entry, slug: str, base_url: str, html: str) -> Entry | None:
    """``entry`` (normalised, with ``html`` as its content) at the address of ``slug`` instead, or
    None when it must be normalised again for that: its HTML or image refers to its own page.

    Normalising resolves relative links against the entry's page; a page in the same folder
    resolves every link the same way, except those to the page itself (``#top``, ``?x``, ``""``).
    """
    if entry.url in html or (entry.image is not None and entry.url in entry.image.url):
        return None
    path = entry_path(slug)
    return replace(entry, slug=slug, path=path, url=base_url + path, content_html=entry.content_html)


def _draft_warning(problem: Problem) -> Problem:
    """An error in a draft, as the warning ``check`` shows for it (same place, same hint)."""
    message = f"{problem.message} (the entry is a draft: fix this before publishing it)"
    return replace(problem, message=message, severity=Severity.WARNING)


def removal_warnings(entry: Entry) -> list[Problem]:
    """What sanitising removed from an entry, as warnings for ``check``."""
    return [
        warning(entry.source_path, f"removed {r.text[:80]!r}: {r.reason}", field="body")
        for r in entry.removed
    ]
