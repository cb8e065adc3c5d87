"""The topics a subscriber may choose: ``[subscribe] topics``, else the site's tags (slugs and names).

Topics are the subscriber's tags; a digest for a subscriber with topics holds only entries with one of those
tags (compared by slug, so "Öffentlicher Nahverkehr" and "oeffentlicher-nahverkehr" are the same topic).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from publisher.config import Settings
from publisher.content.slugs import slugify
from publisher.errors import PublisherError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    label: str


def topic_slug(name: str, lang: str = "de") -> str:
    return slugify(name, lang, fallback="")


def slugs(topics: Iterable[str], lang: str = "de") -> frozenset[str]:
    return frozenset(s for s in (topic_slug(t, lang) for t in topics) if s)


def choices(settings: Settings) -> tuple[Topic, ...]:
    """The topics offered on the signup and preferences pages, in a stable order."""
    if settings.subscribe.topics:
        named = [(topic_slug(name, settings.language), name) for name in settings.subscribe.topics]
    else:
        named = _site_tags(settings)
    seen: dict[str, str] = {}
    for slug, label in named:
        if slug:
            seen.setdefault(slug, label)
    return tuple(Topic(slug, label) for slug, label in sorted(seen.items(), key=lambda i: i[1].casefold()))


def _site_tags(settings: Settings) -> list[tuple[str, str]]:
    """Every tag of the site's entries (the newest entry's spelling wins); none, with a warning in the
    log, when the entries cannot be read (the app then offers no topics rather than failing)."""
    from publisher.content.load import load_site

    if not settings.entries_dir.is_dir():
        return []
    try:
        site = load_site(settings)
    except (PublisherError, OSError) as exc:
        logger.warning(
            "no topics offered: the site's tags cannot be read (%s) -> set [subscribe] topics", exc
        )
        return []
    try:
        return [(tag.slug, tag.name) for entry in site.entries for tag in entry.tags]
    finally:
        site.close()
