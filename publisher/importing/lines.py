"""Raw text -> numbered lines as editors count them, and what kind a line is: list item, link, section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.importing.decoding import CONTROL_CHARS, LINE_BREAK


def words(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(" ".join(text.split()).split(sep) if sep else text.split())


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
    quote: str = ""  # the e-mail quote marks taken off the line ("> ")


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


URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"“”„«»]+[^\s<>\"“”„«».,;:!?)\]]")
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
BULLET_RE = re.compile(r"^(?:(?P<dot>[•·▪◦‣●○■□➢►▸✓✔])\s*|(?P<dash>[-–—*+])\s+)(?P<item>\S.*)$")
NUMBERED_RE = re.compile(r"^(?P<number>\d{1,2})[.)]\s+(?P<item>\S.*)$")


def bullet_item(line: str) -> str | None:
    match = BULLET_RE.match(line)
    return match.group("item") if match else None


TRAILING_SECTIONS = words(
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
