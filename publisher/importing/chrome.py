"""Web-page and document furniture around a press release: banners, widgets, breadcrumbs, page numbers."""

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
    "on via x zum zur back to copy teilen: artikels article post story"
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
    return _page_chrome(line, folded)


# Whole lines (case-folded, without end punctuation) that are site navigation or widgets, never text.
_CHROME_LINES = words(
    "mehr|weiterlesen|zum artikel|zur meldung|zum beitrag|read more|more|continue reading|"
    "kommentar verfassen|kommentar schreiben|kommentare|kommentieren|antworten|leave a comment|leave a reply|"
    "post a comment|no comments|comments|das könnte sie auch interessieren|"
    "das könnte dich auch interessieren|"
    "mehr aus dieser rubrik|mehr zum thema aus dieser rubrik|weitere meldungen|ähnliche beiträge|"
    "ähnliche artikel|verwandte artikel|related articles|related posts|related stories|you may also like|"
    "you might also like|zum seitenanfang|zur startseite|zum hauptinhalt|zum inhalt springen|"
    "zur hauptnavigation springen|zu weiteren angeboten springen|zur navigation springen|zur suche springen|"
    "skip to main content|skip to content|skip to navigation|menü|menü schließen|menü öffnen|hauptmenü|"
    "menu|close menu|open menu|navigation|suche|search|suchen|newsletter abonnieren|subscribe|"
    "featured stories|top stories|top-themen|appstore|app store|google play|google play store|"
    "ends|end|ende|-ends-|– ende –|- ende -|###|# # #|* * *|***|"
    "show full article|... show full article|organizations in this story|"
    "share this article|share this|diesen artikel teilen|seite teilen|artikel drucken|seite drucken|"
    "hier geht es zur originalquelle|zur originalquelle|zum original|original ansehen|zur originalmeldung",
    "|",
)
_PAGE_NUMBER = re.compile(
    r"^(?:(?:seite|page|s\.)\s*\d{1,3}(?:\s*(?:von|of|/|aus)\s*\d{1,3})?|[-–—]\s*\d{1,3}\s*[-–—]|\d{1,3}\s*/\s*\d{1,3})$",
    re.I,
)
_TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*(?:uhr|h|am|pm))?$", re.I)
_LABELLED_CHROME = re.compile(
    r"^(?:kategorie|kategorien|category|categories|category archives|rubrik|ressort|schlagwörter|schlagworte|"
    r"stichwörter|stichworte|tags|tagged in|posted in|filed under|veröffentlicht in|lesezeit|reading time|"
    r"herausgeber|v\.\s?i\.\s?s\.\s?d\.\s?p\.?)\s*:?\s+\S",
    re.I,
)
_DOWNLOAD = re.compile(
    r"\((?:[^()]*\b)?(?:pdf|docx?|xlsx?|pptx?|zip|jpe?g|png|mp3|mp4)\b(?:\s*[,;]\s*[\d.,]+\s*(?:kb|mb|gb|kib|mib))?\)",
    re.I,
)
_DOWNLOAD_WORDS = re.compile(r"\b(?:download|herunterladen|runterladen|zum download)\b", re.I)
_MORE_LINKS = re.compile(r"^(?:\+\s*){2,}.*(?:\s*\+){2,}$|^(?:>>|»)\s*\S.{0,40}$")
_TRANSLATED = re.compile(r"^(?:translated|übersetzt) (?:with|mit) \S+(?: \(.*\))?$", re.I)


_CHROME_LINES = frozenset(w.casefold() for w in _CHROME_LINES)


def _page_chrome(line: str, folded: str) -> str | None:
    """Page numbers, widgets, download lines and labelled category lines."""
    if folded in _CHROME_LINES or re.fullmatch(r"\d+ (?:kommentare?|comments?|antworten|replies)", folded):
        return "site navigation or widget"
    if _PAGE_NUMBER.match(line.strip()):
        return "page number (page header or footer)"
    if _TIME_ONLY.match(line.strip()):
        return "time of day on its own (page furniture)"
    if _LABELLED_CHROME.match(line) and len(line.split()) <= 14 and not ends_sentence(line.rstrip(".")):
        return "category, tag or publishing line"
    if len(line.split()) <= 14 and (_DOWNLOAD.search(line) and _DOWNLOAD_WORDS.search(line)):
        return "download link (the file is not imported)"
    if len(line.split()) <= 8 and _DOWNLOAD.search(line) and not ends_sentence(line):
        return "download link (the file is not imported)"
    if _MORE_LINKS.match(line.strip()) or _TRANSLATED.match(line.strip()):
        return "link or tool note, not text"
    if _RELEASE_NUMBER.match(line.strip()):
        return "release number"
    if len(line.split()) <= 8 and _PAYWALL.search(line):
        return "paywall or subscription notice"
    if _footer(line):
        return "page footer (address and contact line of the sender)"
    return None


