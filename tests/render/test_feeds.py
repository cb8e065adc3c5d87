"""The feeds as clients see them: feedparser (RSS, Atom), RFC 4287's RELAX NG schema, a JSON Feed 1.1
schema, and the checks the W3C Feed Validation Service makes (self links, RFC 822 dates, absolute URLs,
guid isPermaLink, plain-text titles, feed-level updated = newest entry)."""

from __future__ import annotations

import calendar
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from publisher.build.pipeline import build
from publisher.config import Settings, load_settings
from publisher.content.load import load_entries
from publisher.content.loaders import SourceEntry
from publisher.content.normalise import NormaliseContext, normalise
from publisher.model import Entry, Feed, FeedMeta
from publisher.render.feeds import content_with_image, render_atom, render_json, render_rss
from tests.conftest import DATA, SAMPLE_ENTRIES
from tests.helpers import SAMPLE_CONFIG

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RNG = etree.RelaxNG(file=str(DATA / "schemas" / "atom.rng"))
CONTEXT = NormaliseContext("https://news.example.org/", "Europe/Berlin", "de")
JSON_SCHEMA = json.loads((DATA / "schemas" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Built:
    settings: Settings
    entries: tuple[Entry, ...]  # newest first, with content

    @property
    def out(self) -> Path:
        return self.settings.out_dir

    def feeds(self) -> Iterator[tuple[str, tuple[Entry, ...]]]:
        """Every feed folder prefix in out/ with the entries it must hold, newest first."""
        prefixes = sorted({p.parent.relative_to(self.out).as_posix() for p in self.out.rglob("atom.xml")})
        assert len(prefixes) > 3, prefixes
        for prefix in prefixes:
            if prefix == ".":
                chosen = self.entries
            elif prefix.startswith("tags/"):
                chosen = tuple(e for e in self.entries if prefix[5:] in {t.slug for t in e.tags})
            else:
                chosen = tuple(e for e in self.entries if e.lang == prefix)
            yield ("" if prefix == "." else prefix + "/"), chosen[: self.settings.feed_limit]


def build_sample(root: Path, config: str = SAMPLE_CONFIG) -> Built:
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    (root / "publisher.toml").write_text(config, encoding="utf-8")
    settings = load_settings(root / "publisher.toml")
    report = build(settings)
    assert not report.errors, report.errors
    entries, _ = load_entries(settings)
    return Built(settings, entries)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("feeds"))


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    return parsed


def test_the_sample_has_what_the_checks_need(built: Built) -> None:
    titles = " ".join(e.title for e in built.entries)
    for tricky in ("ü", "„", "“", "&", "<"):
        assert tricky in titles
    assert {e.lang for e in built.entries} == {"de", "en"}
    assert any(e.image for e in built.entries) and any(not e.authors for e in built.entries)
    assert all(e.id.startswith("urn:uuid:") for e in built.entries)
    assert not any("Entwurf" in e.title for e in built.entries)  # the draft


@pytest.mark.parametrize("kind", ["rss.xml", "atom.xml"])
def test_feedparser_sees_the_model(built: Built, kind: str) -> None:
    for prefix, entries in built.feeds():
        parsed = parse(built.out / prefix / kind)
        assert parsed.version == ("rss20" if kind == "rss.xml" else "atom10")
        assert [i.id for i in parsed.entries] == [e.id for e in entries], prefix
        for item, e in zip(parsed.entries, entries, strict=True):
            assert item.title == e.title
            assert item.link == e.url
            assert calendar.timegm(item.published_parsed) == int(e.published.timestamp())
            assert [t.term for t in item.tags] == [t.name for t in e.tags]
            assert [a.get("name") for a in item.get("authors", [])] == [a.name for a in e.authors]
            assert item.summary == e.summary
            if kind == "atom.xml":
                assert item.published == e.published.isoformat()  # the offset as written
                assert item.updated == e.updated.isoformat()
            else:
                assert item.published == format_datetime(e.published)
            if e.image:
                [enclosure] = item.enclosures
                assert enclosure.href == e.image.url and enclosure.type == e.image.mime_type


def test_content_is_the_sanitised_html(built: Built) -> None:
    """Compared in the raw XML: feedparser re-serialises HTML (attribute order, <img />)."""
    for prefix, entries in built.feeds():
        rss = etree.parse(str(built.out / prefix / "rss.xml")).getroot()
        encoded = [i.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") for i in rss.iter("item")]
        assert encoded == [content_with_image(e) for e in entries]
        atom = etree.parse(str(built.out / prefix / "atom.xml")).getroot()
        contents = atom.findall(f"{ATOM}entry/{ATOM}content")
        assert [c.text for c in contents] == [content_with_image(e) for e in entries]
        assert {c.get("type") for c in contents} <= {"html"}


def test_atom_entry_links_keep_rel_and_type(built: Built) -> None:
    """One alternate link per entry (RFC 4287 4.1.1), the source as related, the image as enclosure."""
    atom = etree.parse(str(built.out / "atom.xml")).getroot()
    for element, e in zip(atom.iter(f"{ATOM}entry"), built.entries, strict=True):
        links = [
            (link.get("rel"), link.get("href"), link.get("type")) for link in element.findall(f"{ATOM}link")
        ]
        expected = [("alternate", e.url, "text/html")]
        if e.source_url:
            expected.append(("related", e.source_url, "text/html"))
        if e.image:
            expected.append(("enclosure", e.image.url, e.image.mime_type))
        assert links == expected


def test_feed_json_matches_the_schema_and_the_model(built: Built) -> None:
    for prefix, entries in built.feeds():
        document = json.loads((built.out / prefix / "feed.json").read_bytes())
        jsonschema.validate(document, JSON_SCHEMA)
        assert document["feed_url"] == built.settings.url(prefix + "feed.json")
        assert [i["id"] for i in document["items"]] == [e.id for e in entries]
        for item, e in zip(document["items"], entries, strict=True):
            assert item["title"] == e.title
            assert item["url"] == e.url
            # Timestamps, not ==: Python never finds an ambiguous local time (the Winterzeit entry)
            # equal to a time in another zone (PEP 495).
            assert datetime.fromisoformat(item["date_published"]).timestamp() == e.published.timestamp()
            assert item["date_published"] == e.published.isoformat()
            assert item["date_modified"] == e.updated.isoformat()
            assert item["content_html"] == content_with_image(e)
            assert item.get("tags", []) == [t.name for t in e.tags]
            assert item["language"] == e.lang
            assert item.get("image") == (e.image.url if e.image else None)


def test_the_schema_catches_a_broken_json_feed() -> None:
    good = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "items": [{"id": "1", "content_text": "x"}],
    }
    jsonschema.validate(good, JSON_SCHEMA)
    for broken in (
        {k: v for k, v in good.items() if k != "items"},
        {**good, "items": [{"content_text": "x"}]},
        {**good, "items": [{"id": "1"}]},
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "14.05.2024"}]},
        {**good, "feed_url": "feed.json"},
        {**good, "autor": "x"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, JSON_SCHEMA)


