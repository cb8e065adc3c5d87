"""Web archive pages: escaping, relative links, feed autodiscovery, paging, determinism, template errors."""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from publisher.build.pipeline import build
from publisher.config import LegalSettings, Settings, SubscribeSettings
from publisher.errors import PublisherError
from publisher.model import Author, Entry, Image
from publisher.render.archive import (
    entry_page,
    list_pages,
    numbered_page_count,
    page_slices,
    stylesheet,
    tag_counts,
    tags_page,
)
from publisher.render.links import canonical_url, local_content, local_url, relative_href
from publisher.render.templating import make_environment
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of
from tests.render.fixtures import (
    BASE_URL,
    BERLIN,
    CONTENT_HTML,
    ENGLISH,
    KOELN,
    UMWELT,
    english_entry,
    full_entry,
    lightweight,
    make_entry,
    make_settings,
    many_entries,
    render_archive,
)

REPO = Path(__file__).resolve().parents[2]

GOLDEN = Path(__file__).parent / "golden" / "archive"
FEEDS = (
    ("application/rss+xml", "rss.xml"),
    ("application/atom+xml", "atom.xml"),
    ("application/feed+json", "feed.json"),
)


@pytest.fixture
def site(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def parse(data: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(data.decode("utf-8"))


def small_site() -> list[Entry]:
    """Seven entries, newest first: one with every field, one in English, five plain ones."""
    return [full_entry(), english_entry(6), *many_entries(5)]


# --- escaping -------------------------------------------------------------------------------------


def test_entry_title_is_escaped_exactly_once(site: Settings) -> None:
    entry = full_entry()
    html = entry_page(entry, site, make_environment(site))
    doc = parse(html)
    assert doc.xpath("string(//h1)") == entry.title
    assert doc.xpath("string(//title)") == f"{entry.title} – {site.title}"
    assert doc.xpath("string(//meta[@name='description']/@content)") == entry.summary
    assert doc.xpath("string(//p[@class='entry-subtitle'])") == entry.subtitle
    assert doc.xpath("string(//figcaption)") == f"{entry.image.caption} Foto: {entry.image.credit}"
    text = html.decode()
    assert "„Grüße“ aus Köln: Äpfel &amp; &lt;Birnen&gt; für 5 &amp;lt; 6" in text
    assert "<Birnen>" not in text
    assert "&amp;amp;" not in text and "&amp;lt;Birnen" not in text


def test_list_and_tag_names_are_escaped_exactly_once(site: Settings) -> None:
    env = make_environment(site)
    entries = many_entries(3)
    index = parse(list_pages(entries, site, env, kind="index")["index.html"])
    assert index.xpath("//article//h2/a/text()") == [e.title for e in entries]
    assert index.xpath("string(//header//p[@class='site-title'])") == site.title
    tagged = parse(list_pages(entries, site, env, kind="tag", tag=UMWELT)["tags/umwelt-natur/index.html"])
    assert tagged.xpath("string(//h1)") == "Meldungen zum Thema „Umwelt & Natur“"
    tags = parse(tags_page([(UMWELT, 2), (KOELN, 1)], site, env))
    assert tags.xpath("//ul[@class='tag-index']/li/a/text()") == ["Umwelt & Natur", "Köln"]
    assert tags.xpath("//span[@class='count']/text()") == ["(2 Meldungen)", "(1 Meldung)"]


@hyp_settings(max_examples=60, deadline=None)
@given(st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40))
def test_any_title_round_trips_through_the_page(title: str) -> None:
    site = make_settings(Path("/nonexistent-project"))
    entry = make_entry(1, title=title, summary=title)
    doc = parse(entry_page(entry, site, make_environment(site)))
    assert doc.xpath("string(//h1)") == title
    [data] = doc.xpath("//script")  # only the schema.org data, which the title cannot end
    assert data.get("type") == "application/ld+json"
    assert json.loads(data.text)["headline"] == title


def test_script_in_title_stays_text(site: Settings) -> None:
    entry = make_entry(1, title="<script>alert('x')</script>", summary="<img src=x onerror=alert(1)>")
    env = make_environment(site)
    for html in (entry_page(entry, site, env), list_pages([entry], site, env, kind="index")["index.html"]):
        doc = parse(html)
        assert not doc.xpath("//script[not(@type='application/ld+json')] | //@onerror")
        for data in doc.xpath("//script"):
            assert "<" not in data.text and json.loads(data.text)["headline"] == entry.title


def test_sanitised_content_passes_through_unchanged(site: Settings) -> None:
    html = entry_page(make_entry(1), site, make_environment(site)).decode()
    assert CONTENT_HTML in html


def test_list_pages_never_use_content_html(site: Settings) -> None:
    env = make_environment(site)
    entries = [make_entry(n, content_html=f"<p>INHALT-{n}</p>") for n in range(25, 0, -1)]
    full = list_pages(entries, site, env, kind="index")
    light = list_pages([lightweight(e) for e in entries], site, env, kind="index")
    assert full == light
    assert not any(b"INHALT-" in page for page in full.values())


# --- links ----------------------------------------------------------------------------------------


def internal_targets(path: str, html: bytes) -> list[str]:
    """Every site-internal href/src of a page, resolved to a site-relative path."""
    doc = parse(html)
    targets = []
    for link in doc.xpath("//a/@href | //link/@href | //img/@src"):
        if urlsplit(link).scheme or link.startswith("#"):
            continue
        assert not link.startswith("/"), f"{path}: root-absolute link {link} breaks file:// and base paths"
        targets.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), link)))
    return targets


