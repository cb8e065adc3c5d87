"""Raw press-release text -> ImportedEntry: title, date, subtitle, image, authors and a clean Markdown body.

Every input line ends up in the entry (body or a field) or in ``removed`` with a reason, and the
explanation trace says, line by line, which and why (``publisher import --explain``).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from publisher.content.ids import mint_id
from publisher.errors import PublisherError, warning
from publisher.importing.attribution import authors_of, source_of
from publisher.importing.body import Unit, body_units, dedupe, figure_unit, join_units_markdown
from publisher.importing.chrome import boilerplate_reason, chrome_tail, postal_detail, teaser_header
from publisher.importing.dates import find_dates
from publisher.importing.decoding import decode
from publisher.importing.draft import Draft
from publisher.importing.head import header_and_title, not_a_date_problem
from publisher.importing.images import image_blocks
from publisher.importing.lines import (
    RawLine,
    escape_controls,
    normalised_text,
    split_lines,
    trailing_section_name,
)
from publisher.importing.mailtext import attribution, forward_marker, header_line, unquote
from publisher.importing.model import ImportedEntry, ImportedImage, ImportOptions, Step, explain_lines
from publisher.importing.sections import contact_header
from publisher.importing.sentences import detect_language, same_text_key
from publisher.importing.subtitle import blank_separated, read_subtitle
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
    draft = Draft(source_path, unquote(lines))
    for line in lines:
        if line.controls:
            shown = escape_controls(line.controls)
            reason = f"control character(s) {shown} taken out of the line (not text)"
            draft.removed.append((line.number, Removal(shown, reason)))
            draft.steps.append(Step(line.number, line.text, "removed", "control", reason))
    _classify_lines(draft)
    image_blocks(draft)
    title_line = header_and_title(draft)
    subtitle_line = read_subtitle(draft, title_line)
    units = body_units(
        draft.content(),
        blank_separated(draft, title_line.number),
        furniture=draft.page_furniture,
        blanks={line.number for line in draft.lines if not line.text},
    )
    seen = {same_text_key(title_line.text): "the title"}
    if subtitle_line is not None:
        seen.setdefault(same_text_key(subtitle_line.text), "the subtitle")
    for line, sentence, reason in dedupe(units, seen):
        draft.claim(line, "removed", "duplicate", reason, removed=sentence)
    for unit in units:
        if not unit.kept:
            draft.removed.append((unit.lines[0].number, Removal(unit.text, unit.reason)))
        for number, target, kind, reason in unit.trace:
            draft.claim(draft.lines[number - 1], target, kind, reason, removed=None)
    date_problem = not_a_date_problem(draft, options.date)
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
    for line in draft.lines:
        if not line.text and line.quote:
            reason = "quote mark on an empty line of the quoted message"
            draft.removed.append((line.number, Removal(line.quote.strip(), reason)))
            draft.steps.append(Step(line.number, line.quote.strip(), "removed", "quote", reason))
        elif not line.text:
            draft.steps.append(Step(line.number, "", "-", "blank", "empty line (separates blocks)"))
    kept = [u for u in units if u.kept]
    body = join_units_markdown(_with_figures(kept, draft.figures))
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
        image=draft.image,
        figures=tuple(figure for _, figure in draft.figures),
        headings=tuple(u.text for u in kept if u.kind == "heading"),
        body_markdown=body,
        removed=tuple(r for _, r in sorted(draft.removed, key=lambda pair: pair[0])),
        warnings=tuple(draft.warnings),
        explanation=tuple(sorted(draft.steps, key=lambda s: s.line)),
        encoding=encoding,
        date_problem=date_problem if draft.date is None else None,
    )


def _classify_lines(draft: Draft) -> None:
    """Decisions that do not depend on position: e-mail headers, boilerplate, author and source lines."""
    _mail_lines(draft)
    for line in draft.lines:
        if not draft.free(line):
            continue
        following = draft.lines[line.number] if line.number < len(draft.lines) else None
        if (tail := chrome_tail(line.text)) and (following is None or not following.text):
            line = draft.cut(
                line, line.text[: -len(tail)].rstrip(), tail, "link or button text after the paragraph"
            )
        if (reason := boilerplate_reason(line.text)) and not trailing_section_name(line.text):
            draft.claim(line, "removed", "boilerplate", reason)
            if reason.startswith("page number"):
                draft.page_furniture.add(line.number)
            if teaser_header(line.text):
                _teasers(draft, line)
            if reason.startswith("category, tag or publishing"):
                _address_after(draft, line)
        elif names := authors_of(line.text):
            draft.authors.extend(n for n in names if n not in draft.authors)
            draft.claim(line, "authors", "author line", f"author line -> authors: {', '.join(names)}")
        elif url := source_of(line.text):
            if draft.source_url:
                draft.claim(line, "removed", "source line", "another source line; the entry keeps the first")
            else:
                draft.source_url = url
                draft.claim(line, "source_url", "source line", f"source line -> source_url {url}")


def _date_from_text(draft: Draft, subtitle: RawLine | None, units: list[Unit]) -> str | None:
    """No dateline: the first full date written in the subtitle or body, with a warning."""
    texts: list[tuple[str, Callable[[int], RawLine]]] = []
    lead = next((s for s in draft.steps if s.kind == "lead sentence"), None)
    if lead is not None:  # the title is the text's first sentence
        texts.append((lead.text, lambda _offset: draft.lines[lead.line - 1]))
    if subtitle is not None:
        texts.append((subtitle.text, lambda _offset: subtitle))
    texts += [(u.text, u.line_at) for u in units if u.kept and u.kind == "paragraph"]
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


def _address_after(draft: Draft, line: RawLine) -> None:
    """``Herausgeber: …`` and the address lines right under it: the sender's footer."""
    for other in draft.lines[line.number :]:
        if not (other.text and draft.free(other) and postal_detail(other.text) and len(other.text) <= 120):
            break
        draft.claim(other, "removed", "boilerplate", f"address under '{line.text}' (the sender's footer)")


def _teasers(draft: Draft, header: RawLine) -> None:
    """``Das könnte Sie auch interessieren`` and what follows it: teasers of other articles, to the end."""
    for line in draft.lines[header.number :]:
        if draft.free(line) and not contact_header(line.text):
            draft.claim(line, "removed", "boilerplate", f"after '{header.text}': teasers of other pages")
        elif contact_header(line.text):
            break


def _mail_lines(draft: Draft) -> None:
    """A forward marker and the header lines after it, header lines at the top, a reply above a quote."""
    filled = [line for line in draft.lines if line.text]
    quoted = [line for line in filled if line.quote]
    if quoted:
        for line in filled:
            if line.number >= quoted[0].number:
                break
            draft.claim(line, "removed", "e-mail", "reply text above the quoted message")
    headers = False
    for index, line in enumerate(filled):
        if forward_marker(line.text):
            draft.claim(line, "removed", "e-mail", "forward marker of an e-mail")
            headers = True
        elif header_line(line.text) and (headers or index < 2 or not draft.free(filled[index - 1])):
            draft.claim(line, "removed", "e-mail", "e-mail header line")
            headers = True
        elif attribution(line.text) and line.number < (quoted[0].number if quoted else 0):
            continue
        else:
            headers = False
            if index > 8:
                break


def _with_figures(units: list[Unit], figures: list[tuple[int, ImportedImage]]) -> list[Unit]:
    """The body's units with a figure placeholder where each later image block stood."""
    out = list(units)
    for number, figure in figures:
        at = next((i for i, u in enumerate(out) if u.lines[0].number > number), len(out))
        out.insert(at, figure_unit(number, figure))
    return out