def test_atom_validates_against_rfc4287_relax_ng(built: Built) -> None:
    for prefix, _ in built.feeds():
        document = etree.parse(str(built.out / prefix / "atom.xml"))
        assert RNG.validate(document), (prefix, RNG.error_log)


def test_atom_has_an_author_for_every_entry(make_project) -> None:
    """RFC 4287 4.1.1: a feed without atom:author needs one in every entry (the schema cannot see this)."""
    for config in (SAMPLE_CONFIG, 'title = "Ohne Autor"\nbase_url = "https://news.example.org/"\n'):
        root = make_project(sample=True, config=config)
        settings = load_settings(root / "publisher.toml")
        assert not build(settings).errors
        for path in settings.out_dir.rglob("atom.xml"):
            feed = etree.parse(str(path)).getroot()
            if feed.find(f"{ATOM}author") is None:
                for entry in feed.iter(f"{ATOM}entry"):
                    assert entry.find(f"{ATOM}author") is not None, path


def test_self_links_are_absolute_with_type(built: Built) -> None:
    for prefix, _ in built.feeds():
        for kind, mime in (("rss.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml")):
            root = etree.parse(str(built.out / prefix / kind)).getroot()
            selfs = [link for link in root.iter(f"{ATOM}link") if link.get("rel") == "self"]
            assert len(selfs) == 1, (prefix, kind)
            assert selfs[0].get("href") == built.settings.url(prefix + kind)
            assert selfs[0].get("type") == mime
            alternates = [link for link in root.iter(f"{ATOM}link") if link.get("rel") == "alternate"]
            assert all(urlsplit(a.get("href")).scheme == "https" for a in alternates)