def test_every_internal_link_points_to_a_rendered_file(site: Settings) -> None:
    site = replace(site, page_size=2)
    files = render_archive(small_site(), site, make_environment(site))
    assert {"index.html", "page/1.html", "page/2.html", "tags/index.html", "style.css"} <= files.keys()
    assert "page/3.html" not in files  # 7 entries, 2 per page: the front page holds 3
    assert "tags/koeln/page/2.html" in files
    checked = 0
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        for target in internal_targets(path, data):
            if target == "bilder/rhein.jpg":  # the entries' image: a media file, copied by the build
                continue
            assert target in files, f"{path}: link to {target} has no page"
            checked += 1
        for fragment in parse(data).xpath("//a[starts-with(@href, '#')]/@href"):
            assert parse(data).xpath(f"//*[@id='{fragment[1:]}']"), f"{path}: {fragment} has no target"
    assert checked > 50


def test_links_into_the_site_are_relative_on_pages_and_others_stay() -> None:
    base = "https://news.example.org/archiv/"
    assert local_url(base, "posts/a.html", f"{base}media/bild.png") == "../media/bild.png"
    assert local_url(base, "tags/koeln/page/2.html", f"{base}posts/b.html") == "../../../posts/b.html"
    assert local_url(base, "posts/a.html", f"{base}posts/a.html#teil-2") == "#teil-2"
    assert local_url(base, "posts/a.html", base) == "../index.html"
    assert local_url(base, "index.html", f"{base}#oben") == "index.html#oben"
    assert local_url(base, "posts/a.html", f"{base}tags/koeln/") == "../tags/koeln/index.html"
    assert local_url(base, "posts/a.html", f"{base}tags/?sort=neu") == "../tags/index.html?sort=neu"
    assert (
        local_url(base, "posts/a.html", "https://other.example/archiv/x.png")
        == "https://other.example/archiv/x.png"
    )
    assert local_url(base, "posts/a.html", "https://news.example.org/archivalien/x") == (
        "https://news.example.org/archivalien/x"
    )
    html = (
        f'<p><a href="{base}posts/b.html">B</a> <a href="{base}posts/a.html#teil">hier</a> '
        f'<img src="{base}media/x.png" alt="{base}media/x.png"> <a href="https://elsewhere.example/">x</a></p>'
    )
    assert local_content(html, base, "posts/a.html") == (
        '<p><a href="../posts/b.html">B</a> <a href="#teil">hier</a> '
        f'<img src="../media/x.png" alt="{base}media/x.png"> <a href="https://elsewhere.example/">x</a></p>'
    )
    code = (
        f'<pre><code>&lt;img src="{base}media/x.png"&gt; and &lt;a href="{base}posts/b.html"&gt;</code></pre>'
    )
    assert local_content(code, base, "posts/a.html") == code  # a code sample is text: as written


