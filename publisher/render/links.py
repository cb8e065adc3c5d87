"""Links on archive pages: relative to the page (so the archive works from disk and on any host),
canonical URLs, tables a keyboard can reach."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import escape

from publisher.config import Settings


def relative_href(from_path: str, to_path: str) -> str:
    """A link from one page to another, both given relative to the site root.

    Relative links keep the archive working from ``file://`` and under any base path.
    """
    return "../" * from_path.count("/") + to_path


def local_url(base_url: str, from_path: str, url: str) -> str:
    """``url`` as a link from the page ``from_path``: relative when it lies under ``base_url``
    (an image in media/, another entry), else as it is. Entries keep absolute URLs, which feeds
    and mails need; pages use relative ones, so that images and links in the text also work from
    ``file://``, on a staging host or under another path."""
    if not url.startswith(base_url):
        return url
    rest = url[len(base_url) :]
    if rest.startswith(f"{from_path}#"):
        return rest[len(from_path) :]  # an anchor on this very page
    path, mark, after = rest.partition("#") if "#" in rest else rest.partition("?")
    if path == "" or path.endswith("/"):  # a folder: its index.html, which file:// will not pick itself
        rest = f"{path}index.html{mark}{after}"
    return relative_href(from_path, rest)


@lru_cache(maxsize=8)
def _links_under(base_url: str) -> re.Pattern[str]:
    # Only inside a tag: in text the sanitiser escapes "<", so code samples showing markup are left alone.
    return re.compile(r'(<[A-Za-z][^<>]*?\s(?:href|src)=")' + re.escape(base_url) + r'([^"]*)"')


def local_content(html: str, base_url: str, from_path: str) -> str:
    """Sanitised entry HTML with every ``href``/``src`` under ``base_url`` made relative to the page
    (the sanitiser writes attributes in double quotes, and a base URL holds no ``&`` or ``"``); text,
    such as a code sample showing an ``<img src="…">``, stays as the author wrote it."""
    return _links_under(base_url).sub(
        lambda m: f'{m.group(1)}{local_url(base_url, from_path, base_url + m.group(2))}"', html
    )


_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)


_ALIGN = re.compile(r'<(t[hd])((?: [a-z]+="[^"]*")*?) align="(left|right|center)"')


def page_content(html: str, base_url: str, from_path: str, table_label: str) -> str:
    """Entry HTML as a page shows it (``local_content``), with every table in a region that
    scrolls sideways on a narrow screen and that a keyboard can reach (it takes the focus), and
    the columns' alignment from Markdown (``---:``) as classes: ``align`` is obsolete in HTML."""
    html = local_content(html, base_url, from_path)
    if "<table>" not in html:
        return html
    html = _ALIGN.sub(r'<\1\2 class="align-\3"', html)
    label = escape(table_label)
    return _TABLE.sub(
        lambda m: (
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
            f"<table>{m.group(1)}</table></div>"
        ),
        html,
    )


def canonical_url(settings: Settings, path: str) -> str:
    """Absolute URL of a page; ``…/index.html`` is canonical as its directory (``…/``)."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path.removesuffix("index.html")
    return settings.url(path)