def test_rss_dates_are_rfc822_and_guids_are_not_permalinks(built: Built) -> None:
    for prefix, entries in built.feeds():
        channel = etree.parse(str(built.out / prefix / "rss.xml")).getroot().find("channel")
        dates = [el.text for el in channel.iter("pubDate", "lastBuildDate")]
        assert len(dates) == len(entries) + 1
        for text in dates:
            assert RFC822.match(text), text
            assert parsedate_to_datetime(text).utcoffset() is not None
        guids = channel.findall("item/guid")
        assert [g.text for g in guids] == [e.id for e in entries]
        assert all(g.get("isPermaLink") == "false" for g in guids)
        languages = {e.lang for e in entries}
        assert channel.findtext("language") == (languages.pop() if len(languages) == 1 else "de")


def test_dates_carry_the_offset_of_the_site_zone(built: Built) -> None:
    by_title = {e.title.split(" ")[0]: e for e in built.entries}
    assert by_title["„Sommerzeit“"].published.isoformat() == "2024-03-31T03:30:00+02:00"
    assert by_title["Winterzeit"].published.isoformat() == "2024-10-27T02:30:00+02:00"
    assert by_title["Förderaufruf"].published.isoformat() == "2024-05-14T00:00:00+02:00"
    assert by_title["Jahresrückblick"].published.isoformat() == "2023-12-18T18:00:00+01:00"
    rss = (built.out / "rss.xml").read_text(encoding="utf-8")
    assert "<pubDate>Sun, 31 Mar 2024 03:30:00 +0200</pubDate>" in rss
    assert "<pubDate>Sun, 27 Oct 2024 02:30:00 +0200</pubDate>" in rss


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [
            v for k, v in attrs if k in ("href", "src", "cite", "srcset", "poster") and v is not None
        ]


def html_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.urls


def xml_urls(data: bytes) -> list[str]:
    """URL attributes, URL-valued elements, and the URLs inside any embedded HTML."""
    urls = []
    for el in etree.fromstring(data).iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el)
        urls += [v for k, v in el.attrib.items() if etree.QName(k).localname in ("href", "src", "url", "uri")]
        if name.localname in ("link", "docs", "uri") and (el.text or "").strip():
            urls.append(el.text.strip())
        if name.localname == "guid" and el.get("isPermaLink", "true") == "true":
            urls.append(el.text)
        if name.localname in ("encoded", "description", "content", "summary", "subtitle") and el.text:
            urls += html_urls(el.text)
    return urls


