"""feedgen extensions for what feedgen cannot write itself: entry links with their rel, type and
length, the entry's language, WebSub hub links in RSS and RFC 5005's ``fh:archive``."""

from __future__ import annotations

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ENTRY = "publisher_entry"  # the attribute name feedgen gives the entry extension on each entry
CHANNEL = "publisher_channel"  # ... and the feed extensions on the FeedGenerator
HISTORY = "publisher_history"


class AtomEntry(BaseEntryExtension):
    """Puts back the rel, type and length of each entry's links on feedgen's own tree, and sets the
    entry's ``xml:lang`` when it differs from the feed's.

    feedgen 1.0.0 drops rel and type (``entry.py`` rebinds ``link`` to the new element before
    reading them), so the source and the image looked like further alternate links: invalid Atom,
    and feedparser took the last one as the entry's link. feedgen calls ``extend_atom`` with each
    finished ``<entry>`` element; its children are not namespaced (the Atom namespace is only
    declared on ``<feed>``).
    """

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.lang = ""

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for link, wanted in zip(entry.iterchildren("link"), self.links, strict=True):
            for name in ("rel", "type", "length"):
                if wanted.get(name):
                    link.set(name, wanted[name])
        if self.lang:
            entry.set(XML_LANG, self.lang)
        return entry


class RssChannel(BaseExtension):
    """``<atom:link>`` elements on the RSS channel besides feedgen's ``rel="self"`` (WebSub's hub)."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed.find("channel")
        assert channel is not None
        for link in self.links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", **link)
        return feed


class FeedHistory(BaseExtension):
    """``<fh:archive/>``: marks an Atom document as an archived feed document (RFC 5005, section 4)."""

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        etree.SubElement(feed, f"{{{HISTORY_NS}}}archive")
        return feed


class NoEntryExtension(BaseEntryExtension):
    """The entry side of a feed-level extension that has none."""
