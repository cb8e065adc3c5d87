"""Every key publisher.toml may hold: its accepted types and the check of its value."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.addresses import is_bare_address
from publisher.config.settings import FEED_CONTENT, IP_RECORDING, LANGUAGES

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
