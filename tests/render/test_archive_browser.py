"""Archive pages in headless Chromium: no horizontal scrolling on a phone, readable text, dark mode."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from publisher.build.pipeline import build
from publisher.config import load_settings
from publisher.model import Image
from publisher.render.templating import make_environment
from tests.render.fixtures import (
    LONG_URL,
    LONG_WORD,
    english_entry,
    full_entry,
    make_entry,
    make_settings,
    render_archive,
    write_all,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
REPO = Path(__file__).resolve().parents[2]
PAGES = [
    "posts/meldung-00007.html",
    "posts/meldung-00008.html",
    "index.html",
    "page/1.html",
    "tags/koeln/index.html",
    "tags/index.html",
]
# Wide things that sanitised entry HTML may contain: a table, a long code line, a long link text.
WIDE_CONTENT = (
    f"<p>{LONG_WORD} {LONG_WORD.upper()}</p>\n"
    "<table><thead><tr><th>Stadtteil</th><th>Einwohnerinnen und Einwohner</th><th>Veränderung</th>"
    "<th>Durchschnittsalter</th><th>Bemerkungen</th></tr></thead>"
    "<tbody><tr><td>Innenstadt</td><td>127.000</td><td>+1,2&nbsp;%</td><td>41,3</td>"
    "<td>Rheinuferpromenade</td></tr></tbody></table>\n"
    "<pre><code>" + "x = 'eine sehr lange Zeile ohne Umbruch' " * 6 + "</code></pre>\n"
    f'<p><a href="{LONG_URL.replace("&", "&amp;")}">{LONG_URL.replace("&", "&amp;")}</a></p>'
)
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">'
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#2a6f97"/>'
    '<stop offset="1" stop-color="#f4a261"/></linearGradient></defs>'
    '<rect width="1200" height="800" fill="url(#g)"/></svg>'
)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive-site")
    (root / "rhein.svg").write_text(SVG, encoding="utf-8")
    settings = make_settings(root / "project", page_size=3)
    entry = full_entry()
    entries = [
        make_entry(
            8,
            title=f"{LONG_WORD}: Hauptversammlung beschließt „Neuordnung“ & mehr",
            subtitle=f"Mit {LONG_WORD}",
            content_html=WIDE_CONTENT,
            source_url=LONG_URL,
        ),
        replace(entry, image=replace(entry.image or Image(""), url=(root / "rhein.svg").as_uri())),
        english_entry(6),
        *(make_entry(n) for n in range(5, 0, -1)),
    ]
    out = root / "out"
    write_all(out, render_archive(entries, settings, make_environment(settings)))
    return out


def measure(browser: Any, url: str, width: int, color_scheme: str, shot: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=color_scheme)
    try:
        page = context.new_page()
        page.goto(url)
        facts = page.evaluate(
            """() => {
                const h1 = document.querySelector('h1');
                const box = h1.getBoundingClientRect();
                return {
                    scrollWidth: document.documentElement.scrollWidth,
                    clientWidth: document.documentElement.clientWidth,
                    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
                    smallestText: Math.min(...[...document.querySelectorAll('body *')]
                        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                        .map(e => parseFloat(getComputedStyle(e).fontSize))),
                    background: getComputedStyle(document.body).backgroundColor,
                    stylesheets: document.styleSheets.length,
                    h1Right: box.right,
                    h1Height: box.height,
                };
            }"""
        )
        facts["h1_visible"] = page.locator("h1").first.is_visible()
        page.keyboard.press("Tab")
        facts["focused"] = page.evaluate("document.activeElement.className")
        facts["skip_visible"] = page.locator(".skip-link").is_visible()
        facts["skip_left"] = page.locator(".skip-link").bounding_box()["x"]
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.keyboard.press("Shift+Tab")
        page.screenshot(path=str(shot), full_page=True)
        return facts
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1024])
@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_the_screen(browser: Any, site_dir: Path, path: str, width: int) -> None:
    name = path.replace("/", "_").removesuffix(".html")
    facts = measure(
        browser, (site_dir / path).as_uri(), width, "light", ARTIFACTS / f"archive-{name}-{width}.png"
    )
    assert facts["stylesheets"] == 1, "style.css did not load over file://"
    assert facts["scrollWidth"] <= facts["clientWidth"], f"{path} scrolls sideways at {width}px: {facts}"
    assert facts["h1_visible"] and facts["h1Right"] <= width, facts
    if width == 375:
        assert facts["fontSize"] >= 16, facts
        assert facts["smallestText"] >= 16, f"text below 16 px (code in pre?): {facts}"
    assert facts["focused"] == "skip-link" and facts["skip_visible"] and facts["skip_left"] >= 0, facts


def test_dark_mode_changes_the_colours(browser: Any, site_dir: Path) -> None:
    url = (site_dir / PAGES[1]).as_uri()
    light = measure(browser, url, 375, "light", ARTIFACTS / "archive-entry-light-375.png")
    dark = measure(browser, url, 375, "dark", ARTIFACTS / "archive-entry-dark-375.png")
    assert light["background"] != dark["background"]
    assert dark["scrollWidth"] <= dark["clientWidth"]


def test_nothing_scrolls_sideways_at_320_px(browser: Any, site_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        for path in PAGES:
            page.goto((site_dir / path).as_uri())
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"{path} scrolls sideways at 320px: {widths}"
    finally:
        context.close()


def test_the_bundled_project_shows_its_images_from_file_urls(browser: Any, tmp_path: Path) -> None:
    """Opened from disk, an entry's image (entries/media/ copied to out/media/) must load: pages link
    to it relatively, while feeds keep the absolute base_url address."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "entries", root / "entries")
    shutil.copy(REPO / "publisher.toml", root / "publisher.toml")
    build(load_settings(root / "publisher.toml"))
    entry_page = next((root / "out" / "posts").glob("*ki*mittelstand*.html"))
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        for url in (entry_page.as_uri(), (root / "out" / "index.html").as_uri()):
            page.goto(url)
            image = page.locator("img[src*='ki-werkstatt']").first
            image.scroll_into_view_if_needed()  # list pages load their images lazily
            page.wait_for_function("i => i.complete", arg=image.element_handle(), timeout=5000)
            assert image.evaluate("i => i.naturalWidth") > 0, f"{url}: image not loaded"
    finally:
        context.close()
    assert (
        "https://" in (root / "out" / "atom.xml").read_text(encoding="utf-8").split("ki-werkstatt")[0][-200:]
    )