def test_relative_links_depend_on_depth() -> None:
    assert relative_href("index.html", "posts/a.html") == "posts/a.html"
    assert relative_href("posts/a.html", "tags/koeln/index.html") == "../tags/koeln/index.html"
    assert relative_href("tags/koeln/page/2.html", "index.html") == "../../../index.html"


def test_entry_page_links_to_its_tag_pages(site: Settings) -> None:
    doc = parse(entry_page(make_entry(1), site, make_environment(site)))
    assert doc.xpath("//ul[@class='tag-list']//a/@href") == [
        "../tags/umwelt-natur/index.html",
        "../tags/koeln/index.html",
    ]
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["../style.css"]


# --- head: autodiscovery, canonical, lang ---------------------------------------------------------


def alternates(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(link.get("type"), link.get("href")) for link in doc.xpath("//head/link[@rel='alternate']")]


def test_every_page_offers_the_site_feeds_with_absolute_urls(site: Settings) -> None:
    files = render_archive(small_site(), site, make_environment(site))
    site_feeds = [(mime, BASE_URL + name) for mime, name in FEEDS]
    # The site has German and English entries: each language's feeds are offered too.
    language_feeds = [(mime, f"{BASE_URL}{lang}/{name}") for lang in ("de", "en") for mime, name in FEEDS]
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        doc = parse(data)
        found = alternates(doc)
        assert found[:3] == site_feeds, path
        assert found[-6:] == language_feeds, path
        assert doc.xpath("//head/link[@hreflang]/@hreflang") == ["de"] * 3 + ["en"] * 3
        footer = doc.xpath("//footer[@class='site-footer']//a/@href")
        assert footer[-6:] == [u for _, u in language_feeds]
        if path.startswith("tags/") and path != "tags/index.html":
            slug = path.split("/")[1]
            assert found[3:-6] == [(mime, f"{BASE_URL}tags/{slug}/{name}") for mime, name in FEEDS]
            assert footer[:-6] == [f"{BASE_URL}tags/{slug}/{name}" for _, name in FEEDS] + [
                u for _, u in site_feeds
            ]
        else:
            assert len(found) == 9, path
            assert footer[:-6] == [u for _, u in site_feeds]
        titles = doc.xpath("//head/link[@rel='alternate']/@title")
        assert titles[0] == f"{site.title} (RSS)"
        (canonical,) = doc.xpath("//head/link[@rel='canonical']/@href")
        assert canonical.startswith(BASE_URL), path


def test_canonical_urls() -> None:
    site = make_settings(Path("/p"))
    assert canonical_url(site, "index.html") == BASE_URL
    assert canonical_url(site, "page/2.html") == f"{BASE_URL}page/2.html"
    assert canonical_url(site, "tags/koeln/index.html") == f"{BASE_URL}tags/koeln/"
    doc = parse(entry_page(make_entry(1), site, make_environment(site)))
    assert doc.xpath("//link[@rel='canonical']/@href") == [make_entry(1).url]


def test_language_follows_the_entry_and_the_site(site: Settings) -> None:
    env = make_environment(site)
    english = parse(entry_page(english_entry(3), site, env))
    assert english.get("lang") == "en"
    assert "Published March 30, 2024" in " ".join(english.xpath("string(//p[@class='entry-meta'])").split())
    assert english.xpath("string(//a[@class='skip-link'])") == "Skip to content"
    # The site's own German title and description keep their language on an English page.
    assert english.xpath("//p[@class='site-title']/@lang") == ["de"]
    assert english.xpath("//p[@class='site-description']/@lang") == ["de"]
    german = parse(entry_page(make_entry(3), site, env))
    assert german.get("lang") == "de"
    assert german.xpath("//p[@class='site-title']/@lang") == []
    assert "Veröffentlicht am 30. März 2024" in " ".join(
        german.xpath("string(//p[@class='entry-meta'])").split()
    )
    index = parse(list_pages([make_entry(4), english_entry(3)], site, env, kind="index")["index.html"])
    assert index.get("lang") == "de"
    assert [a.get("lang") for a in index.xpath("//article")] == [None, "en"]
    site_en = replace(site, language="en")
    assert parse(tags_page([], site_en, env)).get("lang") == "en"


