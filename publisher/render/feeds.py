"""Feed -> bytes for RSS 2.0 and Atom 1.0 (feedgen, wrapped here and nowhere else) and JSON Feed 1.1."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from publisher import __version__
from publisher.model import Author, Entry, Feed

FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
# An empty feed has no newest entry; a fixed time keeps its bytes stable.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR = ("publisher", "https://pypi.org/project/publisher/", __version__)


def _author_dict(author: Author) -> dict[str, str]:
    data = {"name": author.name}
    if author.email:
        data["email"] = author.email
    if author.url:
        data["uri"] = author.url
    return data


def _generator(feed: Feed, self_kind: str) -> FeedGenerator:
    """A FeedGenerator with every feed-level field set, including the deterministic updated time."""
    meta = feed.meta
    fg = FeedGenerator()
    if self_kind == "rss":
        fg.load_extension("dc", atom=False, rss=True)
    fg.load_extension("media", atom=True, rss=True)
    if self_kind == "atom":
        fg.register_extension(_LINKS, BaseExtension, _AtomLinks, atom=True, rss=False)
    fg.id(meta.feed_id)
    fg.title(meta.title)
    fg.subtitle(meta.description or meta.title)  # RSS requires a description
    # feedgen takes the RSS <link> from the last link added, so the page comes after "self".
    fg.link(href=meta.feed_url(FEED_FILES[self_kind]), rel="self", type=FEED_TYPES[self_kind])
    fg.link(href=meta.home_url, rel="alternate", type="text/html")
    fg.language(meta.language)
    fg.generator(GENERATOR[0], version=GENERATOR[2], uri=GENERATOR[1])
    if meta.author:
        fg.author(_author_dict(meta.author))
    elif self_kind == "atom" and not all(e.authors for e in feed.entries):
        # RFC 4287 4.1.1: without a feed author every entry needs one; the site speaks for itself.
        fg.author({"name": meta.title})
    updated = feed.updated
    if updated is not None:
        # feedgen would stamp datetime.now(); the newest entry's time keeps builds byte-identical.
        fg.updated(updated)
        fg.lastBuildDate(updated)
    else:
        fg.updated(_EPOCH)
        fg.lastBuildDate(_EPOCH)
    for entry in feed.entries:
        _add_entry(fg.add_entry(order="append"), entry, self_kind)
    return fg


def _add_entry(fe: FeedEntry, entry: Entry, kind: str) -> None:
    fe.id(entry.id)
    fe.guid(entry.id, permalink=False)
    fe.title(entry.title)
    # One call per kind of field with a list: feedgen re-checks every item on each call.
    links = _entry_links(entry)
    fe.link(links)
    if kind == "atom":
        getattr(fe, _LINKS).links = links
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
    if entry.summary:
        fe.summary(entry.summary)
    # RSS carries the HTML in content:encoded as CDATA; Atom as escaped text of type "html".
    fe.content(entry.content_html, type="CDATA" if kind == "rss" else "html")
    if entry.image:
        image = entry.image
        media = {"url": image.url, "medium": "image"}
        if image.mime_type:
            media["type"] = image.mime_type
        if image.width and image.height:
            media.update(width=str(image.width), height=str(image.height))
        fe.media.content(media, group=None)


def _entry_links(entry: Entry) -> list[dict[str, str]]:
    """The entry page, the original source, the image as enclosure: in this order."""
    links = [{"href": entry.url, "rel": "alternate", "type": "text/html"}]
    if entry.source_url:
        links.append({"href": entry.source_url, "rel": "related", "type": "text/html"})
    if entry.image:
        links.append(
            {"href": entry.image.url, "rel": "enclosure", "type": entry.image.mime_type or "image/jpeg"}
        )
    return links


def render_rss(feed: Feed) -> bytes:
    return _generator(feed, "rss").rss_str(pretty=True)


def render_atom(feed: Feed) -> bytes:
    return _generator(feed, "atom").atom_str(pretty=True)


_LINKS = "publisher_links"  # the attribute name feedgen gives the extension on each entry


class _AtomLinks(BaseEntryExtension):
    """Puts back the rel and type of each entry's links on feedgen's own tree, before it is serialised.

    feedgen 1.0.0 drops them (``entry.py`` rebinds ``link`` to the new element before reading
    ``rel``), so the source and the image looked like further alternate links: invalid Atom, and
    feedparser took the last one as the entry's link. feedgen calls ``extend_atom`` with each
    finished ``<entry>`` element; its children are not namespaced (the Atom namespace is only
    declared on ``<feed>``).
    """

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for link, wanted in zip(entry.iterchildren("link"), self.links, strict=True):
            link.set("rel", wanted["rel"])
            link.set("type", wanted["type"])
        return entry


def _json_item(entry: Entry) -> dict[str, object]:
    item: dict[str, object] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html,
        "summary": entry.summary,
        "date_published": entry.published.isoformat(),
        "date_modified": entry.updated.isoformat(),
        "language": entry.lang,
    }
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
        "language": meta.language,
    }
    if meta.description:
        document["description"] = meta.description
    if meta.author:
        document["authors"] = [_json_author(meta.author)]
    document["items"] = [_json_item(e) for e in feed.entries]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}


def render_feeds(feed: Feed, kinds: Iterable[str] = ("rss", "atom", "json")) -> dict[str, bytes]:
    """``{path inside out/: bytes}`` for each kind of feed."""
    return {f"{feed.meta.path_prefix}{FEED_FILES[k]}": RENDERERS[k](feed) for k in kinds}
