"""Sections at the end of a press release: link lists, contact blocks, partner lists."""

from __future__ import annotations

import re

from publisher.importing.chrome import boilerplate_reason, postal_detail
from publisher.importing.lines import (
    EMAIL_RE,
    URL_RE,
    RawLine,
    bullet_item,
    is_link_line,
    trailing_section_name,
)
from publisher.importing.sentences import ends_sentence, sentences
from publisher.importing.units import Unit

# "Pressekontakt", "Kontakt:", "Ansprechpartnerin", "Media contact:", "For media enquiries:".
CONTACT_HEADER = re.compile(
    r"^(?:(?:presse|medien|media|press|wissenschaftliche[rn]?|fachliche[rn]?)\s*-?\s*)?"
    r"(?:kontakt|kontakte|ansprechpartner|ansprechpartnerin|ansprechpartner/innen|ansprechpartner\*innen|"
    r"ansprechperson|contact|contacts|enquiries|inquiries)"
    r"(?:\s+(?:für|for)\s+(?:die\s+)?"
    r"(?:medien|presse|journalisten|journalistinnen|rückfragen|the media|media))?\s*:?$"
    r"|^(?:für|bei)\s+rückfragen(?:\s+wenden sie sich an)?\s*:?$"
    r"|^for (?:media|press) (?:enquiries|inquiries)\s*:?$"
    r"|^(?:pressestelle|press office)\s*:$",
    re.I,
)
# "Partner", "Unsere Partner", "Projektpartner", "Gefördert von": a list of organisations, not text.
_PARTNERS = re.compile(
    r"^(?:unsere\s+|our\s+)?(?:partner|partners|projektpartner|netzwerkpartner|kooperationspartner|förderer|"
    r"sponsoren|sponsors|unterstützer|supporters|gefördert (?:von|durch)|funded by)\s*:?$",
    re.I,
)


def contact_header(text: str) -> bool:
    return len(text) <= 60 and bool(CONTACT_HEADER.match(text.strip()))


def contact_line(text: str) -> bool:
    """A short line of a contact block: a name, a role, a phone number, an address."""
    return (
        0 < len(text) <= 100
        and bullet_item(text) is None
        and (not ends_sentence(text) or (len(sentences(text)) == 1 and len(text.split()) <= 8))
    )


def contact_run(block: list[RawLine], i: int) -> int:
    """How many lines from ``block[i]`` form an address block without a heading (0 if none).

    At least three short lines, two of them with a phone number, e-mail or postal address; a line
    that the next one continues (lower-case start: a wrapped sentence) ends the run before it.
    """
    if trailing_section_name(block[i].text):
        return 0
    j = i
    while j < len(block) and contact_line(block[j].text) and not ends_sentence(block[j].text):
        if j + 1 < len(block) and block[j + 1].text[:1].islower():
            break
        j += 1
    details = sum(postal_detail(line.text) for line in block[i:j])
    return j - i if j - i >= 3 and details >= 2 else 0


def link_sections(units: list[Unit]) -> None:
    """``Weitere Informationen`` sections keep their links with addresses as a list; the rest goes.

    A link line without an address (``Zur Projektseite``) is navigation of the page it was copied from;
    so are link lines at the very end of the text. A list of partner organisations at the end goes too.
    """
    kept = [u for u in units if u.kept]
    for index, unit in enumerate(kept):
        name = trailing_section_name(unit.text)
        if name is None or unit.kind == "item" or URL_RE.search(unit.text):
            continue
        links = []
        for other in kept[index + 1 :]:
            if not _link_unit(other):
                break
            links.append(other)
        if not links and unit is not kept[-1] and not boilerplate_reason(unit.text):
            continue  # "Weitere Informationen" followed by text: a heading like any other
        addressed = [u for u in links if URL_RE.search(u.text) or EMAIL_RE.search(u.text)]
        for link in links:
            if link in addressed:
                link.kind, link.marker = "item", "-"
                link.notes = [f"link in the '{name}' section (kept as a list item)", *link.notes[1:]]
            else:
                link.drop(f"navigation link in the '{name}' section (no address to link to)")
        if addressed:
            unit.kind, unit.notes = "heading", [f"## heading: the '{name}' section, its links follow"]
        else:
            what = "navigation links only" if links else "nothing"
            unit.drop(f"trailing '{name}' section with {what}")
    _drop_trailing_navigation(units)


def _link_unit(unit: Unit) -> bool:
    return (
        unit.kept
        and unit.kind in ("paragraph", "item")
        and all(is_link_line(line.text) for line in unit.lines)
    )


def _drop_trailing_navigation(units: list[Unit]) -> None:
    """Link lines without an address at the end of the text, and a partner list, are page navigation."""
    kept = [u for u in units if u.kept]
    j = len(kept)
    while j > 0 and kept[j - 1].kind != "heading" and _short_names(kept[j - 1]):
        j -= 1
    if j > 0 and j < len(kept) and _PARTNERS.match(kept[j - 1].text):
        kept[j - 1].drop("list of partner organisations after the article")
        for unit in kept[j:]:
            unit.drop("partner organisation (a list after the article, not text)")
        kept = kept[: j - 1]
    while (
        kept and _link_unit(kept[-1]) and not (URL_RE.search(kept[-1].text) or EMAIL_RE.search(kept[-1].text))
    ):
        kept.pop().drop("link text at the end of the page (no address to link to)")


def _short_names(unit: Unit) -> bool:
    return all(len(line.text.split()) <= 8 and not ends_sentence(line.text) for line in unit.lines)
