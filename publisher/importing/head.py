"""The head of a press release: letterhead and site chrome, label and dateline, the title and the subtitle."""

from __future__ import annotations

import re
from datetime import date

from publisher.errors import Problem, PublisherError, warning
from publisher.importing.attribution import authors_of, credit_of
from publisher.importing.chrome import letterhead_like
from publisher.importing.dates import (
    LABELS,
    MONTHS,
    Dateline,
    FoundDate,
    NotADate,
    find_dates,
    is_label,
    read_dateline,
)
from publisher.importing.draft import Draft
from publisher.importing.lines import RawLine, bullet_item
from publisher.importing.model import Step
from publisher.importing.sections import contact_header, contact_line
from publisher.importing.sentences import (
    DANGLING_WORDS,
    ends_sentence,
    same_text_key,
    sentence_spans,
    sentences,
)

MONTH_WORDS = tuple(sorted(MONTHS, key=len, reverse=True))
# "Logo Messe", "Grafik: Logo des Dienstes": an image's alt text above the title
_LOGO = re.compile(r"^(?:logo|grafik|signet|banner)\b", re.I)
# "June 2023", "Mai 2024": the month heading of a list of releases
_MONTH_HEADING = re.compile(r"^(?:" + "|".join(MONTH_WORDS) + r")\.?\s+\d{4}$", re.I)
# "Press Release: Ministry of Business": the label with the sender's name
_SENDER_LABEL = re.compile(r"^(?:" + "|".join(LABELS) + r")\s*:\s*(?P<sender>\S.{1,100})$", re.I)
# "Wismar (ots)", "Berlin (dpa)": the place and agency code under a press portal's title
_PLACE_CODE = re.compile(r"^[A-ZÄÖÜ][\w.' -]{1,40}\s\((?:[a-z]{2,5}|[A-Z]{2,5})\)$")
# Column heads of a list of releases ("Datum | Titel | Download"), copied with the release.
_TABLE_HEADERS = frozenset(("datum", "titel", "download", "date", "title", "downloads"))
# The head is searched for the title within this many lines of text.
HEAD_LINES = 16
TITLE_MAX = 200
# "14.05.2024 von Jana Weiß", "May 14, 2024 | By Jane Doe": a dateline with a byline.
_DATE_BYLINE = re.compile(r"^(?P<date>.+?)\s*[|·,–-]?\s+(?P<by>(?:von|by)\s+\S.*)$", re.I)


def header_and_title(draft: Draft) -> RawLine:
    """Letterhead, site chrome, label and dateline lines before the title, the title, and a dateline after it.

    Lines before a label or dateline that stand on their own and are followed by a title-like line
    are the site's or letterhead's (removed); a line ending in ``:`` directly above the title is its
    kicker (the subtitle). Without a title line the first sentence becomes the title, with a warning.
    The returned line holds the title's text; its ``number`` is the last line before the body (the
    line of a paragraph whose first sentence became the title stays in the body).
    """
    content = draft.content()
    start = _article_start(draft, content[:HEAD_LINES])
    for line in content[:start]:
        draft.claim(
            line, "removed", "head", "before the article's label or dateline: site or letterhead text"
        )
    content = content[start:]
    index = 0
    while index < len(content):
        line = content[index]
        if _header_line(draft, line, "before the title"):
            index += 1
        elif skip := _contact_block(content, index):
            index += skip  # a contact block above the title (a PDF's letterhead): it stays, in the body
        elif _head_chrome(draft, content, index):
            draft.claim(line, "removed", "head", _head_reason(line))
            index += 1
        else:
            break
    if index == len(content):
        raise PublisherError(
            f"{draft.source}: no title-like line: the text has only a label, a date or boilerplate "
            "-> add the title as the first line of the text"
        )
    title = content[index]
    if _kicker(draft, content, index):
        draft.subtitle = title
        draft.claim(
            title, "subtitle", "kicker", "line above the title ending in ':' (its kicker) -> subtitle"
        )
        index += 1
        title = content[index]
    where = "after the label/dateline" if index else "of the text"
    title = _take_title(draft, title, where)
    for line in draft.content(after=title.number)[:3]:
        if (draft.date is None and (read_dateline(line.text) or _date_byline(line.text))) or (
            _SENDER_LABEL.match(line.text) or _PLACE_CODE.match(line.text)
        ):
            _header_line(draft, line, "after the title")
    _letterhead_repeats(draft, title)
    return title


