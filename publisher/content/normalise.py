"""Pure functions from a SourceEntry to a normalised Entry: field checks, dates, slugs, ids, safe HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from publisher.addresses import is_bare_address
from publisher.content.ids import fallback_id
from publisher.content.languages import known_language
from publisher.content.loaders import SourceEntry
from publisher.content.sanitise import (
    XML_ILLEGAL,
    absolute_url,
    first_paragraph_text,
    internal_links,
    render_markdown,
    sanitise_html,
    shorten,
    strip_control_chars,
)
from publisher.content.slugs import slugify
from publisher.errors import Problem, Severity, warning
from publisher.model import Author, Entry, Image, Tag, pickled_as_arguments
from publisher.urls import encode_url, is_absolute_uri

KNOWN_FIELDS = frozenset(
    {
        "id",
        "title",
        "subtitle",
        "date",
        "updated",
        "authors",
        "tags",
        "summary",
        "lang",
        "slug",
        "image",
        "source",
        "draft",
    }
)
IMAGE_FIELDS = frozenset({"url", "alt", "caption", "credit", "width", "height"})
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YAML_SPECIAL = re.compile(r"[,\[\]{}:#'\"]|^\s|\s$")  # text in a YAML list that needs quotes
URL_UNSAFE = re.compile(r'[\s"<>\\]')
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")
SUMMARY_LIMIT = 300
RULES_VERSION = 5
"""Raise it whenever ``normalise`` gives another result for the same file and settings (a new
check, another slug or message): the build cache keeps normalised entries under this number, so
that none checked by older rules stays published (see ``site.refresh``)."""


@dataclass(frozen=True, slots=True)
class SiteContext:
    """The few settings normalisation depends on (also the cache key of a normalised entry)."""

    base_url: str
    timezone: str
    language: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Normalised:
    """The outcome for one file: the entry (None if it has errors or is a draft) and its problems."""

    entry: Entry | None
    problems: tuple[Problem, ...]
    draft: bool = False
    has_explicit_id: bool = True
    links: tuple[str, ...] = ()  # paths inside the site the entry's text links to (see internal_links)


class _Fields:
    """Collects problems for one entry, locating each at its front-matter line."""

    def __init__(self, source: SourceEntry) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def _line(self, field: str) -> int:
        if field == "body":
            return self.source.body_line
        return self.source.field_lines.get(field.split(".")[0], 1)

    def error(self, field: str, message: str, hint: str = "") -> None:
        line = self._line(field)
        self.problems.append(Problem(self.source.path, message, line=line, field=field, hint=hint))

    def warn(self, field: str | None, message: str, hint: str = "") -> None:
        line = self._line(field) if field else None
        self.problems.append(warning(self.source.path, message, line=line, field=field, hint=hint))

    def text(self, field: str, value: Any, required: bool = False) -> str:
        if value is None:
            if required:
                self.error(field, "is missing", hint=f"add '{field}: …' to the front matter")
            return ""
        if isinstance(value, bool):
            self.error(
                field,
                "must be text, not true or false (YAML reads yes, no, on and off as true/false)",
                hint=f'put the text in quotes, e.g. {field}: "No"',
            )
            return ""
        if not isinstance(value, str | int | float):
            self.error(
                field,
                f"must be text, not {_kind(value)} ({_shown(value)})",
                hint=f'put the text in quotes: {field}: "…"',
            )
            return ""
        text = " ".join(str(value).split())
        if required and not text:
            self.error(field, "is empty", hint=f"write the {field} after '{field}:'")
        return text


class DateOutOfRange(ValueError):
    """A real date or time that cannot be placed in the site's time zone (year 1, year 9999)."""


