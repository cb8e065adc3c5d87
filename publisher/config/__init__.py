"""publisher.toml: the settings (``settings``), the keys it may hold and their checks (``keys``), and
reading it with every problem reported at once (``reading``)."""

from publisher.config.keys import (
    DIGEST_KEYS,
    LEGAL_KEYS,
    SMTP_KEYS,
    SUBJECT_PLACEHOLDERS,
    SUBSCRIBE_KEYS,
    TABLES,
    TOP_LEVEL,
    ascii_url,
)
from publisher.config.reading import key_lines, legal_problems, load_settings, parse_settings
from publisher.config.settings import (
    CONFIG_NAME,
    LANGUAGES,
    DigestSettings,
    LegalSettings,
    Settings,
    SmtpSettings,
    SubscribeSettings,
)

__all__ = [
    "CONFIG_NAME",
    "DIGEST_KEYS",
    "LANGUAGES",
    "LEGAL_KEYS",
    "SMTP_KEYS",
    "SUBJECT_PLACEHOLDERS",
    "SUBSCRIBE_KEYS",
    "TABLES",
    "TOP_LEVEL",
    "DigestSettings",
    "LegalSettings",
    "Settings",
    "SmtpSettings",
    "SubscribeSettings",
    "ascii_url",
    "key_lines",
    "legal_problems",
    "load_settings",
    "parse_settings",
]
