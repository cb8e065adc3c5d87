"""Markdown -> safe HTML: what the sanitiser removes (and reports), absolute URLs, summaries."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.content.sanitise import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    CONTENT_DROPPED,
    GENERIC_ATTRIBUTES,
    URL_ATTRIBUTES,
    URL_SCHEMES,
    absolute_url,
    find_removals,
    first_paragraph_text,
    render_markdown,
    sanitise_html,
    shorten,
    strip_control_chars,
)
from publisher.urls import encode_url

BASE = "https://news.example.org/archiv/"
PAGE = BASE + "posts/eintrag.html"


def clean(html: str) -> tuple[str, list[tuple[str, str]]]:
    safe = sanitise_html(html, BASE, PAGE)
    return safe.html, [(r.text, r.reason) for r in safe.removed]


class _Audit(HTMLParser):
    """Everything in sanitised output that could run code or point somewhere relative."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.findings.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcset", "formaction", "action"):
                self.findings.append(f"attribute {name}")
            if name in ("href", "src", "cite") and value is not None:
                parts = urlsplit(value.strip())
                if parts.scheme not in ("http", "https", "mailto", "tel"):
                    self.findings.append(f"{name}={value!r}")
                elif parts.scheme in ("http", "https") and not parts.netloc:
                    self.findings.append(f"relative {name}={value!r}")


def audit(html: str) -> list[str]:
    auditor = _Audit()
    auditor.feed(html)
    auditor.close()
    # Escaped text (&lt;script&gt;) is harmless; a real tag is not. URL schemes are checked above.
    return auditor.findings + [tag for tag in ("<script", "<iframe", "<object") if tag in html.lower()]


@pytest.mark.parametrize(
    ("html", "gone", "reason"),
    [
        ('<p>Hallo<script>alert("x")</script></p>', 'alert("x")', "removed with its content"),
        (
            '<iframe src="https://evil.example/"></iframe><p>Text</p>',
            "evil.example",
            "removed with its content",
        ),
        ('<p onclick="steal()">Klick</p>', "steal()", "event handler"),
        ('<img src="x.png" onerror="steal()">', "steal()", "event handler"),
        ('<a href="javascript:alert(1)">Link</a>', "alert(1)", "unsafe URL scheme"),
        ('<a href="JaVaScRiPt:alert(1)">Link</a>', "alert(1)", "unsafe URL scheme"),
        ('<a href="jav&#x09;ascript:alert(1)">Link</a>', "alert(1)", "unsafe URL scheme"),
        ('<a href="&#106;avascript:alert(1)">Link</a>', "alert(1)", "unsafe URL scheme"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "base64", "unsafe URL scheme"),
        ('<a href="vbscript:msgbox(1)">x</a>', "msgbox", "unsafe URL scheme"),
        ('<p style="background:url(javascript:x)">Text</p>', "background", "attribute not allowed"),
        ("<style>p { color: red }</style><p>Text</p>", "color: red", "removed with its content"),
        ('<svg onload="steal()"><circle r="1"/></svg><p>Text</p>', "steal()", "removed with its content"),
        ('<form action="https://evil.example/"><input name="pw"></form>', "evil.example", "not allowed"),
        ("<p>Text<!-- interne Notiz --></p>", "interne Notiz", "comment"),
        ('<object data="x.swf"></object><embed src="y.swf">', "swf", "removed with its content"),
    ],
)
def test_dangerous_html_is_removed_and_reported(html: str, gone: str, reason: str) -> None:
    out, removed = clean(html)
    assert gone not in out
    assert audit(out) == []
    assert removed, "the removal must be reported"
    assert any(reason in why for _, why in removed), removed


