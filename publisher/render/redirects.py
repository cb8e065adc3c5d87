"""Pages at an entry's old addresses (a migrated site's URLs): they send readers and search engines on."""

from __future__ import annotations

from html import escape

from publisher.content.languages import primary_language

_WORDS = {
    "de": ("Diese Seite ist umgezogen", "Sie finden sie jetzt unter"),
    "en": ("This page has moved", "It is now at"),
}


def redirect_page(old_path: str, target_url: str, title: str, lang: str) -> bytes:
    """The page at ``old_path`` (inside the site) for an entry now at ``target_url`` (absolute): an
    immediate meta refresh and a link for readers, ``rel=canonical`` and ``noindex`` for search engines.

    Static hosting has no server-side redirects, so a page is what keeps an old address working.
    """
    moved, now_at = _WORDS.get(primary_language(lang), _WORDS["en"])
    url, heading = escape(target_url, quote=True), escape(title, quote=False)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang, quote=True)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{moved}: {heading}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{url}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        "</head>\n"
        "<body>\n"
        f'<p>{moved}. {now_at} <a href="{url}">{heading}</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    ).encode()