def _article_start(draft: Draft, head: list[RawLine]) -> int:
    """Where the article begins: at a label/dateline block of its own that a title-like line follows."""
    for k, line in enumerate(head):
        if not (is_label(line.text) or read_dateline(line.text)):
            continue
        end = k
        while end < len(head) and (
            is_label(head[end].text) or read_dateline(head[end].text) or _SENDER_LABEL.match(head[end].text)
        ):
            end += 1
        # the run starts its block ("Title\n14.05.2024" keeps the title); a series' name above it
        # ("ClusterERFOLGE" over "11.12.2024") goes with it
        above = draft.lines[head[k].number - 2] if head[k].number > 1 else None
        alone = above is None or not draft.free(above) or len(above.text.split()) <= 2
        if k > 0 and end < len(head) and alone and _title_problem(head[end].text) is None:
            nxt = head[end + 1] if end + 1 < len(head) else None
            if nxt is None or nxt.number > head[end].number + 1 or len(head[end].text) <= 150:
                return k
        return 0
    return 0


def _block_is(draft: Draft, line: RawLine, numbers: set[int]) -> bool:
    """Is the block (lines between blank lines) around ``line`` made of ``numbers`` and claimed lines only?"""
    lines = draft.lines
    lo = line.number - 1
    while lo > 0 and lines[lo - 1].text:
        lo -= 1
    hi = line.number - 1
    while hi + 1 < len(lines) and lines[hi + 1].text:
        hi += 1
    return all(other.number in numbers or not draft.free(other) for other in lines[lo : hi + 1])


def _head_chrome(draft: Draft, content: list[RawLine], index: int) -> bool:
    """A line before the title that cannot be it: letterhead, site name, an intro sentence, an app button."""
    line = content[index]
    text = line.text
    rest = content[index + 1 : index + 4]
    if not rest:
        return False
    if letterhead_like(text) or (text.endswith(":") and len(text.split()) <= 3):
        return True
    neighbours = [content[k].text.casefold() for k in (index - 1, index + 1) if 0 <= k < len(content)]
    if text.casefold() in _TABLE_HEADERS and _TABLE_HEADERS.intersection(neighbours):
        return True
    if text.startswith("Grafik:") or credit_of(text) is not None:
        return True
    # "Unsere Pressemitteilungen informieren Sie …." followed by a title-like line and more text
    if _LOGO.match(text) and len(text.split()) <= 5:
        return True
    if _MONTH_HEADING.match(text):
        return True
    nxt = rest[0]
    return (
        text.endswith(".")
        and ends_sentence(text)
        and len(sentences(text)) == 1
        and len(text) <= 200
        and nxt.number > line.number + 1
        and not ends_sentence(nxt.text)
        and _title_problem(nxt.text) is None
        and len(rest) > 1
    )


def _contact_block(content: list[RawLine], index: int) -> int:
    """The length of a contact block (``Media contact:`` and its lines) starting at ``content[index]``."""
    if not contact_header(content[index].text):
        return 0
    end = index + 1
    while end < len(content) and content[end].number == content[end - 1].number + 1:
        if not contact_line(content[end].text):
            break
        end += 1
    return end - index if end - index > 1 else 0


def _head_reason(line: RawLine) -> str:
    if letterhead_like(line.text):
        return "before the title: letterhead or site header (office, address, section name)"
    return "before the title: site text, not the article's"


