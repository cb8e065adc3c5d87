"""The body of an imported press release: lines -> paragraphs, ``##`` headings and list items -> Markdown."""

from __future__ import annotations

import itertools
import re

from publisher.importing.lines import (
    BULLET_RE,
    NUMBERED_RE,
    URL_RE,
    RawLine,
    is_link_line,
    trailing_section_name,
)
from publisher.importing.model import ImportedImage
from publisher.importing.sections import contact_header, contact_line, contact_run, link_sections
from publisher.importing.sentences import (
    DANGLING_WORDS,
    SENTENCE_START,
    ends_sentence,
    same_text_key,
    sentence_spans,
)
from publisher.importing.units import Unit

# A word that may follow a suspended hyphen at a line end: "Geschäfts-" + "und Erlösmodelle".
SUSPENDED_NEXT = frozenset(
    ("und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "wie", "noch", "and", "or", "to")
)
_HYPHEN_END = re.compile(r"(\w+)-$")


def body_units(
    lines: list[RawLine],
    blank_separated: bool = False,
    furniture: frozenset[int] | set[int] = frozenset(),
    blanks: frozenset[int] | set[int] = frozenset(),
) -> list[Unit]:
    """Group the body's free lines into units: blocks break at blank or already-claimed lines.

    ``blank_separated``: the text separates paragraphs by blank lines, so a single line break after a
    sentence end is a soft wrap when the next word would not have fitted (PDF text), not a new paragraph.
    ``furniture``: line numbers of page numbers and repeated page headers; a paragraph that a page end
    broke in two goes on across them and the ``blanks`` around them.
    """
    blocks: list[list[RawLine]] = []
    for line in lines:
        if blocks and _same_block(blocks[-1][-1], line, furniture, blanks):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    vocabulary = _vocabulary(lines)
    units: list[Unit] = []
    for index, block in enumerate(blocks):
        units.extend(_block_units(block, index < len(blocks) - 1, vocabulary, blank_separated))
    link_sections(units)
    kept = [u for u in units if u.kept]
    if kept and kept[-1].kind == "heading":  # a heading needs something after it
        last = kept[-1]
        last.kind, last.notes = "paragraph", ["short last line: kept as a paragraph (nothing follows it)"]
    return units


def _same_block(
    last: RawLine, line: RawLine, furniture: frozenset[int] | set[int], blanks: frozenset[int] | set[int]
) -> bool:
    if last.number == line.number - 1:
        return True
    gap = range(last.number + 1, line.number)
    return (
        all(n in furniture or n in blanks for n in gap)
        and any(n in furniture for n in gap)
        and (not ends_sentence(last.text) or line.text[:1].islower())
    )


def _vocabulary(lines: list[RawLine]) -> set[str]:
    """Every word of the text as written on one line (hyphenated compounds whole and in parts)."""
    words: set[str] = set()
    for line in lines:
        for token in re.findall(r"\w+(?:-\w+)*", line.text.casefold()):
            words.add(token)
            words.update(token.split("-"))
    return words


def _known(word: str, vocabulary: set[str]) -> bool:
    """Is ``word`` (or a longer form such as a plural) written somewhere in the text?"""
    return any(w.startswith(word) for w in vocabulary)


def _bullet(block: list[RawLine], i: int) -> str | None:
    """The item text if line ``i`` is a list item; a dash mid-sentence (wrapped text) is not one."""
    numbered = _numbered(block, i)
    if numbered:
        return numbered[1]
    match = BULLET_RE.match(block[i].text)
    if not match:
        return None
    if match.group("dash") and i > 0:
        prev = block[i - 1].text
        following = block[i + 1].text if i + 1 < len(block) else ""
        if not (
            ends_sentence(prev)
            or prev.endswith(":")
            or BULLET_RE.match(prev)
            or following.startswith(match.group("dash") + " ")
            or not _soft_wrapped(block, i)
        ):
            return None
    return match.group("item")


def _numbered(block: list[RawLine], i: int) -> tuple[str, str] | None:
    """``1. Text`` / ``2) Text``: (marker, text) when the line before or after continues the count.

    Markdown renumbers ordered lists from their first number, so only consecutive numbers make a
    list (``7. Ausgabe`` after ``3. …`` stays text, with its number).
    """
    match = NUMBERED_RE.match(block[i].text)
    if not match:
        return None
    number = int(match.group("number"))
    for j, expected in ((i - 1, number - 1), (i + 1, number + 1)):
        other = NUMBERED_RE.match(block[j].text) if 0 <= j < len(block) else None
        if other and int(other.group("number")) == expected:
            return f"{number}.", match.group("item")
    return None


def _is_heading(block: list[RawLine], i: int, more_after: bool) -> bool:
    """A short line without final punctuation, after a sentence end and before more text."""
    text = block[i].text
    if len(text) > 100 or len(text.split()) > 12 or text[-1] in ".,;:!…-–—" or not SENTENCE_START.match(text):
        return False
    if (ends_sentence(text) and not text.endswith("?")) or is_link_line(text) or _bullet(block, i):
        return False
    if len(sentence_spans(text)) > 1 or text.rsplit(" ", 1)[-1].casefold() in DANGLING_WORDS:
        return False  # "… ihre Berufe. Am": a wrapped sentence, no heading
    if i > 0 and not (ends_sentence(block[i - 1].text) or _bullet(block, i - 1)):
        return False
    if i < len(block) - 1:
        if not SENTENCE_START.match(block[i + 1].text) and _bullet(block, i + 1) is None:
            return False
        return not _soft_wrapped(block, i + 1)
    return more_after


def soft_wrapped(previous: str, line: str, width: int) -> bool:
    """Was ``previous`` broken only because ``line``'s first word did not fit (PDF or e-mail wrapping)?

    Text wrapped at ``width`` puts a word on the next line only when it would not fit, so a short
    line followed by a short word is a deliberate break (a heading, subtitle or new paragraph).
    """
    first = line.split(" ", 1)[0]
    return len(previous) + 1 + len(first) > width


def wrapped_block(texts: list[str]) -> bool:
    """Does the block show soft wrapping: a line broken mid-sentence where the next word did not fit?"""
    width = max(len(t) for t in texts)
    return any(
        not ends_sentence(a)
        and (b[:1].islower() or soft_wrapped(a, b, width))
        and not (
            BULLET_RE.match(b)
            or NUMBERED_RE.match(b)
            or is_link_line(a)
            or is_link_line(b)
            or trailing_section_name(a)
        )
        for a, b in itertools.pairwise(texts)
    )


def _soft_wrapped(block: list[RawLine], i: int) -> bool:
    width = max(len(line.text) for line in block)
    return soft_wrapped(block[i - 1].text, block[i].text, width)


def _continues(block: list[RawLine], i: int, more_after: bool, blank_separated: bool) -> bool:
    """Does line ``i`` continue the paragraph of line ``i - 1`` (soft wrap) rather than start a new one?"""
    prev, line = block[i - 1].text, block[i].text
    if _bullet(block, i) is not None or _is_heading(block, i, more_after):
        return False
    if is_link_line(prev) or is_link_line(line) or trailing_section_name(prev):
        return False
    if _HYPHEN_END.search(prev) or line[:1].islower():
        return True
    if prev.endswith(":"):
        return line.startswith("+")  # "Tel.:" / "+49 …": a phone number wrapped onto the next line
    if ends_sentence(prev):
        return blank_separated and _soft_wrapped(block, i)
    # paragraphs end at blank lines: a line without a sentence end goes on ("Am" / "13. Mai …")
    return blank_separated or _soft_wrapped(block, i)


def _block_units(
    block: list[RawLine], more_after: bool, vocabulary: set[str], blank_separated: bool
) -> list[Unit]:
    units: list[Unit] = []
    i = 0
    while i < len(block):
        line = block[i]
        contact = _contact(block, i)
        if contact:
            units.extend(contact)
            i += sum(len(u.lines) for u in contact)
            continue
        item = _bullet(block, i)
        if item is not None:
            numbered = _numbered(block, i)
            marker = numbered[0] if numbered else "-"
            group = [line]
            i += 1
            while i < len(block) and _bullet(block, i) is None and _item_continues(line, block[i]):
                group.append(block[i])
                i += 1
            unit = _joined("item", group, vocabulary, first=item, note=f"list item ({marker} in Markdown)")
            unit.marker = marker
            units.append(unit)
        elif _is_heading(block, i, more_after):
            units.append(
                Unit(
                    "heading",
                    [line],
                    line.text,
                    [0],
                    ["## heading: short line without final punctuation, more text follows"],
                )
            )
            i += 1
        else:
            group = [line]
            i += 1
            while i < len(block) and _continues(block, i, more_after, blank_separated):
                group.append(block[i])
                i += 1
            units.append(_joined("paragraph", group, vocabulary, first=line.text, note="paragraph"))
    return units


def _contact(block: list[RawLine], i: int) -> list[Unit]:
    """A contact block from ``block[i]``: its heading (``Pressekontakt``) and its lines, kept line by line."""
    line = block[i]
    units = []
    start = i
    if contact_header(line.text) and i + 1 < len(block) and contact_line(block[i + 1].text):
        heading = line.text.rstrip().rstrip(":").rstrip()
        units.append(Unit("heading", [line], heading, [0], ["## heading: a contact block follows"]))
        start = i + 1
        end = start
        while end < len(block) and contact_line(block[end].text) and not contact_header(block[end].text):
            end += 1
    else:
        end = i + contact_run(block, i)
    if end <= start:
        return []
    lines = block[start:end]
    offsets = [sum(len(x.text) + 1 for x in lines[:k]) for k in range(len(lines))]
    notes = ["contact block: its lines keep their line breaks"] * len(lines)
    units.append(Unit("contact", lines, "\n".join(x.text for x in lines), offsets, notes))
    return units


def figure_unit(number: int, figure: ImportedImage) -> Unit:
    """A placeholder for a later image block: an HTML comment with its texts (no image file in raw text)."""
    parts = [
        f"{key}: {value}"
        for key, value in (("alt", figure.alt), ("caption", figure.caption), ("credit", figure.credit))
        if value
    ]
    text = "\n".join(part.replace("-->", "- ->") for part in parts)
    return Unit("figure", [RawLine(number, "", 0, False)], text, [0], [])


def _item_continues(bullet: RawLine, line: RawLine) -> bool:
    return line.text[:1].islower() or line.indent > bullet.indent


def _joined(kind: str, lines: list[RawLine], vocabulary: set[str], first: str, note: str) -> Unit:
    """Join soft-wrapped lines; undo PDF hyphenation but keep suspended hyphens (``Geschäfts- und``)."""
    text, offsets, notes = first, [0], [note]
    for line in lines[1:]:
        nxt = line.text
        match = _HYPHEN_END.search(text)
        word = re.match(r"\w+", nxt)
        sep, why = " ", "joined to the line before (no sentence end)"
        if match and word:
            stem, head = match.group(1), word.group(0)
            if nxt[0].islower() and nxt.split()[0].rstrip(",") in SUSPENDED_NEXT:
                why = f"kept the suspended hyphen '{stem}- {head}'"
            elif not nxt[0].islower():
                sep, why = "", f"joined '{stem}-' + '{head}' keeping the hyphen (compound)"
            elif _known(f"{stem}-{head}".casefold(), vocabulary) and not _known(
                (stem + head).casefold(), vocabulary
            ):
                sep, why = "", f"joined '{stem}-' + '{head}' keeping the hyphen (written so elsewhere)"
            else:
                text, sep, why = text[:-1], "", f"joined '{stem}-' + '{head}' (hyphenation at the line end)"
        offsets.append(len(text) + len(sep))
        text += sep + nxt
        notes.append(why)
    return Unit(kind, lines, text, offsets, notes)


def dedupe(units: list[Unit], seen: dict[str, str]) -> list[tuple[RawLine, str, str]]:
    """Drop repeated paragraphs and sentences (quote styles do not count); the first occurrence stays.

    ``seen`` maps comparison keys to where they were first seen (title, subtitle). Whole units are
    dropped in place; the removed single sentences are returned as (line, sentence, reason).
    """
    removed: list[tuple[RawLine, str, str]] = []
    headings: set[str] = set()
    for unit in units:
        key = same_text_key(unit.text)
        if not unit.kept:
            continue
        if unit.kind == "contact":
            continue
        if unit.kind == "heading":
            if key in headings or key in seen:
                unit.drop(f"repeats {seen.get(key, 'an earlier heading')}")
            headings.add(key)
            continue
        if key in seen:
            unit.drop(f"repeats {seen[key]}")
            continue
        spans = sentence_spans(unit.text)
        repeats = [(a, b, seen.get(same_text_key(unit.text[a:b]))) for a, b in spans]
        if all(where for _, _, where in repeats):
            unit.drop(f"every sentence repeats an earlier one (first: {repeats[0][2]})")
            continue
        kept = []
        for start, end, where in repeats:
            line, sentence = unit.line_at(start), unit.text[start:end]
            if where:
                removed.append((line, sentence, f"repeats {where}"))
            else:
                seen[same_text_key(sentence)] = f"a sentence in line {line.number}"
                kept.append(sentence)
        seen[key] = f"the paragraph from line {unit.lines[0].number}"
        if len(kept) < len(spans):
            unit.text = " ".join(kept)
    return removed


# --- Markdown -----------------------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]<~]|&(?=#?\w+;))")
_BLOCK_START = re.compile(r"^(?:(\d{1,9})([.)])(?=\s|$)|([#>+=|-]))")


def escape_markdown(text: str) -> str:
    """Keep the wording literal in Markdown: ``*``, ``_``, ``<`` … and list/heading starts are escaped."""
    parts, pos = [], 0
    for match in URL_RE.finditer(text):
        parts.append(_INLINE.sub(r"\\\1", text[pos : match.start()]))
        parts.append(match.group(0))
        pos = match.end()
    parts.append(_INLINE.sub(r"\\\1", text[pos:]))
    escaped = "".join(parts)
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped, count=1)


def join_units_markdown(units: list[Unit]) -> str:
    out: list[str] = []
    previous = ""
    for unit in units:
        if unit.kind == "figure":
            block = f"<!-- figure\n{unit.text}\n-->"
        elif unit.kind == "contact":
            block = "\\\n".join(escape_markdown(line) for line in unit.text.split("\n"))
        elif unit.kind == "heading":
            block = "## " + escape_markdown(unit.text)
        elif unit.kind == "item":
            block = f"{unit.marker} {escape_markdown(unit.text)}"
        else:
            block = escape_markdown(unit.text)
        kind = unit.kind + ("-numbered" if unit.marker != "-" else "")
        if out:
            out.append("\n" if kind == previous and unit.kind == "item" else "\n\n")
        out.append(block)
        previous = kind
    return "".join(out)
