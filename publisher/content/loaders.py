"""Read ``entries/**/*.md`` into SourceEntry records (front matter + Markdown body), reporting what fails."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from publisher.errors import Problem

if TYPE_CHECKING:
    import yaml

logger = logging.getLogger(__name__)

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
