"""Raw press-release text: decode bytes, normalise whitespace, and recognise what kind of line a line is."""

from __future__ import annotations

import re
import unicodedata
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
    # (line, message) for bytes that were not valid in ``encoding`` and were read another way
    repairs: tuple[tuple[int, str], ...] = ()


def size_error(source: str, size: int | None) -> PublisherError:
    """The error for input over MAX_BYTES; ``size`` None when only "more than 5 MB" is known (stdin)."""
    shown = "more than 5 MB" if size is None else f"{size / 1048576:.1f} MB"
    return PublisherError(
        f"{source}: the file is {shown}; press releases over 5 MB are refused "
        "-> check that this is the right file, or split it"
    )


def decode(data: bytes, source: str) -> Decoded:
    """Bytes -> NFC text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/Latin-1.

    UTF-8 text with a few stray Windows-1252/Latin-1 bytes is read as UTF-8 with those bytes as
    cp1252, and ``repairs`` says where. Raises PublisherError naming ``source`` for empty, oversized,
    binary (NUL bytes or many control characters) and broken UTF-16 input.
    """
    if len(data) > MAX_BYTES:
        raise size_error(source, len(data))
    repairs: tuple[tuple[int, str], ...] = ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _decode_utf16(data, source), "utf-16"
    elif b"\x00" in data:
        raise _binary(source)
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            mixed = _decode_mostly_utf8(data)
            if mixed is not None:
                text, repairs = mixed
                encoding = "utf-8+cp1252"
            else:
                text, encoding = _decode_legacy(data)
    # Decomposed umlauts (text copied on a Mac) are the same text: the same id, slug and dates.
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    controls = len(CONTROL_CHARS.findall(text))
    if controls > max(2, len(text) // 100):
        raise _binary(source)
    if not text.strip():
        raise PublisherError(f"{source}: the file is empty -> paste the press release text into it")
    return Decoded(text, encoding, repairs)


# C0 and C1 control characters other than tab, line breaks, VT, FF and NEL (white space): text has
# (almost) none, binaries many.
CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _binary(source: str) -> PublisherError:
    return PublisherError(
        f"{source}: this looks like a binary file, not text -> copy the press release text into a .txt file"
    )


def _decode_utf16(data: bytes, source: str) -> str:
    """UTF-16 with BOM; a file cut mid-character or with a broken surrogate fails naming the line."""
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-16", errors="replace")
        what = (
            "it ends in the middle of a character (cut off?)"
            if exc.reason == "truncated data"
            else f"byte {exc.start} is not valid UTF-16 ({exc.reason})"
        )
        line = line_of(before, len(before))
        raise PublisherError(
            f"{source}:{line}: starts like UTF-16 text (byte-order mark FF FE or FE FF), but {what} "
            "-> save the press release again as UTF-8 text, or copy its text into a new .txt file"
        ) from None


_CP1252_HIGH = {
    i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0) if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _cp1252(data: bytes) -> str:
    """Windows-1252, with Latin-1 for the five bytes cp1252 leaves undefined (never fails)."""
    return data.decode("latin-1").translate(_CP1252_HIGH)


_MAX_REPAIRS = 20


def _decode_mostly_utf8(data: bytes) -> tuple[str, tuple[tuple[int, str], ...]] | None:
    """UTF-8 with a few invalid bytes: those bytes as cp1252 (``Caf\\xe9`` -> ``Café``), each one reported.

    Only when the rest shows it is UTF-8 (at least one valid non-ASCII character) and there are
    at most _MAX_REPAIRS bad spots; otherwise None: an 8-bit text. Nothing is dropped, not even an
    incomplete character at the very end (a cut-off file).
    """
    parts: list[str] = []
    bad: list[tuple[int, bytes, str]] = []  # (offset in the text, the bytes, why)
    valid = 0  # non-ASCII characters that were valid UTF-8
    pos = 0
    while pos < len(data):
        try:
            chunk, start, end, reason = data[pos:].decode("utf-8"), len(data), len(data), ""
        except UnicodeDecodeError as exc:
            start, end, reason = pos + exc.start, pos + exc.end, exc.reason
            chunk = data[pos:start].decode("utf-8")
        valid += sum(1 for char in chunk if ord(char) > 127)
        parts.append(chunk)
        if start < end:
            if len(bad) == _MAX_REPAIRS:
                return None
            cut = end == len(data) and reason == "unexpected end of data"
            why = "the file ends in the middle of a UTF-8 character (cut off?)" if cut else "not UTF-8"
            bad.append((sum(map(len, parts)), data[start:end], why))
            parts.append(_cp1252(data[start:end]))
        pos = end
    if valid == 0:  # no sign of UTF-8 at all: an 8-bit text
        return None
    text = "".join(parts)
    repairs = [
        (
            line_of(text, offset),
            f"byte(s) {raw.hex(' ').upper()}: {why}; read as Windows-1252 '{_cp1252(raw)}' "
            "-> check that character",
        )
        for offset, raw, why in bad
    ]
    return text, tuple(repairs)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """An 8-bit text: Windows-1252 or Latin-1 as charset-normalizer judges, else Windows-1252.

    Whether it is binary is decided afterwards by its control characters, as for any text.
    """
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    if best is None:
        return _cp1252(data), "cp1252"
    encoding = best.encoding
    # Latin-1 puts C1 controls where cp1252 has „ “ – €; Windows text is far more common.
    if encoding != "cp1252":
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), encoding


