"""The digest in headless Chromium: phone and desktop widths, light and dark, no sideways scrolling."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.digest.folder import write_digest
from publisher.digest.render import render_digest
from publisher.digest.selection import digest_window, select_entries
from publisher.mail.state import DigestState
from tests.digest.fixtures import NOW, make_entry, make_project, many_entries, photo

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
LONG_URL = "https://www.example.org/" + "sehr-langer-pfad-ohne-umbruch/" * 5 + "index.html?utm=ja&x=1"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">'
    '<rect width="1200" height="800" fill="#2a6f97"/><circle cx="600" cy="400" r="250" fill="#f4a261"/></svg>'
)
EXPECTED_TITLES = [
    f"{LONG_WORD}: „Neuordnung“ & mehr",
    "Meldung 21: Neues aus den Stadtwerken",
    *(f"Meldung {n}: Neues aus den Stadtwerken" for n in range(1, 19)),
]
# For every element matching a selector: its text (or src), whether it is visible, and its box.
BOXES_JS = """
(selector) => Array.from(document.querySelectorAll(selector), (el) => {
  const box = el.getBoundingClientRect();
  const visible = el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  return [el.getAttribute("src") || el.textContent, visible, box.x, box.width, box.height];
})
"""
VARIANTS = [(width, scheme) for width in (375, 600) for scheme in ("light", "dark")]

# The WCAG contrast of every text node against the background behind it (walking up to the page).
CONTRAST_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    const el = node.parentElement;
    const style = getComputedStyle(el);
    if (!node.textContent.trim() || el.offsetParent === null || style.visibility === "hidden"
        || Number(style.opacity) === 0) continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push([node.textContent.trim().slice(0, 40), style.color, ratio.toFixed(2)]);
  }
  return worst;
}
"""


@pytest.fixture(scope="module")
def digest_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-entry digest with the awkward cases: a long word in a title, a long URL in a summary."""
    settings = make_project(tmp_path_factory.mktemp("digest-browser"))
    entries = (
        make_entry(
            0, title=f"{LONG_WORD}: „Neuordnung“ & mehr", image=photo(0), published=NOW - timedelta(minutes=5)
        ),
        make_entry(
            21,
            summary=f"Alle Details unter {LONG_URL} – und {LONG_WORD}.",
            published=NOW - timedelta(minutes=6),
        ),
        *many_entries(18),
    )
    window = digest_window(DigestState(), NOW, window_days=7)
    rendered = render_digest(settings, select_entries(entries, DigestState(), window, 20), NOW)
    assert len(rendered.entry_ids) == 20
    write_digest(settings, rendered)
    return settings.out_dir / rendered.directory


def open_page(browser: Any, path: Path, width: int, scheme: str) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
        elif url.startswith("https://news.example.org/media/"):
            request_route.fulfill(body=SVG, content_type="image/svg+xml")
        else:
            request_route.abort()  # no network: fonts, trackers, anything else

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("name", ["email.html", "index.html"])
@pytest.mark.parametrize(("width", "scheme"), VARIANTS)
def test_no_sideways_scrolling_and_every_title_visible(
    browser: Any, digest_dir: Path, name: str, width: int, scheme: str
) -> None:
    page = open_page(browser, digest_dir / name, width, scheme)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"digest-{name.split('.')[0]}-{width}-{scheme}.jpg"
        page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=80)
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width == width
        titles = page.evaluate(BOXES_JS, "h2.title a")
        assert [t[0] for t in titles] == EXPECTED_TITLES
        for text, visible, x, box_width, height in titles:
            assert visible and height > 0 and x >= 0 and x + box_width <= width, text
        for src, visible, x, box_width, height in page.evaluate(BOXES_JS, "img.photo"):
            assert visible and height > 0 and x >= 0 and x + box_width <= width, src  # scaled to the column
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_and_links_have_enough_contrast(browser: Any, digest_dir: Path, scheme: str) -> None:
    page = open_page(browser, digest_dir / "email.html", 600, scheme)
    try:
        assert page.evaluate(CONTRAST_JS) == []
        link = page.locator("p.more a").first
        colour = link.evaluate("el => getComputedStyle(el).color")
        assert colour == ("rgb(11, 87, 208)" if scheme == "light" else "rgb(138, 180, 248)")
    finally:
        page.close()
