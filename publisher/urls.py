"""URLs and URIs as feeds and pages must carry them: percent-encoded, with ASCII host names."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

# What RFC 3986 allows in a URI besides letters and digits; "%" only before two hex digits.
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*\Z")  # \Z: no newline
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SAFE = "-._~:/?#[]@!$&'()*+,;=%"  # kept as they are (reserved characters keep their meaning)


@lru_cache(maxsize=8192)
def encode_url(url: str) -> str:
    """``url`` as a URI: characters a URI cannot hold (white space, ``"<>``, non-ASCII letters)
    percent-encoded as UTF-8, an internationalised host in its ASCII (IDNA) form; escapes already
    there stay as they are. ``media/Foto Konferenz.jpg`` -> ``media/Foto%20Konferenz.jpg``.

    Relative references stay relative. A URL that is already a valid URI comes back unchanged.
    """
    if _URI_CHARS.match(url):
        return url
    url = _STRAY_PERCENT.sub("%25", url)
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: encode it as a whole
        return quote(url, safe=_SAFE)
    netloc = parts.netloc
    host = parts.hostname or ""
    if host and not host.isascii():
        try:
            netloc = netloc.replace(host, host.encode("idna").decode("ascii"))
        except UnicodeError:
            netloc = quote(netloc, safe=_SAFE)
    elif not netloc.isascii() or not _URI_CHARS.match(netloc):
        netloc = quote(netloc, safe=_SAFE)
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=_SAFE),
            quote(parts.query, safe=_SAFE),
            quote(parts.fragment, safe=_SAFE),
        )
    )


def is_absolute_uri(text: str) -> bool:
    """Whether ``text`` is an absolute URI (RFC 3986): a scheme, a colon, and only characters a
    URI may hold (``urn:uuid:…``, ``tag:example.org,2024:1``, ``https://…``). Feed ids must be one."""
    if not _SCHEME.match(text) or not _URI_CHARS.match(text):
        return False
    scheme, _, rest = text.partition(":")
    if not rest:
        return False
    if scheme.lower() in ("http", "https"):
        return rest.startswith("//") and bool(urlsplit(text).netloc)
    return True