def parse_when(value: Any, tz: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time; naive values are in the site time zone (DST handled by zoneinfo).
    Raises ValueError, or DateOutOfRange for a date too close to the ends of the calendar."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError(f"{type(value).__name__} is not a date")
    if moment.tzinfo is None:
        # A local time that does not exist (02:30 when the clocks jump from 02:00 to 03:00) moves
        # to the real local time at that instant; an ambiguous one (fold=0) is the first.
        try:
            moment = moment.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
        except OverflowError:
            raise DateOutOfRange(
                f"{_shown(value)} is out of range (dates from the years 2 to 9998 work)"
            ) from None
    return moment


def _when(fields: _Fields, name: str, value: Any, tz: ZoneInfo) -> datetime | None:
    try:
        moment = parse_when(value, tz)
    except DateOutOfRange as exc:
        fields.error(
            name, str(exc), hint=f"write the real date, e.g. {name}: 2024-05-14 or {name}: 2024-05-14 09:30"
        )
    except ValueError:
        fields.error(
            name,
            f"{_shown(value)} is not a date",
            hint="write ISO 8601: 2024-05-14, 2024-05-14 09:30 or 2024-05-14T09:30:00+02:00",
        )
    else:
        return whole_minute_offset(moment)
    return None


def whole_minute_offset(moment: datetime) -> datetime:
    """The moment, in UTC if its offset is not whole minutes: local mean time (Berlin before April
    1893 was UTC+00:53:28), which HTML's ``datetime``, Atom, RSS and RFC 3339 cannot write."""
    offset = moment.utcoffset()
    return moment.astimezone(UTC) if offset is not None and offset.total_seconds() % 60 else moment


def _authors(fields: _Fields, value: Any) -> tuple[Author, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str | dict) else value
    if not isinstance(items, list):
        fields.error(
            "authors",
            "must be a name or a list of names",
            hint="write authors: [Anna Schäfer, Jürgen Müller]",
        )
        return ()
    authors = []
    for item in items:
        if isinstance(item, str) and item.strip():
            authors.append(Author(" ".join(item.split())))
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            unknown = set(item) - {"name", "email", "url"}
            if unknown:
                keys = ", ".join(sorted(map(str, unknown)))
                fields.warn(
                    "authors",
                    f"unknown author key(s) {keys} are ignored",
                    hint="an author has name, email and url",
                )
            author = _author(fields, " ".join(item["name"].split()), item.get("email"), item.get("url"))
            if author is not None:
                authors.append(author)
        else:
            fields.error(
                "authors",
                f"{_shown(item)} is not an author",
                hint="use a name or {name: …, email: …, url: …}",
            )
    return tuple(authors)


def _author(fields: _Fields, name: str, email: Any, url: Any) -> Author | None:
    """One ``{name, email, url}`` author; None (and an error) when the email or url is unusable."""
    email, url = _stripped(email), _stripped(url)
    usable = True
    if not isinstance(email, str) or (email and not is_bare_address(email)):
        fields.error(
            "authors",
            f"email {_shown(email)} of {name} is not an email address",
            hint="write the address alone, e.g. email: anna@example.org (no 'mailto:', no name)",
        )
        usable = False
    if not isinstance(url, str) or (url and not _is_web_url(url)):
        fields.error(
            "authors",
            f"url {_shown(url)} of {name} is not an absolute http(s) URL",
            hint="write the full address of the author's page, e.g. url: https://example.org/anna",
        )
        usable = False
    return Author(name, email, encode_url(url)) if usable else None


def _stripped(value: Any) -> Any:
    """An optional text value without surrounding spaces ("" when absent); other types as they are."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _tags(fields: _Fields, value: Any, site_language: str) -> tuple[Tag, ...]:
    """Tags with their slugs in the site language: one page per tag, whatever the entry's language."""
    if value is None:
        return ()
    items = [t.strip() for t in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list):
        fields.error("tags", "must be a list of tags", hint="write tags: [Cluster, Energie]")
        return ()
    tags: dict[str, Tag] = {}
    for item in items:
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            fields.error(
                "tags",
                f"{_shown(item)} is not a tag name",
                hint="write each tag as a word or a few, e.g. tags: [Forschung, Energie]",
            )
            continue
        name = " ".join(str(item).split())
        slug = slugify(name, site_language, fallback="")
        if not slug:
            fields.error(
                "tags",
                f"'{name}' is not a tag name: it has no letters or digits to name its page after",
                hint="write the topic as a word, e.g. tags: [Forschung, Energie]",
            )
        elif slug not in tags:
            tags[slug] = Tag(name, slug)
        elif _tag_key(name) != _tag_key(tags[slug].name):
            fields.warn(
                "tags",
                f"'{name}' is left out: it would have the same page (tags/{slug}/) as '{tags[slug].name}'",
                hint="rename one of the two tags so that each gets its own page, or remove one",
            )
    return tuple(tags.values())


def _tag_key(name: str) -> str:
    """Names that differ only in case or spacing are the same tag (Köln, köln; F&E, F & E)."""
    return "".join(name.split()).casefold()


def _image(fields: _Fields, value: Any, site: SiteContext, page_url: str) -> Image | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        fields.error(
            "image",
            "must be a URL or a table with url, alt, caption, credit",
            hint="write image: media/picture.jpg, or image: {url: media/picture.jpg, alt: …}",
        )
        return None
    unknown = set(value) - IMAGE_FIELDS
    if unknown:
        fields.warn(
            "image",
            f"unknown key(s) {', '.join(sorted(map(str, unknown)))} are ignored",
            hint=f"known keys: {', '.join(sorted(IMAGE_FIELDS))}",
        )
    url = fields.text("image.url", value.get("url"))
    if not url:
        fields.warn(
            "image.url",
            "the image has no url, so it is not published (alt, caption and credit are kept in the file)",
            hint="add image.url: media/picture.jpg (relative to the site) or an https:// URL",
        )
        return None
    dimensions = {}
    for key in ("width", "height"):
        dim = value.get(key)
        if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool) or dim <= 0):
            fields.error(
                f"image.{key}",
                f"{_shown(dim)} must be a positive whole number of pixels",
                hint=f"write the image's {key} in pixels, e.g. image.{key}: 800, or remove it",
            )
        dimensions[key] = dim if isinstance(dim, int) and not isinstance(dim, bool) and dim > 0 else None
    try:
        absolute = encode_url(absolute_url(url, site.base_url, page_url))
    except ValueError:
        absolute = ""
    if urlsplit(absolute).scheme not in ("http", "https"):
        fields.error(
            "image.url",
            f"{_shown(url)} is not a usable image URL",
            hint="use a path inside the site (media/picture.jpg) or an https:// URL",
        )
        return None
    return Image(
        url=absolute,
        alt=fields.text("image.alt", value.get("alt")),
        caption=fields.text("image.caption", value.get("caption")),
        credit=fields.text("image.credit", value.get("credit")),
        width=dimensions["width"],
        height=dimensions["height"],
        mime_type=_guess_type(urlsplit(absolute).path) or "",
    )


