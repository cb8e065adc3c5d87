"""Language tags as entries and HTML write them (BCP 47: ``de``, ``de-AT``) and the Babel locales for them."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError


def babel_identifier(tag: str) -> str:
    """``de-AT`` -> ``de_AT``: Babel (CLDR) separates the subtags with an underscore."""
    return tag.replace("-", "_")


def primary_language(tag: str) -> str:
    """``de-AT`` -> ``de``: the language without region or script."""
    return babel_identifier(tag).split("_", 1)[0].lower()


@lru_cache(maxsize=256)
def known_language(tag: str) -> bool:
    """Whether Babel has dates and numbers for ``tag`` (memoised: normalise asks for every entry)."""
    try:
        Locale.parse(babel_identifier(tag))
    except (ValueError, UnknownLocaleError):
        return False
    return True
