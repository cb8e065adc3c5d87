"""Read publisher.toml into Settings; every bad key is reported at once, at its line, with a hint."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from publisher.config.keys import REQUIRED, SECRET_KEYS, TABLES, TOP_LEVEL, Check, ascii_url
from publisher.config.settings import (
    CONFIG_NAME,
    DigestSettings,
    LegalSettings,
    Settings,
    SmtpSettings,
    SubscribeSettings,
)
from publisher.errors import Problem, PublisherError, warning


def _type_name(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list"}
    return " or ".join(names[t] for t in types)


def _type_hint(key: str, types: tuple[type, ...], value: Any) -> str:
    if str in types:
        return f'put the value in quotes: {key} = "…"'
    if isinstance(value, float) and float not in types:
        return f"write a whole number: {key} = {max(1, int(value))}"
    written = value.strip() if isinstance(value, str) else ""
    example = written if written.replace(".", "", 1).isdigit() else "10"
    return f"write the number without quotes: {key} = {example}"


_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def key_lines(text: str) -> dict[str, int]:
    """The line of each ``key = …`` in a TOML file, as ``key`` or ``table.key`` (for messages;
    tomllib tells no positions). Keys written as dotted names or inline tables are not found."""
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_HEADER.match(line)
        if header:
            table = f"{header.group(1)}."
            lines.setdefault(header.group(1), number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(f"{table}{key.group(1)}", number)
    return lines


def _check_table(
    raw: Mapping[str, Any],
    spec: Mapping[str, tuple[tuple[type, ...], Check | None]],
    prefix: str,
    path: str,
    problems: list[Problem],
    lines: Mapping[str, int],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        line = lines.get(name)
        if key not in spec:
            problems.append(_unknown_key(key, value, spec, prefix, path, line))
            continue
        types, check = spec[key]
        # bool is an int subclass; "feed_limit = true" must not pass as 1.
        if isinstance(value, bool) or not isinstance(value, types):
            message = f"must be {_type_name(types)}, not {type(value).__name__}"
            problems.append(Problem(path, message, line=line, field=name, hint=_type_hint(key, types, value)))
            continue
        failure = check(value) if check else None
        if failure:
            message, hint = failure
            problems.append(Problem(path, f"{value!r} {message}", line=line, field=name, hint=hint))
            continue
        values[key] = value
    return values


def _unknown_key(
    key: str,
    value: Any,
    spec: Mapping[str, tuple[tuple[type, ...], Check | None]],
    prefix: str,
    path: str,
    line: int | None,
) -> Problem:
    """An unknown key or table, with the names that are known there (and the nearest one, for a typo)."""
    tables = ", ".join(f"[{name}]" for name in sorted(TABLES))
    if key in SECRET_KEYS:
        hint = "secrets never go in the file: set PUBLISHER_SMTP_PASSWORD / PUBLISHER_SECRET instead"
        return Problem(path, "unknown key", line=line, field=f"{prefix}{key}", hint=hint)
    if not prefix and isinstance(value, dict):
        close = difflib.get_close_matches(key, list(TABLES), n=1)
        guess = f"did you mean [{close[0]}]? " if close else ""
        return Problem(
            path, f"unknown table [{key}]", line=line, field=key, hint=f"{guess}known tables: {tables}"
        )
    close = difflib.get_close_matches(key, list(spec), n=1)
    guess = f"did you mean {prefix}{close[0]}? " if close else ""
    known = f"known keys here: {', '.join(sorted(spec))}"
    if not prefix:
        known += f"; and the tables {tables}"
    return Problem(path, "unknown key", line=line, field=f"{prefix}{key}", hint=f"{guess}{known}")


def parse_settings(
    data: Mapping[str, Any],
    root: Path,
    config_path: Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> Settings:
    """Validate a parsed TOML document; raise PublisherError listing every problem (at the lines
    ``key_lines`` found, when given)."""
    path = str(config_path or root / CONFIG_NAME)
    lines = lines or {}
    problems: list[Problem] = []
    top = {k: v for k, v in data.items() if k not in TABLES}
    values = _check_table(top, TOP_LEVEL, "", path, problems, lines)
    tables: dict[str, Any] = {}
    for table, spec in TABLES.items():
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    path,
                    "must be a table",
                    line=lines.get(table),
                    field=table,
                    hint=f"write [{table}] on a line of its own, with its keys below it",
                )
            )
            continue
        tables[table] = _check_table(raw, spec, f"{table}.", path, problems, lines)
    for key in REQUIRED:
        if key not in data:
            problems.append(
                Problem(path, "is required", field=key, hint=f'add e.g. {key} = "…" at the top of the file')
            )
    if "templates_dir" in values and not (root / values["templates_dir"]).is_dir():
        # Without the folder the bundled templates are used: a typo would drop every customisation.
        problems.append(
            Problem(
                path,
                f"{values['templates_dir']!r} is not a folder",
                line=lines.get("templates_dir"),
                field="templates_dir",
                hint="fix the path, create the folder, or remove the key to use the bundled templates",
            )
        )
    if problems:
        raise PublisherError(f"{path}: the configuration has {len(problems)} problem(s)", problems)

    base_url = ascii_url(values["base_url"]).rstrip("/") + "/"
    for key in ("entries_dir", "templates_dir", "out_dir"):
        default = {f.name: f.default for f in fields(Settings)}[key]
        values[key] = (root / values.get(key, default)).resolve()
    return Settings(
        **{**values, "base_url": base_url},
        root=root.resolve(),
        digest=DigestSettings(**tables.get("digest", {})),
        smtp=SmtpSettings(**tables.get("smtp", {})),
        legal=LegalSettings(**tables.get("legal", {})),
        subscribe=SubscribeSettings(**_tuples(tables.get("subscribe", {}))),
        config_path=config_path,
    )


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    """Lists from TOML as tuples (Settings are frozen and hashable)."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}


