"""Front matter as other site generators write it (Jekyll, Hugo, Pelican, Eleventy, WordPress exports),
read as they mean it: their keys become publisher's, so that a migrated site builds without warnings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# Keys with a meaning for another generator's templates only: accepted, and ignored without a warning.
IGNORED_KEYS = frozenset(
    (
        "layout", "type", "weight", "comments", "share", "toc", "showtoc", "tocopen", "sitemap", "menu",
        "menus", "hidemeta", "hidden", "robots", "sticky", "pin", "featured", "template",
        "eleventynavigation", "eleventycomputed", "eleventyexcludefromcollections", "keywords", "series",
        "markup", "outputs", "resources", "headless", "build", "cascade", "linktitle", "nav_order",
        "permalink_pattern", "header", "classes", "sidebar", "author_profile", "read_time", "related",
        "guid", "wordpress_id", "post_id", "status", "published", "publishdate", "pubdate", "lastmod",
        "last_modified_at", "modified", "description", "excerpt", "author", "categories", "category",
        "featured_image", "cover", "images", "link", "permalink", "url", "redirect_from", "language",
    )
)  # fmt: skip
# Keys that become one of publisher's ("author" -> authors): the first given wins, lists are merged.
ALIAS_KEYS = ("link", "permalink", "url", "aliases", "redirect_from")


def translate(meta: dict[str, Any], base_url: str) -> dict[str, Any]:
    """``meta`` with the keys of other generators turned into publisher's (publisher's own keys win).

    ``author`` -> ``authors`` and ``categories``/``category`` -> ``tags`` (merged with the entry's
    own); ``description``/``excerpt`` -> ``summary``; ``featured_image``/``cover``/``images`` ->
    ``image``; ``link``/``permalink``/``url``/``aliases``/``redirect_from`` -> ``aliases`` (a
    ``link`` to another host is the ``source``); ``lastmod``/``last_modified_at``/``modified`` ->
    ``updated``; ``publishDate`` -> ``date``; ``language`` -> ``lang``; ``published: false`` and
    Pelican's ``status: draft``/``hidden`` -> ``draft: true``.
    """
    folded = {key.lower() if key.lower() in _FOLDED else key: value for key, value in meta.items()}
    out = {key: value for key, value in folded.items() if key not in IGNORED_KEYS or key in _OWN}
    if folded.get("author") not in (None, ""):
        out["authors"] = _unique(_listed(folded.get("authors")) + _listed(folded["author"]))
    tags = _listed(folded.get("tags"), ",") + _categories(folded.get("categories"))
    tags += _categories(folded.get("category"))
    if tags and ("categories" in folded or "category" in folded):
        out["tags"] = _unique(tags)
    _first(out, folded, "summary", ("summary", "description", "excerpt"))
    _first(out, folded, "updated", ("updated", "lastmod", "last_modified_at", "modified"))
    _first(out, folded, "date", ("date", "publishdate", "pubdate"))
    _first(out, folded, "lang", ("lang", "language"))
    if "image" not in out:
        image = _image(folded)
        if image is not None:
            out["image"] = image
    aliases: list[Any] = []
    for key in ALIAS_KEYS:
        value = folded.get(key)
        if key == "link" and isinstance(value, str) and _other_host(value, base_url):
            out.setdefault("source", value)  # a link post: the page it links to
            continue
        if key == "permalink" and (value is False or (isinstance(value, str) and _pattern(value))):
            continue  # Eleventy's "no page" or a pattern of the old site's: no address of this entry
        aliases += _listed(value)
    if aliases:
        out["aliases"] = aliases
    if "draft" not in out and (
        folded.get("published") is False or str(folded.get("status", "")).lower() in ("draft", "hidden")
    ):
        out["draft"] = True
    return out


# Keys read without regard to case (Hugo writes publishDate, Eleventy eleventyNavigation).
_FOLDED = frozenset(("publishdate", "pubdate", "lastmod", "eleventynavigation", "eleventycomputed",
                     "eleventyexcludefromcollections", "showtoc", "tocopen", "hidemeta"))  # fmt: skip
# publisher's own keys among the mapped ones
_OWN = frozenset(
    ("summary", "updated", "date", "lang", "image", "source", "draft", "tags", "authors", "aliases")
)


def _listed(value: Any, separator: str | None = None) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    if separator and isinstance(value, str):
        return [part.strip() for part in value.split(separator) if part.strip()]
    return [value]


def _categories(value: Any) -> list[Any]:
    """Jekyll's ``categories: news cluster`` is two categories; with commas, the commas separate."""
    if isinstance(value, str):
        return [part.strip() for part in value.split("," if "," in value else None) if part.strip()]
    return _listed(value)


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _first(out: dict[str, Any], folded: dict[str, Any], key: str, names: tuple[str, ...]) -> None:
    for name in names:
        if folded.get(name) not in (None, ""):
            out[key] = folded[name]
            return


def _image(folded: dict[str, Any]) -> Any:
    """``featured_image: …``, Hugo's ``cover: {image: …, alt: …}`` or ``images: [first, …]``."""
    for key in ("featured_image", "cover", "images"):
        value = folded.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            url = value.get("image") or value.get("url") or value.get("src")
            if url:
                return {"url": url, **{k: value[k] for k in ("alt", "caption", "credit") if value.get(k)}}
        elif isinstance(value, str) and value.strip():
            return value
    return None


def _other_host(value: str, base_url: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and parts.netloc.lower() != urlsplit(base_url).netloc.lower()


def _pattern(value: str) -> bool:
    """``/:categories/:year/:title.html``, ``{{ page.fileSlug }}/``: a rule, not an address."""
    return "{{" in value or "{%" in value or any(part.startswith(":") for part in value.split("/"))
