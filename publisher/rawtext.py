"""Raw press-release text: decode bytes, normalise whitespace, and recognise what kind of line a line is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from publisher.errors import PublisherError

MAX_BYTES = 5 * 1024 * 1024


def _words(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(" ".join(text.split()).split(sep) if sep else text.split())


# --- decoding -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes, source: str) -> Decoded:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/Latin-1 (charset-normalizer).

    Raises PublisherError naming ``source`` for empty, oversized and binary input.
    """
    if len(data) > MAX_BYTES:
        raise PublisherError(
            f"{source}: the file is {len(data) / 1048576:.1f} MB; press releases over 5 MB are refused "
            "-> check that this is the right file, or split it"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif b"\x00" in data:
        raise _binary(source)
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode_legacy(data, source)
    text = text.lstrip("\ufeff")
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) // 100):
        raise _binary(source)
    if not text.strip():
        raise PublisherError(f"{source}: the file is empty -> paste the press release text into it")
    return Decoded(text, encoding)


# C0 and C1 control characters other than tab and line breaks: text has (almost) none, binaries many.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _binary(source: str) -> PublisherError:
    return PublisherError(
        f"{source}: this looks like a binary file, not text -> copy the press release text into a .txt file"
    )


def _decode_legacy(data: bytes, source: str) -> tuple[str, str]:
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    if best is None:
        raise _binary(source)
    encoding = best.encoding
    # Latin-1 puts C1 controls where cp1252 has „ “ – €; Windows text is far more common.
    if encoding != "cp1252":
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), encoding


# --- whitespace ---------------------------------------------------------------------------------

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RawLine:
    """One input line after whitespace normalisation; ``number`` counts from 1 as editors do."""

    number: int
    text: str
    indent: int
    changed: bool  # odd spaces, tabs or invisible characters were normalised


def split_lines(text: str) -> list[RawLine]:
    lines = []
    for number, raw in enumerate(text.splitlines() or [""], 1):
        visible = raw.translate(INVISIBLE)
        indent = len(visible) - len(visible.lstrip())
        clean = _SPACES.sub(" ", visible).strip()  # NBSP, thin, narrow, tab ... -> one plain space
        lines.append(RawLine(number, clean, indent, clean != raw.strip()))
    return lines


def normalised_text(lines: list[RawLine]) -> str:
    """The text as the importer sees it: same for CRLF/LF, BOM or not, any encoding: the id's seed."""
    return "\n".join(line.text for line in lines).strip()


# --- line patterns ------------------------------------------------------------------------------

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"“”„«»]+[^\s<>\"“”„«».,;:!?)\]]")
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
BULLET_RE = re.compile(r"^(?:(?P<dot>[•·▪◦‣●○■□➢►▸✓✔])\s*|(?P<dash>[-–—*+])\s+)(?P<item>\S.*)$")
NUMBERED_RE = re.compile(r"^(?P<number>\d{1,2})[.)]\s+(?P<item>\S.*)$")
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


def bullet_item(line: str) -> str | None:
    match = BULLET_RE.match(line)
    return match.group("item") if match else None


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


_COOKIE_TOPIC = re.compile(
    r"cookie|google analytics|matomo|analytics|tracking|einwilligung|consent|datenschutzeinstellung", re.I
)
_COOKIE_ACTION = re.compile(
    r"verwende|nutze|setze|speicher|erlaubnis|zustimm|stimmen sie|akzept|ablehn|einstellung|widerruf|"
    r"datenschutz|we use|this (?:web)?site uses|accept|agree|privacy|consent",
    re.I,
)
BANNER_BUTTONS = _words(
    "akzeptieren|alle akzeptieren|alle cookies akzeptieren|ablehnen|alle ablehnen|cookie-einstellungen|"
    "cookie einstellungen|cookies zulassen|nur notwendige cookies|nur essenzielle cookies|auswahl speichern|"
    "nur notwendige cookies akzeptieren|accept|accept all|accept all cookies|reject|reject all|"
    "cookie settings|manage cookies|datenschutzerklärung|impressum|privacy policy",
    "|",
)
_SHARE_STRONG = _words(
    "teilen drucken druckansicht druckversion share print facebook twitter linkedin xing whatsapp instagram "
    "pinterest telegram mastodon bluesky reddit seitenanfang kopieren weiterempfehlen empfehlen tweet "
    "zurück übersicht top oben"
)
_SHARE_WORDS = _SHARE_STRONG | _words(
    "seite artikel beitrag diese dieser this page per e-mail email mail versenden senden link nach oben auf "
    "on via x zum zur back to copy teilen: artikels"
)


def boilerplate_reason(line: str) -> str | None:
    """Why a line is web-page furniture rather than press-release content, or None."""
    folded = line.casefold().strip(" .:!")
    if folded in BANNER_BUTTONS:
        return "cookie/consent banner button"
    if len(line) <= 600 and _COOKIE_TOPIC.search(line) and _COOKIE_ACTION.search(line):
        return "cookie/analytics banner"
    words = re.findall(r"[\w-]+:?", folded)
    if 0 < len(words) <= 12 and all(w in _SHARE_WORDS for w in words) and _SHARE_STRONG.intersection(words):
        return "share/print/navigation links"
    return None