# --- whitespace ---------------------------------------------------------------------------------

# Line ends as editors and ``grep -n`` count them: LF, CRLF and CR (not form feed, VT or U+2028).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of ``text[offset]``, counted as editors do."""
    return len(LINE_BREAK.findall(text, 0, offset)) + 1


INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class RawLine:
    """One input line after whitespace normalisation; ``number`` counts from 1 as editors do."""

    number: int
    text: str
    indent: int
    changed: bool  # odd spaces, tabs or invisible characters were normalised
    controls: str = ""  # control characters removed from the line (not text: ESC, DEL, \x01 …)


def split_lines(text: str) -> list[RawLine]:
    """Lines as editors and ``grep -n`` count them (LF, CRLF, CR); control characters are taken out.

    Form feed (pdftotext's page break), vertical tab and U+2028/U+2029 do not end a line; like
    other odd white space they become a plain space.
    """
    raws = LINE_BREAK.split(text)
    if len(raws) > 1 and not raws[-1]:
        raws.pop()  # the final line end ends the last line; it does not start another
    lines = []
    for number, raw in enumerate(raws, 1):
        controls = "".join(CONTROL_CHARS.findall(raw))
        visible = CONTROL_CHARS.sub("", raw).translate(INVISIBLE)
        indent = len(visible) - len(visible.lstrip())
        clean = _SPACES.sub(" ", visible).strip()  # NBSP, thin, narrow, tab ... -> one plain space
        changed = clean != CONTROL_CHARS.sub("", raw).strip()
        lines.append(RawLine(number, clean, indent, changed, controls))
    return lines


def escape_controls(text: str) -> str:
    """``\\x1b`` for ESC and every other control character: safe to print on a terminal."""
    return CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


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


_CRUMB_SEPARATOR = re.compile(r"\s+(?:>>?|›|»|→|≫)\s+")
_CRUMB_HOME = _words("startseite|start|home|homepage|übersicht|overview", "|")


def is_breadcrumb(line: str) -> bool:
    """``Startseite > Presse > Meldungen``: short parts joined by ``>``, ``›``, ``»`` or ``→``.

    Three parts or more, or two that begin with a home page (``Home › News``); a part is at most
    five words and ends no sentence.
    """
    parts = _CRUMB_SEPARATOR.split(line.strip())
    if len(parts) < 2 or (len(parts) == 2 and parts[0].casefold() not in _CRUMB_HOME):
        return False
    return all(0 < len(part.split()) <= 5 and len(part) <= 40 and not ends_sentence(part) for part in parts)


def boilerplate_reason(line: str) -> str | None:
    """Why a line is web-page furniture rather than press-release content, or None."""
    if is_breadcrumb(line):
        return "breadcrumb navigation"
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
    """``Dr.``, ``z.``, ``A.`` (initial), ``14.`` (ordinal), ``u.a.``: a period that ends no sentence.

    Only a letter is an initial: after ``€``, ``%`` or ``$`` the period ends the sentence.
    """
    word = token.strip("(„\"“'").rstrip(".").casefold()
    return (
        word in ABBREVIATIONS
        or (word.isdigit() and len(word) <= 2)
        or (len(word) == 1 and word.isalpha())
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
