"""The fast ``wordwrap`` filter gives exactly what Jinja's own filter (textwrap) gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment
from jinja2.filters import do_wordwrap

from publisher.render.templating import make_environment
from publisher.render.wordwrap import wordwrap, wrap_paragraph
from tests.digest.fixtures import make_project

ENV = Environment()
# Words, hyphens (textwrap splits after some of them), em-dashes, runs of spaces, tabs, line breaks
# of every kind, and Unicode spaces (textwrap's str.strip() counts them as whitespace, its regex not).
PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x85", "\u2028", "\u00a0", "\u2009", "\u3000", "-", "--", "–",
     "a", "Wort", "E-Mail", "Nord-Süd-Achse", "-b", "a-b-c", "x" * 15, "„Zitat“", "2024-05-14", ".", ","]
)  # fmt: skip
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=50).map("".join)


@given(TEXT, st.integers(min_value=1, max_value=30), st.booleans())
def test_wordwrap_without_breaking_long_words_is_jinjas(text: str, width: int, hyphens: bool) -> None:
    expected = do_wordwrap(ENV, text, width, False, None, hyphens)
    assert wordwrap(ENV, text, width, False, None, hyphens) == expected


@given(TEXT, st.integers(min_value=1, max_value=30))
def test_wordwrap_with_its_defaults_is_jinjas(text: str, width: int) -> None:
    assert wordwrap(ENV, text, width) == do_wordwrap(ENV, text, width)
    assert wordwrap(ENV, text, width, True, "<br>") == do_wordwrap(ENV, text, width, True, "<br>")


def test_long_words_get_lines_of_their_own_and_whitespace_goes_at_the_breaks() -> None:
    text = "Die Donaudampfschifffahrtsgesellschaft   lädt ein.   "
    assert wrap_paragraph(text, 12) == ["Die", "Donaudampfschifffahrtsgesellschaft", "lädt ein."]
    assert wrap_paragraph("   eingerückt", 20) == ["   eingerückt"]
    assert wrap_paragraph("    ", 2) == []


def test_a_width_below_one_is_refused_like_textwrap() -> None:
    with pytest.raises(ValueError):
        wrap_paragraph("text", 0)


def test_the_environment_uses_it(tmp_path: Path) -> None:
    env = make_environment(make_project(tmp_path))
    assert env.filters["wordwrap"] is wordwrap
    text = "Ein Satz mit E-Mail-Adressen und Bindestrich-Wörtern, der zu lang für eine Zeile ist. " * 3
    rendered = env.from_string("{{ text|wordwrap(40, false) }}").render(text=text)
    assert rendered == do_wordwrap(ENV, text, 40, False)
    assert max(len(line) for line in rendered.splitlines()) <= 40
