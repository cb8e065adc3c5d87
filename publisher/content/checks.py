"""Checks across entries: duplicate ids, tags that share a page, and files in entries/ that are not
published (shared slugs and addresses: content/urls.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from publisher.content.cache import IndexRow
from publisher.content.loaders import field_line
from publisher.content.scan import ASSET_SUFFIXES, ENTRY_SUFFIX, Refused
from publisher.errors import Problem, warning
from publisher.model import Entry

LineOf = Callable[[str, str], int | None]  # (entry file, front-matter key) -> its line


def line_of_field(root: Path, relative: str, field: str) -> int | None:
    """The line of a front-matter key in an entry file. Cross-entry checks name few files, and the
    cache's index keeps no lines, so the file is read again for its message."""
    try:
        return field_line((root / relative).read_text(encoding="utf-8-sig"), field)
    except (OSError, UnicodeDecodeError):
        return None


def mtime_of(root: Path, relative: str) -> int:
    try:
        return (root / relative).stat().st_mtime_ns
    except OSError:
        return 2**63


def duplicate_ids(rows: list[IndexRow], line_of: LineOf, mtime_of: Callable[[str], int]) -> list[Problem]:
    """Problems for every id already used by an entry published before it (at the same time: by the
    file changed longer ago, then by path order). ``rows`` hold at least every row whose id is shared.

    The entry published first keeps its id: readers have seen it under that id, and the usual
    way to get a duplicate is to copy an old entry to start a new one (before its date is changed,
    the copy is the file written last).
    """
    seen: dict[str, IndexRow] = {}
    problems = []
    ordered = sorted(
        (r for r in rows if r.entry_id is not None),
        key=lambda r: (math.inf if r.published is None else r.published, mtime_of(r.path), r.path),
    )
    for row in ordered:
        assert row.entry_id is not None
        first = seen.setdefault(row.entry_id, row)
        if first is row:
            continue
        how = "saved earlier, with the same date" if first.published == row.published else "published earlier"
        problems.append(
            Problem(
                row.path,
                f"id {row.entry_id!r} is already used by {first.path}, {how}",
                line=line_of(row.path, "id"),
                field="id",
                hint="each entry needs its own id; remove this one and run 'publisher check --fix-ids'",
            )
        )
    return problems


def tag_conflicts(entries: Sequence[Entry], line_of: LineOf) -> list[Problem]:
    """Warnings for tags whose names differ but whose page is the same (``C++`` and ``C#`` both
    become ``tags/c/``): that page shows one name, the newest entry's (``entries``: newest first),
    and lists the entries of both. Names that differ only in case are the same tag."""
    shown: dict[str, str] = {}
    reported: set[tuple[str, str]] = set()
    problems = []
    for entry in entries:
        for tag in entry.tags:
            name = shown.setdefault(tag.slug, tag.name)
            if tag.name.casefold() == name.casefold() or (tag.slug, tag.name) in reported:
                continue
            reported.add((tag.slug, tag.name))
            problems.append(
                warning(
                    entry.source_path,
                    f"tag {tag.name!r} gets the same page as the tag {name!r} (tags/{tag.slug}/), "
                    f"which lists this entry under {name!r}",
                    line=line_of(entry.source_path, "tags"),
                    field="tags",
                    hint="rename one of the two tags so that their names differ in letters or digits",
                )
            )
    return problems


def ignored_file(path: str) -> Problem:
    if path.endswith(ENTRY_SUFFIX):
        return warning(
            path,
            "is a link to nothing (or to no file), so it is not published",
            hint="fix or remove the link",
        )
    return warning(
        path,
        "is neither an entry (.md) nor a media file, so it is not published",
        hint=f"only media files ({', '.join(sorted(ASSET_SUFFIXES))}) are copied to out/",
    )


def refused_file(path: str, refused: Refused) -> Problem:
    """A link the scan did not follow or a file that is not a regular one (``scan.Refused``)."""
    return warning(path, refused.reason, hint=refused.hint)