def legal_problems(settings: Settings) -> list[Problem]:
    """What ``check`` says about the legal side of sending: a German site that sends mail needs an imprint
    in every mail (§ 5 DDG)."""
    sends = settings.smtp != SmtpSettings() or settings.database_path.exists()
    if settings.language != "de" or not sends or settings.legal.imprint.strip():
        return []
    return [
        warning(
            str(settings.config_path or settings.root / CONFIG_NAME),
            "the site sends newsletters but has no imprint for its mails",
            field="legal.imprint",
            hint='add [legal] imprint = """Name, Anschrift, Vertretungsberechtigte, Kontakt""" '
            "(German law, § 5 DDG, wants it in every mail)",
        )
    ]


def load_settings(config_path: Path | None = None, cwd: Path | None = None) -> Settings:
    """Read ``publisher.toml`` (by default from the current directory)."""
    path = config_path or (cwd or Path.cwd()) / CONFIG_NAME
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PublisherError(
            f"{path}: no configuration file found -> run 'publisher init DIR' to create a project, "
            "or use -C DIR / --config PATH to point at one"
        ) from None
    except UnicodeDecodeError as exc:
        raise PublisherError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}) -> save it as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PublisherError(f"{path}: the file is not valid TOML", [toml_problem(text, exc, path)]) from None
    return parse_settings(data, path.parent.resolve(), path.resolve(), key_lines(text))


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def toml_problem(text: str, exc: ValueError, path: Path) -> Problem:
    """tomllib's message as ``path:line: problem -> hint``. A quote that is never closed (the most
    common slip: tomllib then complains about the line break, or the end of the file) is told as
    that, at the line where it opens."""
    message = str(exc)
    position = _TOML_POSITION.search(message)
    reason = message[: position.start()] if position else message
    line = int(position.group(1)) if position and position.group(1) else None
    opened = unclosed_quote(text)
    if opened is not None and (line is None or line >= opened[0]):
        number, quote = opened
        if len(quote) == 3:
            hint = f"end the text with {quote} (a text over several lines starts and ends with {quote})"
        else:
            hint = f"close it at the end of the value, on the same line: title = {quote}Neuigkeiten{quote}"
        return Problem(
            str(path),
            f"invalid TOML: the quote {quote} opened on this line is never closed",
            line=number,
            hint=hint,
        )
    return Problem(
        str(path),
        f"invalid TOML: {reason}",
        line=line,
        hint='write one key = value per line, text in quotes (title = "Neuigkeiten"), a table as [digest]',
    )


def unclosed_quote(text: str) -> tuple[int, str] | None:
    """The line and the quote (``"``, ``'``, ``\"\"\"`` or ``\'\'\'``) of the first string in a TOML
    text that is not closed: a one-line string at the end of its line, a multi-line one at the end
    of the text. Comments are skipped; a backslash escapes the next character in a basic string."""
    quote = ""
    start = 0
    line = 1
    i = 0
    while i < len(text):
        char = text[i]
        if not quote:
            if char == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
                continue
            if char in "\"'":
                quote = char * 3 if text.startswith(char * 3, i) else char
                start = line
                i += len(quote)
                continue
        elif text.startswith(quote, i):
            i += len(quote)
            quote = ""
            continue
        elif char == "\\" and quote[0] == '"':
            i += 2
            continue
        elif char == "\n" and len(quote) == 1:
            return start, quote
        if char == "\n":
            line += 1
        i += 1
    return (start, quote) if quote else None