# --- entry details --------------------------------------------------------------------------------


def test_entry_page_shows_authors_image_source_and_updated(site: Settings) -> None:
    entry = full_entry()
    doc = parse(entry_page(entry, site, make_environment(site)))
    meta = " ".join(doc.xpath("string(//p[@class='entry-meta'])").split())
    assert meta == "Veröffentlicht am 30. März 2024 · Von Erika Müller, Jörg Ähm"
    assert doc.xpath("//p[@class='entry-meta']/a/@href") == ["https://example.org/erika"]
    (img,) = doc.xpath("//figure[@class='entry-image']/img")
    assert entry.image.url == f"{site.base_url}bilder/rhein.jpg"
    assert (img.get("src"), img.get("alt"), img.get("width"), img.get("height")) == (
        "../bilder/rhein.jpg",  # relative, so the page shows it from file:// and any host
        entry.image.alt,
        "1200",
        "800",
    )
    assert doc.xpath("//p[@class='entry-source']/a/@href") == [entry.source_url]
    assert doc.xpath("string(//p[@class='entry-updated'])") == "Aktualisiert am 2. April 2024"
    assert doc.xpath("//p[@class='entry-updated']/time/@datetime") == ["2024-04-02T16:30:00+02:00"]


def test_author_names_and_links_are_escaped(site: Settings) -> None:
    tricky = Author('Eve <b>"Evil"</b> & Co', "", "https://example.org/eve?a=1&b=2")
    page = entry_page(make_entry(1, authors=(tricky,)), site, make_environment(site))
    escaped = b"Eve &lt;b&gt;&#34;Evil&#34;&lt;/b&gt; &amp; Co"
    assert b'href="https://example.org/eve?a=1&amp;b=2" rel="author">' + escaped + b"</a>" in page
    (link,) = parse(page).xpath("//p[@class='entry-meta']/a")
    assert (link.get("href"), link.text) == (tricky.url, tricky.name)


def test_optional_parts_are_left_out(site: Settings) -> None:
    env = make_environment(site)
    same_day = make_entry(1, updated=datetime(2024, 3, 30, 23, 0, tzinfo=BERLIN), tags=())
    doc = parse(entry_page(same_day, site, env))
    assert not doc.xpath(
        "//p[@class='entry-updated'] | //figure | //p[@class='entry-source'] | //ul[@class='tag-list']"
    )
    no_url = parse(entry_page(make_entry(1, image=Image(url="", alt="x")), site, env))
    assert not no_url.xpath("//img")
    no_size = parse(entry_page(make_entry(1, image=Image(url="https://x.example/a.png")), site, env))
    (img,) = no_size.xpath("//img")
    assert img.get("width") is None and img.get("height") is None and img.get("alt") == ""
    assert not no_size.xpath("//figcaption")


# --- paging ---------------------------------------------------------------------------------------


def pager_links(doc: lxml.html.HtmlElement) -> dict[str, str]:
    return {a.get("rel"): a.get("href") for a in doc.xpath("//nav[@class='pagination']/a")}


