"""URL slugs with German-aware transliteration (ä -> ae, ß -> ss), made unique when needed."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from functools import lru_cache

GERMAN = [
    ["Ä", "Ae"],
    ["Ö", "Oe"],
    ["Ü", "Ue"],
    ["ä", "ae"],
    ["ö", "oe"],
    ["ü", "ue"],
    ["ß", "ss"],
    ["ẞ", "SS"],
    ["&", " und "],
]
ENGLISH = [[a, b] for a, b in GERMAN if a != "&"] + [["&", " and "]]
MAX_LENGTH = 80


@lru_cache(maxsize=65536)
def slugify(text: str, lang: str = "de", fallback: str = "entry") -> str:
    """``'Rückblick auf Europäische Konferenz'`` -> ``'rueckblick-auf-europaeische-konferenz'``;
    ``fallback`` for text without letters or digits (``'!!!'``)."""
    from slugify import slugify as _slugify  # on first use: a digest from a warm cache makes no slugs

    replacements = GERMAN if lang == "de" or lang.startswith(("de-", "de_")) else ENGLISH
    slug = _slugify(text, replacements=replacements, max_length=MAX_LENGTH, word_boundary=True)
    if len(text) > MAX_LENGTH // 2:  # shorter text cannot hold a word whose slug is over the limit
        # A first word longer than the limit (a German compound) is cut, not dropped: word_boundary
        # would leave only the words after it ("2024").
        first = _slugify(text, replacements=replacements).split("-", 1)[0]
        if len(first) > MAX_LENGTH:
            slug = first[:MAX_LENGTH]
    return slug or fallback


def unique_slug(slug: str, taken: Iterable[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` ... whichever is not taken yet."""
    used = taken if isinstance(taken, AbstractSet) else set(taken)
    if slug not in used:
        return slug
    n = 2
    while f"{slug}-{n}" in used:
        n += 1
    return f"{slug}-{n}"
