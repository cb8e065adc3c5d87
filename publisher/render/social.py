"""What a page tells the sites it is shared on: Open Graph and Twitter card ``<meta>`` tags, and
schema.org JSON-LD (``NewsArticle``) on entry pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from markupsafe import Markup

from publisher.config import Settings
from publisher.content.languages import babel_identifier
from publisher.model import Entry


@dataclass(frozen=True, slots=True)
class MetaTag:
    """``<meta {attribute}="{name}" content="{content}">``: Open Graph uses ``property``, Twitter ``name``."""

    attribute: str
    name: str
    content: str


@lru_cache(maxsize=64)
def og_locale(lang: str) -> str:
    """``de`` -> ``de_DE``, ``en`` -> ``en_US``, ``de-AT`` -> ``de_AT``: Open Graph wants a territory."""
    try:
        locale = Locale.parse(babel_identifier(lang))
    except (ValueError, UnknownLocaleError):
        return babel_identifier(lang)
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    likely = str(get_global("likely_subtags").get(locale.language, ""))  # "de" -> "de_Latn_DE"
    territory = likely.rsplit("_", 1)[-1] if likely.count("_") else ""
    return f"{locale.language}_{territory}" if territory else locale.language


def page_meta(
    settings: Settings, *, title: str, description: str, url: str, lang: str, entry: Entry | None = None
) -> tuple[MetaTag, ...]:
    """Open Graph and Twitter card tags of a page; ``entry`` makes it an article with its image."""
    image = entry.image if entry and entry.image else None
    tags = [
        MetaTag("property", "og:type", "article" if entry else "website"),
        MetaTag("property", "og:site_name", settings.title),
        MetaTag("property", "og:title", title),
        MetaTag("property", "og:url", url),
        MetaTag("property", "og:locale", og_locale(lang)),
    ]
    if description:
        tags.append(MetaTag("property", "og:description", description))
    if image is not None:
        tags.append(MetaTag("property", "og:image", image.url))
        if image.mime_type:
            tags.append(MetaTag("property", "og:image:type", image.mime_type))
        if image.width and image.height:
            tags.append(MetaTag("property", "og:image:width", str(image.width)))
            tags.append(MetaTag("property", "og:image:height", str(image.height)))
        if image.alt:
            tags.append(MetaTag("property", "og:image:alt", image.alt))
    elif settings.logo_url:
        tags.append(MetaTag("property", "og:image", settings.logo_url))
    if entry is not None:
        tags.append(MetaTag("property", "article:published_time", entry.published.isoformat()))
        tags.append(MetaTag("property", "article:modified_time", entry.updated.isoformat()))
        tags += [MetaTag("property", "article:tag", tag.name) for tag in entry.tags]
    tags.append(MetaTag("name", "twitter:card", "summary_large_image" if image else "summary"))
    tags.append(MetaTag("name", "twitter:title", title))
    if description:
        tags.append(MetaTag("name", "twitter:description", description))
    if image is not None:
        tags.append(MetaTag("name", "twitter:image", image.url))
        if image.alt:
            tags.append(MetaTag("name", "twitter:image:alt", image.alt))
    return tuple(tags)


def article_json_ld(entry: Entry, settings: Settings) -> Markup:
    """schema.org ``NewsArticle`` as JSON, safe inside ``<script type="application/ld+json">``."""
    publisher: dict[str, object] = {"@type": "Organization", "name": settings.title, "url": settings.base_url}
    if settings.logo_url:
        publisher["logo"] = {"@type": "ImageObject", "url": settings.logo_url}
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": entry.url},
        "url": entry.url,
        "headline": entry.title,
        "datePublished": entry.published.isoformat(),
        "dateModified": entry.updated.isoformat(),
        "inLanguage": entry.lang,
        "publisher": publisher,
    }
    if entry.summary:
        data["description"] = entry.summary
    authors = [
        {"@type": "Person", "name": a.name, **({"url": a.url} if a.url else {})} for a in entry.authors
    ]
    data["author"] = authors or [{"@type": "Organization", "name": settings.author or settings.title}]
    if entry.image:
        image: dict[str, object] = {"@type": "ImageObject", "url": entry.image.url}
        if entry.image.width and entry.image.height:
            image.update(width=entry.image.width, height=entry.image.height)
        data["image"] = [image]
    if entry.tags:
        data["keywords"] = [tag.name for tag in entry.tags]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" in a title must not end the element: JSON allows \u003c for "<".
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
