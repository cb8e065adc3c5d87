"""Raw press-release text -> ImportedEntry: title, date, subtitle, image, authors and a clean Markdown body.

Every input line ends up in the entry (body or a field) or in ``removed`` with a reason, and the
explanation trace says, line by line, which and why (``publisher import --explain``).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from publisher.content.ids import mint_id
from publisher.errors import Problem, PublisherError, warning
from publisher.importing.attribution import authors_of, credit_of, source_of
from publisher.importing.body import (
    Unit,
    body_units,
    dedupe,
    join_units_markdown,
    soft_wrapped,
    wrapped_block,
)
from publisher.importing.chrome import boilerplate_reason
from publisher.importing.dates import Dateline, NotADate, find_dates, is_label, read_dateline
from publisher.importing.decoding import decode
from publisher.importing.lines import (
    RawLine,
    bullet_item,
    escape_controls,
    is_link_line,
    normalised_text,
    split_lines,
    trailing_section_name,
)
from publisher.importing.model import ImportedEntry, ImportedImage, ImportOptions, Step, explain_lines
from publisher.importing.sentences import (
    DANGLING_WORDS,
    SENTENCE_START,
    detect_language,
    ends_sentence,
    same_text_key,
    sentences,
)
from publisher.model import Removal

__all__ = [
    "ImportOptions",
    "ImportedEntry",
    "ImportedImage",
    "Step",
    "explain_lines",
    "import_bytes",
    "import_text",
]

logger = logging.getLogger(__name__)


@dataclass
class _Draft:
    """The mutable notes taken while reading one text; frozen into an ImportedEntry at the end."""

    source: str
    lines: list[RawLine]
    roles: dict[int, Step] = field(default_factory=dict)  # line number -> its (first) decision
    steps: list[Step] = field(default_factory=list)
    removed: list[tuple[int, Removal]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    date: date | None = None
    date_line: int | None = None
    # a line shaped like a dateline whose date the calendar does not have ("29.02.2023")
    not_a_date: tuple[RawLine, NotADate] | None = None
    authors: list[str] = field(default_factory=list)
    source_url: str = ""

    def claim(self, line: RawLine, target: str, kind: str, reason: str, removed: str | None = "") -> None:
        """Record a decision; a removal also goes to ``removed`` (``removed=None``: already recorded)."""
        if line.changed and target != "removed":
            reason += " (odd spaces normalised)"
        step = Step(line.number, line.text, target, kind, reason)
        self.roles.setdefault(line.number, step)
        self.steps.append(step)
        if target == "removed" and removed is not None:
            self.removed.append((line.number, Removal(removed or line.text, reason)))

    def free(self, line: RawLine) -> bool:
        return bool(line.text) and line.number not in self.roles

    def content(self, after: int = 0) -> list[RawLine]:
        return [line for line in self.lines if line.number > after and self.free(line)]


def import_bytes(data: bytes, source_path: str, options: ImportOptions | None = None) -> ImportedEntry:
    """Decode raw bytes (see decoding.decode) and import the text; bytes read another way are warned about."""
    decoded = decode(data, source_path)
    entry = import_text(decoded.text, source_path, options, encoding=decoded.encoding)
    repairs = tuple(
        warning(source_path, message, line=line, field="encoding") for line, message in decoded.repairs
    )
    return replace(entry, warnings=repairs + entry.warnings) if repairs else entry


def import_text(
    text: str, source_path: str, options: ImportOptions | None = None, encoding: str = "utf-8"
) -> ImportedEntry:
    """Turn one press release into an ImportedEntry. Raises PublisherError when no title can be found."""
    options = options or ImportOptions()
    lines = split_lines(unicodedata.normalize("NFC", text))
    if not any(line.text for line in lines):
        raise PublisherError(f"{source_path}: the file is empty -> paste the press release text into it")
    draft = _Draft(source_path, lines)
    for line in lines:
        if line.controls:
            shown = escape_controls(line.controls)
            reason = f"control character(s) {shown} taken out of the line (not text)"
            draft.removed.append((line.number, Removal(shown, reason)))
            draft.steps.append(Step(line.number, line.text, "removed", "control", reason))
    _classify_lines(draft)
    title_line = _header_and_title(draft)
    image = _image_blocks(draft, title_line)
    subtitle_line = _subtitle(draft, title_line)
    units = body_units(draft.content(after=title_line.number), _blank_separated(draft, title_line.number))
    seen = {same_text_key(title_line.text): "the title"}
    if subtitle_line is not None:
        seen.setdefault(same_text_key(subtitle_line.text), "the subtitle")
    for line, sentence, reason in dedupe(units, seen):
        draft.claim(line, "removed", "duplicate", reason, removed=sentence)
    for unit in units:
        if not unit.kept:
            draft.removed.append((unit.lines[0].number, Removal(unit.text, unit.reason)))
        for number, target, kind, reason in unit.trace:
            draft.claim(lines[number - 1], target, kind, reason, removed=None)
    date_problem = _not_a_date_problem(draft, options.date)
    if options.date is not None:
        if draft.date_line is not None and draft.date != options.date:
            line = lines[draft.date_line - 1]
            draft.steps.append(
                Step(line.number, line.text, "date", "dateline", f"--date {options.date} wins")
            )
        draft.date, date_source = options.date, "option"
    elif draft.date is not None:
        date_source = "dateline"
    elif draft.not_a_date is not None:
        date_source = None  # the text's own dateline is wrong: a date from its sentences would be a guess
    else:
        date_source = _date_from_text(draft, subtitle_line, units)
    for line in lines:
        if not line.text:
            draft.steps.append(Step(line.number, "", "-", "blank", "empty line (separates blocks)"))
    kept = [u for u in units if u.kept]
    body = join_units_markdown(kept)
    title = title_line.text
    subtitle = subtitle_line.text if subtitle_line else ""
    lang = options.lang or detect_language(
        " ".join([title, subtitle, *(u.text for u in kept)]), options.default_lang
    )
    if not body:
        draft.warnings.append(warning(source_path, "the body is empty after the title -> check the text"))
    authors = list(dict.fromkeys([*draft.authors, *options.authors]))
    seed = hashlib.sha256(normalised_text(lines).encode("utf-8")).hexdigest()
    return ImportedEntry(
        source_path=source_path,
        id=mint_id(f"publisher-import:{seed}"),
        title=title,
        subtitle=subtitle,
        date=draft.date,
        date_source=date_source,
        authors=tuple(authors),
        tags=tuple(dict.fromkeys(options.tags)),
        lang=lang,
        source_url=draft.source_url,
        image=image,
        headings=tuple(u.text for u in kept if u.kind == "heading"),
        body_markdown=body,
        removed=tuple(r for _, r in sorted(draft.removed, key=lambda pair: pair[0])),
        warnings=tuple(draft.warnings),
        explanation=tuple(sorted(draft.steps, key=lambda s: s.line)),
        encoding=encoding,
        date_problem=date_problem if draft.date is None else None,
    )


def _classify_lines(draft: _Draft) -> None:
    """Decisions that do not depend on position: boilerplate, author and source lines."""
    for line in draft.lines:
        if not line.text:
            continue
        if reason := boilerplate_reason(line.text):
            draft.claim(line, "removed", "boilerplate", reason)
        elif names := authors_of(line.text):
            draft.authors.extend(n for n in names if n not in draft.authors)
            draft.claim(line, "authors", "author line", f"author line -> authors: {', '.join(names)}")
        elif url := source_of(line.text):
            if draft.source_url:
                draft.claim(line, "removed", "source line", "another source line; the entry keeps the first")
            else:
                draft.source_url = url
                draft.claim(line, "source_url", "source line", f"source line -> source_url {url}")


def _header_and_title(draft: _Draft) -> RawLine:
    """Label and dateline lines before the title, the title itself, and a dateline right after it."""
    content = draft.content()
    index = 0
    while index < len(content) and _header_line(draft, content[index], "before the title"):
        index += 1
    if index == len(content):
        raise PublisherError(
            f"{draft.source}: no title-like line: the text has only a label, a date or boilerplate "
            "-> add the title as the first line of the text"
        )
    title = content[index]
    problem = _title_problem(title.text)
    if problem:
        raise PublisherError(
            f"{draft.source}:{title.number}: no title-like line: the first line of text {problem} "
            "-> put the title on a line of its own at the top"
        )
    where = "after the label/dateline" if index else "of the text"
    draft.claim(title, "title", "title", f"first line {where}, reads as a title")
    for line in draft.content(after=title.number)[:3]:
        if draft.date is None and read_dateline(line.text):
            _header_line(draft, line, "after the title")
    return title


def _header_line(draft: _Draft, line: RawLine, where: str) -> bool:
    if is_label(line.text):
        draft.claim(line, "removed", "label", f"label line {where} (names the kind of text)")
        return True
    dateline = read_dateline(line.text)
    if dateline is None:
        return False
    if isinstance(dateline, NotADate):
        _not_a_dateline(draft, line, dateline, where)
        return True
    _dateline(draft, line, dateline, where)
    return True


def _not_a_dateline(draft: _Draft, line: RawLine, bad: NotADate, where: str) -> None:
    """``29.02.2023``: neither the date nor the title; removed, and (see _not_a_date_problem) reported."""
    if draft.date is not None:
        reason = f"another dateline {where} (not a date either: {bad.why})"
    else:
        reason = f"looks like a dateline, but '{bad.text}' is not a date ({bad.why})"
        if draft.not_a_date is None:
            draft.not_a_date = (line, bad)
    draft.claim(line, "removed", "dateline", reason)


def _not_a_date_problem(draft: _Draft, option: date | None) -> Problem | None:
    """The warning for a dateline that is no date; with ``--date``, a note in the explanation instead."""
    if draft.not_a_date is None:
        return None
    line, bad = draft.not_a_date
    if option is not None:
        draft.steps.append(
            Step(line.number, line.text, "removed", "dateline", f"--date {option} gives the date")
        )
        return None
    if draft.date is None:
        outcome = "the entry gets no date from the text"
    else:
        outcome = f"the date {draft.date.isoformat()} comes from the dateline on line {draft.date_line}"
    problem = warning(
        draft.source,
        f"looks like a dateline, but '{bad.text}' is not a date ({bad.why}); {outcome}",
        line=line.number,
        field="date",
        hint="correct the dateline, or pass --date YYYY-MM-DD",
    )
    draft.warnings.append(problem)
    return problem


def _dateline(draft: _Draft, line: RawLine, dateline: Dateline, where: str) -> None:
    if draft.date is None:
        draft.date, draft.date_line = dateline.value, line.number
        draft.claim(line, "date", "dateline", f"dateline {where} -> date {dateline.value.isoformat()}")
        if dateline.place:
            reason = "place name of the dateline (the date went to date)"
            draft.claim(line, "removed", "dateline", reason, removed=dateline.place)
    else:
        draft.claim(line, "removed", "dateline", f"another dateline {where}; the first one gave the date")


def _title_problem(text: str) -> str | None:
    if len(text) > 200:
        return f"is {len(text)} characters long (a paragraph, not a title)"
    if text.endswith((",", ";", ":")):
        return f"ends with '{text[-1]}' (it continues, a title does not)"
    if bullet_item(text) is not None:
        return "is a list item"
    if ends_sentence(text) and (len(sentences(text)) > 1 or len(text) > 120):
        return "reads like a paragraph (several sentences)"
    return None


def _image_blocks(draft: _Draft, title: RawLine) -> ImportedImage | None:
    """``alt line`` (maybe twice) + ``© CREDIT`` + optional ``caption title``: the first becomes the image."""
    image: ImportedImage | None = None
    by_number = {line.number: line for line in draft.lines}
    for line in draft.content(after=title.number):
        credit = credit_of(line.text)
        if credit is None or not draft.free(line):
            continue
        alt = _neighbour(draft, by_number, line.number - 1)
        dup = _neighbour(draft, by_number, alt.number - 1) if alt else None
        if dup and alt and same_text_key(dup.text) != same_text_key(alt.text):
            dup = None
        if alt and not _alt_like(draft, by_number, dup or alt, alt):
            alt = dup = None
        caption = _neighbour(draft, by_number, line.number + 1)
        if caption and not (
            len(caption.text) <= 150
            and (
                not ends_sentence(caption.text)
                or (alt and same_text_key(alt.text) == same_text_key(caption.text))
            )
        ):
            caption = None
        parts = [
            ("image.alt", alt, "image alt text (line before the credit)"),
            ("image.credit", line, f"image credit -> {credit}"),
            ("image.caption", caption, "image caption title (line after the credit)"),
        ]
        if image is None:
            image = ImportedImage(alt.text if alt else "", caption.text if caption else "", credit)
            if dup is not None:
                draft.claim(dup, "removed", "image", "image alt text repeated on the next line")
            for target, part, reason in parts:
                if part is not None:
                    draft.claim(part, target, "image", reason)
        else:
            for part in (dup, alt, line, caption):
                if part is not None:
                    draft.claim(part, "removed", "image", "another image block; an entry keeps one image")
    return image


def _neighbour(draft: _Draft, by_number: dict[int, RawLine], number: int) -> RawLine | None:
    line = by_number.get(number)
    return line if line is not None and draft.free(line) and credit_of(line.text) is None else None


def _alt_like(draft: _Draft, by_number: dict[int, RawLine], first: RawLine, alt: RawLine) -> bool:
    """An alt text starts its block, or is short and no sentence: a paragraph glued above stays body."""
    if len(alt.text) > 500 or len(sentences(alt.text)) > 2 or bullet_item(alt.text) is not None:
        return False
    before = by_number.get(first.number - 1)
    starts_block = before is None or not before.text or before.number in draft.roles
    return starts_block or (len(alt.text) <= 200 and not ends_sentence(alt.text))


def _subtitle(draft: _Draft, title: RawLine) -> RawLine | None:
    """A short one-sentence line right after the title, followed by more text, is the subtitle."""
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


def _blank_separated(draft: _Draft, after: int) -> bool:
    """Are the text's paragraphs separated by blank lines (rather than by single line breaks)?"""
    numbers = [line.number for line in draft.content(after)]
    return bool(numbers) and any(not line.text for line in draft.lines[numbers[0] : numbers[-1]])