def test_harmless_html_is_kept_and_nothing_is_reported() -> None:
    html = (
        '<p lang="de" title="Hinweis">Ein '
        '<a href="https://example.org/a?x=1&amp;y=2" hreflang="de">Link</a>, '
        '<strong>fett</strong>, <em>kursiv</em>, <code class="language-python">x = 1</code>.</p>\n'
        '<img src="https://example.org/b.png" alt="Bild" width="10" height="20">\n'
        "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )
    out, removed = clean(html)
    assert removed == []
    for kept in (
        "https://example.org/a?x=1&amp;y=2",
        'alt="Bild"',
        'class="language-python"',
        "<table>",
        'lang="de"',
    ):
        assert kept in out


def test_text_of_unknown_elements_is_kept() -> None:
    out, removed = clean("<p><font color=red>Wichtig</font> <blink>jetzt</blink></p>")
    assert "Wichtig" in out and "jetzt" in out and "<font" not in out
    assert {"<font>", "<blink>"} <= {text for text, _ in removed}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("media/bild.jpg", BASE + "media/bild.jpg"),
        ("/media/bild.jpg", BASE + "media/bild.jpg"),  # the site root, also under a base path
        ("../media/bild.jpg", "https://news.example.org/media/bild.jpg"),
        ("#abschnitt", PAGE + "#abschnitt"),
        ("?seite=2", BASE + "?seite=2"),
        ("//cdn.example.org/x.png", "https://cdn.example.org/x.png"),
        ("https://example.org/x", "https://example.org/x"),
        ("mailto:redaktion@example.org", "mailto:redaktion@example.org"),
        ("  media/leer zeichen.pdf ", BASE + "media/leer%20zeichen.pdf"),  # a URI: encoded
        ("media/Straße.pdf", BASE + "media/Stra%C3%9Fe.pdf"),
    ],
)
def test_absolute_url(value: str, expected: str) -> None:
    assert absolute_url(value, BASE, PAGE) == expected


def test_links_and_images_become_absolute_in_html() -> None:
    html = render_markdown(
        "[a](a.html) ![b](/img/b.png) [c](#top)\n\n<a href='x/y.pdf'>y</a> <q cite='z.html'>q</q>\n"
    )
    out, _ = clean(html)
    for url in (BASE + "a.html", BASE + "img/b.png", PAGE + "#top", BASE + "x/y.pdf", BASE + "z.html"):
        assert f'"{url}"' in out
    assert audit(out) == []


@pytest.mark.parametrize(
    "html",
    [
        '<a href="http://[oops">kaputt</a>',
        '<img src="https://[::1/x.png">',
        '<a href="https://example.org:99999/">x</a>',
    ],
)
def test_malformed_urls_do_not_crash(html: str) -> None:
    out, _ = clean(html)
    assert audit(out) == []


def test_control_characters_are_removed_and_reported() -> None:
    text, [removal] = strip_control_chars("A\x00B\x07C\x1fD\tE\nF\ufffe G\x80\x9f €ü")
    assert text == "ABCD\tE\nF G €ü"
    assert "U+0000" in removal.text and "U+0007" in removal.text and "U+0080" in removal.text
    assert "6" in removal.reason
    assert strip_control_chars("sauber") == ("sauber", [])


def test_markdown_extensions() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~alt~~ https://example.org\n")
    assert "<table>" in html and "<del>alt</del>" in html and '<a href="https://example.org">' in html


def test_summary_helpers() -> None:
    assert first_paragraph_text("<h2>Titel</h2><p>Erster  <b>Absatz</b>\nmit Umbruch.</p><p>Zweiter</p>") == (
        "Erster Absatz mit Umbruch."
    )
    assert first_paragraph_text("<ul><li>nur Liste</li></ul>") == ""
    assert shorten("kurz") == "kurz"
    long = "Wort " * 100
    cut = shorten(long, 50)
    assert len(cut) <= 50 and cut.endswith("Wort…")


FRAGMENTS = [
    "<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JAVASCRIPT:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<div onmouseover="x()">y</div>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href='javascript:1'>x</mi></math>",
    '<a href="relative/link.html">r</a>',
    '<img src="/abs.png">',
    '<a href="#frag">f</a>',
    "<!-- c --><p>p</p>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<style>@import 'x';</style>",
    '<object data="javascript:alert(1)"></object>',
    "<base href='javascript:/'>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<table><tr><td onclick=x>1</td></tr></table>",
    "&lt;script&gt;",
    "„Grüße“ & <b>fett</b>",
    "\x00\x0b",
    "[md](javascript:alert(1))",
    "![img](data:text/html,<script>alert(1)</script>)",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=8))
