"""The settings as frozen dataclasses: the site, [digest], [smtp], [legal] and [subscribe]."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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
