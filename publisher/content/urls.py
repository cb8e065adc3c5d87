"""Addresses that never move: the record of every page address a build published, and the rules that
give each entry its address from it (a title edit keeps the address, a newer entry never takes one).

The record lives beside the build's manifest, in the output folder (``.publisher-urls.json``): every
address ever published, the entry (by id) it belongs to, and the base URLs the site had. A build
reads it to place the entries and writes it back after writing. An entry's ``slug:`` in its front
matter (``publisher check --fix-ids`` writes it) keeps the address even where the record is lost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.content.cache import IndexRow
from publisher.content.checks import LineOf
from publisher.content.normalise import POSTS, entry_path
from publisher.content.slugs import unique_slug
from publisher.errors import Problem, warning
from publisher.model import Entry
from publisher.output import LINE_PER_ITEM, write_if_changed

RECORD = ".publisher-urls.json"
RECORD_VERSION = 1


def slug_of(path: str) -> str | None:
    """The slug of an entry page's path, or None for another path."""
    if path.startswith(POSTS) and path.endswith(".html") and "/" not in path[len(POSTS) :]:
        return path[len(POSTS) : -len(".html")]
    return None


@dataclass(frozen=True, slots=True)
class Published:
    """What the record keeps of one entry: its address now, the addresses it had before (each now
    a redirect to it) and its publication time (to recognise it when its file, and so a fallback
    id, was renamed)."""

    path: str
    published: float
    moved_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UrlRecord:
    base_url: str = ""  # the site's base URL at the last build ("" before the first)
    previous_base_urls: tuple[str, ...] = ()  # the base URLs before it, the most recent first
    entries: Mapping[str, Published] = field(default_factory=dict)  # id -> its addresses

    def owners(self) -> dict[str, str]:
        """Every address ever published -> the id of the entry it belongs to."""
        found: dict[str, str] = {}
        for entry_id, item in self.entries.items():
            found[item.path] = entry_id
            for old in item.moved_from:
                found.setdefault(old, entry_id)
        return found


def read_record(out_dir: Path) -> UrlRecord:
    """The record in ``out_dir``; an empty one when there is none (or it cannot be read: then the
    addresses come from the entries alone, as on a first build)."""
    try:
        data = json.loads((out_dir / RECORD).read_bytes())
        if data.get("version") != RECORD_VERSION:
            return UrlRecord()
        entries = {
            str(entry_id): Published(
                str(item["path"]), float(item["published"]), tuple(map(str, item.get("moved_from", ())))
            )
            for entry_id, item in data["entries"].items()
        }
        return UrlRecord(str(data["base_url"]), tuple(map(str, data.get("previous_base_urls", ()))), entries)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return UrlRecord()


def write_record(out_dir: Path, record: UrlRecord) -> None:
    document = {
        "version": RECORD_VERSION,
        "base_url": record.base_url,
        "previous_base_urls": list(record.previous_base_urls),
        "entries": {
            entry_id: {
                "path": item.path,
                "published": item.published,
                **({"moved_from": list(item.moved_from)} if item.moved_from else {}),
            }
            for entry_id, item in sorted(record.entries.items())
        },
    }
    data = (json.dumps(document, separators=LINE_PER_ITEM, ensure_ascii=False) + "\n").encode("utf-8")
    write_if_changed(out_dir / RECORD, data)


@dataclass(frozen=True, slots=True)
class UrlPlan:
    """Where this build puts each entry, decided from the record and the entries' own slugs."""

    record: UrlRecord
    slugs: dict[str, str] = field(default_factory=dict)  # entry file -> slug, where it is not the file's own
    adopted: dict[str, str] = field(default_factory=dict)  # new id -> the id the record knew it by