def _stands_alone(draft: _Draft, line: RawLine, following: RawLine) -> bool:
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
    if _blank_separated(draft, line.number - 1) or wrapped_block(blocks[0][1:]):
        return False
    if line.text.rsplit(" ", 1)[-1] in DANGLING_WORDS or not SENTENCE_START.match(following.text):
        return False
    return not any(wrapped_block(b) for b in blocks[1:] if b)


def _date_from_text(draft: _Draft, subtitle: RawLine | None, units: list[Unit]) -> str | None:
    """No dateline: the first full date written in the subtitle or body, with a warning."""
    texts: list[tuple[str, Callable[[int], RawLine]]] = []
    if subtitle is not None:
        texts.append((subtitle.text, lambda _offset: subtitle))
    texts += [(u.text, u.line_at) for u in units if u.kept]
    for text, line_at in texts:
        found = find_dates(text)
        if not found:
            continue
        first, line = found[0], line_at(found[0].start)
        draft.date = first.value
        reason = f"no dateline: date {first.value.isoformat()} taken from '{first.text}' (warning)"
        draft.steps.append(Step(line.number, line.text, "date", "date in text", reason))
        draft.warnings.append(
            warning(
                draft.source,
                f"no dateline; the date {first.value.isoformat()} was taken from the text ('{first.text}')",
                line=line.number,
                field="date",
                hint="check it, or pass --date YYYY-MM-DD",
            )
        )
        return "text"
    return None
