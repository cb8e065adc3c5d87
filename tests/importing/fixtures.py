"""Helpers for the import tests: a generator of varied press releases, and checks of the import's promises."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from publisher.importing.model import ImportedEntry

T = TypeVar("T")
DATA = Path(__file__).parents[1] / "data"
RAW = DATA / "raw"
SAMPLES = sorted(RAW.glob("*.txt"))

# --- checks ----------------------------------------------------------------------------------------

_QUOTES = str.maketrans({c: '"' for c in "„“”«»"} | {c: "'" for c in "‚‘’‹›"})


def unescape(markdown: str) -> str:
    """Body Markdown back to plain text: escapes, ``## `` and ``- `` markers removed."""
    text = re.sub(r"^(?:## |- )", "", markdown, flags=re.M)
    return re.sub(r"\\([\\`*_\[\]<>~#+=|.)-])", r"\1", text)


def compact(text: str) -> str:
    """Letters and digits only: robust against joined lines, hyphenation and escapes."""
    return re.sub(r"[\W_]+", "", unescape(text)).casefold()


def same(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def count_in_body(sentence: str, entry: ImportedEntry) -> int:
    return same(unescape(entry.body_markdown)).count(same(sentence))


_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def input_lines(text: str) -> list[tuple[int, str]]:
    """Numbered non-blank lines as editors count them (LF, CRLF, CR), without control characters."""
    invisible = str.maketrans("", "", "\u00ad\u200b\u200c\u200d\u2060\ufeff")
    lines = [_CONTROLS.sub("", line) for line in re.split(r"\r\n|\r|\n", text)]
    return [(n, line) for n, line in enumerate(lines, 1) if line.translate(invisible).strip()]


def assert_nothing_lost(text: str, entry: ImportedEntry) -> None:
    """Every non-blank input line has a decision, and the entry really holds what the decision claims.

    The importer works on the NFC form of the text (canonically the same characters).
    """
    text = unicodedata.normalize("NFC", text)
    removed = " ".join(r.text for r in entry.removed)
    body_or_removed = compact(entry.body_markdown + " " + removed)
    image = entry.image
    pictures = [image] if image else []
    pictures += list(entry.figures)
    for number, line in input_lines(text):
        steps = [s for s in entry.explanation if s.line == number]
        assert steps, f"line {number} ({line!r}) has no decision in the explanation"
        chunks = [compact(c) for c in re.split(r"(?<=[.!?…“\"])\s+", line) if compact(c)]
        if any(s.kind == "lead sentence" for s in steps):  # the title is the line's first sentence
            chunks = [c for c in chunks if c not in compact(entry.title)]
        for step in steps:
            where = f"line {number} -> {step.target} ({step.reason}): {line!r}"
            if step.kind == "cut":  # a link's text cut off the end of the line ("… gefördert. Mehr erfahren")
                assert any(
                    r.reason == step.reason and compact(r.text) in compact(line) for r in entry.removed
                )
                continue
            if step.kind == "control":  # the line's control characters, listed as removed
                assert step.target == "removed" and any(
                    step.reason.startswith(r.reason) for r in entry.removed
                )
                continue
            if (
                step.kind == "dateline"
                and step.target == "removed"
                and any(s.target == "date" for s in steps)
            ):
                # the place of "Berlin, 14.05.2024" / "14. Mai 2024 – Berlin": the date went to date
                assert any(r.reason == step.reason and r.text in line for r in entry.removed), where
            elif step.target in ("body", "removed"):
                haystack = body_or_removed if step.target == "body" else compact(removed)
                missing = [c for c in chunks if c not in haystack]
                assert not missing, f"{where}: {missing} not found"
            elif step.target == "title":
                if step.kind == "lead sentence":
                    assert compact(line).startswith(compact(entry.title.removesuffix(" …"))), where
                else:  # the whole line, or one line of a title wrapped over two
                    assert compact(line) in compact(entry.title) or compact(entry.title) in compact(line), (
                        where
                    )
            elif step.target == "subtitle":
                assert compact(entry.subtitle) == compact(line), where
            elif step.target.startswith(("image.", "figure.")):
                part = step.target.split(".")[1]
                if part == "alt":
                    assert any(compact(p.alt) == compact(line) for p in pictures), where
                else:  # a credit, a caption, a labelled caption ("Foto: …") or a caption with its credit
                    values = [compact(getattr(p, part)) for p in pictures]
                    assert any(v and v in compact(line) for v in values), where
            elif step.target == "authors":
                assert any(compact(a) in compact(line) for a in entry.authors), where
            elif step.target == "source_url":
                assert compact(entry.source_url.removeprefix("https://")) in compact(line), where
            elif step.target == "date":  # a dateline, or a date in a sentence that stays in the text
                assert entry.date is not None, where
                copied = any(s.target in ("body", "subtitle") for s in steps)
                year = (str(entry.date.year), f".{entry.date.year % 100:02d}")  # also "14.05.24"
                assert copied or (any(y in line for y in year) and str(entry.date.day) in line), where
            else:
                raise AssertionError(f"{where}: unknown target")


# --- a generator of press releases -----------------------------------------------------------------


class Chooser:
    """The few random choices the generator needs; backed by hypothesis ``draw`` or ``random.Random``."""

    def __init__(self, pick: Callable[[Sequence[Any]], Any], flag: Callable[[], bool]) -> None:
        self.pick, self.flag = pick, flag

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        pool, out = list(items), []
        for _ in range(min(k, len(pool))):
            item = self.pick(pool)
            pool.remove(item)
            out.append(item)
        return out


def _words(text: str) -> list[str]:
    return text.split()


DE = {
    "labels": ["Meldung", "Pressemitteilung", "News", "Presseinformation"],
    "dates": [
        "{d:%d.%m.%Y}",
        "{d.day}. {month} {d.year}",
        "{d:%Y-%m-%d}",
        "Pressemitteilung vom {d:%d.%m.%Y}",
        "{d:%d.%m.%y}",
        "{d.day}. {month} {d.year} – Berlin",
        "Pressemitteilung Nr. 12/{d.year} vom {d.day}. {month} {d.year}",
    ],
    "months": _words("Januar Februar März April Mai Juni Juli August September Oktober November Dezember"),
    "titles": [
        "Neue Förderung für Cluster gestartet",
        "ClusterAllianz stellt Zukunftspapier vor - Innovation stärken",
        "ECCP: Rückblick auf die Europäische Clusterkonferenz in Brüssel",
        "Wasserstoff-Netzwerke ziehen Bilanz",
        "Ergebnisse der Clusterkonferenz veröffentlicht",
    ],
    "subtitles": [
        "Das Ministerium unterstützt Netzwerke mit 5 Mio. Euro",
        "Bei der Präsentation ging es um Lösungen für die Dekarbonisierung.",
        "Ein Rückblick in Zahlen und Stimmen",
    ],
    "sentences": [
        "Das Bundesministerium hat ein neues Programm für Clusterorganisationen vorgestellt.",
        "Es richtet sich an Netzwerke in ganz Deutschland.",
        "Gefördert werden vor allem neue Geschäfts- und Erlösmodelle.",
        "Im Mittelpunkt stehen Energieversorgung und -sicherheit.",
        "Dr. Anna Schmidt eröffnete die Tagung mit einem Vortrag über Wertschöpfungsketten.",
        "„Wir wollen Cluster stärken“, sagte die Ministerin bei der Vorstellung.",
        "Mehr als 40 Clusterorganisationen beteiligten sich an den Workshops.",
        "Die Teilnehmenden erarbeiteten Empfehlungen für die Landesregierung.",
        "Die Kreislaufwirtschaft spielt dabei eine zentrale Rolle.",
        "Unternehmen profitieren z. B. von gemeinsamen Forschungsprojekten.",
        "Die nächste Konferenz findet wieder in Brüssel statt.",
        "Stephan A. Vogelskamp lobte die gute Zusammenarbeit der Netzwerke.",
        "Die Digitalisierung der Lieferketten bleibt eine große Aufgabe.",
        "Auch kleine und mittlere Unternehmen sollen stärker eingebunden werden.",
        "Das Programm läuft zunächst bis Ende 2027.",
        "Die Ergebnisse werden in einem Bericht zusammengefasst.",
    ],
    "dated": "Am {d.day}. {month} {d.year} trafen sich die Netzwerke zu ihrem Jahrestreffen.",
    "headings": [
        "Die Schwerpunkte",
        "Ergebnisse der Workshops",
        "Wie geht es weiter?",
        "Stimmen aus der Praxis",
    ],
    "items": [
        "Digitalisierung",
        "Nachhaltigkeit und Kreislaufwirtschaft",
        "Fachkräfte",
        "Internationalisierung",
    ],
    "alts": ["Das Bild zeigt die Ministerin bei der Vorstellung", "Teilnehmende der Konferenz im Plenum"],
    "captions": ["Vorstellung des Programms", "Europäische Clusterkonferenz 2024"],
    "credits": ["© VDI/VDE-IT", "© ECCP", "Foto: Max Muster", "Bild: BMWK / Anna Beispiel"],
    "authors": ["Text: Daniel Boss", "Autorin: Eva Kühn", "Von Jana Weiß"],
    "sources": ["Quelle: https://www.example.org/presse/meldung-1", "Quelle: www.example.de/news"],
    "boilerplate": [
        "Mit Ihrer Erlaubnis verwenden wir Google Analytics, um den Traffic auf der Website zu analysieren.",
        "Diese Website verwendet Cookies. Mit der Nutzung stimmen Sie der Datenschutzerklärung zu.",
        "Seite drucken | Teilen | Facebook | LinkedIn",
        "Alle akzeptieren",
    ],
    "trailing": ["Weitere Informationen", "Weiterführende Informationen", "Mehr erfahren"],
    "links": ["https://www.example.org/programm", "Zur Förderrichtlinie (PDF, 300 KB)", "→ Zur Website"],
    "lang": "de",
}
EN = {
    "labels": ["News", "Press release"],
    "dates": [
        "{month} {d.day}, {d.year}",
        "{d.day} {month} {d.year}",
        "{d:%Y-%m-%d}",
        "{month} {d.day}, {d.year} – Brussels",
        "Press release No. 12/{d.year} of {d.day} {month} {d.year}",
    ],
    "months": _words("January February March April May June July August September October November December"),
    "titles": ["Cluster networks meet in Brussels", "New funding for clusters - applications open in June"],
    "subtitles": ["A look back in numbers and voices"],
    "sentences": [
        "The European Cluster Conference brought together more than 500 participants.",
        "The programme focused on the green and digital transition.",
        "Dr. Jane Miller opened the event with a keynote on value chains.",
        "Small and medium-sized enterprises will be involved more closely.",
        "The results will be published in a report.",
        "The next conference will take place in Brussels again.",
        "\u201cWe want to strengthen clusters\u201d, said the commissioner at the event.",
        "Clusters help companies to find partners across Europe.",
    ],
    "dated": "On {month} {d.day}, {d.year} the networks met for their annual meeting.",
    "headings": ["Key topics", "What comes next"],
    "items": ["Green transition", "Digital skills", "Internationalisation"],
    "alts": ["The picture shows the panel on stage"],
    "captions": ["European Cluster Conference"],
    "credits": ["© ECCP", "Photo: John Smith"],
    "authors": ["By Jane Doe", "Author: John Smith"],
    "sources": ["Source: https://www.example.eu/news/item-7"],
    "boilerplate": [
        "We use cookies to improve your experience. By clicking accept, you agree to our privacy policy.",
        "Share | Print | LinkedIn",
        "Accept all",
    ],
    "trailing": ["Read more", "More information"],
    "links": ["https://www.example.eu/conference", "www.example.eu/report"],
    "lang": "en",
}
HYPHENATE = {
    "Energieversorgung": ("Energie", "versorgung"),
    "Wertschöpfungsketten": ("Wertschöp", "fungsketten"),
    "Kreislaufwirtschaft": ("Kreislauf", "wirtschaft"),
    "Forschungsprojekten": ("Forschungs", "projekten"),
}


@dataclass
class Release:
    """A generated press release and what a correct import of it must contain."""

    text: str
    lang: str
    title: str
    subtitle: str = ""
    date: date | None = None
    date_source: str | None = None
    authors: list[str] = field(default_factory=list)
    credit: str = ""
    alt: str = ""
    caption: str = ""
    source_url: str = ""
    headings: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


def _wrap(paragraph: str, width: int) -> str:
    """Greedy wrap at spaces, hyphenating the long words of HYPHENATE like a PDF would."""
    lines, line = [], ""
    for word in paragraph.split(" "):
        if line and len(line) + 1 + len(word) > width:
            bare = word.rstrip(".,")
            if bare in HYPHENATE and len(line) + len(HYPHENATE[bare][0]) + 2 <= width:
                head, tail = HYPHENATE[bare]
                lines.append(f"{line} {head}-")
                line = tail + word[len(bare) :]
                continue
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def make_release(c: Chooser) -> Release:
    pool = c.pick([DE, DE, EN])
    r = Release(text="", lang=pool["lang"], title=c.pick(pool["titles"]))
    when = c.pick([date(2024, 5, 14), date(2023, 11, 8), date(2020, 12, 22)])
    month = pool["months"][when.month - 1]
    head: list[str] = []
    if c.flag():
        head.append(c.pick(pool["boilerplate"][:1]))
        r.removed.append(head[-1])
    style = c.pick(["label+date", "date", "label", "none", "date-after-title"])
    dateline = c.pick(pool["dates"]).format(d=when, month=month)
    if style.startswith("label"):
        head.append(c.pick(pool["labels"]))
        r.removed.append(head[-1])
    if style in ("label+date", "date"):
        head.append(dateline)
    sep = c.pick(["\n\n", "\n\n\n", "\n"])
    wrap = c.pick([0, 0, 64, 78]) if sep != "\n" else 0
    blocks: list[str] = ["\n".join(head)] if head else []
    top = [r.title]
    if style == "date-after-title":
        top.append(dateline)
    if style in ("label+date", "date", "date-after-title"):
        r.date, r.date_source = when, "dateline"
    blocks.append("\n".join(top))
    if c.flag():
        r.subtitle = c.pick(pool["subtitles"])
        blocks.append(r.subtitle)
    sentences = c.sample(pool["sentences"], len(pool["sentences"]))
    paragraphs: list[list[str]] = []
    first = 2 if not r.subtitle else c.pick([1, 2])
    dated = r.date is None and c.flag()
    while sentences and len(paragraphs) < 4:
        size = first if not paragraphs else c.pick([1, 2, 3])
        paragraphs.append([sentences.pop() for _ in range(min(size, len(sentences)))])
    if dated:
        paragraphs[0].insert(1, pool["dated"].format(d=when, month=month))
        r.date, r.date_source = when, "text"
    for index, paragraph in enumerate(paragraphs):
        r.sentences.extend(paragraph)
        text = " ".join(paragraph)
        blocks.append(_wrap(text, wrap) if wrap else text)
        if index == 0 and c.flag():
            alt, credit = c.pick(pool["alts"]), c.pick(pool["credits"])
            image = [alt, alt] if c.flag() else [alt]
            image.append(credit)
            r.alt, r.credit = alt, re.sub(r"^(?:©|[A-Za-z]+:)\s*", "", credit)
            if len(image) == 3:
                r.removed.append(alt)
            if c.flag():
                r.caption = c.pick(pool["captions"])
                image.append(r.caption)
            blocks.append("\n".join(image))
        if index == 1 and c.flag():
            r.headings.append(c.pick(pool["headings"]))
            blocks.append(r.headings[-1])
        if index == 2 and c.flag():
            r.items = c.sample(pool["items"], c.pick([2, 3]))
            indent = c.pick(["", "  ", "   "])
            marker = c.pick(["• ", "•", "- ", "– ", "* "])
            blocks.append("\n".join(f"{indent}{marker}{item}" for item in r.items))
        if index == 1 and c.flag():
            copy = c.pick(paragraph)
            twin = copy.translate(str.maketrans("„““”", '""""')) if c.flag() else copy
            if c.flag():  # a repeated paragraph
                blocks.append(twin)
                r.removed.append(twin)
            else:  # repeated sentences inside a new paragraph
                blocks.append(f"{twin} {paragraphs[0][0]}")
                r.removed += [twin, paragraphs[0][0]]
    if c.flag():
        author = c.pick(pool["authors"])
        r.authors.append(re.sub(r"^(?:[A-Za-z]+:|Von|By)\s*", "", author))
        blocks.append(author)
    if c.flag():
        source = c.pick(pool["sources"])
        url = source.split(": ", 1)[1]
        r.source_url = url if url.startswith("http") else f"https://{url}"
        blocks.append(source)
    if c.flag():
        blocks.append(c.pick(pool["boilerplate"][1:]))
        r.removed.append(blocks[-1])
    if c.flag():
        links = c.sample(pool["links"], c.pick([0, 1, 2]))
        heading = c.pick(pool["trailing"])
        blocks.append("\n".join([heading, *links]))
        addressed = [link for link in links if link.startswith(("http", "www."))]
        if addressed:  # links with an address stay, as a list under the section's heading
            r.headings.append(heading)
            r.links = addressed
            r.removed.extend(link for link in links if link not in addressed)
        else:
            r.removed.extend(blocks[-1].split("\n"))
    text = sep.join(blocks) + c.pick(["", "\n"])
    if c.flag():
        text = text.replace(" und ", "\u00a0und ").replace(" die ", " \u202fdie ").replace(". ", ".  ")
    if c.flag():
        text = text.replace("\n", "\r\n")
    r.encoding = c.pick(["utf-8", "utf-8-sig", "cp1252"])
    try:
        text.encode(r.encoding)
    except UnicodeEncodeError:
        r.encoding = "utf-8"
    r.text = text
    return r