def test_65_entries_make_a_front_page_and_2_numbered_pages_counted_from_the_oldest(site: Settings) -> None:
    entries = many_entries(65)
    pages = list_pages(entries, site, make_environment(site), kind="index")
    assert list(pages) == ["index.html", "page/2.html", "page/1.html"]
    docs = {path: parse(data) for path, data in pages.items()}
    titles = [t for doc in docs.values() for t in doc.xpath("//article//h2/a/text()")]
    assert titles == [e.title for e in entries]  # newest first, each entry once
    assert [len(doc.xpath("//article")) for doc in docs.values()] == [25, 20, 20]
    assert docs["page/1.html"].xpath("//article//h2/a/text()")[-1] == entries[-1].title  # the oldest
    assert pager_links(docs["index.html"]) == {"next": "page/2.html"}
    assert pager_links(docs["page/2.html"]) == {"prev": "../index.html", "next": "../page/1.html"}
    assert pager_links(docs["page/1.html"]) == {"prev": "../page/2.html"}
    counts = [doc.xpath("string(//p[@class='page-count'])") for doc in docs.values()]
    assert counts == [
        "",
        "Seite 2 · 31. März 2024 – 1. April 2024",
        "Seite 1 · 30. März 2024 – 31. März 2024",
    ]
    assert docs["page/2.html"].xpath("string(//title)").startswith("Alle Meldungen – Seite 2 – ")
    assert docs["index.html"].xpath("string(//title)").startswith("Alle Meldungen – ")


def test_tag_pages_are_paged_under_the_tag(site: Settings) -> None:
    site = replace(site, page_size=2)
    pages = list_pages(many_entries(7), site, make_environment(site), kind="tag", tag=KOELN)
    assert list(pages) == ["tags/koeln/index.html", "tags/koeln/page/2.html", "tags/koeln/page/1.html"]
    doc = parse(pages["tags/koeln/page/2.html"])
    assert pager_links(doc) == {
        "prev": "../../../tags/koeln/index.html",
        "next": "../../../tags/koeln/page/1.html",
    }


def test_one_page_has_no_pager_and_the_front_page_takes_up_to_twice_the_page_size(site: Settings) -> None:
    env = make_environment(site)
    assert not parse(list_pages(many_entries(3), site, env, kind="index")["index.html"]).xpath(
        "//nav[@class='pagination']"
    )
    assert list(list_pages(many_entries(39), site, env, kind="index")) == ["index.html"]
    assert list(list_pages(many_entries(40), site, env, kind="index")) == ["index.html", "page/1.html"]


def test_a_new_entry_changes_only_the_front_page(site: Settings) -> None:
    """Numbered pages count from the oldest, so their URLs and bytes stay when entries are added."""
    site = replace(site, page_size=3)
    env = make_environment(site)
    before = list_pages(many_entries(10), site, env, kind="index")
    after = list_pages(many_entries(11), site, env, kind="index")
    assert sorted(before) == sorted(after) == ["index.html", "page/1.html", "page/2.html"]
    assert [p for p in after if after[p] != before[p]] == ["index.html"]
    grown = list_pages(many_entries(12), site, env, kind="index")  # a third numbered page appears
    assert [p for p in grown if grown.get(p) != after.get(p)] == ["index.html", "page/3.html", "page/2.html"]
    assert grown["page/1.html"] == before["page/1.html"]


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=60))
def test_page_slices_cover_every_entry_once_and_numbered_pages_stay_put(count: int, size: int) -> None:
    pages = page_slices(count, size)
    numbered = numbered_page_count(count, size)
    assert [number for number, _ in pages] == [0, *range(numbered, 0, -1)]
    covered = [i for _, part in pages for i in range(count)[part]]
    assert covered == list(range(count))
    lengths = [len(range(count)[part]) for _, part in pages]
    assert all(n == size for n in lengths[1:])
    assert lengths[0] == count if count < size else size <= lengths[0] < 2 * size
    # One more entry (the newest, at index 0): every numbered page keeps the same entries,
    # counted from the oldest, and at most one new page appears.
    grown = dict(page_slices(count + 1, size))
    for number, part in pages[1:]:
        old_ranks = [count - 1 - i for i in range(count)[part]]
        new_ranks = [count - i for i in range(count + 1)[grown[number]]]
        assert old_ranks == new_ranks
    assert numbered_page_count(count + 1, size) - numbered in (0, 1)


def test_empty_index_and_tags_say_there_is_nothing(site: Settings) -> None:
    env = make_environment(site)
    pages = list_pages([], site, env, kind="index")
    assert list(pages) == ["index.html"]
    assert parse(pages["index.html"]).xpath("string(//p[@class='empty'])") == "Noch keine Meldungen."
    assert parse(tags_page([], site, env)).xpath("string(//p[@class='empty'])") == "Noch keine Themen."