def plan_urls(
    rows: Iterable[IndexRow], record: UrlRecord, problems: list[Problem], line_of: LineOf
) -> UrlPlan:
    """Give every publishable entry its address; add what is wrong to ``problems``.

    In this order: an explicit ``slug:`` is the entry's (an error if another entry had that address
    first); an entry the record knows keeps its address (whatever its title says now); the others
    get their title's slug, or ``-2``, ``-3`` … when it is taken, in the order of publication (an
    address taken by any entry, ever, stays taken). ``rows`` must hold every publishable entry.
    """
    ordered = sorted(
        (r for r in rows if r.slug is not None and r.published is not None and r.entry_id is not None),
        key=lambda r: (math.inf if r.published is None else r.published, r.path),
    )
    owners = record.owners()
    present = {r.entry_id for r in ordered}
    adopted = _adoptions(ordered, record, owners, present)
    chosen: dict[str, str] = {}  # file -> slug
    explicit_by_slug: dict[str, IndexRow] = {}
    waiting: list[IndexRow] = []
    for row in ordered:
        assert row.slug is not None and row.entry_id is not None
        known_id = adopted.get(row.entry_id, row.entry_id)
        known = record.entries.get(known_id)
        if row.explicit_slug:
            first = explicit_by_slug.setdefault(row.slug, row)
            if first is not row:
                problems.append(
                    Problem(
                        row.path,
                        f"slug {row.slug!r} is already used by {first.path}",
                        line=line_of(row.path, "slug"),
                        field="slug",
                        hint="give one of the entries another slug",
                    )
                )
                continue
            owner = owners.get(entry_path(row.slug))
            if owner is not None and owner != known_id:
                problems.append(_taken_problem(row, owner, record, line_of))
                continue
            chosen[row.path] = row.slug
        elif known is not None:
            slug = slug_of(known.path)
            if slug is None:  # not an entry page (a record written by hand): decided below
                waiting.append(row)
                continue
            chosen[row.path] = slug
        else:
            waiting.append(row)
    # The rest: the oldest entry whose slug is free takes it; the others get a number, which must
    # not take an address another entry's own slug gives (as the old rule did).
    used = {slug for path in owners if (slug := slug_of(path)) is not None}.union(chosen.values())
    numbered: list[IndexRow] = []
    for row in waiting:
        assert row.slug is not None
        if row.slug in used:
            numbered.append(row)
        else:
            used.add(row.slug)
            chosen[row.path] = row.slug
    avoid = used.union(row.slug for row in waiting if row.slug is not None)
    for row in numbered:
        assert row.slug is not None
        slug = unique_slug(row.slug, avoid)
        avoid.add(slug)
        chosen[row.path] = slug
    for row in ordered:
        slug = chosen.get(row.path)
        if slug is not None and slug != row.slug and not row.explicit_slug:
            problems.append(_kept_warning(row, slug, line_of))
    own = {row.path: row.slug for row in ordered}
    slugs = {path: slug for path, slug in chosen.items() if slug != own[path]}
    return UrlPlan(record, slugs, adopted)


def _adoptions(
    rows: Sequence[IndexRow], record: UrlRecord, owners: Mapping[str, str], present: set[str | None]
) -> dict[str, str]:
    """``{new id: recorded id}`` for entries the record knows under another id: an entry whose id
    is gone from the site, published at the same moment, at the address this entry's own slug
    gives. That is a renamed file whose id came from its name (or an id edited by hand)."""
    adopted: dict[str, str] = {}
    for row in rows:
        if row.entry_id in record.entries or row.slug is None:
            continue
        owner = owners.get(entry_path(row.slug))
        if owner is None or owner in present or owner in adopted.values():
            continue
        if record.entries[owner].published == row.published:
            assert row.entry_id is not None
            adopted[row.entry_id] = owner
    return adopted


def _taken_problem(row: IndexRow, owner: str, record: UrlRecord, line_of: LineOf) -> Problem:
    now = record.entries[owner].path
    where = f"its address is now {now}" if now != entry_path(row.slug or "") else "it is still there"
    return Problem(
        row.path,
        f"slug {row.slug!r}: {entry_path(row.slug or '')} was published for another entry ({owner}; {where})",
        line=line_of(row.path, "slug"),
        field="slug",
        hint="choose another slug: an address, once published, stays with its entry "
        f"(links in mails and feed readers lead there); the record is {RECORD} in the output folder",
    )


def _kept_warning(row: IndexRow, slug: str, line_of: LineOf) -> Problem:
    return warning(
        row.path,
        f"is published at {entry_path(slug)}, not at {entry_path(row.slug or '')} as its title would give "
        f"now; only {RECORD} in the output folder keeps that address",
        line=line_of(row.path, "title"),
        field="slug",
        hint=f"run 'publisher check --fix-ids' (it writes 'slug: {slug}' into the file), or add that line "
        "yourself; to move the entry to a new address, write the new slug (the old address will redirect)",
    )


def updated_record(plan: UrlPlan, entries: Iterable[Entry], base_url: str) -> UrlRecord:
    """The record after a build that published ``entries`` (every publishable entry) at ``base_url``."""
    record = plan.record
    result: dict[str, Published] = {
        entry_id: item for entry_id, item in record.entries.items() if entry_id not in plan.adopted.values()
    }
    for entry in entries:
        before = record.entries.get(plan.adopted.get(entry.id, entry.id))
        moved = tuple(before.moved_from) if before else ()
        if before is not None and before.path != entry.path and before.path not in moved:
            moved = (*moved, before.path)
        moved = tuple(path for path in moved if path != entry.path)
        result[entry.id] = Published(entry.path, entry.published.timestamp(), moved)
    previous = record.previous_base_urls
    if record.base_url and record.base_url != base_url:
        previous = (record.base_url, *(b for b in previous if b not in (record.base_url, base_url)))
    previous = tuple(b for b in previous if b != base_url)
    return UrlRecord(base_url, previous, result)
