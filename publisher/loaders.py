"""Read ``entries/**/*.md`` into SourceEntry records (front matter + Markdown body), reporting what fails."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from publisher.errors import Problem

logger = logging.getLogger(__name__)

ENTRY_SUFFIX = ".md"
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """An entry file as written by its editor, before normalisation.

    ``path`` is relative to the project root (``entries/2024/x.md``) and is what messages name.
    ``field_lines`` maps each top-level front-matter key to its line in the file, for messages.
    """

    path: str
    metadata: dict[str, Any]
    body: str
    body_line: int
    field_lines: dict[str, int]


def entry_files(entries_dir: Path) -> list[Path]:
    """Every entry file below ``entries_dir``, in a stable order; hidden files and folders are skipped."""
    found = []
    for path in entries_dir.rglob(f"*{ENTRY_SUFFIX}"):
        relative = path.relative_to(entries_dir)
        if any(part.startswith((".", "_")) for part in relative.parts) or not path.is_file():
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(entries_dir).as_posix())


def _line_of_byte(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _field_lines(text: str) -> tuple[dict[str, int], int]:
    """Lines of top-level keys in the front matter, and the first line of the body (1-based)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, 1
    positions: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            return positions, number + 1
        match = _TOP_LEVEL_KEY.match(line)
        if match:
            positions.setdefault(match.group(1), number)
    return positions, 1


def parse_entry(data: bytes, path: str) -> tuple[SourceEntry | None, list[Problem]]:
    """Decode and split one entry file. Returns ``(None, problems)`` when it cannot be read at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                path,
                f"is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
                line=_line_of_byte(data, exc.start),
                hint="save the file as UTF-8 (in most editors: 'Save with encoding' -> UTF-8)",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    field_lines, body_line = _field_lines(text)
    if not text.startswith("---"):
        return None, [
            Problem(
                path,
                "has no front matter",
                line=1,
                hint="start with a line ---, then title: … and date: …, then --- and the text",
            )
        ]
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the opening '---'
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [
            Problem(
                path,
                f"the front matter is not valid YAML: {problem}",
                line=line,
                hint="check quoting and indentation; a title with ': ' in it needs quotes",
            )
        ]
    if not isinstance(post.metadata, dict) or (not post.metadata and body_line == 1):
        return None, [Problem(path, "the front matter is not a set of key: value lines", line=1)]
    return SourceEntry(path, dict(post.metadata), post.content, body_line, field_lines), []
