"""Load and validate ``publisher.toml`` into frozen Settings; every bad key is reported at once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.addresses import is_bare_address
from publisher.errors import Problem, PublisherError
from publisher.urls import encode_url

CONFIG_NAME = "publisher.toml"
LANGUAGES = ("de", "en")


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """The ``[digest]`` table: how the email digest is put together."""

    window_days: int = 7
    max_entries: int = 20
    subject: str = ""
    intro: str = ""
    sender_name: str = ""
    sender_address: str = ""
    unsubscribe_url: str = ""
    state_file: str = ".publisher/state.json"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The ``[smtp]`` table. The password is never read from here: see PUBLISHER_SMTP_PASSWORD."""

    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    rate_per_second: float = 5.0
    timeout: float = 30.0
    max_attempts: int = 5
    database: str = "publisher.db"
    retry_backoff: float = 2.0
    unsubscribe_mailto: str = ""


@dataclass(frozen=True, slots=True)
class LegalSettings:
    """The ``[legal]`` table: where the site's imprint and privacy notice are (linked in every footer)."""

    imprint_url: str = ""
    privacy_url: str = ""


@dataclass(frozen=True, slots=True)
class SubscribeSettings:
    """The ``[subscribe]`` table: the public address of the newsletter signup (linked in every footer)."""

    url: str = ""


FEED_CONTENT = ("full", "summary")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs, resolved: paths are absolute, the time zone is loaded."""

    title: str
    base_url: str
    root: Path
    description: str = ""
    language: str = "de"
    timezone: str = "Europe/Berlin"
    author: str = ""
    author_email: str = ""
    feed_limit: int = 50
    page_size: int = 20
    feed_content: str = "full"
    websub_hub: str = ""
    logo: str = ""
    accent_color: str = ""
    entries_dir: Path = Path("entries")
    templates_dir: Path = Path("templates")
    out_dir: Path = Path("out")
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    legal: LegalSettings = field(default_factory=LegalSettings)
    subscribe: SubscribeSettings = field(default_factory=SubscribeSettings)
    config_path: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cache_dir(self) -> Path:
        return self.root / ".publisher" / "cache"

    @property
    def state_path(self) -> Path:
        return self.root / self.digest.state_file

    @property
    def database_path(self) -> Path:
        return self.root / self.smtp.database

    @property
    def not_entries(self) -> tuple[Path, ...]:
        """Folders and files that are never entries or media, though they may lie inside
        ``entries_dir`` (with ``entries_dir = "."``): scanning the output would publish it again,
        one folder deeper, and the templates and the configuration would be reported as stray files."""
        config = (self.config_path.resolve(),) if self.config_path else (self.root / CONFIG_NAME,)
        return (self.out_dir, self.templates_dir, *config)

    def url(self, relative: str) -> str:
        """Absolute URL of a path inside the site."""
        return self.base_url + relative.lstrip("/")

    @property
    def logo_url(self) -> str:
        """The logo as an absolute URL ("" without one): a path is taken inside the site."""
        if not self.logo:
            return ""
        return encode_url(self.logo if urlsplit(self.logo).scheme else self.url(self.logo))

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the given values; ``None`` means "not given" (CLI options)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given) if given else self


# --- validation helpers -------------------------------------------------------------------------

Failure = tuple[str, str]  # what is wrong with a value, and what to do
Check = Callable[[Any], Failure | None]


def _absolute_url(value: Any) -> Failure | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "is not an absolute http(s) URL", "write it like https://news.example.org/"
    return None


def ascii_url(url: str) -> str:
    """The URL as mail headers and every feed reader take it: an internationalised domain in its
    ASCII form (``exämple.org`` -> ``xn--exmple-cua.org``), other characters percent-encoded."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii")) if host else parts.netloc
    return urlunsplit(
        (parts.scheme, netloc, quote(parts.path, safe="/%:@!$&'()*+,;=-._~"), parts.query, parts.fragment)
    )


def _base_url(value: Any) -> Failure | None:
    failure = _absolute_url(value)
    if failure:
        return failure
    try:
        ascii_url(value)
    except UnicodeError:
        return "has a domain that cannot be written in ASCII", "check the spelling of the domain"
    parts = urlsplit(value)
    if parts.query or parts.fragment or value.rstrip().endswith(("?", "#")):
        return (
            "has a query or fragment (? or #); page and feed paths are appended to it",
            "remove everything from the ? or # on",
        )
    return None


def _timezone(value: Any) -> Failure | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "is not an IANA time zone", "use a name such as Europe/Berlin"
    return None


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> Failure | None:
        if value in choices:
            return None
        return f"must be one of {', '.join(choices)}", f"write one of {', '.join(map(repr, choices))}"

    return check


def _at_least(minimum: float) -> Check:
    def check(value: Any) -> Failure | None:
        return None if value >= minimum else (f"must be at least {minimum:g}", f"use {minimum:g} or more")

    return check


def _between(low: int, high: int) -> Check:
    def check(value: Any) -> Failure | None:
        return (
            None if low <= value <= high else (f"must be {low}-{high}", f"use a number from {low} to {high}")
        )

    return check


def _address_or_empty(value: Any) -> Failure | None:
    if value == "" or is_bare_address(value):
        return None
    return "is not a bare e-mail address", 'write the address alone, e.g. "redaktion@example.org"'


def _not_empty(value: Any) -> Failure | None:
    return None if value.strip() else ("must not be empty", "write a value between the quotes")