def json_urls(value: object, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [u for k, v in value.items() for u in json_urls(v, k)]
    if isinstance(value, list):
        return [u for v in value for u in json_urls(v, key)]
    if key == "content_html":
        return html_urls(value)
    if key.endswith("url") or key in ("image", "banner_image", "avatar", "icon", "favicon"):
        return [value]
    return []


def test_no_relative_urls_anywhere(built: Built) -> None:
    checked = 0
    for prefix, _ in built.feeds():
        for kind in ("rss.xml", "atom.xml", "feed.json"):
            data = (built.out / prefix / kind).read_bytes()
            urls = json_urls(json.loads(data)) if kind == "feed.json" else xml_urls(data)
            for url in urls:
                parts = urlsplit(url)
                assert parts.scheme in ("http", "https", "mailto"), (prefix, kind, url)
                assert parts.netloc or parts.scheme == "mailto", (prefix, kind, url)
                assert "/../" not in parts.path, url
            checked += len(urls)
    assert checked > 100
    # The sample's relative links really were there and were made absolute:
    rss = (built.out / "rss.xml").read_text(encoding="utf-8")
    for url in ("media/valleys-map.png", "downloads/slides.pdf", "tags/zeitumstellung/"):
        assert f'"https://news.example.org/{url}"' in rss


def test_titles_are_plain_text(built: Built) -> None:
    for prefix, entries in built.feeds():
        expected = [e.title for e in entries]
        for kind in ("rss.xml", "atom.xml"):
            root = etree.parse(str(built.out / prefix / kind)).getroot()
            items = root.findall("channel/item") if kind == "rss.xml" else root.findall(f"{ATOM}entry")
            titles = [item.find("title" if kind == "rss.xml" else f"{ATOM}title") for item in items]
            assert [len(t) for t in titles] == [0] * len(titles)  # no child elements
            assert [t.text for t in titles] == expected
            assert all(t.get("type") in (None, "text") for t in titles)
    assert "&lt;grids&gt;" in (built.out / "atom.xml").read_text(encoding="utf-8")


def test_feed_updated_is_the_newest_entry_update(built: Built) -> None:
    for prefix, entries in built.feeds():
        newest = max(e.updated for e in entries)
        atom = etree.parse(str(built.out / prefix / "atom.xml")).getroot()
        assert atom.findtext(f"{ATOM}updated") == newest.isoformat(), prefix
        rss = etree.parse(str(built.out / prefix / "rss.xml")).getroot()
        last_build = parsedate_to_datetime(rss.findtext("channel/lastBuildDate"))
        assert last_build.timestamp() == newest.timestamp(), prefix
    # In the survey's tag feed the newest *update* is later than the newest publication date,
    # so the check above really is about 'updated'.
    survey = [e for e in built.entries if "survey" in {t.slug for t in e.tags}]
    assert max(e.updated for e in survey) > max(e.published for e in survey)


def test_languages(built: Built) -> None:
    assert (
        etree.parse(str(built.out / "atom.xml")).getroot().get("{http://www.w3.org/XML/1998/namespace}lang")
        == "de"
    )
    en = etree.parse(str(built.out / "en" / "atom.xml")).getroot()
    assert en.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert json.loads((built.out / "en" / "feed.json").read_bytes())["language"] == "en"
    assert etree.parse(str(built.out / "en" / "rss.xml")).getroot().findtext("channel/language") == "en"


def test_feed_limit(built: Built) -> None:
    meta = FeedMeta("T", "", "https://news.example.org/", "https://news.example.org/", "de", None, "x", "")
    two = Feed(meta, built.entries[:2])
    for render in (render_rss, render_atom):
        assert [i.id for i in feedparser.parse(render(two)).entries] == [e.id for e in built.entries[:2]]
    assert len(json.loads(render_json(two))["items"]) == 2


def test_feed_limit_in_the_build(make_project) -> None:
    root = make_project(sample=True, extra="feed_limit = 2\n")
    settings = load_settings(root / "publisher.toml")
    build(settings)
    entries, _ = load_entries(settings)
    assert [i.id for i in parse(settings.out_dir / "rss.xml").entries] == [e.id for e in entries[:2]]
    assert len(json.loads((settings.out_dir / "feed.json").read_bytes())["items"]) == 2


def test_an_empty_feed_is_valid_and_stable() -> None:
    meta = FeedMeta("Leer", "", "https://news.example.org/", "https://news.example.org/", "de", None, "x", "")
    feed = Feed(meta, ())
    assert render_atom(feed) == render_atom(feed) and render_rss(feed) == render_rss(feed)
    assert feedparser.parse(render_rss(feed)).bozo == 0
    assert RNG.validate(etree.fromstring(render_atom(feed)).getroottree()), RNG.error_log
    jsonschema.validate(json.loads(render_json(feed)), JSON_SCHEMA)


def test_rendering_twice_gives_the_same_bytes(built: Built) -> None:
    meta = FeedMeta("T", "", "https://news.example.org/", "https://news.example.org/", "de", None, "x", "")
    feed = Feed(meta, built.entries)
    for render in (render_rss, render_atom, render_json):
        assert render(feed) == render(replace(feed))


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


def _looks_double_encoded(text: str) -> bool:
    for codec in ("cp1252", "latin-1"):
        try:
            if text.encode(codec).decode("utf-8") != text:
                return True
        except UnicodeError:
            continue
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=TEXT,
    summary=st.one_of(st.none(), TEXT),
    tags=st.lists(TEXT, max_size=3),
    authors=st.lists(TEXT, max_size=2),
    body=st.text(max_size=80),
)
def test_any_entry_gives_feeds_that_clients_read(
    title: str, summary: str | None, tags: list[str], authors: list[str], body: str
) -> None:
    meta = {"title": title, "date": "2024-05-14 09:30", "id": "urn:uuid:x", "tags": tags, "authors": authors}
    if summary is not None:
        meta["summary"] = summary
    lines = {key: n for n, key in enumerate(meta, start=2)}
    result = normalise(SourceEntry("entries/x.md", meta, body + "\nText", 9, lines), CONTEXT)
    if result.entry is None:
        assert any(p.is_error for p in result.problems)
        return
    feed = Feed(FeedMeta("T", "", CONTEXT.base_url, CONTEXT.base_url, "de", None, "f", ""), (result.entry,))
    rss, atom = feedparser.parse(render_rss(feed)), feedparser.parse(render_atom(feed))
    assert rss.bozo == 0 and atom.bozo == 0
    # Our bytes always carry the exact title (lxml reads it back); feedparser alone "repairs" text
    # that looks like double-encoded UTF-8 ("Ã©" -> "é"), so it is compared only for other titles.
    assert (
        etree.fromstring(render_atom(feed)).findtext(
            "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title"
        )
        == result.entry.title
    )
    if not _looks_double_encoded(result.entry.title):
        assert atom.entries[0].title == result.entry.title
    assert RNG.validate(etree.fromstring(render_atom(feed)).getroottree()), RNG.error_log
    jsonschema.validate(json.loads(render_json(feed)), JSON_SCHEMA)


