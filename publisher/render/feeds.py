"""Feed -> bytes for RSS 2.0 and Atom 1.0 (feedgen, wrapped here and in feedext.py and nowhere else),
JSON Feed 1.1, and RFC 5005 archived Atom documents."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator

from publisher import __version__
from publisher.model import Author, Entry, Feed, Image
from publisher.render import feedext
from publisher.render.templating import labels

FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
# An empty feed has no newest entry; a fixed time keeps its bytes stable.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR = ("publisher", "https://pypi.org/project/publisher/", __version__)


def archive_path(prefix: str, number: int) -> str:
    """Where archived document ``number`` (1: the oldest entries) of the feed at ``prefix`` lives."""
    return f"{prefix}archive/{number}.xml"


def archive_size(feed_limit: int) -> int:
    """Entries per archived document: half the subscription feed's, so that a feed which has any
    archive has at least two, each linked to a neighbour (a lone archive document, with neither a
    previous nor a next one, reads as incomplete to the W3C validator)."""
    return max(1, feed_limit // 2)


def archive_count(entry_count: int, feed_limit: int) -> int:
    """How many archived documents a feed of ``entry_count`` entries has: none while the
    subscription document holds them all, else one per full ``archive_size`` from the oldest.
    The newest few entries, fewer than one document, are in the subscription document only."""
    if entry_count <= feed_limit:
        return 0
    return entry_count // archive_size(feed_limit)


def _author_dict(author: Author) -> dict[str, str]:
    data = {"name": author.name}
    if author.email:
        data["email"] = author.email
    if author.url:
        data["uri"] = author.url
    return data


def feed_language(feed: Feed) -> str:
    """The language of a feed's documents: its entries' when they all share one (an English tag
    on a German site), else the site's."""
    languages = {entry.lang for entry in feed.entries}
    return languages.pop() if len(languages) == 1 else feed.meta.language


def _generator(feed: Feed, kind: str) -> FeedGenerator:
    """A FeedGenerator with every feed-level field set, including the deterministic updated time."""
    meta = feed.meta
    language = feed_language(feed)
    fg = FeedGenerator()
    if kind == "rss":
        fg.load_extension("dc", atom=False, rss=True)
        fg.register_extension(feedext.CHANNEL, feedext.RssChannel, feedext.NoEntryExtension, atom=False)
    fg.load_extension("media", atom=True, rss=True)
    if kind == "atom":
        fg.register_extension(feedext.ENTRY, BaseExtension, feedext.AtomEntry, atom=True, rss=False)
        if feed.number:
            fg.register_extension(feedext.HISTORY, feedext.FeedHistory, feedext.NoEntryExtension, rss=False)
    fg.id(meta.feed_id)
    fg.title(meta.title)
    fg.subtitle(meta.description or meta.title)  # RSS requires a description
    self_path = FEED_FILES[kind] if not feed.number else archive_path("", feed.number)
    # feedgen takes the RSS <link> from the last link added, so the page comes after "self".
    fg.link(href=meta.feed_url(self_path), rel="self", type=FEED_TYPES[kind])
    archive_links = _archive_links(feed) if kind == "atom" else []
    if archive_links:
        fg.link(archive_links)
    fg.link(href=meta.home_url, rel="alternate", type="text/html")
    if meta.hub_url and not feed.number:
        if kind == "atom":
            fg.link(href=meta.hub_url, rel="hub")
        else:
            getattr(fg, feedext.CHANNEL).links.append({"href": meta.hub_url, "rel": "hub"})
    fg.language(language)
    fg.generator(GENERATOR[0], version=GENERATOR[2], uri=GENERATOR[1])
    if meta.logo_url:
        if kind == "rss":
            fg.image(url=meta.logo_url, title=meta.title, link=meta.home_url)
        else:
            fg.icon(meta.logo_url)
            fg.logo(meta.logo_url)
    if meta.author:
        fg.author(_author_dict(meta.author))
    elif kind == "atom" and not all(e.authors for e in feed.entries):
        # RFC 4287 4.1.1: without a feed author every entry needs one; the site speaks for itself.
        fg.author({"name": meta.title})
    updated = feed.updated
    # feedgen would stamp datetime.now(); the newest entry's time keeps builds byte-identical.
    fg.updated(updated or _EPOCH)
    fg.lastBuildDate(updated or _EPOCH)
    for entry in feed.entries:
        _add_entry(fg.add_entry(order="append"), entry, kind, feed.meta.content, language)
    return fg


def _archive_links(feed: Feed) -> list[dict[str, str]]:
    """RFC 5005 links: the subscription document points at the newest archived one; an archived
    document at the subscription document ("current") and at its neighbours."""
    meta, number = feed.meta, feed.number

    def at(n: int) -> str:
        return meta.feed_url(archive_path("", n))

    links = []
    if number:
        links.append(
            {"href": meta.feed_url(FEED_FILES["atom"]), "rel": "current", "type": FEED_TYPES["atom"]}
        )
    previous = number - 1 if number else feed.archives
    if previous >= 1:
        links.append({"href": at(previous), "rel": "prev-archive", "type": FEED_TYPES["atom"]})
    if number and number < feed.archives:
        links.append({"href": at(number + 1), "rel": "next-archive", "type": FEED_TYPES["atom"]})
    return links