def test_sanitised_output_is_always_safe(parts: list[str]) -> None:
    body, _ = strip_control_chars("".join(parts))
    out, _ = clean(render_markdown(body))
    assert audit(out) == []


# The URL checks and joins are memoised and the nh3 cleaner is reused; these compare them with the
# plain, uncached way of doing the same, on inputs that hit the cache as well as on new ones.
URL_PARTS = [
    "https://example.org/a?b=1&amp;c=2#d",
    "http://[oops",
    "https://[::1/x.png",
    "https://example.org:99999/",
    "javascript:alert(1)",
    " JAVA&#x53;CRIPT:x",
    "java\nscript:x",
    "data:text/html,x",
    "mailto:a@example.org",
    "tel:+49301234",
    "//cdn.example.org/x.png",
    "/media/bild.jpg",
    "../up.html",
    "#frag",
    "?seite=2",
    "&#35;x",
    "/",
    "  ",
    "\t",
    "ä ö/ü",
]
urls = st.lists(st.one_of(st.sampled_from(URL_PARTS), st.text(max_size=12)), max_size=4).map("".join)


def reference_unsafe(value: str) -> str:
    try:
        urlsplit(unescape(value).strip())
    except ValueError:
        return "malformed URL"
    scheme = urlsplit(unescape(value).strip()).scheme.lower()
    return "" if scheme == "" or scheme in URL_SCHEMES else "unsafe URL scheme"


def reference_absolute(value: str, base_url: str, page_url: str) -> str:
    value = value.strip()
    if value.startswith("#"):
        return encode_url(page_url + value)
    if value.startswith("/") and not value.startswith("//"):
        value = value.lstrip("/")
    return encode_url(urljoin(base_url, value))


def outcome(function: object, *args: str) -> tuple[str, str]:
    try:
        return "ok", function(*args)  # type: ignore[operator]
    except ValueError as exc:
        return "ValueError", str(exc)


@settings(max_examples=300, deadline=None)
@given(urls, st.sampled_from([BASE, "https://example.org/", "https://example.org/a/b/"]))
def test_memoised_url_functions_match_the_plain_ones(value: str, base: str) -> None:
    from publisher.content.sanitise import _safe_url, _unsafe_url

    page = base + "posts/x.html"
    for _ in range(2):  # the second call is answered from the cache
        assert _unsafe_url(value) == reference_unsafe(value)
        assert _safe_url(value) == (reference_unsafe(value) == "")
        assert outcome(absolute_url, value, base, page) == outcome(reference_absolute, value, base, page)


def reference_clean(html: str, base_url: str, page_url: str) -> str:
    def filter_attribute(tag: str, name: str, value: str) -> str | None:
        if (tag, name) in URL_ATTRIBUTES:
            if reference_unsafe(value):
                return None
            return reference_absolute(value, base_url, page_url)
        if name == "class" and not value.startswith("language-"):
            return None
        return value

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CONTENT_DROPPED),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()} | {"*": GENERIC_ATTRIBUTES},
        attribute_filter=filter_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    return cleaned.strip() + "\n" if cleaned.strip() else ""


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(FRAGMENTS),
            urls.map(lambda url: f'<a href="{url}">l</a> <img src="{url}"> <q cite="{url}">q</q>'),
            st.text(max_size=20),
        ),
        max_size=6,
    )
)
def test_reused_cleaner_matches_a_fresh_nh3_clean(parts: list[str]) -> None:
    """One cleaner serves every entry; each entry's own URLs still resolve against its page."""
    html = render_markdown("".join(parts))
    for page in (PAGE, BASE + "posts/anderer.html"):
        safe = sanitise_html(html, BASE, page)
        assert safe.html == reference_clean(html, BASE, page)
        assert safe.removed == find_removals(html)