def test_bad_list_arguments_are_rejected(site: Settings) -> None:
    env = make_environment(site)
    with pytest.raises(ValueError, match="needs the tag"):
        list_pages([], site, env, kind="tag")
    with pytest.raises(ValueError, match="takes no tag"):
        list_pages([], site, env, kind="index", tag=KOELN)
    with pytest.raises(ValueError, match="kind must be"):
        list_pages([], site, env, kind="year")  # type: ignore[arg-type]


def test_render_archive_groups_entries_by_tag(site: Settings) -> None:
    entries = small_site()
    assert tag_counts(entries) == [(ENGLISH, 1), (KOELN, 6), (UMWELT, 4)]
    files = render_archive(entries, site, make_environment(site))
    english = parse(files["tags/english/index.html"])
    assert english.xpath("//article//h2/a/text()") == [english_entry(6).title]
    assert len(parse(files["tags/umwelt-natur/index.html"]).xpath("//article")) == 4


# --- determinism, templates -----------------------------------------------------------------------


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    first_site = make_settings(tmp_path / "a")
    second_site = make_settings(tmp_path / "b")
    first = render_archive(small_site(), first_site, make_environment(first_site))
    second = render_archive(list(reversed(small_site())), second_site, make_environment(second_site))
    assert first == second
    assert str(tmp_path).encode() not in b"".join(first.values())


def write_template(site: Settings, name: str, text: str) -> None:
    site.templates_dir.mkdir(parents=True, exist_ok=True)
    (site.templates_dir / name).write_text(text, encoding="utf-8")


def test_a_project_template_overrides_one_block(site: Settings) -> None:
    write_template(
        site,
        "entry.html.j2",
        '{% extends "base.html.j2" %}\n'
        '{% block content %}<h1 class="mine">{{ entry.title }}</h1>{% endblock %}\n',
    )
    write_template(site, "style.css", "body { color: red; }\n")
    env = make_environment(site)
    doc = parse(entry_page(make_entry(1), site, env))
    assert doc.xpath("string(//h1[@class='mine'])") == make_entry(1).title
    assert len(alternates(doc)) == 3  # the bundled base still provides the head
    assert stylesheet(env) == b"body { color: red; }\n"


def test_a_typo_in_a_project_template_names_the_template_and_line(site: Settings) -> None:
    write_template(
        site,
        "entry.html.j2",
        '{% extends "base.html.j2" %}\n{% block content %}\n<h1>{{ entry.titel }}</h1>\n{% endblock %}\n',
    )
    with pytest.raises(PublisherError) as caught:
        entry_page(make_entry(1), site, make_environment(site))
    (problem,) = caught.value.problems
    assert problem.path == str(site.templates_dir / "entry.html.j2")
    assert problem.line == 3
    assert "titel" in problem.message
    assert "entry.html.j2:3" in str(caught.value)


def test_a_syntax_error_names_the_template_and_line(site: Settings) -> None:
    write_template(site, "tags.html.j2", '{% extends "base.html.j2" %}\n{% block content %}\n{% if %}\n')
    with pytest.raises(PublisherError) as caught:
        tags_page([], site, make_environment(site))
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == (str(site.templates_dir / "tags.html.j2"), 3)


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_bundled_stylesheet_has_readable_colours_in_light_and_dark_mode(site: Settings) -> None:
    css = stylesheet(make_environment(site)).decode()
    schemes = re.findall(r":root \{([^}]*)\}", css)
    assert len(schemes) == 2 and "prefers-color-scheme: dark" in css  # light, then dark
    for scheme in schemes:
        colours = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6});", scheme))
        for text in ("fg", "muted", "link", "visited"):
            for background in ("bg", "panel"):
                assert contrast(colours[text], colours[background]) >= 4.5, (text, background, scheme)
        assert contrast(colours["focus"], colours["bg"]) >= 3
    assert "overflow-wrap: anywhere" in css


# --- golden files (regenerate with UPDATE_GOLDEN=1) -----------------------------------------------


