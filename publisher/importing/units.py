"""A unit of an imported body (paragraph, heading, list item, contact block) and its input lines."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from publisher.importing.lines import RawLine


@dataclass
class Unit:
    """One body element and the input lines it came from; ``offsets`` locate each line in ``text``."""

    kind: str  # "paragraph", "heading" or "item"
    lines: list[RawLine]
    text: str
    offsets: list[int]
    notes: list[str]
    kept: bool = True
    reason: str = ""
    marker: str = "-"  # a list item's Markdown marker: "-" or "1." for numbered lists

    def line_at(self, offset: int) -> RawLine:
        return self.lines[max(0, bisect.bisect_right(self.offsets, offset) - 1)]

    def drop(self, reason: str) -> None:
        self.kept, self.reason = False, reason

    @property
    def trace(self) -> list[tuple[int, str, str, str]]:
        """(line number, target, kind, reason) for every line of this unit."""
        if not self.kept:
            return [(line.number, "removed", self.kind, self.reason) for line in self.lines]
        return [
            (line.number, "body", self.kind, note) for line, note in zip(self.lines, self.notes, strict=True)
        ]
