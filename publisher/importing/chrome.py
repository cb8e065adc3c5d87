"""Web-page and document furniture around a press release: banners, share links, breadcrumbs."""

from __future__ import annotations

import re

from publisher.importing.lines import words
from publisher.importing.sentences import ends_sentence

_COOKIE_TOPIC = re.compile(
    r"cookie|google analytics|matomo|analytics|tracking|einwilligung|consent|datenschutzeinstellung", re.I
)
_COOKIE_ACTION = re.compile(
    r"verwende|nutze|setze|speicher|erlaubnis|zustimm|stimmen sie|akzept|ablehn|einstellung|widerruf|"
    r"datenschutz|we use|this (?:web)?site uses|accept|agree|privacy|consent",
    re.I,
)
BANNER_BUTTONS = words(
    "akzeptieren|alle akzeptieren|alle cookies akzeptieren|ablehnen|alle ablehnen|cookie-einstellungen|"
    "cookie einstellungen|cookies zulassen|nur notwendige cookies|nur essenzielle cookies|auswahl speichern|"
    "nur notwendige cookies akzeptieren|accept|accept all|accept all cookies|reject|reject all|"
    "cookie settings|manage cookies|datenschutzerklärung|impressum|privacy policy",
    "|",
)
_SHARE_STRONG = words(
    "teilen drucken druckansicht druckversion share print facebook twitter linkedin xing whatsapp instagram "
    "pinterest telegram mastodon bluesky reddit seitenanfang kopieren weiterempfehlen empfehlen tweet "
    "zurück übersicht top oben"
)
_SHARE_WORDS = _SHARE_STRONG | words(
    "seite artikel beitrag diese dieser this page per e-mail email mail versenden senden link nach oben auf "
    "on via x zum zur back to copy teilen: artikels"
)


_CRUMB_SEPARATOR = re.compile(r"\s+(?:>>?|›|»|→|≫)\s+")
_CRUMB_HOME = words("startseite|start|home|homepage|übersicht|overview", "|")


def is_breadcrumb(line: str) -> bool:
    """``Startseite > Presse > Meldungen``: short parts joined by ``>``, ``›``, ``»`` or ``→``.

    Three parts or more, or two that begin with a home page (``Home › News``); a part is at most
    five words and ends no sentence.
    """
    parts = _CRUMB_SEPARATOR.split(line.strip())
    if len(parts) < 2 or (len(parts) == 2 and parts[0].casefold() not in _CRUMB_HOME):
        return False
    return all(0 < len(part.split()) <= 5 and len(part) <= 40 and not ends_sentence(part) for part in parts)


def boilerplate_reason(line: str) -> str | None:
    """Why a line is web-page furniture rather than press-release content, or None."""
    if is_breadcrumb(line):
        return "breadcrumb navigation"
    folded = line.casefold().strip(" .:!")
    if folded in BANNER_BUTTONS:
        return "cookie/consent banner button"
    if len(line) <= 600 and _COOKIE_TOPIC.search(line) and _COOKIE_ACTION.search(line):
        return "cookie/analytics banner"
    words = re.findall(r"[\w-]+:?", folded)
    if 0 < len(words) <= 12 and all(w in _SHARE_WORDS for w in words) and _SHARE_STRONG.intersection(words):
        return "share/print/navigation links"
    return None
