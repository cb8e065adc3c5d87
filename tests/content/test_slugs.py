"""Slugs: German transliteration, URL-safe output for any text, uniqueness."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from publisher.content.slugs import slugify, unique_slug

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def test_german_letters_are_transliterated_not_dropped() -> None:
    assert slugify("Rückblick auf die Europäische Clusterkonferenz in Brüssel") == (
        "rueckblick-auf-die-europaeische-clusterkonferenz-in-bruessel"
    )
    assert slugify("Größe & Maß: „Öko“-Strom") == "groesse-und-mass-oeko-strom"
    assert slugify("Research & Development", lang="en") == "research-and-development"
    assert slugify("Größe & Maß", lang="de-AT") == slugify("Größe & Maß", lang="de-CH") == "groesse-und-mass"
    assert slugify("R & D", lang="en-GB") == "r-and-d"


@given(st.text(max_size=200))
def test_any_text_gives_a_url_safe_slug(text: str) -> None:
    slug = slugify(text)
    assert SLUG.match(slug), slug
    assert len(slug) <= 80


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=120), st.text(max_size=60))
def test_a_long_slug_is_cut_at_a_word_and_a_first_word_over_the_limit_is_cut_not_dropped(
    first: str, rest: str
) -> None:
    slug = slugify(f"{first} {rest}")
    whole_first_word = slugify(first)
    assert slug.startswith(whole_first_word[:80])
    assert len(slug) <= 80


def test_long_german_compounds_keep_their_start() -> None:
    title = (
        "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnungsänderungsgesetzesentwurf 2024"
    )
    slug = slugify(title)
    assert slug == "grundstuecksverkehrsgenehmigungszustaendigkeitsuebertragungsverordnungsaenderung"
    assert len(slug) == 80


def test_unique_slug_counts_up_past_taken_ones() -> None:
    assert unique_slug("konferenz", []) == "konferenz"
    assert unique_slug("konferenz", ["konferenz"]) == "konferenz-2"
    assert unique_slug("konferenz", ["konferenz", "konferenz-2"]) == "konferenz-3"
