"""Read ``entries/**/*.md`` into SourceEntry records (front matter + Markdown body), reporting what fails."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISFIFO, S_ISREG, S_ISSOCK
from typing import TYPE_CHECKING, Any, NamedTuple

from publisher.errors import Problem
from publisher.output import MANIFEST, WRITING

if TYPE_CHECKING:
    import yaml

logger = logging.getLogger(__name__)

ENTRY_SUFFIX = ".md"
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z0-9_][\w-]*)\s*:")


class _Yaml(NamedTuple):  # not a dataclass: this module is imported on every run, _Yaml rarely used
    module: Any  # yaml
    handler: Any  # frontmatter.YAMLHandler
    loader: type


@lru_cache(maxsize=1)
def _yaml() -> _Yaml:
    """PyYAML, python-frontmatter and the entry loader, on first use: commands that only scan the
    entry files (a digest from a warm cache) never import them."""
    import frontmatter
    import yaml

    # libyaml's C scanner when PyYAML has it: the pure-Python one took 60 % of normalising an entry.
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _EntryLoader(safe_loader):  # type: ignore[misc, valid-type]
        """SafeLoader that keeps an impossible date such as 2024-02-30 as text, so that normalise
        reports it at its field and line instead of the YAML library raising a bare ValueError, and
        that refuses a key given twice (YAML would silently keep the last one)."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str | int | float | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key!r} is given twice (first on line {seen[key]}); only one can count",
                        key_node.start_mark,
                    )
                if isinstance(key, str | int | float | bool):
                    seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    _EntryLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    return _Yaml(yaml, frontmatter.YAMLHandler(), _EntryLoader)


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


class EntryFile(NamedTuple):
    """An entry file found on disk: ``relative`` is its path from the project root, as messages show it.

    A NamedTuple rather than a frozen dataclass: a scan creates one per file (100,000 at a time),
    and a frozen dataclass's ``__init__`` costs several times as much.
    """

    path: str
    relative: str
    mtime_ns: int
    size: int


class Refused(NamedTuple):
    """A file or folder in the entries folder that is not read, and why (told as a warning)."""

    relative: str  # from the entries folder, like the names of ignored files
    reason: str
    hint: str


class _Bounds:
    """Where links in the entries folder may lead: into the project (its folder or the entries
    folder), not into a hidden or ``_`` folder there or a path publisher never publishes (``skip``),
    never back up into a folder being read (a loop) and never to a folder inside the entries folder
    (its files are read at their own place already)."""

    def __init__(self, entries: str, root: str | None, skip: set[str]) -> None:
        self.entries = entries
        self.roots = [entries] if root is None else [entries, root]
        self.skip = skip

    def refusal(self, path: str, relative: str, folder_real: str, is_dir: bool) -> Refused | None:
        """None when the link at ``path`` may be followed; else why not."""
        target = os.path.realpath(path)
        shown = self._shown(target)
        home = next((r for r in self.roots if target == r or target.startswith(r + "/")), None)
        if home is None:
            return Refused(
                relative,
                f"is a link to {target}, outside the project, so it is not followed",
                "copy the file or folder into the project, or remove the link",
            )
        if is_dir and (_within(folder_real, target) or _within(self.entries, target)):
            return Refused(
                relative, f"is a link back to {shown} (a loop), so it is not followed", "remove the link"
            )
        if (is_dir or relative.endswith(ENTRY_SUFFIX)) and _within(target, self.entries):
            what = "files are read at their" if is_dir else "file is read at its"
            return Refused(
                relative,
                f"is a link to {shown}, whose {what} own place, so it is not followed",
                "remove the link",
            )
        inside = target[len(home) + 1 :].split("/") if target != home else []
        if any(part[:1] in "._" for part in inside) or any(_within(target, s) for s in self.skip):
            return Refused(
                relative,
                f"is a link to {shown}, which publisher never publishes, so it is not followed",
                "remove the link; only entries and media files in the project are published",
            )
        return None

    def _shown(self, target: str) -> str:
        root = self.roots[-1]
        return target[len(root) + 1 :] or "." if _within(target, root) else target


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _real(path: Path | None) -> str | None:
    return None if path is None else os.path.realpath(path)