TRAILING_SECTIONS = _words(
    "weitere informationen|weiterführende informationen|weiterführende links|mehr erfahren|"
    "mehr informationen|mehr zum thema|weitere links|links|links zum thema|downloads|download|"
    "weiterlesen|zum download|further information|more information|more info|learn more|read more|"
    "related links|useful links|find out more",
    "|",
)
_LINK_LEAD = re.compile(
    r"^(?:[→➔➜►▸»›>]|(?:zur|zum|zu den|hier|link|website|webseite|homepage|download)\b)", re.I
)


def trailing_section_name(line: str) -> str | None:
    """``Weitere Informationen`` (also with ``:``, or ``Weitere Informationen: <links>``) -> its name."""
    head = line.split(":", 1)[0] if ":" in line and URL_RE.search(line) else line
    name = head.strip().rstrip(":").strip()
    return name if name.casefold() in TRAILING_SECTIONS else None


def is_link_line(line: str) -> bool:
    """A line that is a link and nothing else: a URL or e-mail with a few words, an arrow link, a PDF link."""
    text = bullet_item(line) or line
    if URL_RE.search(text) or EMAIL_RE.search(text):
        return len(EMAIL_RE.sub("", URL_RE.sub("", text)).split()) <= 8
    if re.search(r"\((?:PDF|pdf|extern|external)\b", text):
        return True
    return bool(_LINK_LEAD.match(text)) and len(text.split()) <= 12 and not text.endswith(".")


# --- sentences ----------------------------------------------------------------------------------

TERMINAL = ".!?…"
CLOSERS = "\"“”’‘»«)]'"
_BOUNDARY = re.compile(r"[.!?…]+[\"“”’‘»«)\]']*\s+")
SENTENCE_START = re.compile(r"[A-ZÄÖÜ0-9„\"“‚‘'«»(\[]")
ABBREVIATIONS = _words(
    "dr prof bzw ca nr st mio mrd usw etc vgl ggf inkl zzgl evtl sog bspw abs art tel fax hr fr dipl ing str "
    "jh jhd min max mr mrs ms no vs co inc ltd corp jan feb febr mär apr jun jul aug sep sept okt oct "
    "nov dez dec rd ebd allg bzgl betr geb gegr mag hl sen"
)


def _abbreviation(token: str) -> bool:
    """``Dr.``, ``z.``, ``A.`` (initial), ``14.`` (ordinal), ``u.a.``: a period that ends no sentence."""
    word = token.strip("(„\"“'").rstrip(".").casefold()
    return (
        word in ABBREVIATIONS
        or (word.isdigit() and len(word) <= 2)
        or len(word) == 1
        or ("." in word and len(word) <= 6)
    )


def ends_sentence(text: str) -> bool:
    """Does ``text`` end a sentence (``.``, ``!``, ``?``, ``…``, also before closing quotes)?"""
    bare = text.rstrip(CLOSERS)
    if not bare or bare[-1] not in TERMINAL:
        return False
    return not (
        bare == text and bare.endswith(".") and not bare.endswith("..") and _abbreviation(bare.split()[-1])
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``text``; abbreviations, initials and ordinals do not end one."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        nxt = text[match.end() : match.end() + 1]
        if not nxt or not SENTENCE_START.match(nxt):
            continue
        words = text[start : match.start() + 1].split()
        if match.group(0)[0] == "." and words and _abbreviation(words[-1]):
            continue
        end = match.start() + len(match.group(0).rstrip())
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


_DOUBLE_QUOTES = re.compile('[„“”‟«»″"]')
_SINGLE_QUOTES = re.compile("[‚‘’‛‹›`´]")
_DASHES = re.compile("[–—]")


def same_text_key(text: str) -> str:
    """Comparison key for duplicates: quote styles, dashes, spacing and case do not matter."""
    text = _DASHES.sub("-", _SINGLE_QUOTES.sub("'", _DOUBLE_QUOTES.sub('"', text)))
    return " ".join(text.split()).casefold()


# Words a title or subtitle does not end with, but a line of wrapped text often does.
DANGLING_WORDS = _words(
    "der die das den dem des ein eine einer einem einen für und oder the a of and or for with"
)

# --- language -----------------------------------------------------------------------------------

GERMAN_WORDS = _words(
    "der die das und ist nicht mit für von den zu auf ein eine im sich des dem auch wird bei als wir sie es "
    "über nach wie aus werden hat zum zur durch oder sind noch einer einen haben vor so um am"
)
ENGLISH_WORDS = _words(
    "the and of to is for with on that by this are was from be has have will it as at or we their "
    "which its our were been not they"
)


_UMLAUTS = re.compile("[äöüßÄÖÜ]")


def detect_language(text: str, default: str = "de") -> str:
    """``de`` or ``en`` by counting common function words; ``default`` when the text gives no sign."""
    words = re.findall(r"[a-zäöüß]+", text.casefold())
    german = sum(w in GERMAN_WORDS for w in words) + 2 * len(_UMLAUTS.findall(text)) // 3
    english = sum(w in ENGLISH_WORDS for w in words)
    if german == english:
        return default
    return "de" if german > english else "en"