def _one_line(value: Any) -> Failure | None:
    """A title goes into mail headers and <title>: no line breaks or other control characters."""
    failure = _not_empty(value)
    if failure is None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "contains a line break or another control character", "write it on one line"
    return failure


def _port(value: Any) -> Failure | None:
    if 0 < value < 65536:
        return None
    return "must be a port number 1-65535", "usually 587 (starttls), 465 (ssl) or 25"


def _positive(value: Any) -> Failure | None:
    return None if value > 0 else ("must be greater than 0", "use a positive number")


def _logo(value: Any) -> Failure | None:
    """A path inside the site (media/logo.png) or an absolute http(s) URL."""
    if value == "":
        return None
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        scheme = "?"
    if scheme or value.startswith("//"):
        return _absolute_url(value)
    if value.startswith("/") or "\\" in value or value.strip() != value:
        return (
            "is not a path inside the site",
            'write it relative to base_url, e.g. logo = "media/logo.png", or as an https:// URL',
        )
    return None


_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def _color_or_empty(value: Any) -> Failure | None:
    if value == "" or _HEX_COLOR.match(value):
        return None
    return "is not a colour", 'write it as a hex colour, e.g. accent_color = "#0b52a8"'


def _url_or_empty(value: Any) -> Failure | None:
    return None if value == "" else _absolute_url(value)


def _ascii_url_or_empty(value: Any) -> Failure | None:
    """An unsubscribe URL goes into a List-Unsubscribe header, which must be plain ASCII."""
    if not value.isascii():
        return "has characters outside ASCII (it goes into a mail header)", "percent-encode them: ä is %C3%A4"
    return _url_or_empty(value)


SUBJECT_PLACEHOLDERS = ("{title}", "{count}", "{date}")
_BRACED = re.compile(r"\{[^{}]*\}")


def _subject(value: Any) -> Failure | None:
    unknown = [token for token in _BRACED.findall(value) if token not in SUBJECT_PLACEHOLDERS]
    if unknown:
        return (
            f"has {', '.join(unknown)}, which is not a placeholder (it would be sent as it is)",
            f"use {', '.join(SUBJECT_PLACEHOLDERS)}",
        )
    rest = value
    for placeholder in SUBJECT_PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    if "{" in rest or "}" in rest:
        return (
            "has a { or } that is not part of a placeholder (it would be sent as it is)",
            f"use {', '.join(SUBJECT_PLACEHOLDERS)}, each with one brace on either side",
        )
    return None


# key -> (accepted types, check); defaults come from the dataclasses.
TOP_LEVEL: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "title": ((str,), _one_line),
    "base_url": ((str,), _base_url),
    "description": ((str,), None),
    "language": ((str,), _one_of(*LANGUAGES)),
    "timezone": ((str,), _timezone),
    "author": ((str,), None),
    "author_email": ((str,), _address_or_empty),
    "feed_limit": ((int,), _at_least(1)),
    "page_size": ((int,), _at_least(1)),
    "feed_content": ((str,), _one_of(*FEED_CONTENT)),
    "websub_hub": ((str,), _url_or_empty),
    "logo": ((str,), _logo),
    "accent_color": ((str,), _color_or_empty),
    "entries_dir": ((str,), None),
    "templates_dir": ((str,), None),
    "out_dir": ((str,), None),
}
DIGEST_KEYS: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "window_days": ((int,), _between(1, 182_500)),
    "max_entries": ((int,), _at_least(1)),
    "subject": ((str,), _subject),
    "intro": ((str,), None),
    "sender_name": ((str,), None),
    "sender_address": ((str,), None),
    "unsubscribe_url": ((str,), _ascii_url_or_empty),
    "state_file": ((str,), None),
}
SMTP_KEYS: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "host": ((str,), _not_empty),
    "port": ((int,), _port),
    "security": ((str,), _one_of("none", "starttls", "ssl")),
    "username": ((str,), None),
    "from_address": ((str,), None),
    "from_name": ((str,), None),
    "reply_to": ((str,), None),
    "rate_per_second": ((int, float), _positive),
    "timeout": ((int, float), _positive),
    "max_attempts": ((int,), _at_least(1)),
    "database": ((str,), None),
    "retry_backoff": ((int, float), _at_least(0)),
    "unsubscribe_mailto": ((str,), None),
}
LEGAL_KEYS: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "imprint_url": ((str,), _url_or_empty),
    "privacy_url": ((str,), _url_or_empty),
}
SUBSCRIBE_KEYS: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "url": ((str,), _url_or_empty),
}
TABLES = {"digest": DIGEST_KEYS, "smtp": SMTP_KEYS, "legal": LEGAL_KEYS, "subscribe": SUBSCRIBE_KEYS}
REQUIRED = ("title", "base_url")
SECRET_KEYS = {"password", "smtp_password", "secret"}


def _type_name(types: tuple[type, ...]) -> str:
    return " or ".join({str: "a string", int: "an integer", float: "a number"}[t] for t in types)


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
            if key in SECRET_KEYS:
                hint = "secrets never go in the file: set PUBLISHER_SMTP_PASSWORD / PUBLISHER_SECRET instead"
            else:
                hint = f"known keys here: {', '.join(sorted(spec))}"
            problems.append(Problem(path, "unknown key", line=line, field=name, hint=hint))
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
        subscribe=SubscribeSettings(**tables.get("subscribe", {})),
        config_path=config_path,
    )


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
        raise PublisherError(f"{path}: invalid TOML: {exc}") from None
    return parse_settings(data, path.parent.resolve(), path.resolve(), key_lines(text))
