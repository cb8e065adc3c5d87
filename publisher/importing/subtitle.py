"""The subtitle of a press release: a short single sentence right after the title, if the text has one."""

from __future__ import annotations

from publisher.importing.body import soft_wrapped, wrapped_block
from publisher.importing.draft import Draft
from publisher.importing.lines import RawLine, bullet_item, is_link_line, trailing_section_name
from publisher.importing.sentences import DANGLING_WORDS, SENTENCE_START, same_text_key, sentences


def read_subtitle(draft: Draft, title: RawLine) -> RawLine | None:
    """A short one-sentence line right after the title, followed by more text, is the subtitle."""
    if draft.subtitle is not None:
        return draft.subtitle
    if any(step.kind == "lead sentence" for step in draft.steps):
        return None
    after = draft.content(after=title.number)
    if len(after) < 2:
        return None
    line, following = after[0], after[1]
    text = line.text
    if (
        len(text) > 200
        or same_text_key(text) == same_text_key(title.text)
        or len(sentences(text)) != 1
        or text.endswith((":", ",", ";", "-"))
        or bullet_item(text) is not None
        or is_link_line(text)
        or trailing_section_name(text)
        or (following.number == line.number + 1 and not _stands_alone(draft, line, following))
    ):
        return None
    draft.claim(line, "subtitle", "subtitle", "short single sentence right after the title")
    return line


def blank_separated(draft: Draft, after: int) -> bool:
    """Are the text's paragraphs separated by blank lines (rather than by single line breaks)?"""
    numbers = [line.number for line in draft.content(after)]
    return bool(numbers) and any(not line.text for line in draft.lines[numbers[0] : numbers[-1]])


def _stands_alone(draft: Draft, line: RawLine, following: RawLine) -> bool:
    """A line directly followed by more text stands alone if it was not (or cannot have been) wrapped.

    Where a wrap could have fallen, it stands alone only in text without blank lines that is not
    wrapped elsewhere either (no line broken mid-sentence because the next word did not fit), and
    only if it does not end with an article or conjunction.
    """
    if following.text[:1].islower():
        return False
    blocks: list[list[str]] = [[]]
    for other in draft.lines[line.number - 1 :]:
        if draft.free(other) or other.number == line.number:
            blocks[-1].append(other.text)
        elif blocks[-1]:
            blocks.append([])
    if not soft_wrapped(line.text, following.text, max(len(t) for t in blocks[0])):
        return True
    if blank_separated(draft, line.number - 1) or wrapped_block(blocks[0][1:]):
        return False
    if line.text.rsplit(" ", 1)[-1] in DANGLING_WORDS or not SENTENCE_START.match(following.text):
        return False
    return not any(wrapped_block(b) for b in blocks[1:] if b)