def golden_pages(site: Settings) -> dict[str, bytes]:
    env = make_environment(site)
    paged = replace(site, page_size=2)
    return {
        "entry.html": entry_page(full_entry(), site, env),
        # page 2 of 9 entries (front page, pages 3, 2, 1): both pager links, an image, an English entry
        "index-page-2.html": list_pages(
            [*(make_entry(n) for n in range(12, 7, -1)), *small_site()[:2], *many_entries(5)[:2]],
            paged,
            env,
            kind="index",
        )["page/2.html"],
    }


@pytest.mark.parametrize("name", ["entry.html", "index-page-2.html"])
def test_golden(site: Settings, name: str) -> None:
    actual = golden_pages(site)[name]
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"{path} missing: run UPDATE_GOLDEN=1 python -m pytest tests/render/test_archive.py"
    assert actual == path.read_bytes(), f"{name} differs from {path}; if intended, rerun with UPDATE_GOLDEN=1"


def _project_with_template(make_project: MakeProject, name: str, text: str | bytes) -> Path:
    root = make_project({"a.md": entry("Eine Meldung", id="urn:uuid:a")})
    (root / "templates").mkdir()
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (root / "templates" / name).write_bytes(data)
    return root


def test_a_project_base_template_can_extend_the_bundled_one_under_its_bundled_name(
    make_project: MakeProject,
) -> None:
    root = _project_with_template(
        make_project,
        "base.html.j2",
        '{% extends "bundled/base.html.j2" %}\n{% block footer %}<p>Mein Footer</p>{% endblock %}\n',
    )
    build(settings_of(root))
    page = (root / "out" / "posts" / "eine-meldung.html").read_text(encoding="utf-8")
    assert "<p>Mein Footer</p>" in page and "feed-links" not in page
    assert '<h1 class="entry-title">Eine Meldung</h1>' in page


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("base.html.j2", '{# {% extends "base.html.j2" %} #}\n{% extends "base.html.j2" %}\n', 2, "bundled/"),
        (
            "entry.html.j2",
            b'{% extends "base.html.j2" %}\n{% block content %}caf\xe9{% endblock %}\n',
            2,
            "UTF-8",
        ),
        ("style.css", b"/* Schriftgr\xf6\xdfe */\n", 1, "UTF-8"),
    ],
)
def test_unusable_project_templates_are_refused_with_file_line_and_hint(
    make_project: MakeProject, name: str, text: str | bytes, line: int, words: str
) -> None:
    root = _project_with_template(make_project, name, text)
    with pytest.raises(PublisherError) as caught:
        build(settings_of(root))
    [problem] = caught.value.problems
    assert (Path(problem.path), problem.line) == (root / "templates" / name, line)
    assert words in problem.hint or words in problem.message
    assert not (root / "out").exists()


def test_a_failing_expression_in_a_page_template_names_the_file_and_line(make_project: MakeProject) -> None:
    text = (REPO / "templates" / "entry.html.j2").read_text(encoding="utf-8")
    broken = text.replace("{{ entry.title }}", "{{ entry.title + 1 }}", 1)
    root = _project_with_template(make_project, "entry.html.j2", broken)
    with pytest.raises(PublisherError) as caught:
        build(settings_of(root))
    [problem] = caught.value.problems
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "entry.title + 1" in x)) + 1
    assert (Path(problem.path), problem.line) == (root / "templates" / "entry.html.j2", line)
    assert problem.message.startswith("TypeError: can only concatenate str")
    assert not (root / "out").exists()


def test_a_missing_template_names_the_template_and_line_that_wants_it(make_project: MakeProject) -> None:
    root = _project_with_template(make_project, "entry.html.j2", '\n\n{% extends "basis.html.j2" %}\n')
    with pytest.raises(PublisherError) as caught:
        build(settings_of(root))
    [problem] = caught.value.problems
    assert (Path(problem.path), problem.line) == (root / "templates" / "entry.html.j2", 3)
    assert problem.message == "template 'basis.html.j2' not found"
    assert "extends, include or import" in problem.hint