def scan_entry_files(entries_dir: Path, root: Path, skip: Collection[Path] = ()) -> list[EntryFile]:
    """Every ``*.md`` below ``entries_dir`` (hidden and ``_`` files and folders skipped, and the
    folders in ``skip``: the output and templates when they lie inside it), sorted. Links are
    followed only where ``_Bounds`` allows (``scan_assets`` reports the others).

    Uses ``os.scandir``: its entries know whether they are files or folders without a system
    call, so only entry files are stat'ed. Where the platform allows, each folder is listed
    through an open descriptor, so that each ``stat`` looks the name up in that folder instead of
    walking the whole path again (a quarter less time at 100,000 files). This loop runs on every
    build and digest, so it does as little per file as it can.
    """
    base = entries_dir.resolve()
    prefix = (
        base.relative_to(root.resolve()).as_posix() + "/"
        if base.is_relative_to(root.resolve())
        else f"{base}/"
    )
    by_descriptor = os.scandir in os.supports_fd
    skipped = {str(folder) for folder in skip}
    bounds = _Bounds(str(base), _real(root), {os.path.realpath(f) for f in skipped})
    found: list[EntryFile] = []
    stack = [(str(base), prefix, str(base))]
    while stack:
        folder, relative, real = stack.pop()
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if by_descriptor else None
        try:
            with os.scandir(folder if handle is None else handle) as listing:
                for item in listing:
                    name = item.name
                    if name[0] in "._":
                        continue
                    if name.endswith(ENTRY_SUFFIX) and item.is_file():
                        if item.is_symlink() and bounds.refusal(
                            f"{folder}/{name}", relative + name, real, False
                        ):
                            continue
                        stat = item.stat()
                        if not S_ISREG(stat.st_mode):
                            continue
                        found.append(
                            EntryFile(f"{folder}/{name}", relative + name, stat.st_mtime_ns, stat.st_size)
                        )
                    elif (
                        item.is_dir()
                        and f"{folder}/{name}" not in skipped
                        and not _is_output_folder(f"{folder}/{name}")
                    ):
                        inner = f"{real}/{name}"
                        if item.is_symlink():
                            if bounds.refusal(f"{folder}/{name}", name, real, True):
                                continue
                            inner = os.path.realpath(f"{folder}/{name}")
                        stack.append((f"{folder}/{name}", f"{relative}{name}/", inner))
        finally:
            if handle is not None:
                os.close(handle)
    found.sort(key=attrgetter("relative"))
    return found


def _is_output_folder(folder: str) -> bool:
    """A folder publisher built into (``--out`` inside the entries): never entries or media, or each
    build would publish the last one's output again, one folder deeper."""
    return any(os.path.exists(os.path.join(folder, mark)) for mark in (MANIFEST, WRITING))


class Media(NamedTuple):
    """What ``scan_assets`` found besides the entries."""

    assets: list[EntryFile]  # media files to copy
    ignored: list[str]  # names of other files, not published
    refused: list[Refused]  # links not followed and files that are not regular files


ASSET_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".pdf"})
NOT_REGULAR = {
    S_ISFIFO: "a named pipe (FIFO)",
    S_ISSOCK: "a socket",
    S_ISCHR: "a device",
    S_ISBLK: "a device",
}


