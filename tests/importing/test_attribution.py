"""publisher.importing.attribution: author lines, image credits and source lines."""

from __future__ import annotations

import pytest

from publisher.importing.attribution import authors_of, credit_of, source_of


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("© VDI/VDE-IT", "VDI/VDE-IT"),
        ("©ECCP", "ECCP"),
        ("(c) Max Muster", "Max Muster"),
        ("Foto: © Anna Beispiel", "Anna Beispiel"),
        ("Bild: BMWK", "BMWK"),
        ("Bildquelle: Pixabay", "Pixabay"),
        ("Copyright: T. Saltmann", "T. Saltmann"),
        ("Photo: John Smith", "John Smith"),
        (
            "Foto: Das ist ein ganzer Satz, der das Bild beschreibt und viel zu lang für einen Credit ist.",
            None,
        ),
        ("Bilder sagen mehr als Worte.", None),
    ],
)
def test_credit_of(line: str, credit: str | None) -> None:
    assert credit_of(line) == credit


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Text: Daniel Boss", ("Daniel Boss",)),
        ("Autorin: Dr. Eva Kühn", ("Dr. Eva Kühn",)),
        ("Autoren: Anna Schmidt, Max Müller und Jana Weiß", ("Anna Schmidt", "Max Müller", "Jana Weiß")),
        ("Redaktion: Team Kommunikation", ("Team Kommunikation",)),
        ("Von Ursula von der Leyen", ("Ursula von der Leyen",)),
        ("By Jane Doe", ("Jane Doe",)),
        ("Von Anfang an", ()),
        ("Von Bonn", ()),
        ("Text: Die Konferenz war ein Erfolg.", ()),
        ("By the way, this is text", ()),
    ],
)
def test_authors_of(line: str, names: tuple[str, ...]) -> None:
    assert authors_of(line) == names


@pytest.mark.parametrize(
    ("line", "url"),
    [
        ("Quelle: https://www.example.org/a", "https://www.example.org/a"),
        ("Quelle: www.example.org/a.", "https://www.example.org/a"),
        ("Originalmeldung: https://example.org/x?y=1", "https://example.org/x?y=1"),
        ("Quelle: BMWK", None),
        ("Quelle: https://a.org und https://b.org", None),
        ("Die Quelle ist https://a.org", None),
    ],
)
def test_source_of(line: str, url: str | None) -> None:
    assert source_of(line) == url