def _kicker(draft: Draft, content: list[RawLine], index: int) -> bool:
    """``Abgeordneter wählt mit:`` directly above a title-like line that more text follows."""
    line = content[index]
    if not line.text.endswith(":") or len(line.text) > 150 or index + 2 >= len(content):
        return False
    nxt = content[index + 1]
    return nxt.number == line.number + 1 and _title_problem(nxt.text) is None and not nxt.text.endswith(":")


def _take_title(draft: Draft, line: RawLine, where: str) -> RawLine:
    """Claim the title: the line, a title wrapped onto the next line, or the first sentence of a paragraph."""
    dated = _dated_title(line.text)
    if dated is not None and draft.date is None:
        found, rest = dated
        draft.date, draft.date_line = found.value, line.number
        draft.note(line, "date", "dateline", f"date and title on one line -> date {found.value.isoformat()}")
        draft.claim(line, "title", "title", f"first line {where}: the title after its date")
        return RawLine(line.number, rest, line.indent, line.changed, "", line.quote)
    problem = _title_problem(line.text)
    if problem is None:
        nxt = draft.lines[line.number] if line.number < len(draft.lines) else None
        if nxt is not None and draft.free(nxt) and _continues_title(line.text, nxt.text):
            joined = (
                line.text[:-1] + nxt.text if _split_word(line.text, nxt.text) else f"{line.text} {nxt.text}"
            )
            after = draft.lines[nxt.number] if nxt.number < len(draft.lines) else None
            ends = after is None or not after.text or not after.text[:1].islower()
            if _title_problem(joined) is None and len(sentences(joined)) == 1 and ends:
                draft.claim(line, "title", "title", f"first line {where}, reads as a title (wrapped)")
                draft.claim(nxt, "title", "title", "the title's second line (it continues the first)")
                return RawLine(line.number + 1, joined, line.indent, line.changed, "", line.quote)
        draft.claim(line, "title", "title", f"first line {where}, reads as a title")
        return line
    if problem.startswith(("ends with", "is a list item")):
        raise PublisherError(
            f"{draft.source}:{line.number}: no title-like line: the first line of text {problem} "
            "-> put the title on a line of its own at the top"
        )
    start, end = sentence_spans(line.text)[0]
    first = line.text[start:end]
    title = first if len(first) <= TITLE_MAX else first[: first.rfind(" ", 0, 150)].rstrip(" ,;:") + " …"
    rest = line.text[end:].strip() if len(first) <= TITLE_MAX else line.text
    reason = f"no title line: the first sentence of the text becomes the title ({problem})"
    draft.note(line, "title", "lead sentence", reason)
    draft.warnings.append(
        warning(
            draft.source,
            "no title line; the first sentence was taken as the title",
            line=line.number,
            field="title",
            hint="write a short title as the first line, or shorten this one in the entry file",
        )
    )
    if rest:
        draft.lines[line.number - 1] = RawLine(line.number, rest, line.indent, line.changed, "", line.quote)
    else:
        draft.roles[line.number] = draft.steps[-1]
    number = line.number if not rest else line.number - 1
    return RawLine(number, title, line.indent, line.changed, "", line.quote)


def _dated_title(text: str) -> tuple[FoundDate, str] | None:
    """``15. Dezember 2024: Bildung …`` / ``21.06.2023 Development of …`` -> (the date, the title)."""
    found = find_dates(text)
    if not found or found[0].start != 0:
        return None
    rest = text[found[0].end :].lstrip(" :–—-|·")
    if len(rest.split()) < 3 or _title_problem(rest) is not None or ends_sentence(rest.rstrip("!?")):
        return None
    return found[0], rest


def _continues_title(title: str, nxt: str) -> bool:
    """Does ``nxt`` continue a title wrapped by a PDF (lower-case start, hyphen or article at the end)?"""
    if not nxt or bullet_item(nxt) is not None or len(title) + len(nxt) > TITLE_MAX:
        return False
    if nxt[:1].islower() or title.endswith("-"):
        return not ends_sentence(title)
    return title.rsplit(" ", 1)[-1] in DANGLING_WORDS