def scan_assets(entries_dir: Path, skip: Collection[Path] = (), root: Path | None = None) -> Media:
    """Media files kept beside the entries (copied to out/ at the same relative path), the relative
    paths of other files that are ignored, and what is refused: links that lead outside the project
    (``root``; without it, the entries folder) or round in a loop, and anything that is not a regular
    file (a named pipe would block the build reading it). SVG is not copied: it can carry script.
    The folders in ``skip`` (the output, the templates) are not looked into."""
    assets: list[EntryFile] = []
    ignored: list[str] = []
    refused: list[Refused] = []
    base = str(entries_dir.resolve())
    skipped = {str(folder) for folder in skip}
    bounds = _Bounds(base, _real(root), {os.path.realpath(f) for f in skipped})
    stack = [(base, "", base)]
    while stack:
        folder, relative, real = stack.pop()
        with os.scandir(folder) as listing:
            items = sorted(listing, key=attrgetter("name"))
        for item in items:
            name, full = item.name, f"{folder}/{item.name}"
            if name.startswith((".", "_")) or full in skipped:
                continue
            is_link = item.is_symlink()
            if item.is_dir():
                if _is_output_folder(full):
                    continue
                refusal = bounds.refusal(full, relative + name, real, True) if is_link else None
                if refusal:
                    refused.append(refusal)
                    continue
                inner = os.path.realpath(full) if is_link else f"{real}/{name}"
                stack.append((full, f"{relative}{name}/", inner))
                continue
            refusal = bounds.refusal(full, relative + name, real, False) if is_link else None
            if refusal:
                refused.append(refusal)
                continue
            if name.endswith(ENTRY_SUFFIX) and item.is_file():
                continue  # an entry (scan_entry_files reads it): no stat for each of 100,000 entries
            try:
                stat = item.stat()
            except OSError:  # a link to nothing
                if name.endswith(ENTRY_SUFFIX):
                    ignored.append(relative + name)
                else:
                    refused.append(
                        Refused(
                            relative + name,
                            "is a link to nothing, so it is not published",
                            "fix or remove the link",
                        )
                    )
                continue
            kind = next((what for test, what in NOT_REGULAR.items() if test(stat.st_mode)), None)
            if kind is not None:
                refused.append(
                    Refused(
                        relative + name,
                        f"is {kind}, not a regular file, so it is not read",
                        "remove it from the entries folder; only regular files are published",
                    )
                )
            elif name.endswith(ENTRY_SUFFIX):
                continue
            elif Path(name).suffix.lower() in ASSET_SUFFIXES:
                assets.append(EntryFile(full, relative + name, stat.st_mtime_ns, stat.st_size))
            else:
                ignored.append(relative + name)
    assets.sort(key=lambda f: f.relative)
    refused.sort()
    return Media(assets, sorted(ignored), refused)


def entry_files(entries_dir: Path) -> list[Path]:
    """Every entry file below ``entries_dir``, in a stable order; hidden files and folders are skipped."""
    return [Path(f.path) for f in scan_entry_files(entries_dir, entries_dir)]


def read_entry(path: Path, relative: str) -> tuple[bytes | None, list[Problem]]:
    """The bytes of an entry file, or None and the problem that it cannot be read (no permission,
    a file gone or replaced by something else since the scan)."""
    try:
        return path.read_bytes(), []
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, PermissionError):
            hint = f"let publisher read it, e.g. chmod a+r {relative}"
        else:
            hint = "check the file, then run the command again"
        return None, [Problem(relative, f"cannot be read ({reason})", hint=hint)]


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
    if text.startswith("+++"):
        return _toml_entry(text, path)
    if not text.startswith("---") and _PELICAN_FIRST.match(text):
        return _pelican_entry(text, path)
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
    parsing = _yaml()
    opening = parsing.handler.FM_BOUNDARY.match(text)
    try:
        front, body = parsing.handler.split(text)
    except ValueError:
        return None, [
            Problem(
                path,
                "the front matter has no closing --- line",
                line=1,
                hint="end the front matter with a line of three dashes, then write the text below it",
            )
        ]
    offset = text.count("\n", 0, opening.end()) if opening else 1  # lines before the YAML text
    try:
        metadata = parsing.handler.load(front, Loader=parsing.loader)
    except parsing.module.YAMLError as exc:
        return None, [_tab_problem(front, path, offset, exc) or _yaml_problem(exc, path, offset)]
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        return None, [
            Problem(
                path,
                "the front matter is not a set of key: value lines",
                line=offset + 1,
                hint="write one 'key: value' per line, e.g. title: … and date: …",
            )
        ]
    bad_keys = [key for key in metadata if not isinstance(key, str)]
    if bad_keys:
        return None, [_key_problem(key, path, field_lines) for key in bad_keys]
    return SourceEntry(path, metadata, body.strip(), body_line, field_lines), []


# Pelican's Markdown metadata: "Title: …" lines at the top of the file, a blank line, the text.
_PELICAN_KEY = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*)$")
_PELICAN_FIRST = re.compile(r"^(?:title|date|slug|author|authors|tags|category|summary|id)\s*:", re.I)
# Pelican keys whose value is a comma-separated list
_PELICAN_LISTS = frozenset(("tags", "authors", "keywords"))


