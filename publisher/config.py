"""Load and validate ``publisher.toml`` into frozen Settings; every bad key is reported at once."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.addresses import is_bare_address
from publisher.errors import Problem, PublisherError, warning
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
    # Per-language greeting line ({name} is the subscriber's name) and the line used without a name.
    greeting_de: str = "Hallo {name},"
    greeting_en: str = "Hello {name},"
    greeting_de_no_name: str = ""
    greeting_en_no_name: str = ""
    # Subject and intro for subscribers who read another language than the site's (see ``subject_for``).
    subject_de: str = ""
    subject_en: str = ""
    intro_de: str = ""
    intro_en: str = ""
    lookback_days: int = 30  # a new entry dated further back than this is not mailed

    def greeting(self, lang: str, name: str) -> str:
        """The greeting line for a subscriber: with their name, or the neutral line without one."""
        lang = lang if lang in LANGUAGES else "en"
        with_name = getattr(self, f"greeting_{lang}")
        name = " ".join(name.split())
        if name:
            return with_name.replace("{name}", name)
        neutral = getattr(self, f"greeting_{lang}_no_name")
        return neutral or _without_name(with_name)

    def subject_for(self, lang: str, site_language: str) -> str:
        """The subject template for a language: ``subject_<lang>``, else ``subject`` when it is the site's
        language (the one ``subject`` is written in), else "" (the default subject in that language)."""
        own = getattr(self, f"subject_{lang}", "") if lang in LANGUAGES else ""
        return own or (self.subject if lang == site_language else "")

    def intro_for(self, lang: str, site_language: str) -> str:
        own = getattr(self, f"intro_{lang}", "") if lang in LANGUAGES else ""
        return own or (self.intro if lang == site_language else "")


def _without_name(greeting: str) -> str:
    """ "Guten Tag {name}," -> "Guten Tag,": the greeting with the name and the space before it removed."""
    return re.sub(r"\s*\{name\}", "", greeting).strip()


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
    """The ``[legal]`` table: the imprint (in every mail) and where imprint and privacy notice are online."""

    imprint: str = ""
    imprint_url: str = ""
    privacy_url: str = ""

    @property
    def imprint_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.imprint.splitlines() if line.strip())


FEED_CONTENT = ("full", "summary")
IP_RECORDING = ("full", "truncated", "none")
DEFAULT_CONSENT = {
    "de": "Ja, ich möchte die Neuigkeiten von {title} per E-Mail erhalten. Diese Einwilligung kann ich "
    "jederzeit widerrufen, zum Beispiel über den Abmeldelink in jeder Ausgabe.",
    "en": "Yes, I want to receive the news from {title} by email. I can withdraw this consent at any time, "
    "for example with the unsubscribe link in every issue.",
}


@dataclass(frozen=True, slots=True)
class SubscribeSettings:
    """The ``[subscribe]`` table: the public signup (the web app) and the consent it asks for."""

    url: str = ""
    topics: tuple[str, ...] = ()
    consent_de: str = ""
    consent_en: str = ""
    consent_version: str = ""
    confirm_days: int = 7
    confirm_interval_hours: float = 24.0
    signups_per_ip_per_hour: int = 10
    record_ip: str = "truncated"

    def consent_text(self, lang: str, title: str) -> str:
        """The exact consent text shown next to the checkbox (and recorded with the consent)."""
        lang = lang if lang in LANGUAGES else "en"
        text = getattr(self, f"consent_{lang}") or DEFAULT_CONSENT[lang]
        return text.replace("{title}", title)

    def version(self, lang: str, title: str) -> str:
        """``consent_version``, or a short hash of the text: a changed text is a new version either way."""
        if self.consent_version:
            return self.consent_version
        return "sha256:" + hashlib.sha256(self.consent_text(lang, title).encode("utf-8")).hexdigest()[:12]


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
        one folder deeper, and the templates and the configuration would be reported as stray files;
        the subscriber database and the digest state are never published, not even through a link."""
        config = (self.config_path.resolve(),) if self.config_path else (self.root / CONFIG_NAME,)
        return (self.out_dir, self.templates_dir, *config, self.database_path, self.state_path)

    def url(self, relative: str) -> str:
        """Absolute URL of a path inside the site."""
        return self.base_url + relative.lstrip("/")

    @property
    def logo_url(self) -> str:
        """The logo as an absolute URL ("" without one): a path is taken inside the site."""
        if not self.logo:
            return ""
        return encode_url(self.logo if urlsplit(self.logo).scheme else self.url(self.logo))

    def app_url(self, route: str) -> str:
        """Absolute URL of a page of the web app (subscribe, confirm, preferences, unsubscribe): beside
        ``[subscribe] url`` when set (the app may run on another host), else inside the site."""
        if self.subscribe.url:
            return self.subscribe.url.rsplit("/", 1)[0] + "/" + route
        return self.url(route)

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


def _greeting(value: Any) -> Failure | None:
    failure = _one_line(value)
    if failure:
        return failure
    rest = value.replace("{name}", "", 1)
    if "{" in rest or "}" in rest:
        return "may hold {name} once and no other braces", 'write it like "Guten Tag {name},"'
    return None


def _neutral_greeting(value: Any) -> Failure | None:
    if value == "":
        return None
    failure = _one_line(value)
    if failure is None and ("{" in value or "}" in value):
        return "is the greeting without a name: no {name} or braces", 'write it like "Guten Tag,"'
    return failure


def _topics(value: Any) -> Failure | None:
    if not all(isinstance(item, str) and item.strip() for item in value):
        return "must be a list of topic names", 'write it like topics = ["Energie", "Verkehr"]'
    return None


def _consent(value: Any) -> Failure | None:
    return None if value == "" else _not_empty(value)


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
    "lookback_days": ((int,), _between(1, 182_500)),
    "max_entries": ((int,), _at_least(1)),
    "subject": ((str,), _subject),
    "intro": ((str,), None),
    "sender_name": ((str,), None),
    "sender_address": ((str,), None),
    "unsubscribe_url": ((str,), _ascii_url_or_empty),
    "state_file": ((str,), None),
    "greeting_de": ((str,), _greeting),
    "greeting_en": ((str,), _greeting),
    "greeting_de_no_name": ((str,), _neutral_greeting),
    "greeting_en_no_name": ((str,), _neutral_greeting),
    "subject_de": ((str,), _subject),
    "subject_en": ((str,), _subject),
    "intro_de": ((str,), None),
    "intro_en": ((str,), None),
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
    "imprint": ((str,), None),
    "imprint_url": ((str,), _url_or_empty),
    "privacy_url": ((str,), _url_or_empty),
}
SUBSCRIBE_KEYS: dict[str, tuple[tuple[type, ...], Check | None]] = {
    "url": ((str,), _url_or_empty),
    "topics": ((list,), _topics),
    "consent_de": ((str,), _consent),
    "consent_en": ((str,), _consent),
    "consent_version": ((str,), None),
    "confirm_days": ((int,), _between(1, 90)),
    "confirm_interval_hours": ((int, float), _positive),
    "signups_per_ip_per_hour": ((int,), _at_least(1)),
    "record_ip": ((str,), _one_of(*IP_RECORDING)),
}
TABLES = {"digest": DIGEST_KEYS, "smtp": SMTP_KEYS, "legal": LEGAL_KEYS, "subscribe": SUBSCRIBE_KEYS}
REQUIRED = ("title", "base_url")
SECRET_KEYS = {"password", "smtp_password", "secret"}


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
