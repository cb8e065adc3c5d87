"""Who made a press release: author lines, image credits and source lines."""

from __future__ import annotations

import re

from publisher.importing.lines import URL_RE
from publisher.importing.sentences import ends_sentence

# Labels of a credit line; the weak ones ("Foto:", "Bild:") also label captions ("Foto: Die Ministerin …").
_STRONG_LABELS = (
    r"Bildquelle|Bildnachweis|Fotonachweis|Credit|Credits|Copyright|Foto ?credit|Photo ?credit|Fotograf|"
    r"Fotografin|Fotografie|Photographer|Photography|Photo by|Foto von|Bild von|Image credit|Image source"
)
_WEAK_LABELS = r"Fotos?|Bild(?:er)?|Photos?|Image|Abbildung|Abb\."
CREDIT_RE = re.compile(
    rf"^(?:(?P<sign>©|\(c\)|Ⓒ)|(?P<strong>{_STRONG_LABELS})\s*:?|(?:{_WEAK_LABELS})\s*:)\s*©?\s*"
    r"(?P<credit>\S.{0,99})$",
    re.I,
)
# A caption with its credit at the end: "… rundherum Menschen © Agentur", "… im Labor. Photo: Jane Doe",
# "… die LEDBild: PA/dpa" (the label glued to the caption's last word).
_INLINE_CREDIT = re.compile(
    rf"^(?P<caption>.*?\S)\s*(?:\s(?:©|\(c\))|\s\(?(?:{_WEAK_LABELS}|{_STRONG_LABELS})\s*:|"
    r"(?<=\w)(?:Bild|Foto|Photo)\s*:)\s*©?\s*(?P<credit>[^\s:][^:]{0,79}?)\)?$"
)
_IMAGE_SOURCE = re.compile(r"^(?:Quelle|Source)\s*:\s*(?P<credit>\S.{0,79})$", re.I)
AUTHOR_RE = re.compile(
    r"^(?:(?:Text|Texte|Autor|Autorin|Autoren|Autorinnen|Author|Authors|Redaktion|Redakteur|Redakteurin|"
    r"Autor/in|Autor\*in|Text und Fotos?|Text und Bild(?:er)?|Text & Fotos?)\s*:\s*"
    r"|(?:Verfasst von|Written by|Submitted by|Posted by|Ein Beitrag von)\s*:?\s+"
    r"|(?P<by>Von|By)\s+)(?P<names>\S.*)$",
    re.I,
)
SOURCE_RE = re.compile(
    r"^(?:Quelle|Source|Originalmeldung|Originalartikel|Original|Via)\s*:\s*(?P<rest>.+)$", re.I
)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÄÖÜ][\w'’.-]*|von|van|de|der|den|zu|di|da|le|la|del|dos|y|Dr\.|Prof\.)$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|/|&|\bund\b|\band\b)\s*")


def _credit_text(credit: str, most_words: int = 12) -> str | None:
    credit = credit.strip()
    if len(credit.split()) > most_words or (
        ends_sentence(credit) and not credit.endswith(("Ltd.", "Inc.", "e.V.", "GmbH & Co. KG"))
    ):
        return None
    return credit


def credit_of(line: str) -> str | None:
    """``© VDI/VDE-IT`` -> ``VDI/VDE-IT``; also ``Foto: …``, ``Bild: …``, ``(c) …``, ``Copyright: …``,
    ``Fotograf: Thomas Becker`` (the templates add the label again)."""
    match = CREDIT_RE.match(line)
    return _credit_text(match.group("credit")) if match else None


def strong_credit(line: str) -> bool:
    """A credit whose label cannot head a caption: ``©``, ``Copyright``, ``Fotograf:``, ``Bildnachweis:``."""
    match = CREDIT_RE.match(line)
    return bool(match and (match.group("sign") or match.group("strong")))


def caption_of_label(line: str) -> str:
    """``Foto: Die Ministerin …`` -> ``Die Ministerin …``: a weak label in front of a caption."""
    match = CREDIT_RE.match(line)
    return match.group("credit").strip() if match else line


def inline_credit(line: str) -> tuple[str, str] | None:
    """A caption that ends with its credit -> (caption, credit); None for other lines."""
    if len(line) > 500 or CREDIT_RE.match(line):
        return None
    match = _INLINE_CREDIT.match(line)
    if not match:
        return None
    credit = _credit_text(match.group("credit").rstrip(")"), most_words=8)
    caption = match.group("caption").rstrip(" ,;–-")
    if credit is None or len(caption) < 3 or URL_RE.search(credit):
        return None
    return caption, credit


def image_source(line: str) -> str | None:
    """``Quelle: iStock.com/xy`` without a web address: an image credit when it stands in an image block."""
    match = _IMAGE_SOURCE.match(line)
    if not match or URL_RE.search(line):
        return None
    return _credit_text(match.group("credit"), most_words=6)


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