def _pelican_entry(text: str, path: str) -> tuple[SourceEntry | None, list[Problem]]:
    """Pelican's ``Key: value`` metadata (keys as lower case, ``Tags``/``Authors`` split at commas)."""
    lines = text.split("\n")
    metadata: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    number = 0
    for number, line in enumerate(lines, start=1):
        match = _PELICAN_KEY.match(line)
        if not line.strip() or match is None:
            break
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in metadata:
            return None, [
                Problem(
                    path,
                    f"the key {key!r} is given twice (first on line {field_lines[key]}); only one can count",
                    line=number,
                    hint="keep one of the two lines",
                )
            ]
        metadata[key] = [v.strip() for v in value.split(",") if v.strip()] if key in _PELICAN_LISTS else value
        field_lines[key] = number
    body = "\n".join(lines[number:] if not lines[number - 1].strip() else lines[number - 1 :])
    return SourceEntry(path, metadata, body.strip(), number + 1, field_lines), []


def _toml_entry(text: str, path: str) -> tuple[SourceEntry | None, list[Problem]]:
    """Hugo's TOML front matter between ``+++`` lines."""
    import tomllib

    lines = text.split("\n")
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == "+++"), None)
    if end is None:
        return None, [
            Problem(
                path,
                "the front matter has no closing +++ line",
                line=1,
                hint="end the TOML front matter with a line +++, then write the text below it",
            )
        ]
    try:
        metadata = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        return None, [
            Problem(
                path,
                f"the front matter is not valid TOML: {exc}",
                line=int(found.group(1)) + 1 if found else 1,
                hint='check quoting: text values need quotes, e.g. title = "…"',
            )
        ]
    field_lines: dict[str, int] = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^\s*([A-Za-z0-9_][\w-]*)\s*=", line)
        if match:
            field_lines.setdefault(match.group(1), number)
    body = "\n".join(lines[end + 1 :])
    return SourceEntry(path, metadata, body.strip(), end + 2, field_lines), []


def _yaml_problem(exc: yaml.YAMLError, path: str, offset: int) -> Problem:
    """Locate a YAML error in the file. An unclosed quote or bracket is reported where it opens."""
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context", None) or ""
    context_mark = getattr(exc, "context_mark", None)
    if context_mark is not None and context.startswith(("while scanning a quoted", "while parsing a flow")):
        mark = context_mark
    line = offset + mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if context and mark is context_mark:
        problem = f"{problem} ({context} that starts here)"
    return Problem(
        path,
        f"the front matter is not valid YAML: {problem}",
        line=line,
        hint="check quoting and indentation; a title with ': ' in it needs quotes",
    )


def _tab_problem(front: str, path: str, offset: int, exc: yaml.YAMLError) -> Problem | None:
    """A tab in the indentation, where YAML's message ("found character that cannot start any
    token") does not say so: the line of the error if it is indented with a tab, else the first
    line before it that is."""
    mark = getattr(exc, "problem_mark", None)
    lines = front.split("\n")
    last = mark.line if mark is not None and mark.line < len(lines) else len(lines) - 1
    indented = [n for n in range(last + 1) if "\t" in lines[n][: len(lines[n]) - len(lines[n].lstrip())]]
    if not indented:
        return None
    number = last if last in indented else indented[-1]
    column = lines[number].index("\t") + 1
    return Problem(
        path,
        f"the front matter is indented with a tab (column {column}); "
        "YAML does not allow tabs for indentation",
        line=offset + number + 1,
        hint="indent with spaces instead (most editors can convert tabs to spaces)",
    )


def _key_problem(key: object, path: str, field_lines: dict[str, int]) -> Problem:
    """A key YAML did not read as text (``on:`` and ``yes:`` become booleans, ``2024:`` a number)."""
    line = next(
        (n for raw, n in field_lines.items() if _scalar(raw) == key and type(_scalar(raw)) is type(key)), None
    )
    return Problem(
        path,
        f"the front-matter key {key!r} is not a name (YAML reads on, off, yes and no as true/false)",
        line=line,
        hint='put the key in quotes, e.g. "on": …, or use one of the documented field names',
    )


def _scalar(raw: str) -> object:
    parsing = _yaml()
    try:
        return parsing.module.load(raw, Loader=parsing.loader)
    except parsing.module.YAMLError:
        return raw


def field_line(text: str, field: str) -> int | None:
    """The line of the top-level front-matter key ``field`` in an entry's text, if it has one."""
    return _field_lines(text)[0].get(field)