def test_a_folder_named_like_a_template_is_refused(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eine Meldung", id="urn:uuid:a")})
    (root / "templates" / "entry.html.j2").mkdir(parents=True)
    with pytest.raises(PublisherError) as caught:
        build(settings_of(root))
    [problem] = caught.value.problems
    assert Path(problem.path) == root / "templates" / "entry.html.j2"
    assert problem.message.startswith("is a folder, not a template")


def test_a_project_folder_named_bundled_is_refused(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("Eine Meldung", id="urn:uuid:a")})
    (root / "templates" / "bundled").mkdir(parents=True)
    (root / "templates" / "bundled" / "base.html.j2").write_text("{% block content %}{% endblock %}\n")
    with pytest.raises(PublisherError) as caught:
        build(settings_of(root))
    [problem] = caught.value.problems
    assert Path(problem.path) == root / "templates" / "bundled"
    assert "never used" in problem.message


# --- what pages tell the sites they are shared on, and the footer --------------------------------


def test_an_entry_page_tells_open_graph_twitter_and_schema_org_what_it_is(site: Settings) -> None:
    entry = full_entry()
    doc = parse(entry_page(entry, site, make_environment(site)))
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    assert og["og:type"] == "article" and og["og:url"] == entry.url and og["og:locale"] == "de_DE"
    assert (og["og:title"], og["og:site_name"], og["og:description"]) == (
        entry.title,
        site.title,
        entry.summary,
    )
    assert entry.image is not None and og["og:image"] == entry.image.url
    assert (og["og:image:width"], og["og:image:height"], og["og:image:alt"]) == (
        "1200",
        "800",
        entry.image.alt,
    )
    assert og["article:published_time"] == entry.published.isoformat()
    twitter = {m.get("name"): m.get("content") for m in doc.xpath("//meta[starts-with(@name, 'twitter:')]")}
    assert twitter["twitter:card"] == "summary_large_image" and twitter["twitter:image"] == entry.image.url
    [script] = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert (data["@type"], data["headline"], data["url"]) == ("NewsArticle", entry.title, entry.url)
    assert data["datePublished"] == entry.published.isoformat()
    assert [a["name"] for a in data["author"]] == [a.name for a in entry.authors]
    assert data["image"][0]["url"] == entry.image.url and data["publisher"]["name"] == site.title


def test_list_pages_are_websites_with_the_logo_as_their_image(site: Settings) -> None:
    logo = replace(site, logo="media/logo.png")
    doc = parse(list_pages(many_entries(3), logo, make_environment(logo), kind="index")["index.html"])
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    assert og["og:type"] == "website" and og["og:image"] == BASE_URL + "media/logo.png"
    assert og["og:url"] == BASE_URL and "article:published_time" not in og
    assert doc.xpath("//meta[@name='twitter:card']/@content") == ["summary"]
    assert not doc.xpath("//script")


def test_the_footer_links_imprint_privacy_and_signup_when_configured(site: Settings) -> None:
    env = make_environment(site)
    plain = parse(list_pages(many_entries(2), site, env, kind="index")["index.html"])
    assert not plain.xpath("//nav[@class='legal-links']")
    assert not plain.xpath("//head/style") and not plain.xpath("//link[@rel='icon']")
    configured = replace(
        site,
        legal=LegalSettings(
            imprint_url="https://example.org/impressum", privacy_url="https://example.org/datenschutz"
        ),
        subscribe=SubscribeSettings(url="https://newsletter.example.org/anmelden"),
        accent_color="#0b52a8",
    )
    doc = parse(list_pages(many_entries(2), configured, env, kind="index")["index.html"])
    [nav] = doc.xpath("//footer//nav[@class='legal-links']")
    assert [(a.text, a.get("href")) for a in nav.iter("a")] == [
        ("Newsletter abonnieren", "https://newsletter.example.org/anmelden"),
        ("Impressum", "https://example.org/impressum"),
        ("Datenschutz", "https://example.org/datenschutz"),
    ]
    assert nav.get("aria-label") == "Rechtliches und Newsletter"
    assert doc.xpath("//head/style/text()") == [":root { --accent: #0b52a8; }"]
