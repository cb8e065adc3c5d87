"""The data every digest template receives: plain frozen values built from the entries and settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from publisher.content.sanitise import first_paragraph_text, shorten
from publisher.model import Entry, Image

if TYPE_CHECKING:
    from publisher.config import Settings

CONTENT_WIDTH = 552  # the 600 px email body less 2 x 24 px padding
PREHEADER_LIMIT = 140
SUMMARY_LIMIT = 300


@dataclass(frozen=True, slots=True)
class DigestImage:
    """An entry image as the email shows it: at most CONTENT_WIDTH wide, height scaled to match."""

    url: str
    alt: str
    width: int
    height: int | None
    credit: str
    caption: str


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One entry in the digest. ``summary`` is plain text (the templates escape it)."""

    id: str
    title: str
    url: str
    published: datetime
    lang: str
    summary: str
    image: DigestImage | None


@dataclass(frozen=True, slots=True)
class FeedLink:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class DigestContext:
    """The variables of ``digest.mjml.j2`` and ``digest.txt.j2`` (and their partials).

    ``greeting`` is the greeting line: "Hallo," in email.html and message.eml, "" (none) on the web
    version, a slot in the template of each subscriber's copy; ``web_url`` is "" on the web version
    itself (no "view in browser" link there); ``sender_address`` holds the address lines.
    """

    lang: str
    site_title: str
    site_url: str
    subject: str
    preheader: str
    intro: str
    now: datetime
    entries: tuple[DigestItem, ...]
    left_out: int
    greeting: str
    unsubscribe_url: str
    web_url: str
    feeds: tuple[FeedLink, ...]
    sender_name: str
    sender_address: tuple[str, ...]
    accent_color: str = ""  # a bar above the header, as on the archive pages ("" for none)
    logo_url: str = ""  # the site's logo, shown beside its title ("" for none)
    # The imprint ([legal] imprint, one line each) and where the legal pages are; the personal link to the
    # subscriber's preferences page ("" in the versions that are not for one subscriber).
    imprint: tuple[str, ...] = ()
    imprint_url: str = ""
    privacy_url: str = ""
    preferences_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def digest_image(image: Image | None) -> DigestImage | None:
    """The entry image scaled to the email width; images without a URL are left out."""
    if image is None or not image.url.strip():
        return None
    width = min(image.width, CONTENT_WIDTH) if image.width else CONTENT_WIDTH
    height = round(image.height * width / image.width) if image.width and image.height else None
    return DigestImage(image.url, image.alt or image.caption, width, height, image.credit, image.caption)


def digest_item(entry: Entry) -> DigestItem:
    summary = entry.summary
    if not summary.strip():
        summary = first_paragraph_text(entry.content_html)
    return DigestItem(
        id=entry.id,
        title=entry.title,
        url=entry.url,
        published=entry.published,
        lang=entry.lang,
        summary=shorten(summary, SUMMARY_LIMIT),
        image=digest_image(entry.image),
    )


def build_context(
    settings: Settings,
    entries: Sequence[Entry],
    now: datetime,
    *,
    left_out: int = 0,
    web_url: str = "",
    greeting: str = "",
    unsubscribe_url: str = "",
    lang: str | None = None,
) -> DigestContext:
    """The context of the email version; the CLI-independent heart of the digest. ``greeting`` is
    the greeting line ("" for none); ``unsubscribe_url`` defaults to the configured unsubscribe page;
    ``lang`` is the mail's language (labels, dates, subject, intro, footer); entries keep their own."""
    from publisher.mail.message import subject_line

    lang = lang or settings.language
    items = tuple(digest_item(e) for e in entries)
    return DigestContext(
        lang=lang,
        site_title=settings.title,
        site_url=settings.base_url,
        subject=subject_line(settings, len(items), now, lang),
        preheader=shorten(" · ".join(i.title for i in items), PREHEADER_LIMIT),
        intro=settings.digest.intro_for(lang, settings.language).strip(),
        now=now,
        entries=items,
        left_out=left_out,
        greeting=greeting,
        unsubscribe_url=unsubscribe_url or settings.digest.unsubscribe_url or settings.url("unsubscribe"),
        web_url=web_url,
        feeds=(
            FeedLink("RSS", settings.url("rss.xml")),
            FeedLink("Atom", settings.url("atom.xml")),
            FeedLink("JSON Feed", settings.url("feed.json")),
        ),
        sender_name=settings.digest.sender_name or settings.smtp.from_name or settings.title,
        sender_address=tuple(
            line.strip() for line in settings.digest.sender_address.splitlines() if line.strip()
        ),
        accent_color=settings.accent_color,
        logo_url=settings.logo_url,
        imprint=settings.legal.imprint_lines,
        imprint_url=settings.legal.imprint_url,
        privacy_url=settings.legal.privacy_url,
    )
