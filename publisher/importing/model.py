"""The import's data: options in; an ImportedEntry with its line-by-line explanation out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from publisher.content.slugs import slugify
from publisher.errors import Problem
from publisher.importing.lines import escape_controls
from publisher.model import Removal


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the editor told us on the command line; ``None``/empty means "find it in the text"."""

    date: date | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    default_lang: str = "de"


@dataclass(frozen=True, slots=True)
class ImportedImage:
    """The image block's texts; raw text has no image URL, so the entry's image has none either."""

    alt: str = ""
    caption: str = ""
    credit: str = ""
    url: str = ""  # only from a feed: raw text has no image files


@dataclass(frozen=True, slots=True)
class Step:
    """One decision of the importer about one input line (``--explain``)."""

    line: int
    text: str
    target: str  # title, subtitle, date, authors, source_url, image.alt, body, removed, ... or "-" for blanks
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    """One imported press release: every field of ``publisher import --json``, plus the explanation.

    ``date`` is None when the text has none (writing then needs ``--date``); ``removed`` lists what
    left the text and why; ``explanation`` holds one or more Steps per input line, in line order.
    """

    source_path: str
    id: str
    title: str
    subtitle: str
    date: date | None
    date_source: str | None  # "dateline", "text", "option" or None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    lang: str
    source_url: str
    image: ImportedImage | None
    headings: tuple[str, ...]
    body_markdown: str
    removed: tuple[Removal, ...]
    warnings: tuple[Problem, ...]
    explanation: tuple[Step, ...]
    encoding: str = "utf-8"
    # why the entry has no date although the text has a dateline ("29.02.2023"); also in warnings
    date_problem: Problem | None = None
    # image blocks after the first one, in text order (the first is ``image``)
    figures: tuple[ImportedImage, ...] = ()
    # from a feed: the item's own times (``date`` is the day of ``published``) and summary
    published: datetime | None = None
    updated: datetime | None = None
    summary: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.title, self.lang)

    def as_json(self, explain: bool = False) -> dict[str, object]:
        """The ``--json`` record: plain JSON types, keys in a fixed order."""
        data: dict[str, object] = {
            "source_path": self.source_path,
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "date": self.date.isoformat() if self.date else None,
            "date_source": self.date_source,
            "authors": list(self.authors),
            "tags": list(self.tags),
            "lang": self.lang,
            "source_url": self.source_url,
            "image": None if self.image is None else _image_json(self.image),
            "headings": list(self.headings),
            "body_markdown": self.body_markdown,
            "removed": [{"text": r.text, "reason": r.reason} for r in self.removed],
            "warnings": [str(w) for w in self.warnings],
        }
        if explain:
            data["explain"] = [
                {"line": s.line, "text": s.text, "target": s.target, "kind": s.kind, "reason": s.reason}
                for s in self.explanation
            ]
        return data


def _image_json(image: ImportedImage) -> dict[str, str]:
    data = {"alt": image.alt, "caption": image.caption, "credit": image.credit}
    return {"url": image.url, **data} if image.url else data


def explain_lines(entry: ImportedEntry, width: int = 48) -> list[str]:
    """The ``--explain`` report: one line per decision, in input order; control characters escaped."""
    out = [escape_controls(f"{entry.source_path} ({entry.encoding}): {entry.title}")]
    for step in entry.explanation:
        if step.kind == "blank":
            out.append(f"{step.line:>4}  (blank)")
            continue
        text = step.text if len(step.text) <= width else step.text[: width - 1] + "…"
        out.append(escape_controls(f"{step.line:>4}  {step.target:<13} {text:<{width}}  {step.reason}"))
    return out
