"""publisher.importing.body: soft wraps, hyphenation, and Markdown that keeps the wording literal."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.content.sanitise import render_markdown
from publisher.importing.body import body_units, escape_markdown, join_units_markdown, soft_wrapped
from publisher.importing.importer import import_text
from publisher.importing.lines import split_lines


def rendered_text(markdown: str) -> str:
    """What a reader sees: the project's Markdown renderer, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", render_markdown(markdown))).strip()


@pytest.mark.parametrize(
    "text",
    [
        "7. Ausgabe der Konferenz",
        "- kein Listenpunkt",
        "# keine Überschrift",
        "> kein Zitat",
        "Gründer*innen und Unternehmer*innen",
        "Dateiname_mit_Unterstrich und __init__",
        "<script>alert(1)</script> bleibt Text",
        "[Link](https://example.org) bleibt Text",
        "Preis: 5 € & mehr &amp; so",
        "~~durchgestrichen~~ nicht",
        "`code` nicht",
        "Backslash \\ bleibt",
        "===",
    ],
)
def test_escaped_text_renders_literally(text: str) -> None:
    assert rendered_text(escape_markdown(text)) == text


def test_urls_are_not_escaped_so_they_stay_links() -> None:
    escaped = escape_markdown("Siehe https://example.org/a_b_c*d und www.example.org/x_y.")
    assert "https://example.org/a_b_c*d" in escaped and "www.example.org/x_y" in escaped
    assert 'href="https://example.org/a_b_c*d"' in render_markdown(escaped)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abmpx3 äö„“\"'*_`<>[]()#-+=|~&;!\\.:1 \u00e9", min_size=1, max_size=40))
def test_any_line_renders_literally(text: str) -> None:
    line = " ".join(text.split())
    if line:
        assert rendered_text(escape_markdown(line)) == line


@pytest.mark.parametrize(
    ("previous", "line", "width", "wrapped"),
    [
        ("Die Teilnehmenden erarbeiteten Empfehlungen für die", "Landesregierung.", 60, True),
        ("Erfolgreiche Ergebnisse", "Die Ergebnisse waren gut.", 60, False),
        ("Der Vorstand der Cluster", "Allianz tagte.", 24, True),
    ],
)
def test_soft_wrapped(previous: str, line: str, width: int, wrapped: bool) -> None:
    assert soft_wrapped(previous, line, width) is wrapped


def test_hyphenation_prefers_the_form_written_elsewhere() -> None:
    text = "Titel\n\nEs geht um Start-\nup-Förderung und um Start-ups. Eine Kreislauf-\nwirtschaft ist gut.\n"
    assert import_text(text, "x").body_markdown == (
        "Es geht um Start-up-Förderung und um Start-ups. Eine Kreislaufwirtschaft ist gut."
    )


def test_lists_are_tight_and_blocks_separated() -> None:
    entry = import_text("Titel\n\nEinleitung:\n• A\n• B\nSchluss.\n", "x")
    assert entry.body_markdown == "Einleitung:\n\n- A\n- B\n\nSchluss."
    assert join_units_markdown([]) == ""


def test_link_sections_keep_addresses_and_drop_navigation() -> None:
    lines = split_lines(
        "Der Text ist hier. Noch ein Satz dazu.\n\n"
        "Weiterführende Informationen\nhttps://www.example.org/info\nProjektbericht (PDF, 2 MB)\n"
        "presse@example.org\n\nDownloads\nBroschüre (PDF, 1 MB)\nFaktenblatt (PDF, 300 KB)\n"
    )
    units = body_units([line for line in lines if line.text], blank_separated=True)
    assert [(u.kind, u.text) for u in units if u.kept] == [
        ("paragraph", "Der Text ist hier. Noch ein Satz dazu."),
        ("heading", "Weiterführende Informationen"),
        ("item", "https://www.example.org/info"),
        ("item", "presse@example.org"),
    ]
    navigation = "navigation link in the '{}' section (no address to link to)"
    assert [(u.text, u.reason) for u in units if not u.kept] == [
        ("Projektbericht (PDF, 2 MB)", navigation.format("Weiterführende Informationen")),
        ("Downloads", "trailing 'Downloads' section with navigation links only"),
        ("Broschüre (PDF, 1 MB)", navigation.format("Downloads")),
        ("Faktenblatt (PDF, 300 KB)", navigation.format("Downloads")),
    ]


def test_a_link_section_followed_by_text_stays() -> None:
    lines = split_lines(
        "Der Text ist hier. Noch ein Satz dazu.\n\nWeitere Informationen\nhttps://www.example.org/info\n\n"
        "Die Konferenz findet jährlich statt. Sie ist offen für alle.\n\nDownloads\nBroschüre (PDF, 1 MB)\n"
    )
    units = body_units([line for line in lines if line.text], blank_separated=True)
    kept = [u.text for u in units if u.kept]
    assert kept[1:3] == ["Weitere Informationen", "https://www.example.org/info"]
    assert [u.text for u in units if not u.kept] == ["Downloads", "Broschüre (PDF, 1 MB)"]