AUTHOR_URLS = st.one_of(
    st.sampled_from(
        ["", "https://example.org/e?a=1&b=<2>", "http://b.example", "javascript:alert(5)", "www.example.org"]
    ),
    TEXT,
)
AUTHOR_EMAILS = st.one_of(st.sampled_from(["", "eve@example.org", "mailto:eve@example.org", "eve"]), TEXT)


@settings(max_examples=60, deadline=None)
@given(name=TEXT, url=AUTHOR_URLS, email=AUTHOR_EMAILS)
def test_an_author_from_front_matter_gives_valid_feeds_or_an_error(name: str, url: str, email: str) -> None:
    """Whatever an editor writes as an author's url and email: valid feeds, or an error in check."""
    meta = {"title": "T", "date": "2024-05-14 09:30", "id": "urn:uuid:x"}
    meta["authors"] = [{"name": name, "url": url, "email": email}]
    lines = {key: n for n, key in enumerate(meta, start=2)}
    result = normalise(SourceEntry("entries/x.md", meta, "Text", 7, lines), CONTEXT)
    if result.entry is None:
        assert any(p.is_error and p.field == "authors" and p.line == 5 for p in result.problems)
        return
    [author] = result.entry.authors
    assert urlsplit(author.url).scheme in ("", "http", "https")
    feed = Feed(FeedMeta("T", "", CONTEXT.base_url, CONTEXT.base_url, "de", None, "f", ""), (result.entry,))
    assert RNG.validate(etree.fromstring(render_atom(feed)).getroottree()), RNG.error_log
    jsonschema.validate(json.loads(render_json(feed)), JSON_SCHEMA)
    atom = feedparser.parse(render_atom(feed))
    assert atom.bozo == 0
    assert atom.entries[0].authors[0].get("href", "") == author.url
