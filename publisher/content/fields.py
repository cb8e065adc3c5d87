"""Front-matter values for ``normalise``: the problems of one entry, each at its field's line;
values shown in messages as the editor wrote them; and the structured fields (authors, tags, image)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote, urlsplit

from publisher.addresses import is_bare_address
from publisher.content.loaders import SourceEntry
from publisher.content.sanitise import XML_ILLEGAL, absolute_url
from publisher.content.slugs import slugify
from publisher.errors import Problem, warning
from publisher.model import Author, Image, Tag
from publisher.urls import encode_url

IMAGE_FIELDS = frozenset({"url", "alt", "caption", "credit", "width", "height"})
YAML_SPECIAL = re.compile(r"[,\[\]{}:#'\"]|^\s|\s$")  # text in a YAML list that needs quotes
URL_UNSAFE = re.compile(r'[\s"<>\\]')


class Fields:
    """Collects the problems of one entry, locating each at its front-matter line."""

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
        """The value as one line of text; "" (with an error if ``required`` or not text) without one."""
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
                f"must be text, not {kind(value)} ({shown(value)})",
                hint=f'put the text in quotes: {field}: "…"',
            )
            return ""
        text = " ".join(str(value).split())
        if required and not text:
            self.error(field, "is empty", hint=f"write the {field} after '{field}:'")
        return text


def authors_of(fields: Fields, value: Any) -> tuple[Author, ...]:
    """A name, a list of names, or ``{name, email, url}`` tables, as authors (unusable ones left out)."""
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
                f"{shown(item)} is not an author",
                hint="use a name or {name: …, email: …, url: …}",
            )
    return tuple(authors)


def _author(fields: Fields, name: str, email: Any, url: Any) -> Author | None:
    """One ``{name, email, url}`` author; None (and an error) when the email or url is unusable."""
    email, url = _stripped(email), _stripped(url)
    usable = True
    if not isinstance(email, str) or (email and not is_bare_address(email)):
        fields.error(
            "authors",
            f"email {shown(email)} of {name} is not an email address",
            hint="write the address alone, e.g. email: anna@example.org (no 'mailto:', no name)",
        )
        usable = False
    if not isinstance(url, str) or (url and not is_web_url(url)):
        fields.error(
            "authors",
            f"url {shown(url)} of {name} is not an absolute http(s) URL",
            hint="write the full address of the author's page, e.g. url: https://example.org/anna",
        )
        usable = False
    return Author(name, email, encode_url(url)) if usable else None


def _stripped(value: Any) -> Any:
    """An optional text value without surrounding spaces ("" when absent); other types as they are."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def tags_of(fields: Fields, value: Any, language: str) -> tuple[Tag, ...]:
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
                f"{shown(item)} is not a tag name",
                hint="write each tag as a word or a few, e.g. tags: [Forschung, Energie]",
            )
            continue
        name = " ".join(str(item).split())
        slug = slugify(name, language, fallback="")
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


def image_of(fields: Fields, value: Any, base_url: str, page_url: str) -> Image | None:
    """A URL or a ``{url, alt, caption, credit, width, height}`` table; relative URLs resolve
    against the entry's page."""
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
                f"{shown(dim)} must be a positive whole number of pixels",
                hint=f"write the image's {key} in pixels, e.g. image.{key}: 800, or remove it",
            )
        dimensions[key] = dim if isinstance(dim, int) and not isinstance(dim, bool) and dim > 0 else None
    try:
        absolute = absolute_url(url, base_url, page_url)
    except ValueError:
        absolute = ""
    if urlsplit(absolute).scheme not in ("http", "https"):
        fields.error(
            "image.url",
            f"{shown(url)} is not a usable image URL",
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


def aliases_of(fields: Fields, value: Any, base_url: str, own_path: str) -> tuple[str, ...]:
    """Old addresses of an entry as paths inside the site (``themen/x.html``, ``2019/05/x/index.html``).

    Accepts paths (``/themen/x.html``, ``/old/post/``) and absolute URLs on the site's host; a path
    ending in ``/`` or without a file name extension is a folder whose ``index.html`` is the page.
    Addresses on another host, outside the site's path, or of the home page are reported and left out.
    """
    values = value if isinstance(value, list) else [value] if value not in (None, "") else []
    base = urlsplit(base_url)
    out: list[str] = []
    for raw in values:
        try:
            parts = urlsplit(raw.strip()) if isinstance(raw, str) and raw.strip() else None
        except ValueError:
            parts = None
        if parts is None:
            fields.error(
                "aliases", f"{shown(raw)} is not an address", hint="write a path such as /themen/x.html"
            )
            continue
        elsewhere = parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower()
        if (parts.scheme or parts.netloc) and elsewhere:
            fields.warn(
                "aliases",
                f"{shown(raw)} is not on this site's host ({base.netloc}); no page can redirect from it",
                hint="keep only addresses of this site, or redirect on the old host",
            )
            continue
        path = unquote(parts.path)
        if path.startswith("/"):
            if not path.startswith(base.path):
                fields.warn(
                    "aliases",
                    f"{shown(raw)} is outside the site's path {base.path}",
                    hint="keep only addresses below base_url",
                )
                continue
            path = path[len(base.path) :]
        segments = [s for s in path.split("/") if s]
        if not segments or any(s in (".", "..") for s in segments):
            fields.warn("aliases", f"{shown(raw)} is not a page of its own", hint="remove it")
            continue
        if path.endswith("/") or "." not in segments[-1]:
            segments.append("index.html")
        alias = "/".join(segments)
        if alias != own_path and alias not in out:
            out.append(alias)
    return tuple(out)


def without_control_chars(value: Any) -> tuple[Any, bool]:
    """The value with XML-illegal characters removed from every string in it, and whether any were."""
    if isinstance(value, str):
        cleaned = XML_ILLEGAL.sub("", value)
        return cleaned, cleaned != value
    if isinstance(value, list):
        pairs = [without_control_chars(v) for v in value]
        return [v for v, _ in pairs], any(changed for _, changed in pairs)
    if isinstance(value, dict):
        pairs_by_key = {k: without_control_chars(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs_by_key.items()}, any(c for _, c in pairs_by_key.values())
    return value, False


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and nothing a feed or an attribute cannot hold as it is
    (white space, quotes, angle brackets)."""
    if URL_UNSAFE.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def shown(value: Any, nested: bool = False) -> str:
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
        return "[" + ", ".join(shown(v, nested=True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(k, True)}: {shown(v, True)}" for k, v in value.items()) + "}"
    return str(value)


def kind(value: Any) -> str:
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


def _guess_type(path: str) -> str | None:
    import mimetypes  # reads the system's MIME tables on first use: not needed to load a cached site

    return mimetypes.guess_type(path)[0]
