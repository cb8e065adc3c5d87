"""Who made a press release: author lines, image credits and source lines."""

from __future__ import annotations

import re

from publisher.importing.lines import URL_RE
from publisher.importing.sentences import ends_sentence

CREDIT_RE = re.compile(
    r"^(?:(?:©|\(c\)|Ⓒ)|(?:Fotos?|Bild(?:er)?|Bildquelle|Bildnachweis|Fotonachweis|Photo|Image|Credit|Copyright|"
    r"Foto ?credit)\s*:)\s*©?\s*(?P<credit>\S.{0,99})$",
    re.I,
)
AUTHOR_RE = re.compile(
    r"^(?:(?:Text|Texte|Autor|Autorin|Autoren|Autorinnen|Author|Authors|Redaktion|Verfasst von|Written by|"
    r"Text und Fotos?|Text und Bild(?:er)?|Text & Fotos?)\s*:\s*|(?P<by>Von|By)\s+)(?P<names>\S.*)$",
    re.I,
)
SOURCE_RE = re.compile(
    r"^(?:Quelle|Source|Originalmeldung|Originalartikel|Original|Via)\s*:\s*(?P<rest>.+)$", re.I
)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÄÖÜ][\w'’.-]*|von|van|de|der|den|zu|di|da|le|la|del|dos|y|Dr\.|Prof\.)$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|/|&|\bund\b|\band\b)\s*")


def credit_of(line: str) -> str | None:
    """``© VDI/VDE-IT`` -> ``VDI/VDE-IT``; also ``Foto: …``, ``Bild: …``, ``(c) …``, ``Copyright: …``."""
    match = CREDIT_RE.match(line)
    if not match:
        return None
    credit = match.group("credit").strip()
    if len(credit.split()) > 12 or (ends_sentence(credit) and not credit.endswith(("Ltd.", "Inc.", "e.V."))):
        return None
    return credit


def authors_of(line: str) -> tuple[str, ...]:
    """``Text: Daniel Boss`` / ``Autorin: Eva Kühn und Max Roth`` / ``Von Jana Weiß`` -> names, else ()."""
    match = AUTHOR_RE.match(line)
    if not match or len(line) > 120:
        return ()
    names = tuple(n.strip() for n in _NAME_SPLIT.split(match.group("names").strip().rstrip(".")) if n.strip())
    minimum = 2 if match.group("by") else 1  # "Von Anfang an" must not become an author
    for name in names:
        tokens = name.split()
        if not minimum <= len(tokens) <= 5 or not all(_NAME_TOKEN.match(t) for t in tokens):
            return ()
        if not tokens[-1][0].isupper():
            return ()
    return names


def source_of(line: str) -> str | None:
    """``Quelle: https://…`` -> the URL (``www.`` gets ``https://``); more than a label around it: not one."""
    match = SOURCE_RE.match(line)
    if not match:
        return None
    urls = URL_RE.findall(match.group("rest"))
    if len(urls) != 1 or len(URL_RE.sub("", match.group("rest")).split()) > 4:
        return None
    return urls[0] if urls[0].startswith("http") else "https://" + urls[0]