def _without_control_chars(value: Any) -> tuple[Any, bool]:
    """The value with XML-illegal characters removed from every string in it, and whether any were."""
    if isinstance(value, str):
        cleaned = XML_ILLEGAL.sub("", value)
        return cleaned, cleaned != value
    if isinstance(value, list):
        pairs = [_without_control_chars(v) for v in value]
        return [v for v, _ in pairs], any(changed for _, changed in pairs)
    if isinstance(value, dict):
        pairs_by_key = {k: _without_control_chars(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs_by_key.items()}, any(c for _, c in pairs_by_key.values())
    return value, False


def _is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and nothing a feed or an attribute cannot hold as it is
    (white space, quotes, angle brackets)."""
    if URL_UNSAFE.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _shown(value: Any, nested: bool = False) -> str:
    """A front-matter value as the editor wrote it (YAML-like), for messages: ``'text'``,
    ``2024-02-10``, ``[a, 2]``, ``true``; never a Python repr such as ``datetime.date(2024, 2, 10)``."""
    if isinstance(value, str):
        return value if nested and value and not YAML_SPECIAL.search(value) else f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v, nested=True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_shown(k, True)}: {_shown(v, True)}" for k, v in value.items()) + "}"
    return str(value)


def _kind(value: Any) -> str:
    """What YAML made of a value that should have been text: ``a list``, ``a date`` …"""
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def normalise(source: SourceEntry, site: SiteContext, slug_override: str | None = None) -> Normalised:
    """Check and convert every field; collect every problem rather than stopping at the first."""
    fields = _Fields(source)
    meta = {}
    for key, value in source.metadata.items():
        meta[key], removed_any = _without_control_chars(value)
        if removed_any:
            fields.warn(key, "control characters that XML forbids were removed", hint="retype the text")
    for key in sorted(set(meta) - KNOWN_FIELDS):
        fields.warn(
            key, "unknown front-matter key is ignored", hint=f"known keys: {', '.join(sorted(KNOWN_FIELDS))}"
        )

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        fields.error(
            "draft",
            f"{_shown(draft)} must be true or false",
            hint="write draft: true to keep the entry unpublished, or remove the line to publish it",
        )
        draft = False

    title = fields.text("title", meta.get("title"), required=True)
    lang = fields.text("lang", meta.get("lang")) or site.language
    if not LANG_PATTERN.match(lang) or not known_language(lang):
        fields.error(
            "lang",
            f"'{lang}' is not a language code this site can show dates in",
            hint="use a code such as de, en, de-AT or en-GB",
        )
        lang = site.language

    published = None
    if meta.get("date") is None:
        fields.error("date", "is missing", hint="add 'date: 2024-05-14' (ISO 8601) to the front matter")
    else:
        published = _when(fields, "date", meta["date"], site.tz)
    updated = _when(fields, "updated", meta["updated"], site.tz) if meta.get("updated") is not None else None
    if published and updated and updated < published:
        fields.error("updated", "is earlier than date", hint="updated is when the entry last changed")

    slug = slug_override or fields.text("slug", meta.get("slug"))
    if slug and not SLUG_PATTERN.match(slug):
        fields.error(
            "slug",
            f"{_shown(slug)} may only hold a-z, 0-9 and single hyphens",
            hint=f"e.g. slug: {slugify(slug)}",
        )
    slug = slug or slugify(title, lang)

    raw_id = meta.get("id")
    entry_id = fields.text("id", raw_id) if raw_id is not None else ""
    if raw_id is not None and not entry_id:
        fields.error("id", "is empty", hint="remove the line so 'publisher check --fix-ids' mints one")
    elif entry_id and not is_absolute_uri(entry_id):
        fields.error(
            "id",
            f"{_shown(entry_id)} is not a URI, which feeds need as an id (Atom: a full and valid URL)",
            hint="write a URI such as urn:uuid:… or tag:example.org,2024:meldung-1, or remove the line "
            "and run 'publisher check --fix-ids' to mint one (readers see an entry with a new id as new)",
        )
    if raw_id is None and published is not None:
        entry_id = fallback_id(source.path, published)
        fields.warn(
            "id",
            "has no id; a fallback id from the file name is used and changes if the file is renamed",
            hint="run 'publisher check --fix-ids' to write a permanent id into the file",
        )

    path = f"posts/{slug}.html"
    page_url = site.base_url + path
    body, removed_chars = strip_control_chars(source.body)
    if not body.strip():
        fields.error(
            "body", "the entry has no text", hint="write the entry's text below the closing '---' line"
        )
    safe = sanitise_html(render_markdown(body), site.base_url, page_url)
    removed = (*removed_chars, *safe.removed)

    summary = fields.text("summary", meta.get("summary"))
    summary = shorten(summary or first_paragraph_text(safe.html), SUMMARY_LIMIT)
    source_url = fields.text("source", meta.get("source"))
    if source_url and _is_web_url(source_url):
        source_url = encode_url(source_url)
    elif source_url:
        fields.error(
            "source",
            f"{_shown(source_url)} is not an absolute http(s) URL",
            hint="write the full address of the original, e.g. source: https://www.example.org/presse/1",
        )
    authors = _authors(fields, meta.get("authors"))
    tags = _tags(fields, meta.get("tags"), site.language)
    image = _image(fields, meta.get("image"), site, page_url)
    subtitle = fields.text("subtitle", meta.get("subtitle"))
    title, _ = strip_control_chars(title)

    if draft:
        # Left out of everything: what is still missing must not stop the build, only be shown.
        problems = tuple(_draft_warning(p) if p.is_error else p for p in fields.problems)
        return Normalised(None, problems, draft=True, has_explicit_id=raw_id is not None)
    has_errors = any(p.is_error for p in fields.problems)
    if has_errors or published is None:
        return Normalised(None, tuple(fields.problems), has_explicit_id=raw_id is not None)
    entry = Entry(
        id=entry_id,
        title=title,
        slug=slug,
        path=path,
        url=page_url,
        published=published,
        updated=updated or published,
        lang=lang,
        content_html=safe.html,
        summary=summary,
        subtitle=subtitle,
        authors=authors,
        tags=tags,
        image=image,
        source_url=source_url,
        source_path=source.path,
        removed=tuple(removed),
    )
    links = internal_links(safe.html, site.base_url, page_url)
    return Normalised(entry, tuple(fields.problems), has_explicit_id=raw_id is not None, links=links)


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


def _guess_type(path: str) -> str | None:
    import mimetypes  # reads the system's MIME tables on first use: not needed to load a cached site

    return mimetypes.guess_type(path)[0]
