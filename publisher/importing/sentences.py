"""Sentences in press-release text (abbreviations and ordinals end none), comparison keys, language."""

from __future__ import annotations

import re

from publisher.importing.lines import words

TERMINAL = ".!?…"
CLOSERS = "\"“”’‘»«)]'"
_BOUNDARY = re.compile(r"[.!?…]+[\"“”’‘»«)\]']*\s+")
SENTENCE_START = re.compile(r"[A-ZÄÖÜ0-9„\"“‚‘'«»(\[]")
ABBREVIATIONS = words(
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
DANGLING_WORDS = words(
    "der die das den dem des ein eine einer einem einen für und oder am im vom zum zur beim an auf mit von "
    "bei nach the a an of and or for with to on at by from"
)

# --- language -----------------------------------------------------------------------------------

GERMAN_WORDS = words(
    "der die das und ist nicht mit für von den zu auf ein eine im sich des dem auch wird bei als wir sie es "
    "über nach wie aus werden hat zum zur durch oder sind noch einer einen haben vor so um am"
)
ENGLISH_WORDS = words(
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
