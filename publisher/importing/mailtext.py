"""Press releases pasted from e-mails: quote marks (``> ``), forward markers and header lines."""

from __future__ import annotations

import re
from dataclasses import replace

from publisher.importing.lines import RawLine

_QUOTE = re.compile(r"^(?:>\s?)+")
_FORWARD = re.compile(
    r"^[-–—_=*\s]*(?:weitergeleitete nachricht|forwarded message|original message|ursprüngliche nachricht|"
    r"begin forwarded message|anfang der weitergeleiteten nachricht)[-–—_=*:\s]*$",
    re.I,
)
_HEADER = re.compile(
    r"^(?:von|from|gesendet|sent|datum|date|an|to|cc|bcc|betreff|subject|antwort an|reply-to|"
    r"organisation|organization)\s*:\s*\S",
    re.I,
)
_ATTRIBUTION = re.compile(r"^(?:am|on)\s.{4,160}\s(?:schrieb|wrote|hat geschrieben)\s*.{0,80}:$", re.I)


def unquote(lines: list[RawLine]) -> list[RawLine]:
    """Take ``>`` quote marks off the lines of a text that is mostly a quoted e-mail; others stay as they are.

    Quoted means: at least three lines and at least half of the non-blank lines start with ``>``.
    """
    quoted = [line for line in lines if line.text.startswith(">")]
    filled = [line for line in lines if line.text]
    if len(quoted) < 3 or 2 * len(quoted) < len(filled):
        return lines
    out = []
    for line in lines:
        match = _QUOTE.match(line.text)
        out.append(
            replace(line, text=line.text[match.end() :].strip(), quote=match.group(0)) if match else line
        )
    return out


def forward_marker(text: str) -> bool:
    """``---------- Forwarded message ---------`` / ``-------- Weitergeleitete Nachricht --------``."""
    return bool(_FORWARD.match(text))


def header_line(text: str) -> bool:
    """An e-mail header line: ``Von: …``, ``Subject: …``, ``Gesendet: …``."""
    return len(text) <= 300 and bool(_HEADER.match(text))


def attribution(text: str) -> bool:
    """The line above a quoted message: ``Am 20.04.2024 um 09:14 schrieb X <x@y>:`` / ``On …, X wrote:``."""
    return bool(_ATTRIBUTION.match(text))
