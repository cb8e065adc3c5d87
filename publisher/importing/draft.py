"""The notes taken while one press release is read: which line went where and why."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from publisher.errors import Problem
from publisher.importing.dates import NotADate
from publisher.importing.lines import RawLine
from publisher.importing.model import ImportedImage, Step
from publisher.model import Removal


@dataclass
class Draft:
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
    subtitle: RawLine | None = None  # a kicker line above the title ("… :") found while reading the head
    image: ImportedImage | None = None
    figures: list[tuple[int, ImportedImage]] = field(default_factory=list)  # (first line, figure)
    # lines that only separate the parts of a page-broken paragraph (page numbers, repeated headers)
    page_furniture: set[int] = field(default_factory=set)

    def claim(self, line: RawLine, target: str, kind: str, reason: str, removed: str | None = "") -> None:
        """Record a decision; a removal also goes to ``removed`` (``removed=None``: already recorded)."""
        if line.changed and target != "removed":
            reason += " (odd spaces normalised)"
        if line.quote:
            reason += f" (quote marks '{line.quote.strip()}' taken off)"
        step = Step(line.number, line.text, target, kind, reason)
        self.roles.setdefault(line.number, step)
        self.steps.append(step)
        if target == "removed" and removed is not None:
            self.removed.append((line.number, Removal(removed or line.text, reason)))

    def note(self, line: RawLine, target: str, kind: str, reason: str) -> None:
        """A decision about part of a line; the rest of the line is still free for the body."""
        self.steps.append(Step(line.number, line.text, target, kind, reason))

    def cut(self, line: RawLine, keep: str, cut: str, reason: str) -> RawLine:
        """Remove ``cut`` (the end of the line) with ``reason``; the line holds ``keep`` from now on."""
        self.removed.append((line.number, Removal(cut, reason)))
        self.steps.append(Step(line.number, line.text, "removed", "cut", reason))
        shorter = replace(line, text=keep)
        self.lines[line.number - 1] = shorter
        return shorter

    def free(self, line: RawLine) -> bool:
        return bool(line.text) and line.number not in self.roles

    def content(self, after: int = 0) -> list[RawLine]:
        return [line for line in self.lines if line.number > after and self.free(line)]
