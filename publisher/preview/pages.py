"""What the preview adds to the pages it serves (never to files a build writes): the reload script,
the banner of drafts and scheduled entries, and the page that shows why the site cannot be built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

EVENTS_PATH = "/_preview/events"
LOADED_PATH = "/_preview/loaded"  # the page tells that it has loaded (with its version as the query)
DIGEST_PATH = "/_digest/"
MARK = "data-publisher-preview"
"""Set on everything the preview injects, so that tests (and curious editors) can tell it apart."""

_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(rb"</body\s*>", re.IGNORECASE)


def reload_script(version: str) -> str:
    """Reloads the page once the preview has finished a build newer than the one it shows, and
    tells the preview when it has loaded (the feeds wait for that: see ``Session._pages_written``).

    The server sends its current build's version as soon as the page connects, so a build that
    finished between serving the page and connecting still reloads it; the version includes the
    server's start time, so a restarted preview reloads pages served by the last one.
    """
    return (
        f'<script {MARK}="reload">(function () {{\n'
        f"  var shown = {version!r};\n"
        f'  var events = new EventSource("{EVENTS_PATH}");\n'
        "  events.onmessage = function (event) {\n"
        "    if (event.data !== shown) { events.close(); location.reload(); }\n"
        "  };\n"
        '  addEventListener("load", function () {\n'
        f'    fetch("{LOADED_PATH}?" + encodeURIComponent(shown), {{cache: "no-store"}});\n'
        "  });\n"
        "})();</script>\n"
    )


def banner(text: str) -> str:
    return (
        f'<div {MARK}="banner" role="status" style="position:sticky;top:0;z-index:1000;'
        "padding:.5em 1em;background:#ffd54f;color:#222;font:600 1rem/1.4 system-ui,sans-serif;"
        'border-bottom:2px solid #c8a415">'
        f"{escape(text)}</div>\n"
    )


def inject(page: bytes, version: str, notice: str = "") -> bytes:
    """The page with the reload script before ``</body>`` and ``notice`` (a banner) after ``<body>``."""
    script = reload_script(version).encode("utf-8")
    closings = list(_BODY_CLOSE.finditer(page))
    at = closings[-1].start() if closings else len(page)
    page = page[:at] + script + page[at:]
    if notice:
        opening = _BODY_OPEN.search(page)
        at = opening.end() if opening else 0
        page = page[:at] + b"\n" + banner(notice).encode("utf-8") + page[at:]
    return page


def problems_page(title: str, lines: Sequence[str], version: str) -> bytes:
    """A page naming every problem (``file:line: message -> hint``), shown instead of any page while
    the site cannot be built; it reloads itself after the next build."""
    items = "\n".join(f"<li><code>{escape(line)}</code></li>" for line in lines)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        "<style>body{font:1rem/1.5 system-ui,sans-serif;margin:2em;max-width:70em}"
        "h1{color:#b00020;font-size:1.4em}li{margin:.6em 0}code{white-space:pre-wrap;font-size:.95em}"
        "</style>\n</head>\n<body>\n"
        f'<h1 {MARK}="problems">{escape(title)}</h1>\n<ol>\n{items}\n</ol>\n'
        "<p>Fix the file and save it: this page reloads by itself.</p>\n</body>\n</html>\n"
    )
    return inject(page.encode("utf-8"), version)


def missing_page(path: str, version: str) -> bytes:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Not found</title>\n'
        "</head>\n<body>\n"
        f"<h1>Not found: {escape(path)}</h1>\n"
        '<p>The site has no such page (yet). <a href="/">The front page</a>, '
        f'<a href="{DIGEST_PATH}">the next digest</a>.</p>\n</body>\n</html>\n'
    )
    return inject(page.encode("utf-8"), version)
