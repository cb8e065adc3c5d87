"""Patterns of real press releases that the importer reads as an editor means them (one test per pattern)."""

from __future__ import annotations

from publisher.importing.importer import import_text
from publisher.importing.model import ImportedEntry
from tests.importing.fixtures import assert_nothing_lost

BODY = "Die Konferenz fand in Berlin statt. Mehr als 200 Gäste kamen."


def imported(text: str) -> ImportedEntry:
    entry = import_text(text, "x.txt")
    assert_nothing_lost(text, entry)
    return entry


def removed(entry: ImportedEntry) -> list[str]:
    return [r.text for r in entry.removed]


def test_a_long_one_sentence_first_line_with_an_ordinal_becomes_the_title_with_a_warning() -> None:
    lead = (
        "Die 2. Innovationskonferenz der Region zeigte am 15. März neue Wege für Netzwerke in ganz "
        "Norddeutschland und brachte 300 Gäste aus Wirtschaft und Wissenschaft zusammen."
    )
    entry = imported(f"{lead}\n\n{BODY}\n")
    assert entry.title == lead
    assert [(w.field, w.line) for w in entry.warnings] == [("title", 1)]
    assert entry.body_markdown == BODY


def test_a_text_without_a_title_line_gets_its_first_sentence_as_the_title() -> None:
    first = "Am 22. und 23. September 2025 trafen sich drei Netzwerke bei uns im Hafen."
    entry = imported(f"{first} Sie suchten neue Wege. Dazu kam ein Canvas-Modell zum Einsatz.\n\n{BODY}\n")
    assert entry.title == first
    assert entry.body_markdown == f"Sie suchten neue Wege. Dazu kam ein Canvas-Modell zum Einsatz.\n\n{BODY}"
    assert str(entry.date) == "2025-09-22"
    assert "shorten" in entry.warnings[0].hint


def test_a_contact_block_keeps_its_line_breaks() -> None:
    contact = "Pressekontakt\nMaria Beispiel\nKommunikation\nTel.: 0431 123 45-67\nE-Mail: presse@example.de"
    entry = imported(f"Titel\n\n{BODY}\n\n{contact}\n")
    assert entry.body_markdown == (
        f"{BODY}\n\n## Pressekontakt\n\n"
        "Maria Beispiel\\\nKommunikation\\\nTel.: 0431 123 45-67\\\nE-Mail: presse@example.de"
    )


def test_an_address_block_without_a_heading_keeps_its_line_breaks() -> None:
    contact = "Pressestelle des Ministeriums\nTelefon: 0711 123-4567\nE-Mail: presse@wm.example.de"
    entry = imported(f"Titel\n\n{BODY}\n\n{contact}\n")
    assert entry.body_markdown.endswith(
        "Pressestelle des Ministeriums\\\nTelefon: 0711 123-4567\\\nE-Mail: presse@wm.example.de"
    )


def test_a_foto_caption_followed_by_a_copyright_line_is_the_caption_not_the_credit() -> None:
    entry = imported(
        f"Titel\n\n{BODY}\n\nFoto: Die Ministerin mit dem Netzwerkteam\n© Stadt Jena\n\nNoch ein Satz.\n"
    )
    assert entry.image is not None
    assert (entry.image.caption, entry.image.credit) == ("Die Ministerin mit dem Netzwerkteam", "Stadt Jena")
    assert entry.body_markdown == f"{BODY}\n\nNoch ein Satz."


def test_fotograf_names_the_credit_without_the_label() -> None:
    entry = imported(f"Titel\n\n{BODY}\n\nBlick in die Halle\nFotograf: Thomas Becker\n\nNoch ein Satz.\n")
    assert entry.image is not None and entry.image.credit == "Thomas Becker"


def test_image_blocks_after_the_first_become_figures_with_caption_and_credit() -> None:
    text = (
        f"Titel\n\n{BODY}\n\nDas Team im Labor\n© Institut A\n\nEin zweiter Absatz folgt.\n\n"
        "Die neue Halle von außen\nFoto: Jana Weiß\n\nEin dritter Absatz."
    )
    entry = imported(text)
    assert entry.image is not None and entry.image.credit == "Institut A"
    assert [(f.alt, f.credit) for f in entry.figures] == [("Die neue Halle von außen", "Jana Weiß")]
    assert "Die neue Halle" not in entry.body_markdown.replace("alt: Die neue Halle", "")
    assert removed(entry) == []


def test_a_caption_with_its_credit_at_the_end_is_an_image() -> None:
    entry = imported(f"Titel\n\n{BODY}\n\nDie Ministerin am Pult © Agentur Beispiel\n\nNoch ein Satz.\n")
    assert entry.image is not None
    assert (entry.image.caption, entry.image.credit) == ("Die Ministerin am Pult", "Agentur Beispiel")


