"""Front matter of other generators read as they mean it (publisher.content.generators, loaders)."""

from __future__ import annotations

import pytest

from publisher.content.generators import translate
from publisher.content.loaders import parse_entry

BASE = "https://news.example.org/"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"author": "Jana Weiß"}, {"authors": ["Jana Weiß"]}),
        ({"authors": ["A"], "author": "B"}, {"authors": ["A", "B"]}),
        (
            {"tags": "Energie, Klima", "categories": "news cluster"},
            {"tags": ["Energie", "Klima", "news", "cluster"]},
        ),
        ({"category": "Technik"}, {"tags": ["Technik"]}),
        ({"description": "Kurz."}, {"summary": "Kurz."}),
        ({"summary": "Eigene.", "excerpt": "Andere."}, {"summary": "Eigene."}),
        ({"featured_image": "/m/a.jpg"}, {"image": "/m/a.jpg"}),
        ({"cover": {"image": "/m/b.jpg", "alt": "B"}}, {"image": {"url": "/m/b.jpg", "alt": "B"}}),
        ({"images": ["/m/c.jpg", "/m/d.jpg"]}, {"image": "/m/c.jpg"}),
        ({"permalink": "/news/x.html", "aliases": ["/a/"]}, {"aliases": ["/news/x.html", "/a/"]}),
        ({"permalink": "/:categories/:year/:title.html"}, {}),
        ({"permalink": False}, {}),
        ({"link": "https://www.example.com/bericht"}, {"source": "https://www.example.com/bericht"}),
        ({"link": "https://news.example.org/alt.html"}, {"aliases": ["https://news.example.org/alt.html"]}),
        ({"lastmod": "2024-05-15"}, {"updated": "2024-05-15"}),
        ({"publishDate": "2024-05-14"}, {"date": "2024-05-14"}),
        ({"language": "en"}, {"lang": "en"}),
        ({"published": False}, {"draft": True}),
        ({"status": "draft"}, {"draft": True}),
        ({"layout": "post", "comments": True, "weight": 3, "eleventyNavigation": {"key": "x"}}, {}),
        ({"autor": "Tippfehler"}, {"autor": "Tippfehler"}),  # a typo stays, and is warned about
    ],
)
def test_keys_of_other_generators_become_publishers(
    meta: dict[str, object], expected: dict[str, object]
) -> None:
    assert translate(meta, BASE) == expected


def test_hugo_toml_front_matter_is_read_with_its_lines() -> None:
    source, problems = parse_entry(b'+++\ntitle = "Hallo"\ndate = 2024-05-14\n+++\n\nText.\n', "a.md")
    assert problems == [] and source is not None
    assert (source.metadata["title"], str(source.metadata["date"])) == ("Hallo", "2024-05-14")
    assert (source.field_lines, source.body, source.body_line) == ({"title": 2, "date": 3}, "Text.", 5)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (b'+++\ntitle = "Hallo"\n\nText.\n', "the front matter has no closing +++ line", 1),
        (b"+++\ntitle = Hallo\n+++\nText.\n", "the front matter is not valid TOML", 2),
        (b"Title: A\nTitle: B\n\nText.\n", "the key 'title' is given twice (first on line 1)", 2),
    ],
)
def test_broken_toml_or_pelican_front_matter_is_named_with_its_line(
    text: bytes, message: str, line: int
) -> None:
    source, problems = parse_entry(text, "a.md")
    assert source is None and problems[0].message.startswith(message) and problems[0].line == line


def test_pelican_metadata_is_read_as_lower_case_keys_with_lists() -> None:
    source, _ = parse_entry(b"Title: Hallo\nDate: 2024-05-14 10:20\nTags: a, b\n\nDer Text.\n", "p.md")
    assert source is not None
    assert source.metadata == {"title": "Hallo", "date": "2024-05-14 10:20", "tags": ["a", "b"]}
    assert (source.body, source.body_line) == ("Der Text.", 5)
