"""What feed readers look for, in the files a build writes: the summary as text readers take for
HTML, URLs that are URIs, each entry's language, the lead image everywhere a reader may look
(Miniflux: media:thumbnail, enclosure, media:content; FreshRSS: thumbnail, enclosure, first <img>;
Mailchimp: media:content), the site's logo, and feeds with summaries only."""

from __future__ import annotations

import json
import struct
import zlib
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema
from lxml import etree
from lxml import html as lxml_html

from publisher.build.pipeline import BuildReport, build
from publisher.config import load_settings
from tests.conftest import DATA, MakeProject
from tests.helpers import entry

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RNG = etree.RelaxNG(file=str(DATA / "schemas" / "atom.rng"))
JSON_SCHEMA = json.loads((DATA / "schemas" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
BASE = "https://news.example.org/"


def png(width: int, height: int) -> bytes:
    """A real PNG file of that size (one colour)."""
    raw = b"".join(b"\x00" + b"\x2a\x6f\x97" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def built(root: Path) -> BuildReport:
    report = build(load_settings(root / "publisher.toml"))
    assert not report.errors, [str(p) for p in report.errors]
    return report


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def as_html(fragment: str) -> _Elements:
    """What a reader sees when it takes ``fragment`` as HTML: its elements and its text."""
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


HOSTILE = {
    "fe.md": entry(
        "Forschung",
        "2024-05-14",
        id="fe",
        summary="F&E-Verbund: Kosten < 20 % & <script>alert(1)</script> „Zitat“",
    ),
    "img.md": entry(
        "Aus dem Text",
        "2024-05-15",
        id="img",
        body="&lt;img src=x onerror=alert(1)&gt; steht so im Text, R&amp;D &amp;amp; mehr.",
    ),
}


def test_rss_descriptions_reach_readers_as_the_summary_text(make_project: MakeProject) -> None:
    """Readers take an RSS description as HTML: the summary must be escaped for HTML, then XML."""
    root = make_project(HOSTILE)
    built(root)
    channel = etree.parse(str(root / "out" / "rss.xml")).getroot().find("channel")
    summaries = {item.findtext("title"): item.findtext("description") for item in channel.iterfind("item")}
    expected = {
        "Forschung": "F&E-Verbund: Kosten < 20 % & <script>alert(1)</script> „Zitat“",
        "Aus dem Text": "<img src=x onerror=alert(1)> steht so im Text, R&D &amp; mehr.",
    }
    for title, description in summaries.items():
        seen = as_html(description)
        assert seen.tags == [], f"{title}: a reader would run markup {seen.tags}"
        assert seen.text == expected[title]
        assert unescape(description) == expected[title]
    assert feedparser.parse((root / "out" / "rss.xml").read_bytes()).bozo == 0
    # Atom says its summary is HTML, and it is the same escaped text; JSON Feed's is plain text.
    atom = etree.parse(str(root / "out" / "atom.xml")).getroot()
    for element in atom.iterfind(f"{ATOM}entry"):
        summary = element.find(f"{ATOM}summary")
        assert summary is not None and summary.get("type") == "html"
        seen = as_html(summary.text)
        assert seen.tags == [] and seen.text == expected[element.findtext(f"{ATOM}title")]
    items = json.loads((root / "out" / "feed.json").read_bytes())["items"]
    assert {item["title"]: item["summary"] for item in items} == expected


def test_urls_with_spaces_and_umlauts_are_percent_encoded(make_project: MakeProject) -> None:
    picture = png(64, 48)
    root = make_project(
        {
            "a.md": entry(
                "Konferenz",
                "2024-05-14",
                id="a",
                image={"url": "media/Foto Konferenz.png", "alt": "Saal"},
                body="Das [Programm](<downloads/Programm Köln 2024.pdf>) liegt bei.",
            ),
            "media/Foto Konferenz.png": picture,
            "downloads/Programm Köln 2024.pdf": b"%PDF-1.4\n%%EOF\n",
        }
    )
    report = built(root)
    assert not report.warnings  # both files are published, under their own names
    image = BASE + "media/Foto%20Konferenz.png"
    program = BASE + "downloads/Programm%20K%C3%B6ln%202024.pdf"
    out = root / "out"
    rss = etree.parse(str(out / "rss.xml")).getroot()
    [enclosure] = rss.iter("enclosure")
    assert enclosure.get("url") == image and enclosure.get("length") == str(len(picture))
    assert f'href="{program}"' in rss.find("channel/item").findtext(CONTENT)
    atom = etree.parse(str(out / "atom.xml"))
    assert RNG.validate(atom), RNG.error_log
    assert [link.get("href") for link in atom.iter(f"{ATOM}link") if link.get("rel") == "enclosure"] == [
        image
    ]
    document = json.loads((out / "feed.json").read_bytes())
    jsonschema.validate(document, JSON_SCHEMA)
    assert document["items"][0]["image"] == image
    for name in ("rss.xml", "atom.xml", "feed.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert "Foto Konferenz" not in text and "Programm Köln" not in text, name
    # The encoded address is the published file.
    assert (out / "media" / "Foto Konferenz.png").read_bytes() == picture


def test_entries_say_their_language_and_language_feeds_are_advertised(make_project: MakeProject) -> None:
    root = make_project(
        {
            "de.md": entry("Auf Deutsch", "2024-05-14", id="de", tags=["Netzwerk"]),
            "en1.md": entry("In English", "2024-05-15", id="en1", lang="en", tags=["Europe", "Netzwerk"]),
            "en2.md": entry("More English", "2024-05-16", id="en2", lang="en", tags=["Europe"]),
        }
    )
    built(root)
    out = root / "out"
    # The German site feed: the English entries say so.
    atom = etree.parse(str(out / "atom.xml")).getroot()
    assert atom.get(XML_LANG) == "de"
    langs = {e.findtext(f"{ATOM}title"): e.get(XML_LANG) for e in atom.iterfind(f"{ATOM}entry")}
    assert langs == {"Auf Deutsch": None, "In English": "en", "More English": "en"}
    rss = etree.parse(str(out / "rss.xml")).getroot()
    items = {i.findtext("title"): i.findtext(f"{DC}language") for i in rss.iter("item")}
    assert items == {"Auf Deutsch": None, "In English": "en", "More English": "en"}
    # A tag whose entries are all English is an English feed.
    tag = out / "tags" / "europe"
    assert etree.parse(str(tag / "atom.xml")).getroot().get(XML_LANG) == "en"
    assert etree.parse(str(tag / "rss.xml")).getroot().findtext("channel/language") == "en"
    assert json.loads((tag / "feed.json").read_bytes())["language"] == "en"
    assert not etree.parse(str(tag / "rss.xml")).getroot().findall(f"channel/item/{DC}language")
    # A mixed tag stays in the site language.
    assert etree.parse(str(out / "tags" / "netzwerk" / "atom.xml")).getroot().get(XML_LANG) == "de"
    # Every page offers the de/ and en/ feeds for autodiscovery, with their language.
    for page in ("index.html", "posts/in-english.html", "tags/index.html", "tags/europe/index.html"):
        doc = lxml_html.fromstring((out / page).read_bytes())
        offered = {
            (link.get("hreflang"), link.get("href"))
            for link in doc.xpath("//head/link[@rel='alternate'][@hreflang]")
        }
        assert {("en", BASE + "en/atom.xml"), ("de", BASE + "de/rss.xml")} <= offered, page
        assert len(offered) == 6


def test_the_lead_image_is_where_every_reader_looks(make_project: MakeProject) -> None:
    picture = png(640, 360)
    root = make_project(
        {
            "a.md": entry(
                "Mit Bild",
                "2024-05-14",
                id="a",
                image={"url": "media/bild.png", "alt": "Ein Bild", "caption": "Der Saal", "credit": "Anna"},
                body="Der Text.",
            ),
            "b.md": entry("Fremdes Bild", "2024-05-15", id="b", image="https://cdn.example.org/x.jpg"),
            "media/bild.png": picture,
        }
    )
    built(root)
    out = root / "out"
    url = BASE + "media/bild.png"
    rss = etree.parse(str(out / "rss.xml")).getroot()
    item = {i.findtext("title"): i for i in rss.iter("item")}["Mit Bild"]
    enclosure = item.find("enclosure")
    assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == (
        url,
        str(len(picture)),
        "image/png",
    )
    content = item.find(f"{MEDIA}content")
    assert content.attrib == {
        "url": url,
        "fileSize": str(len(picture)),
        "type": "image/png",
        "medium": "image",
        "width": "640",
        "height": "360",
    }
    assert item.find(f"{MEDIA}thumbnail").attrib == {"url": url, "width": "640", "height": "360"}
    first_image = lxml_html.fromstring(item.findtext(CONTENT)).xpath("//img")[0]
    assert (first_image.get("src"), first_image.get("alt"), first_image.get("width")) == (
        url,
        "Ein Bild",
        "640",
    )
    assert "Der Saal Foto: Anna" in item.findtext(CONTENT)
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entry_element = {e.findtext(f"{ATOM}title"): e for e in atom.iterfind(f"{ATOM}entry")}["Mit Bild"]
    [link] = [link for link in entry_element.iterfind(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert link.get("length") == str(len(picture))
    assert entry_element.find(f"{MEDIA}thumbnail").get("url") == url
    assert lxml_html.fromstring(entry_element.findtext(f"{ATOM}content")).xpath("//img/@src")[0] == url
    item_json = {i["title"]: i for i in json.loads((out / "feed.json").read_bytes())["items"]}
    assert item_json["Mit Bild"]["image"] == url
    assert item_json["Mit Bild"]["content_html"].startswith(f'<figure><img src="{url}"')
    # An image elsewhere: its size is unknown, so the enclosure says 0 (what RSS asks for then).
    other = {i.findtext("title"): i for i in rss.iter("item")}["Fremdes Bild"]
    assert other.find("enclosure").get("length") == "0"
    assert other.find(f"{MEDIA}thumbnail").get("url") == "https://cdn.example.org/x.jpg"
    # The entry page shows the image with the size read from the file.
    page = lxml_html.fromstring((out / "posts" / "mit-bild.html").read_bytes())
    assert page.xpath("//figure[@class='entry-image']/img/@width") == ["640"]


def test_the_logo_is_the_feeds_image_and_icon(make_project: MakeProject) -> None:
    root = make_project(
        {"a.md": entry(id="a"), "media/logo.png": png(96, 96)}, extra='logo = "media/logo.png"\n'
    )
    built(root)
    out, logo = root / "out", BASE + "media/logo.png"
    rss = etree.parse(str(out / "rss.xml")).getroot()
    assert rss.findtext("channel/image/url") == logo
    assert rss.findtext("channel/image/link") == rss.findtext("channel/link")
    atom = etree.parse(str(out / "atom.xml")).getroot()
    assert (atom.findtext(f"{ATOM}icon"), atom.findtext(f"{ATOM}logo")) == (logo, logo)
    assert RNG.validate(atom.getroottree()), RNG.error_log
    document = json.loads((out / "feed.json").read_bytes())
    assert (document["icon"], document["favicon"]) == (logo, logo)
    jsonschema.validate(document, JSON_SCHEMA)
    page = lxml_html.fromstring((out / "index.html").read_bytes())
    assert page.xpath("//link[@rel='icon']/@href") == ["media/logo.png"]
    assert page.xpath("//header//img[@class='site-logo']/@src") == ["media/logo.png"]


def test_summary_feeds_carry_no_text(make_project: MakeProject) -> None:
    root = make_project(
        {"a.md": entry("Kurz", id="a", summary="Nur die Zusammenfassung.", body="Der ganze lange Text.")},
        extra='feed_content = "summary"\n',
    )
    built(root)
    out = root / "out"
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert "Der ganze lange Text" not in (out / name).read_text(encoding="utf-8"), name
    rss = etree.parse(str(out / "rss.xml")).getroot()
    assert rss.find(f"channel/item/{CONTENT}") is None
    assert rss.findtext("channel/item/description") == "Nur die Zusammenfassung."
    atom = etree.parse(str(out / "atom.xml"))
    assert atom.find(f"{ATOM}entry/{ATOM}content") is None
    assert atom.findtext(f"{ATOM}entry/{ATOM}summary") == "Nur die Zusammenfassung."
    assert RNG.validate(atom), RNG.error_log
    document = json.loads((out / "feed.json").read_bytes())
    jsonschema.validate(document, JSON_SCHEMA)
    assert document["items"][0]["content_text"] == "Nur die Zusammenfassung."
    assert "content_html" not in document["items"][0]
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries[0].summary == "Nur die Zusammenfassung."
