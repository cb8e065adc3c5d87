"""The files around the archive: links that lead nowhere are warned about (build and check), the
sitemap, robots.txt, 404.html and redirect pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

from publisher.build.pipeline import build
from publisher.build.sitefiles import sitemap_jobs
from publisher.cli import cli
from publisher.model import Entry
from publisher.render.sitepages import redirect_page
from publisher.render.templating import make_environment
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of
from tests.render.fixtures import make_entry, make_settings

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BERLIN = ZoneInfo("Europe/Berlin")


def test_links_to_pages_no_build_publishes_are_warnings_in_build_and_check(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": entry(
                "Galerie",
                id="a",
                body="Die [Galerie](../media/gallery.html), das [Bild](media/da.png), [alle](/tags/x/), "
                "[extern](https://example.org/x.html) und [oben](#oben).",
                tags=["X"],
                image="media/fehlt.jpg",
            ),
            "media/da.png": b"\x89PNG\r\n\x1a\n",
        }
    )
    report = build(settings_of(root))
    assert not report.errors and (root / "out" / "posts" / "galerie.html").exists()  # still published
    found = sorted((p.path, p.field, p.message) for p in report.warnings)
    site = "https://news.example.org/"
    assert found == [
        ("entries/a.md", "body", f"links to {site}media/gallery.html, which this build does not publish"),
        ("entries/a.md", "image.url", f"its image {site}media/fehlt.jpg is not published by this build"),
    ]
    result = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 0  # a warning, not an error
    assert (
        "entries/a.md: warning: body: links to https://news.example.org/media/gallery.html" in result.stderr
    )
    assert "1 entry checked: 0 error(s), 2 warning(s)" in result.stdout
    strict = CliRunner().invoke(cli, ["-C", str(root), "check", "--strict"])
    assert strict.exit_code == 1


def test_a_strict_build_refuses_a_link_to_nothing_before_writing(make_project: MakeProject) -> None:
    """A plain build looks for links to unpublished addresses after writing (the preview shows the
    pages sooner); a strict one must find them first and write nothing."""
    root = make_project({"a.md": entry("Galerie", id="a", body="Die [Galerie](../media/gallery.html).")})
    report = build(settings_of(root), strict=True)
    assert [(p.field, p.is_error) for p in report.problems] == [("body", False)]
    assert report.written == () and not (root / "out").exists()
    again = build(settings_of(root))
    assert [p.field for p in again.warnings] == ["body"] and (
        root / "out" / "posts" / "galerie.html"
    ).exists()
    assert [p.field for p in build(settings_of(root)).warnings] == ["body"]  # nothing changed: said again


def test_sitemap_and_robots(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": entry("Eins", "2024-05-14", id="a", tags=["Energie"]),
            "b.md": entry("Zwei", "2024-06-14T10:00:00+02:00", id="b", updated="2024-07-01T08:00:00+02:00"),
        },
        config='title = "T"\nbase_url = "https://news.example.org/archiv/"\n',
    )
    assert not build(settings_of(root)).problems
    out = root / "out"
    sitemap = etree.parse(str(out / "sitemap.xml")).getroot()
    assert sitemap.tag == f"{SITEMAP_NS}urlset"
    urls = {u.findtext(f"{SITEMAP_NS}loc"): u.findtext(f"{SITEMAP_NS}lastmod") for u in sitemap}
    assert urls == {
        "https://news.example.org/archiv/": "2024-07-01T08:00:00+02:00",
        "https://news.example.org/archiv/tags/": "2024-07-01T08:00:00+02:00",
        "https://news.example.org/archiv/tags/energie/": "2024-05-14T00:00:00+02:00",
        "https://news.example.org/archiv/posts/zwei.html": "2024-07-01T08:00:00+02:00",
        "https://news.example.org/archiv/posts/eins.html": "2024-05-14T00:00:00+02:00",
    }
    assert (out / "robots.txt").read_text() == (
        "User-agent: *\nAllow: /\n\nSitemap: https://news.example.org/archiv/sitemap.xml\n"
    )


def test_a_large_sitemap_is_an_index_of_sitemap_files_counted_from_the_oldest() -> None:
    start = datetime(2024, 1, 1, tzinfo=BERLIN)
    entries = [
        make_entry(n, published=start.replace(day=n), updated=start.replace(day=n)) for n in range(7, 0, -1)
    ]
    jobs = [task for _, task in sitemap_jobs(entries, {}, limit=3)]
    paths = [task.path for task in jobs]
    assert paths == [
        "sitemaps/pages.xml",
        "sitemaps/1.xml",
        "sitemaps/2.xml",
        "sitemaps/3.xml",
        "sitemap.xml",
    ]
    assert [len(task.urls) for task in jobs[1:4]] == [3, 3, 1]
    assert [u.path for u in jobs[1].urls] == [e.path for e in entries[::-1][:3]]  # the oldest
    [index] = [task for task in jobs if task.path == "sitemap.xml"]
    assert index.index and [u.path for u in index.urls] == paths[:-1]
    # One more entry changes only the newest sitemap file (and the index).
    more = [make_entry(8, published=start.replace(day=8), updated=start.replace(day=8)), *entries]
    again = {task.path: task for _, task in sitemap_jobs(more, {}, limit=3)}
    assert again["sitemaps/1.xml"] == jobs[1] and again["sitemaps/2.xml"] == jobs[2]
    assert again["sitemaps/3.xml"] != jobs[3]


def test_404_links_from_the_site_root_and_names_no_canonical(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a")}, config='title = "T"\nbase_url = "https://x.example/news/"\n')
    build(settings_of(root))
    doc = lxml_html.fromstring((root / "out" / "404.html").read_bytes())
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["/news/style.css"]
    assert all(href.startswith(("/news/", "https://", "#")) for href in doc.xpath("//a/@href"))
    assert not doc.xpath("//link[@rel='canonical']")
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]


def test_redirect_page_for_any_old_address(tmp_path: Path) -> None:
    """The function other parts (an entry's declared old addresses) reuse for a redirect page."""
    settings = make_settings(tmp_path)
    target: Entry = make_entry(3)
    page = redirect_page(
        "2019/05/alte-meldung/index.html",
        target.url,
        target.title,
        "de",
        settings,
        make_environment(settings),
    )
    doc = lxml_html.fromstring(page)
    assert doc.xpath("//meta[@http-equiv='refresh']/@content") == ["0; url=../../../posts/meldung-00003.html"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [target.url]
    assert doc.xpath("//main//a/@href") == ["../../../posts/meldung-00003.html"]
    assert doc.xpath("string(//main//a)") == target.title
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["../../../style.css"]