_RELEASE_NUMBER = re.compile(r"^(?:nr|no|nummer|number)\.?\s*\d{1,4}(?:\s*[/-]\s*\d{2,4})?$", re.I)
_PAYWALL = re.compile(r"\b(?:paywall|bezahlschranke|abonnieren sie|subscribe now)\b", re.I)
_FOOTER_SPLIT = re.compile(r"\s+[·|•]\s+")


def _footer(line: str) -> bool:
    """``Rathaus, Marktplatz 1, 42103 Stadt · presse@stadt.de · Sprechzeiten …``: a letter's footer line."""
    parts = _FOOTER_SPLIT.split(line.strip())
    if len(parts) < 3 or re.match(r"^\w*\s*(?:kontakt|contact)", line, re.I):
        return False
    details = sum(contact_detail(part) for part in parts)
    return details >= 2 and bool(_POSTCODE.search(line) or _STREET.search(line))


# Words of a site's or a section's name: "Presse & Aktuelles", "Beispiel AG Newsroom", "Research News".
_SECTION_WORDS = words(
    "presse pressebereich pressemitteilungen pressemeldungen presseinformationen pressestelle pressezentrum "
    "presseportal pressemappe pressedienst newsroom news aktuelles aktuelle neuigkeiten nachrichten "
    "meldungen "
    "medien mediathek medienportal mediencenter medienservice press media releases newsdesk blog magazin "
    "magazine archiv archive termine events veranstaltungen experten research stories featured neues "
    "pressroom mitteilungen infothek"
)
_OFFICE = re.compile(
    r"\b(?:pressestelle|presse- und informationsamt|presse- und öffentlichkeitsarbeit|"
    r"kommunikation und marketing|"
    r"referat presse|pressereferat|presseamt|press office|media relations|communications office)\b",
    re.I,
)
_PHONE = re.compile(
    r"(?:\b(?:tel|telefon|fon|fax|telefax|phone|mobil|mobile|handy)\b\.?:?|\+\d{2})\s*[\d(+]", re.I
)
_POSTCODE = re.compile(r"(?:^|[\s,·|])(?:D-)?\d{5}\s+[A-ZÄÖÜ]")
_STREET = re.compile(
    r"\b[\wäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|markt|marktplatz)\s+\d",
    re.I,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"(?:https?://|www\.)\S+")


def section_name(line: str) -> bool:
    """A site's or section's name (``Presse & Aktuelles``): up to four words, one of them a section word."""
    tokens = re.findall(r"\w[\w-]*", line.casefold())
    return 0 < len(tokens) <= 4 and not ends_sentence(line) and bool(_SECTION_WORDS.intersection(tokens))


def postal_detail(line: str) -> bool:
    """A phone number, e-mail address, street or postcode (a web address alone is no contact)."""
    return bool(_PHONE.search(line) or _EMAIL.search(line) or _POSTCODE.search(line) or _STREET.search(line))


def contact_detail(line: str) -> bool:
    """A line with a phone number, e-mail address, web address, street or postcode: an address line."""
    return bool(
        _PHONE.search(line)
        or _EMAIL.search(line)
        or _URL.search(line)
        or _POSTCODE.search(line)
        or _STREET.search(line)
    )


def letterhead_like(line: str) -> bool:
    """A line of a letterhead or site header: a press office's name, or an address line without a sentence."""
    if len(line) > 160 or (ends_sentence(line) and len(line.split()) > 6):
        return False
    return bool(_OFFICE.search(line)) or contact_detail(line) or section_name(line)


_TAIL = re.compile(
    r"(?<=[.!?…“”\"»«)])\s+((?:mehr erfahren|mehr lesen|mehr|weiterlesen|read more|more|continue reading|"
    r"lesen sie mehr|zum artikel)(?:\s+(?:tweet|print|drucken|teilen|share|e-mail|mail))*\s*[›»>→]?)$",
    re.I,
)


def chrome_tail(line: str) -> str | None:
    """``… gefördert. Mehr erfahren`` -> ``Mehr erfahren``: a link's text glued to the end of a paragraph."""
    match = _TAIL.search(line)
    return match.group(1) if match and len(line) > len(match.group(1)) + 20 else None


_TEASERS = words(
    "das könnte sie auch interessieren|das könnte dich auch interessieren|mehr aus dieser rubrik|"
    "mehr zum thema aus dieser rubrik|weitere meldungen|ähnliche beiträge|ähnliche artikel|verwandte artikel|"
    "related articles|related posts|related stories|you may also like|you might also like|"
    "organizations in this story|lesen sie auch|auch interessant|read also|more news|weitere artikel",
    "|",
)


_TEASERS = frozenset(w.casefold() for w in _TEASERS)


def teaser_header(line: str) -> bool:
    """``Das könnte Sie auch interessieren``: what follows are teasers of other pages."""
    return line.casefold().strip(" .:!") in _TEASERS