def test_page_numbers_and_repeated_page_headers_leave_a_pdf_text_and_its_paragraph_goes_on() -> None:
    text = (
        "Ministerium für Wirtschaft und Arbeit\nPressestelle\n\nPressemitteilung\n\n"
        "Stuttgart, 5. März 2024\n\n"
        "Land fördert Netzwerke\n\n"
        "Das Land stellt für Kooperationen von Netzwerken weitere Mittel bereit. Damit\n"
        "stehen in der laufenden Förderperiode insgesamt zwei Millionen Euro für\n\n"
        "Seite 1 von 2\n\nMinisterium für Wirtschaft und Arbeit\nPressestelle\n\n"
        "Clusterprojekte zur Verfügung. Anträge können bis Juli eingereicht werden.\n\nSeite 2 von 2\n"
    )
    entry = imported(text)
    assert entry.title == "Land fördert Netzwerke" and str(entry.date) == "2024-03-05"
    assert entry.body_markdown == (
        "Das Land stellt für Kooperationen von Netzwerken weitere Mittel bereit. Damit stehen in der "
        "laufenden Förderperiode insgesamt zwei Millionen Euro für Clusterprojekte zur Verfügung. "
        "Anträge können bis Juli eingereicht werden."
    )
    assert removed(entry).count("Seite 1 von 2") == 1 and "Seite 2 von 2" in removed(entry)
    assert removed(entry).count("Ministerium für Wirtschaft und Arbeit") == 2


def test_a_wrapped_line_that_starts_with_an_ordinal_is_no_new_paragraph() -> None:
    text = (
        "Titel\n\nAls Botschafter geben Auszubildende Einblicke in ihre Berufe. Am\n"
        "13. Mai besuchten sie eine Schule in Geldern und stellten zwölf Berufe vor.\n\nEin neuer Absatz.\n"
    )
    entry = imported(text)
    assert entry.body_markdown == (
        "Als Botschafter geben Auszubildende Einblicke in ihre Berufe. Am 13. Mai besuchten sie eine "
        "Schule in Geldern und stellten zwölf Berufe vor.\n\nEin neuer Absatz."
    )


def test_a_title_wrapped_over_two_pdf_lines_is_one_title() -> None:
    text = (
        "Brussels, 12 July 2021\nCommission hosts a new EU matchmaking event to\nmobilise production\n"
        "Today the Commission met.\n"
    )
    entry = imported(text)
    assert entry.title == "Commission hosts a new EU matchmaking event to mobilise production"


def test_web_chrome_around_the_article_leaves_the_text() -> None:
    chrome_before = [
        "Beispiel AG Newsroom",
        "Presse & Aktuelles",
        "Startseite › Presse › 2024",
        "Kategorie: Unternehmen",
    ]
    chrome_after = [
        "Teilen:",
        "Share on LinkedIn",
        "Pressemitteilung herunterladen (PDF, 245 KB)",
        "3 Kommentare",
        "Kommentar verfassen",
        "Das könnte Sie auch interessieren",
        "Beispiel AG erweitert Standort Rendsburg",
        "Mehr aus dieser Rubrik",
        "Zurück zur Übersicht",
    ]
    text = (
        "\n".join(chrome_before)
        + "\n\n14.05.2024\n\nTitel\n\n"
        + BODY
        + "\n\n"
        + "\n".join(chrome_after)
        + "\n"
    )
    entry = imported(text)
    assert (entry.title, entry.body_markdown) == ("Titel", BODY)
    assert removed(entry) == chrome_before + chrome_after


def test_bylines_give_the_authors() -> None:
    for line, names in [
        ("Submitted by Jane Doe", ("Jane Doe",)),
        ("Autorin: Eva Kühn", ("Eva Kühn",)),
        ("By John Smith", ("John Smith",)),
        ("Von Jana Weiß", ("Jana Weiß",)),
    ]:
        assert imported(f"Titel\n\n{line}\n\n{BODY}\n").authors == names, line
    assert imported(f"Titel\n\n03.04.2024 von Jana Weiß\n\n{BODY}\n").authors == ("Jana Weiß",)


def test_further_information_keeps_project_links_and_drops_navigation() -> None:
    tail = "Weitere Informationen\nProjektseite: https://www.example.de/projekt\nZur Projektseite\nZurück"
    entry = imported(f"Titel\n\n{BODY}\n\n{tail}\n")
    assert (
        entry.body_markdown
        == f"{BODY}\n\n## Weitere Informationen\n\n- Projektseite: https://www.example.de/projekt"
    )
    assert removed(entry) == ["Zur Projektseite", "Zurück"]


def test_a_forwarded_mail_keeps_its_release_and_drops_the_forward_lines() -> None:
    text = (
        "---------- Weitergeleitete Nachricht ---------\nVon: Redaktion <redaktion@example.de>\n"
        "Gesendet: Donnerstag, 4. April 2024 10:12\nAn: newsdesk@example.org\nBetreff: WG: Vorhang auf\n\n"
        f"Meldung\n04.04.2024\n\nVorhang auf für Netzwerke\n\n{BODY}\n"
    )
    entry = imported(text)
    assert (entry.title, str(entry.date), entry.body_markdown) == (
        "Vorhang auf für Netzwerke",
        "2024-04-04",
        BODY,
    )
    assert len(entry.removed) == 6


def test_a_quoted_mail_loses_its_quote_marks_not_its_title() -> None:
    quoted = "\n".join(
        f"> {line}" if line else ">" for line in ["Meldung", "20.04.2024", "", "Titel der Meldung", "", BODY]
    )
    text = f"Hallo, bitte übernehmen.\n\nAm 20.04.2024 um 09:14 schrieb Redaktion <r@example.de>:\n{quoted}\n"
    entry = imported(text)
    assert (entry.title, str(entry.date), entry.body_markdown) == ("Titel der Meldung", "2024-04-20", BODY)