def _split_word(title: str, nxt: str) -> bool:
    return title.endswith("-") and nxt[:1].islower() and nxt.split()[0] not in ("und", "oder", "and", "or")


def _date_byline(text: str) -> tuple[Dateline, tuple[str, ...]] | None:
    """``03.04.2024 von Jana Weiß`` -> the dateline and the author names."""
    match = _DATE_BYLINE.match(text)
    if not match:
        return None
    dateline = read_dateline(match.group("date"))
    names = authors_of(match.group("by")[0].upper() + match.group("by")[1:])
    if not isinstance(dateline, Dateline) or not names:
        return None
    return dateline, names


def _header_line(draft: Draft, line: RawLine, where: str) -> bool:
    if is_label(line.text):
        draft.claim(line, "removed", "label", f"label line {where} (names the kind of text)")
        return True
    if _SENDER_LABEL.match(line.text) and not ends_sentence(line.text):
        draft.claim(line, "removed", "label", f"label line {where} with the sender's name")
        return True
    if where == "after the title" and _PLACE_CODE.match(line.text):
        draft.claim(line, "removed", "dateline", "place and agency code under the title (a press portal's)")
        return True
    dateline = read_dateline(line.text)
    if dateline is None:
        with_byline = _date_byline(line.text)
        if with_byline is None:
            return False
        dateline, names = with_byline
        draft.authors.extend(n for n in names if n not in draft.authors)
        draft.note(line, "authors", "author line", f"byline with the date -> authors: {', '.join(names)}")
    if isinstance(dateline, NotADate):
        _not_a_dateline(draft, line, dateline, where)
        return True
    _dateline(draft, line, dateline, where)
    return True


def _letterhead_repeats(draft: Draft, title: RawLine) -> None:
    """Letterhead lines from before the title that come again later are page headers of a PDF."""
    heads = {
        same_text_key(step.text)
        for step in draft.steps
        if step.line < title.number and step.kind == "head" and len(step.text) <= 120
    }
    for line in draft.content(after=title.number):
        if same_text_key(line.text) in heads:
            draft.claim(line, "removed", "head", "repeats the letterhead (a page header)")
            draft.page_furniture.add(line.number)


def _not_a_dateline(draft: Draft, line: RawLine, bad: NotADate, where: str) -> None:
    """``29.02.2023``: neither the date nor the title; removed, and (see not_a_date_problem) reported."""
    if draft.date is not None:
        reason = f"another dateline {where} (not a date either: {bad.why})"
    else:
        reason = f"looks like a dateline, but '{bad.text}' is not a date ({bad.why})"
        if draft.not_a_date is None:
            draft.not_a_date = (line, bad)
    draft.claim(line, "removed", "dateline", reason)


def not_a_date_problem(draft: Draft, option: date | None) -> Problem | None:
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


def _dateline(draft: Draft, line: RawLine, dateline: Dateline, where: str) -> None:
    if draft.date is None:
        draft.date, draft.date_line = dateline.value, line.number
        draft.claim(line, "date", "dateline", f"dateline {where} -> date {dateline.value.isoformat()}")
        if dateline.place:
            reason = "place name of the dateline (the date went to date)"
            draft.claim(line, "removed", "dateline", reason, removed=dateline.place)
    else:
        draft.claim(line, "removed", "dateline", f"another dateline {where}; the first one gave the date")


def _title_problem(text: str) -> str | None:
    if len(text) > TITLE_MAX:
        return f"is {len(text)} characters long (a paragraph, not a title)"
    if text.endswith((",", ";", ":")):
        return f"ends with '{text[-1]}' (it continues, a title does not)"
    if bullet_item(text) is not None:
        return "is a list item"
    if ends_sentence(text) and (len(sentences(text)) > 1 or len(text) > 120):
        return "reads like a paragraph (several sentences)"
    return None
