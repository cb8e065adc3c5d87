"""Image blocks in raw text (alt, credit, caption): the first is the entry's image, later ones figures."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.importing.attribution import (
    caption_of_label,
    credit_of,
    image_source,
    inline_credit,
    strong_credit,
)
from publisher.importing.draft import Draft
from publisher.importing.lines import RawLine, bullet_item
from publisher.importing.model import ImportedImage
from publisher.importing.sentences import ends_sentence, same_text_key, sentences


@dataclass
class _Block:
    credit: str
    credit_line: RawLine
    alt: RawLine | None = None
    dup: RawLine | None = None  # the alt text repeated on the line before it
    caption: RawLine | None = None
    caption_text: str = ""
    inline: bool = False  # caption and credit on one line


def image_blocks(draft: Draft) -> None:
    """Find every image block; the first becomes ``draft.image``, the others ``draft.figures``.

    A block is a credit line (``© …``, ``Foto: …``, ``Fotograf: …``; ``Quelle: …`` only between alt
    and caption lines) with the alt text before it and a caption after it, or a caption that ends
    with its credit (``… rundherum Menschen © Agentur``). ``Foto: <caption>`` next to a ``©`` line is
    the caption, and the ``©`` line the credit.
    """
    by_number = {line.number: line for line in draft.lines}
    for line in draft.content():
        if not draft.free(line):
            continue
        block = _block(draft, by_number, line)
        if block is not None:
            _claim(draft, block)


def _block(draft: Draft, by_number: dict[int, RawLine], line: RawLine) -> _Block | None:
    credit = credit_of(line.text)
    after = _free(draft, by_number, line.number + 1)
    before = _free(draft, by_number, line.number - 1)
    if credit is not None and not strong_credit(line.text) and after and strong_credit(after.text):
        credit = None  # "Foto: <caption>" followed by "© <credit>": the next line is the credit
    if credit is None:
        inline = inline_credit(line.text)
        if inline is not None and (_ends_block(draft, by_number, line) or "©" in line.text):
            block = _Block(inline[1], line, caption=line, caption_text=inline[0], inline=True)
            if before and _alt_like(draft, by_number, before, before) and not ends_sentence(before.text):
                block.alt = before
            return block
        source = image_source(line.text)
        if source is None or not (before and after) or not all(_short_label(x) for x in (before, after)):
            return None
        credit = source
    block = _Block(credit, line)
    if before is not None and credit_of(before.text) is not None and not strong_credit(before.text):
        block.caption, block.caption_text = before, caption_of_label(before.text)  # "Foto: <caption>" above
        before = None
    alt = before if before is not None and credit_of(before.text) is None else None
    dup = _free(draft, by_number, alt.number - 1) if alt else None
    if dup and alt and same_text_key(dup.text) != same_text_key(alt.text):
        dup = None
    if alt and not _alt_like(draft, by_number, dup or alt, alt):
        alt = dup = None
    block.alt, block.dup = alt, dup
    if block.caption is None and after is not None and credit_of(after.text) is None:
        caption_like = len(after.text) <= 150 and (
            not ends_sentence(after.text)
            or (alt is not None and same_text_key(alt.text) == same_text_key(after.text))
        )
        # a credit that starts its block, followed by one sentence that ends it: "© X" / "<caption>."
        lone = (
            alt is None
            and _starts_block(draft, by_number, line)
            and _ends_block(draft, by_number, after)
            and len(after.text) <= 300
            and len(sentences(after.text)) <= 2
        )
        if caption_like or lone:
            block.caption, block.caption_text = after, after.text
    return block


def _claim(draft: Draft, block: _Block) -> None:
    first = draft.image is None
    image = ImportedImage(block.alt.text if block.alt else "", block.caption_text, block.credit)
    kind = "image" if first else "figure"
    if block.dup is not None:
        draft.claim(block.dup, "removed", kind, f"{kind} alt text repeated on the next line")
    if block.alt is not None:
        draft.claim(block.alt, f"{kind}.alt", kind, f"{kind} alt text (line before the credit)")
    if block.inline:
        draft.claim(
            block.credit_line, f"{kind}.caption", kind, f"{kind} caption with its credit -> {block.credit}"
        )
    else:
        draft.claim(block.credit_line, f"{kind}.credit", kind, f"{kind} credit -> {block.credit}")
        if block.caption is not None:
            where = "line after the credit" if block.caption.number > block.credit_line.number else "labelled"
            draft.claim(block.caption, f"{kind}.caption", kind, f"{kind} caption title ({where})")
    if first:
        draft.image = image
    else:
        draft.figures.append(((block.alt or block.credit_line).number, image))


def _free(draft: Draft, by_number: dict[int, RawLine], number: int) -> RawLine | None:
    line = by_number.get(number)
    return line if line is not None and draft.free(line) else None


def _starts_block(draft: Draft, by_number: dict[int, RawLine], line: RawLine) -> bool:
    before = by_number.get(line.number - 1)
    return before is None or not before.text or before.number in draft.roles


def _ends_block(draft: Draft, by_number: dict[int, RawLine], line: RawLine) -> bool:
    after = by_number.get(line.number + 1)
    return after is None or not after.text or after.number in draft.roles


def _short_label(line: RawLine) -> bool:
    return len(line.text) <= 120 and not ends_sentence(line.text) and bullet_item(line.text) is None


def _alt_like(draft: Draft, by_number: dict[int, RawLine], first: RawLine, alt: RawLine) -> bool:
    """An alt text starts its block, or is short and no sentence: a paragraph glued above stays body."""
    if len(alt.text) > 500 or len(sentences(alt.text)) > 2 or bullet_item(alt.text) is not None:
        return False
    return _starts_block(draft, by_number, first) or (len(alt.text) <= 200 and not ends_sentence(alt.text))
