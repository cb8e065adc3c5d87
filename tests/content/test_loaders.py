"""Reading entry files: which files count, front matter and body, and readable problems for broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.content.loaders import parse_entry
from publisher.content.scan import entry_files

GOOD = """\
---
id: urn:uuid:0b6a3c1e-6a7f-4a55-9a59-3d3c2a51c001
title: "Grüße aus Köln: „Äpfel“ & <Birnen>"
date: 2024-05-14
tags:
  - Köln
  - Obst
---
Der **Text** mit ä, ö, ü und ß.

---

Nach einer Linie.
"""


def test_parse_a_good_entry() -> None:
    source, problems = parse_entry(GOOD.encode("utf-8"), "entries/2024/gruesse.md")
    assert problems == []
    assert source is not None
    assert source.path == "entries/2024/gruesse.md"
    assert source.metadata["title"] == "Grüße aus Köln: „Äpfel“ & <Birnen>"
    assert source.metadata["tags"] == ["Köln", "Obst"]
    assert source.body.startswith("Der **Text** mit ä, ö, ü und ß.")
    assert source.body.rstrip().endswith("Nach einer Linie.")  # a later --- belongs to the body
    assert source.field_lines == {"id": 2, "title": 3, "date": 4, "tags": 5}
    assert source.body_line == 9


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + GOOD.encode("utf-8"),  # a BOM, as some Windows editors write it
        GOOD.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["bom", "crlf"],
)
def test_bom_and_crlf(data: bytes) -> None:
    source, problems = parse_entry(data, "e.md")
    assert problems == [] and source is not None
    assert source.metadata["title"].startswith("Grüße")
    assert source.field_lines["date"] == 4
    assert "\r" not in source.body


def test_non_utf8_file_names_line_and_what_to_do() -> None:
    data = GOOD.encode("utf-8").replace("Der **Text** mit ä".encode(), "Der **Text** mit ä".encode("latin-1"))
    source, [problem] = parse_entry(data, "entries/latin1.md")
    assert source is None
    assert problem.is_error
    assert problem.path == "entries/latin1.md"
    assert problem.line == 9
    assert "UTF-8" in problem.message and "0xe4" in problem.message
    assert "UTF-8" in problem.hint


def test_no_front_matter() -> None:
    source, [problem] = parse_entry(b"Nur Text, keine Kopfzeilen.\n", "e.md")
    assert source is None
    assert problem.line == 1
    assert "front matter" in problem.message
    assert "---" in problem.hint and "title" in problem.hint


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: Köln: ein Rückblick\ndate: 2024-05-14\n---\nText\n", 2),
        ("---\nid: x\ntitle: Gut\ndate: 2024-05-14\nsummary: a: b\n---\nText\n", 5),
        ("---\ntitle: Gut\n\n\ndate: 2024-05-14\n  tags: x\n---\nText\n", 6),
        ('---\ntitle: "nicht geschlossen\ndate: 2024-05-14\n---\nText\n', 2),
    ],
    ids=["colon-in-title", "colon-in-summary", "bad-indent", "open-quote"],
)
def test_yaml_errors_name_their_line(text: str, line: int) -> None:
    source, [problem] = parse_entry(text.encode(), "entries/kaputt.md")
    assert source is None
    assert problem.path == "entries/kaputt.md"
    assert "not valid YAML" in problem.message
    assert problem.line == line, str(problem)
    assert "quot" in problem.hint


def test_yaml_error_line_with_blank_lines_after_the_opening_dashes() -> None:
    text = "---\n\n\ntitle: Köln: ein Rückblick\ndate: 2024-05-14\n---\nText\n"
    _, [problem] = parse_entry(text.encode(), "e.md")
    assert problem.line == 4, str(problem)


def test_front_matter_without_closing_dashes() -> None:
    source, [problem] = parse_entry(b"---\ntitle: Offen\ndate: 2024-05-14\n\nText ohne Ende\n", "e.md")
    assert source is None
    assert problem.line == 1
    assert "---" in problem.message + problem.hint


@pytest.mark.parametrize(
    ("front", "words"),
    [
        ("- title\n- date\n", "key: value"),
        ("Nur ein Satz\n", "key: value"),
        ("title: Gut\ndate: 2024-05-14\non: morgen\n", "True"),  # YAML 1.1 reads `on` as a boolean
        ("title: Gut\ndate: 2024-05-14\n2024: Jahr\n", "2024"),
    ],
    ids=["list", "scalar", "bool-key", "int-key"],
)
def test_front_matter_that_is_not_a_mapping_of_names(front: str, words: str) -> None:
    source, problems = parse_entry(f"---\n{front}---\nText\n".encode(), "entries/e.md")
    assert source is None
    assert problems, "the file must not be accepted silently"
    assert all(p.is_error and p.path == "entries/e.md" and p.line for p in problems)
    assert words in " ".join(p.message for p in problems)


def test_entry_files(tmp_path: Path) -> None:
    for name in [
        "b.md",
        "a.md",
        "2024/c.md",
        "2024/05/d.md",
        ".hidden.md",
        "_draft.md",
        ".git/x.md",
        "_templates/y.md",
        "notes.txt",
        "README.markdown",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    (tmp_path / "folder.md").mkdir()
    found = [p.relative_to(tmp_path).as_posix() for p in entry_files(tmp_path)]
    assert found == ["2024/05/d.md", "2024/c.md", "a.md", "b.md"]


def test_a_key_given_twice_is_an_error_at_the_second_one() -> None:
    """YAML would silently keep the last value; an editor must see both and choose."""
    source, problems = parse_entry(
        b"---\ntitle: Erste\ndate: 2024-05-14\ntitle: Zweite\n---\nText\n", "e/x.md"
    )
    assert source is None
    (problem,) = problems
    assert problem.line == 4
    assert "'title' is given twice (first on line 2)" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("---\ntitle: Tab\ndate: 2024-05-14\ntags:\n\t- Köln\n---\nText\n", 5, 1),
        ("---\ntitle: Tab\n\tdate: 2024-05-14\n---\nText\n", 3, 1),
        ("---\ntitle: Bild\nimage:\n  url: a.png\n \talt: Ein Bild\ndate: 2024-05-14\n---\nText\n", 5, 2),
    ],
    ids=["list-item", "top-level-key", "after-spaces"],
)
def test_a_tab_in_the_indentation_is_named_as_such(text: str, line: int, column: int) -> None:
    source, [problem] = parse_entry(text.encode("utf-8"), "entries/tab.md")
    assert source is None
    assert problem.line == line
    assert problem.message == (
        f"the front matter is indented with a tab (column {column}); YAML does not allow tabs for indentation"
    )
    assert problem.hint.startswith("indent with spaces")


def test_a_tab_between_key_and_value_is_fine() -> None:
    source, problems = parse_entry(b"---\ntitle:\tTab\ndate: 2024-05-14\n---\nText\n", "entries/tab.md")
    assert problems == [] and source is not None and source.metadata["title"] == "Tab"
