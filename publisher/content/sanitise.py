"""Markdown to safe HTML: render with cmark-gfm, sanitise with nh3 (ammonia), make URLs absolute,
and report what was removed so that nothing disappears silently."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import nh3

from publisher.model import Removal
from publisher.urls import encode_url

# Characters XML 1.0 forbids (feeds would be unparseable); tab, LF and CR are allowed. Also DEL and
# the C1 controls, which XML 1.0 asks to avoid and feed readers misread as Windows-1252 (\x80 -> €).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS - {"area", "map", "center", "acronym", "strike", "tt"})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"alt", "height", "src", "width", "title"},
    "code": {"class"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
}
GENERIC_ATTRIBUTES = {"lang", "title", "dir"}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRIBUTES = {
    ("a", "href"),
    ("img", "src"),
    ("blockquote", "cite"),
    ("q", "cite"),
    ("del", "cite"),
    ("ins", "cite"),
}
CONTENT_DROPPED = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "noscript",
        "template",
        "svg",
        "math",
        "textarea",
        "select",
    }
)
MARKDOWN_EXTENSIONS = ["table", "strikethrough", "autolink"]

# Tags and attributes cmark-gfm itself emits. HTML made only of these needs no removal report;
# anything else (raw HTML in the Markdown) goes through the full HTMLParser-based finder.
_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ATTRIBUTE_NAME = re.compile(r"""\s([^\s=>"'/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")
_CMARK_ATTRIBUTES = frozenset({"href", "src", "alt", "title", "align", "start", "class"})


def strip_control_chars(text: str) -> tuple[str, list[Removal]]:
    found = XML_ILLEGAL.findall(text)
    if not found:
        return text, []
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return XML_ILLEGAL.sub("", text), [Removal(codes, f"{len(found)} control character(s) that XML forbids")]


def render_markdown(text: str) -> str:
    """CommonMark + GFM tables/strikethrough/autolinks. Raw HTML passes through to the sanitiser.

    This is cmarkgfm's ``markdown_to_html_with_extensions`` plus the two frees it forgets: it never
    releases the syntax tree nor the rendered string (about 37 KB per 5 KB entry), which made a
    100,000-entry build grow to 1.4 GB per worker. The frees use cmark's own exported C API.
    """
    cmark = _cmark()
    _cm, options = cmark.api, cmark.options
    parser = _cm.parser_new(options=options)
    try:
        for extension in cmark.extensions:
            _cm.parser_attach_syntax_extension(parser, extension)
        _cm.parser_feed(parser, text)
        root = _cm.parser_finish(parser)
        try:
            raw = cmark.lib.cmark_render_html(root, options, _cm.parser_get_syntax_extensions(parser))
            try:
                return cmark.ffi.string(raw).decode("utf-8")
            finally:
                cmark.free(cmark.address(raw))
        finally:
            cmark.node_free(cmark.address(root))
    finally:
        _cm.parser_free(parser)


class _Cmark(NamedTuple):  # not a dataclass: cheaper to define, and this module is imported on every run
    """cmarkgfm's cffi module and wrapper, the extensions, and the two C frees (see render_markdown)."""

    api: Any  # cmarkgfm.cmark
    lib: Any
    ffi: Any
    options: int
    extensions: tuple[object, ...]
    node_free: Any  # cmark_node_free(cmark_node *)
    free: Any  # the C library's free(void *)

    def address(self, pointer: object) -> int:
        return int(self.ffi.cast("uintptr_t", pointer))


@lru_cache(maxsize=1)
def _cmark() -> _Cmark:
    """Loaded on first use: importing this module (the digest does, for ``shorten``) needs no cmark."""
    import ctypes

    from cmarkgfm import _cmark as native
    from cmarkgfm import cmark

    libcmark = ctypes.CDLL(native.__file__)
    libcmark.cmark_node_free.argtypes = [ctypes.c_void_p]
    cmark.core_extensions_ensure_registered()
    return _Cmark(
        api=cmark,
        lib=native.lib,
        ffi=native.ffi,
        options=cmark.Options.CMARK_OPT_UNSAFE,
        extensions=tuple(cmark.find_syntax_extension(name) for name in MARKDOWN_EXTENSIONS),
        node_free=libcmark.cmark_node_free,
        free=_c_free(),
    )


def _c_free() -> Any:
    """``free`` as cmark's own calls to it resolve: from the process's global symbols (libc's, or a
    preloaded allocator's), so no library search. ``ctypes.util.find_library("c")`` ran
    ``/sbin/ldconfig -p`` in a subprocess on every start (6-8 ms)."""
    import ctypes

    try:
        free = ctypes.CDLL(None).free
    except (OSError, AttributeError):  # no dlopen(NULL) (Windows): look for the C library by name
        import ctypes.util

        free = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return free


class _RemovalFinder(HTMLParser):
    """Lists the tags, attributes and URLs in ``html`` that the sanitiser is going to drop."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removed: list[Removal] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            reason = (
                "element not allowed, removed with its content"
                if tag in CONTENT_DROPPED
                else "element not allowed, its text is kept"
            )
            self.removed.append(Removal(f"<{tag}>", reason))
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES
        for name, value in attrs:
            if name.startswith("on"):
                self.removed.append(Removal(f'<{tag} {name}="{value or ""}">', "event handler attribute"))
            elif name not in allowed:
                self.removed.append(Removal(f'<{tag} {name}="{value or ""}">', "attribute not allowed"))
            elif (tag, name) in URL_ATTRIBUTES and value and _unsafe_url(value):
                self.removed.append(Removal(f'<{tag} {name}="{value}">', _unsafe_url(value)))

    def handle_comment(self, data: str) -> None:
        self.removed.append(Removal(f"<!--{data}-->", "HTML comment"))


# Pure functions of a URL string are memoised: every URL is checked twice per entry (for the
# report, then by the sanitiser), and news sites link the same pages from many entries.
URL_CACHE_SIZE = 4096


@lru_cache(maxsize=URL_CACHE_SIZE)
def _unsafe_url(value: str) -> str:
    """Why ``value`` may not stay: "malformed URL", "unsafe URL scheme", or "" when it may."""
    try:
        scheme = urlsplit(unescape(value).strip()).scheme.lower()
    except ValueError:  # e.g. "http://[oops": an unclosed IPv6 bracket
        return "malformed URL"
    return "" if scheme == "" or scheme in URL_SCHEMES else "unsafe URL scheme"


def _safe_url(value: str) -> bool:
    return not _unsafe_url(value)


def absolute_url(value: str, base_url: str, page_url: str) -> str:
    """Relative URLs resolve against the site root; ``#fragment`` links against the entry's page.
    The result is a URI: a space or an umlaut in a file name is percent-encoded."""
    value = value.strip()
    if value.startswith("#"):
        return encode_url(page_url + value)
    return encode_url(_join(base_url, value))


@lru_cache(maxsize=URL_CACHE_SIZE)
def _join(base_url: str, value: str) -> str:
    if value.startswith("/") and not value.startswith("//"):
        value = value.lstrip("/")
    return urljoin(base_url, value)


@dataclass(frozen=True, slots=True)
class SafeHtml:
    html: str
    removed: tuple[Removal, ...]


def _needs_full_report(html: str) -> bool:
    if "<!--" in html:
        return True
    for tag, attributes in _START_TAG.findall(html):
        if tag.lower() not in ALLOWED_TAGS:
            return True
        if attributes:
            for name in _ATTRIBUTE_NAME.findall(attributes):
                if name.lower() not in _CMARK_ATTRIBUTES:
                    return True
    return False


def find_removals(html: str) -> tuple[Removal, ...]:
    """What ``sanitise_html`` will drop from ``html``, in document order."""
    if not _needs_full_report(html):
        return tuple(
            Removal(f'<{m.group(1)} {m.group(2)}="{m.group(3)}">', "unsafe URL scheme")
            for m in _URL_ATTRIBUTE.finditer(html)
            if not _safe_url(m.group(3))
        )
    finder = _RemovalFinder()
    finder.feed(html)
    finder.close()
    return tuple(finder.removed)


_URL_ATTRIBUTE = re.compile(r'<(a|img|blockquote|q|del|ins)\b[^>]*?\s(href|src|cite)="([^"]*)"')


def sanitise_html(html: str, base_url: str, page_url: str) -> SafeHtml:
    """Clean untrusted HTML: allow-listed tags and attributes, safe URL schemes, absolute links."""
    removed = find_removals(html)
    cleaned = _CLEANER.clean(html, base_url, page_url)
    return SafeHtml(cleaned.strip() + "\n" if cleaned.strip() else "", removed)


class _Cleaner(threading.local):
    """An nh3 cleaner built once per thread (building one cost as much as cleaning an entry),
    and the URLs of the entry it is cleaning, which its attribute filter needs."""

    def __init__(self) -> None:
        self.base_url = ""
        self.page_url = ""
        self.cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(CONTENT_DROPPED),
            attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
            | {"*": GENERIC_ATTRIBUTES},
            attribute_filter=self._filter_attribute,
            url_schemes=set(URL_SCHEMES),
            link_rel=None,
            strip_comments=True,
        )

    def clean(self, html: str, base_url: str, page_url: str) -> str:
        self.base_url = base_url
        self.page_url = page_url
        return self.cleaner.clean(html)

    def _filter_attribute(self, tag: str, name: str, value: str) -> str | None:
        if (tag, name) in URL_ATTRIBUTES:
            if _unsafe_url(value):
                return None
            return absolute_url(value, self.base_url, self.page_url)
        if name == "class" and not value.startswith("language-"):
            return None
        return value


_CLEANER = _Cleaner()


class _TextExtractor(HTMLParser):
    """Plain text of the first paragraph-like block, for summaries."""

    BLOCKS = frozenset({"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._in_p = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self._in_p = True
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._in_p:
            text = " ".join("".join(self._current).split())
            if text:
                self.paragraphs.append(text)
            self._in_p = False

    def handle_data(self, data: str) -> None:
        if self._in_p:
            self._current.append(data)


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def first_paragraph_text(html: str) -> str:
    """Plain text of the first non-empty ``<p>`` (only that paragraph is parsed)."""
    for match in _FIRST_PARAGRAPH.finditer(html):
        text = _paragraph_text(match.group(0))
        if text:
            return text
    return ""


def paragraphs_text(html: str) -> str:
    """Plain text of every ``<p>``, joined by spaces (an excerpt of several paragraphs)."""
    texts = (_paragraph_text(match.group(0)) for match in _FIRST_PARAGRAPH.finditer(html))
    return " ".join(text for text in texts if text)


def _paragraph_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.paragraphs[0] if extractor.paragraphs else ""


def shorten(text: str, limit: int = 300) -> str:
    """Cut at a word boundary and add an ellipsis; text within the limit is returned as is."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return cut + "…"


_LINK = re.compile(r'\s(?:href|src)="([^"]*)"')


def internal_links(html: str, base_url: str, page_url: str) -> tuple[str, ...]:
    """The paths inside the site (below ``base_url``) that sanitised ``html`` links to, without
    query or fragment and percent-decoded, sorted; links to the page itself are left out."""
    found = set()
    for match in _LINK.finditer(html):
        url = unescape(match.group(1))
        if not url.startswith(base_url) or url.partition("#")[0] == page_url:
            continue
        path = url[len(base_url) :].partition("#")[0].partition("?")[0]
        found.add(unquote(path))
    return tuple(sorted(found))
