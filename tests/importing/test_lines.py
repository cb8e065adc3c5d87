"""publisher.importing.lines: lines counted as editors count them, and what kind of line a line is."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.importing.lines import escape_controls, is_link_line, split_lines, trailing_section_name


def test_split_lines_normalises_odd_spaces_and_invisible_characters() -> None:
    lines = split_lines("  Die\u00a0Konferenz\u202f\u2009fand\tstatt\u00ad.\u200b \r\n\r\n\u2003• Punkt\n")
    assert [(line.number, line.text, line.indent, line.changed) for line in lines] == [
        (1, "Die Konferenz fand statt.", 2, True),
        (2, "", 0, False),
        (3, "• Punkt", 1, False),
    ]


@given(st.text())
def test_split_lines_keeps_every_visible_character(text: str) -> None:
    lines = split_lines(text)
    assert len(lines) == max(
        1, len(text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n").split("\n"))
    )
    controls = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
    visible = "".join(
        c
        for c in text
        if not c.isspace() and not controls.match(c) and c not in "\u00ad\u200b\u200c\u200d\u2060\ufeff"
    )
    assert "".join(line.text.replace(" ", "") for line in lines) == visible
    assert "".join(line.controls for line in lines) == "".join(controls.findall(text))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("a\fb\nc", [(1, "a b"), (2, "c")]),  # pdftotext's page break: a space, not a new line
        ("a\vb\u2028c\u2029d\x85e\nf", [(1, "a b c d e"), (2, "f")]),
        ("a\r\nb\rc\n\nd\n", [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]),
        ("\x0cTitel\n", [(1, "Titel")]),
    ],
)
def test_lines_are_counted_as_editors_do(text: str, numbers: list[tuple[int, str]]) -> None:
    assert [(line.number, line.text) for line in split_lines(text)] == numbers


def test_control_characters_are_taken_out_of_lines_and_kept_aside() -> None:
    lines = split_lines("Ti\x01tel\n\x1b[31mRot\x7f\nnormal\n")
    assert [(line.text, line.controls, line.changed) for line in lines] == [
        ("Titel", "\x01", False),
        ("[31mRot", "\x1b\x7f", False),
        ("normal", "", False),
    ]
    assert escape_controls("a\x1bb\x7f") == "a\\x1bb\\x7f"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Weitere Informationen", "Weitere Informationen"),
        ("Weiterführende Informationen:", "Weiterführende Informationen"),
        ("Mehr erfahren", "Mehr erfahren"),
        ("Weitere Informationen: www.example.org", "Weitere Informationen"),
        ("Weitere Informationen finden Sie hier.", None),
        ("Read more", "Read more"),
    ],
)
def test_trailing_section_name(line: str, name: str | None) -> None:
    assert trailing_section_name(line) == name


@pytest.mark.parametrize(
    ("line", "is_link"),
    [
        ("https://www.example.org/programm", True),
        ("Website: www.example.org", True),
        ("• https://example.org/a", True),
        ("Zur Förderrichtlinie (PDF, 300 KB)", True),
        ("→ Zur Website", True),
        ("kontakt@example.org", True),
        ("Die Konferenz fand statt, mehr unter https://example.org steht ein sehr langer Text dabei.", False),
        ("Die Konferenz fand statt.", False),
    ],
)
def test_is_link_line(line: str, is_link: bool) -> None:
    assert is_link_line(line) is is_link