def _add_entry(fe: FeedEntry, entry: Entry, kind: str, content: str, language: str) -> None:
    fe.id(entry.id)
    fe.guid(entry.id, permalink=False)
    fe.title(entry.title)
    # One call per kind of field with a list: feedgen re-checks every item on each call.
    links = _entry_links(entry)
    fe.link(links)
    if kind == "atom":
        extension = getattr(fe, feedext.ENTRY)
        extension.links = links
        extension.lang = entry.lang if entry.lang != language else ""
    elif entry.lang != language:
        fe.dc.dc_language(entry.lang)
    fe.published(entry.published)
    fe.updated(entry.updated)
    if entry.authors:
        # RSS gets dc:creator only: <author> as well would state the same twice (a W3C validator warning).
        if kind == "rss":
            fe.dc.dc_creator([author.name for author in entry.authors])
        else:
            fe.author([_author_dict(author) for author in entry.authors])
    if entry.tags:
        fe.category([{"term": tag.name, "label": tag.name} for tag in entry.tags])
    # Readers take an RSS description as HTML: the plain-text summary is escaped for HTML first
    # (then feedgen escapes it for XML), so "F&E" and "<script>" reach the reader as text. Atom
    # says so: type="html" (as text, a summary showing "<img …>" looks like undeclared markup).
    summary = escape(entry.summary or entry.title, quote=False)
    fe.summary(summary, type="html" if kind == "atom" else None)
    if content == "full":
        # RSS carries the HTML in content:encoded as CDATA; Atom as escaped text of type "html".
        fe.content(content_with_image(entry), type="CDATA" if kind == "rss" else "html")
    if entry.image:
        fe.media.content(_media(entry.image, medium=True), group=None)
        fe.media.thumbnail(_media(entry.image, medium=False), group=None)


def _media(image: Image, medium: bool) -> dict[str, str]:
    """``media:content`` (the image itself, as Mailchimp and Miniflux read it) or ``media:thumbnail``
    (what Miniflux and FreshRSS show first), with the size where known."""
    data = {"url": image.url}
    if medium:
        data["medium"] = "image"
        if image.mime_type:
            data["type"] = image.mime_type
        if image.length:
            data["fileSize"] = str(image.length)
    if image.width and image.height:
        data.update(width=str(image.width), height=str(image.height))
    return data


_LABELLED = re.compile(r"^(?:foto|photo|bild|image|picture|©|\(c\))", re.IGNORECASE)


def content_with_image(entry: Entry) -> str:
    """The entry's HTML with its lead image in front (readers that show the first ``<img>`` of the
    content, such as FreshRSS, then show it), unless the text already holds that image."""
    image = entry.image
    if image is None or f'src="{escape(image.url)}"' in entry.content_html:
        return entry.content_html
    size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
    credit = image.credit
    if credit and not _LABELLED.match(credit):
        credit = f"{labels(entry.lang)['photo']}: {credit}"
    caption = " ".join(part for part in (image.caption, credit) if part)
    figcaption = f"<figcaption>{escape(caption, quote=False)}</figcaption>" if caption else ""
    figure = f'<figure><img src="{escape(image.url)}" alt="{escape(image.alt)}"{size}>{figcaption}</figure>\n'
    return figure + entry.content_html


def _entry_links(entry: Entry) -> list[dict[str, str]]:
    """The entry page, the original source, the image as enclosure: in this order."""
    links = [{"href": entry.url, "rel": "alternate", "type": "text/html"}]
    if entry.source_url:
        links.append({"href": entry.source_url, "rel": "related", "type": "text/html"})
    if entry.image:
        enclosure = {
            "href": entry.image.url,
            "rel": "enclosure",
            "type": entry.image.mime_type or "image/jpeg",
        }
        if entry.image.length:
            enclosure["length"] = str(entry.image.length)
        links.append(enclosure)
    return links


def render_rss(feed: Feed) -> bytes:
    return _generator(feed, "rss").rss_str(pretty=True)


def render_atom(feed: Feed) -> bytes:
    """The Atom subscription document, or archived document ``feed.number`` of ``feed.archives``."""
    return _generator(feed, "atom").atom_str(pretty=True)


def _json_item(entry: Entry, content: str) -> dict[str, object]:
    item: dict[str, object] = {"id": entry.id, "url": entry.url, "title": entry.title}
    if content == "full":
        item["content_html"] = content_with_image(entry)
    else:
        item["content_text"] = entry.summary or entry.title
    item.update(
        summary=entry.summary,
        date_published=entry.published.isoformat(),
        date_modified=entry.updated.isoformat(),
        language=entry.lang,
    )
    if entry.image:
        item["image"] = entry.image.url
    if entry.source_url:
        item["external_url"] = entry.source_url
    if entry.authors:
        item["authors"] = [_json_author(a) for a in entry.authors]
    if entry.tags:
        item["tags"] = [t.name for t in entry.tags]
    return item


def _json_author(author: Author) -> dict[str, str]:
    data = {"name": author.name}
    if author.url:
        data["url"] = author.url
    return data


def render_json(feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written from the same model as RSS and Atom."""
    meta = feed.meta
    document: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.feed_url(FEED_FILES["json"]),
        "language": feed_language(feed),
    }
    if meta.description:
        document["description"] = meta.description
    if meta.logo_url:
        document["icon"] = meta.logo_url
        document["favicon"] = meta.logo_url
    if meta.author:
        document["authors"] = [_json_author(meta.author)]
    if meta.hub_url:
        document["hubs"] = [{"type": "WebSub", "url": meta.hub_url}]
    document["items"] = [_json_item(e, meta.content) for e in feed.entries]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}


def render_feeds(feed: Feed, kinds: Iterable[str] = ("rss", "atom", "json")) -> dict[str, bytes]:
    """``{path inside out/: bytes}`` for each kind of subscription feed."""
    return {f"{feed.meta.path_prefix}{FEED_FILES[k]}": RENDERERS[k](feed) for k in kinds}


def render_archived(feed: Feed) -> dict[str, bytes]:
    """``{path: bytes}`` of archived Atom document ``feed.number`` (RFC 5005)."""
    return {archive_path(feed.meta.path_prefix, feed.number): render_atom(feed)}
