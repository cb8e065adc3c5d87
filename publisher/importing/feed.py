"""An RSS, Atom or JSON feed -> ImportedEntries that keep each item's id, so readers see no duplicates.

RSS and Atom are read with feedparser, JSON Feed with the json module; item HTML is sanitised with nh3 and
turned into Markdown with markdownify.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import nh3
from markdownify import markdownify

from publisher.errors import Problem, PublisherError, warning
from publisher.importing.model import ImportedEntry, ImportedImage, ImportOptions
from publisher.importing.sentences import detect_language

MAX_FEED_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a feed as read, before it becomes an entry; ``html`` is the item's body as given."""

    id: str
    title: str
    html: str
    summary_html: str
    link: str
    published: datetime | None
    updated: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    image_url: str
    lang: str


def read_feed_source(source: str, locate: Any = Path) -> bytes:
    """The feed's bytes from a file, or from an ``http(s)`` URL (30 s timeout, at most 50 MB)."""
    if re.match(r"^https?://", source, re.I):
        request = urllib.request.Request(source, headers={"User-Agent": "publisher feed import"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                data: bytes = response.read(MAX_FEED_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise PublisherError(
                f"{source}: the feed could not be fetched (HTTP {exc.code} {exc.reason}) -> check the URL"
            ) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PublisherError(
                f"{source}: the feed could not be fetched ({reason}) -> check the URL"
            ) from None
    else:
        path = locate(source)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PublisherError(f"{source}: cannot read it ({exc.strerror}) -> check the path") from None
    if len(data) > MAX_FEED_BYTES:
        raise PublisherError(f"{source}: the feed is over 50 MB -> import a smaller export of it")
    return data


def parse_feed(data: bytes, source: str) -> list[FeedItem]:
    """The items of an RSS 2.0, RSS 1.0, Atom or JSON Feed document, in the feed's order."""
    if data.lstrip()[:1] == b"{":
        return _json_feed(data, source)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=True)
    if not parsed.version:
        reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: "")() or "not a feed"
        raise PublisherError(f"{source}: not an RSS, Atom or JSON feed ({reason}) -> check the file or URL")
    feed_lang = str(parsed.feed.get("language", "") or "")
    return [_feedparser_item(item, feed_lang) for item in parsed.entries]


def _feedparser_item(parsed: Any, feed_lang: str) -> FeedItem:
    # dict's own get: feedparser's maps a missing "updated" to "published", with a warning
    item = dict(parsed)
    content = item.get("content") or []
    html = str(content[0].get("value", "")) if content else ""
    summary = str(item.get("summary", "") or "")
    authors = tuple(
        str(a.get("name") or a.get("email") or "").strip() for a in item.get("authors", []) if a
    ) or ((str(item.get("author")),) if item.get("author") else ())
    image = ""
    for media in [*item.get("media_content", []), *item.get("media_thumbnail", [])]:
        if media.get("url") and (
            media.get("medium") in (None, "image") or "image" in media.get("type", "image")
        ):
            image = str(media["url"])
            break
    if not image:
        for link in item.get("links", []):
            if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
                image = str(link.get("href", ""))
                break
    return FeedItem(
        id=str(item.get("id") or item.get("link") or ""),
        title=_plain(str(item.get("title", "") or "")),
        html=html or summary,
        summary_html=summary if html else "",
        link=str(item.get("link", "") or ""),
        published=_when(item.get("published"), item.get("published_parsed")),
        updated=_when(item.get("updated"), item.get("updated_parsed")),
        authors=tuple(a for a in authors if a),
        tags=tuple(str(t.get("term", "")).strip() for t in item.get("tags", []) if t.get("term")),
        image_url=image,
        lang=str(item.get("language", "") or feed_lang),
    )


def _json_feed(data: bytes, source: str) -> list[FeedItem]:
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublisherError(f"{source}: not valid JSON ({exc}) -> check the JSON Feed") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/"):
        raise PublisherError(f"{source}: a JSON document, but no JSON Feed (no 'version') -> check the file")
    items = []
    for item in feed.get("items", []):
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        html = item.get("content_html") or ""
        text = item.get("content_text") or ""
        items.append(
            FeedItem(
                id=str(item.get("id", "")),
                title=str(item.get("title", "") or ""),
                html=html or _paragraphs(text),
                summary_html=_paragraphs(item.get("summary", "")) if item.get("summary") else "",
                link=str(item.get("url", "") or ""),
                published=_when(item.get("date_published"), None),
                updated=_when(item.get("date_modified"), None),
                authors=tuple(str(a.get("name", "")).strip() for a in authors if a.get("name")),
                tags=tuple(str(t).strip() for t in item.get("tags", []) if str(t).strip()),
                image_url=str(item.get("image") or item.get("banner_image") or ""),
                lang=str(item.get("language") or feed.get("language") or ""),
            )
        )
    return items


def _paragraphs(text: str) -> str:
    from html import escape

    return "".join(f"<p>{escape(p)}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def _plain(html: str) -> str:
    return " ".join(nh3.clean(html, tags=set()).replace("&amp;", "&").split())


def _when(raw: Any, parsed: Any) -> datetime | None:
    """The item's time with its own UTC offset when the feed gives one (RFC 822 or ISO 8601)."""
    if raw:
        text = str(raw).strip()
        for read in (datetime.fromisoformat, parsedate_to_datetime):
            try:
                value = read(text.replace("Z", "+00:00") if read is datetime.fromisoformat else text)
            except (ValueError, TypeError, IndexError):
                continue
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    if parsed:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def html_to_markdown(html: str) -> str:
    """Item HTML -> Markdown: sanitised by nh3 first (no script reaches the entry), then markdownify."""
    clean = nh3.clean(html, link_rel=None)
    markdown = markdownify(clean, heading_style="ATX", bullets="-", strip=["img"], escape_misc=False)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def feed_entries(
    items: list[FeedItem], source: str, options: ImportOptions
) -> Iterator[tuple[FeedItem, ImportedEntry | None, PublisherError | None]]:
    """Each item as an ImportedEntry (its id is the item's id), or the error that keeps it out."""
    for index, item in enumerate(items, 1):
        where = f"{source}: item {index}"
        if not item.id:
            yield (
                item,
                None,
                PublisherError(
                    f"{where} ({item.title or 'no title'}): has no id or link -> "
                    "give the item a guid/id in the feed, or import it as text"
                ),
            )
            continue
        if not item.title:
            yield item, None, PublisherError(f"{where} ({item.id}): has no title -> give it one in the feed")
            continue
        when = None
        if options.date is not None:
            when = datetime(options.date.year, options.date.month, options.date.day, tzinfo=UTC)
        published = item.published or item.updated or when
        if published is None:
            yield (
                item,
                None,
                PublisherError(f"{where} ({item.title}): has no date -> pass --date YYYY-MM-DD to import it"),
            )
            continue
        body = html_to_markdown(item.html)
        problems: list[Problem] = []
        if not body:
            problems.append(warning(source, f"item {index} ({item.title}) has no text", field="body"))
        summary = _plain(item.summary_html) if item.summary_html else ""
        lang = options.lang or (item.lang.split("-")[0].lower() if item.lang else "")
        lang = lang or detect_language(f"{item.title} {body}", options.default_lang)
        yield (
            item,
            ImportedEntry(
                source_path=f"{source}#{hashlib.sha256(item.id.encode()).hexdigest()[:12]}",
                id=item.id,
                title=item.title,
                subtitle="",
                date=published.date(),
                date_source="feed",
                authors=tuple(dict.fromkeys([*item.authors, *options.authors])),
                tags=tuple(dict.fromkeys([*item.tags, *options.tags])),
                lang=lang,
                source_url=item.link if item.link.startswith(("http://", "https://")) else "",
                image=ImportedImage(url=item.image_url) if item.image_url else None,
                headings=(),
                body_markdown=body,
                removed=(),
                warnings=tuple(problems),
                explanation=(),
                published=published,
                updated=item.updated if item.updated and item.updated != published else None,
                summary=summary,
            ),
            None,
        )
