"""publisher.importing.importer: raw press-release text -> ImportedEntry, on the samples, on variants
of every pattern and on generated press releases.

Golden files: ``tests/importing/golden/import/<sample>.{json,md,explain.txt}``. After a deliberate
change, regenerate them with ``UPDATE_GOLDEN=1 pytest tests/importing/test_importer.py -k golden``
and review the diff.
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.importing.files import entry_filename, render_entry
from publisher.importing.importer import ImportOptions, explain_lines, import_bytes, import_text
from publisher.importing.sentences import same_text_key, sentences
from tests.importing.fixtures import (
    SAMPLES,
    Chooser,
    Release,
    assert_nothing_lost,
    count_in_body,
    make_release,
    same,
    unescape,
)

GOLDEN = Path(__file__).parent / "golden" / "import"
# The samples as an editor imports them; 003 has no date anywhere, so it needs --date.
WRITE_OPTIONS = {"003_37bce704c308688c": ImportOptions(date=date(2025, 4, 8))}


def imported(text: str, **options: object) -> object:
    return import_text(text, "x.txt", ImportOptions(**options))  # type: ignore[arg-type]


def compare_golden(path: Path, actual: str) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/importing/test_importer.py"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1 regenerates it)"


# --- the three samples ---------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_golden_sample(sample: Path) -> None:
    source = f"tests/data/raw/{sample.name}"
    entry = import_bytes(sample.read_bytes(), source)
    record = json.dumps(entry.as_json(), ensure_ascii=False, indent=2) + "\n"
    compare_golden(GOLDEN / f"{sample.stem}.json", record)
    compare_golden(GOLDEN / f"{sample.stem}.explain.txt", "\n".join(explain_lines(entry)) + "\n")
    written = import_bytes(sample.read_bytes(), source, WRITE_OPTIONS.get(sample.stem))
    compare_golden(GOLDEN / f"{sample.stem}.md", render_entry(written).decode("utf-8"))


def test_samples_read_as_an_editor_expects() -> None:
    """The decisions the golden files hold, stated explicitly so a regeneration cannot hide a regression."""
    first, second, third = (import_bytes(p.read_bytes(), p.name) for p in SAMPLES)
    assert first.title == "ECCP: Rückblick auf Europäische Clusterkonferenz 2024 in Brüssel"
    assert (first.date, first.date_source) == (date(2024, 5, 14), "dateline")
    assert first.image is not None and first.image.credit == "VDI/VDE-IT"
    assert first.image.caption == "Europäische Clusterkonferenz 2024"
    assert first.image.alt.startswith("Das Bild zeigt sechs Personen")
    assert "Das Bild zeigt" not in first.body_markdown and "©" not in first.body_markdown
    assert [r.text for r in first.removed] == ["Meldung"]

    assert second.title == "Ergebnisse der European Cluster Conference 2020 veröffentlicht"
    assert (second.date, second.date_source, second.warnings) == (date(2020, 12, 22), "dateline", ())
    assert second.headings == (
        "Wahlen zur Clusterpartnerschaft des Jahres und zum Clustermanager des Jahres",
        "Erfolgreiche Ergebnisse",
    )
    assert second.image is not None and second.image.credit == "ECCP"
    assert "Clusterverbände und -netzwerke" in second.body_markdown

    assert third.title == "ClusterAllianz.NRW stellt Zukunftspapier vor - Innovation stärken"
    assert third.subtitle.startswith("Bei der Präsentation mit Ministerin Mona Neubaur")
    assert (third.date, third.date_source, third.authors) == (None, None, ("Daniel Boss",))
    assert "Google Analytics" not in third.body_markdown and "Daniel Boss" not in third.body_markdown
    assert [r.reason for r in third.removed] == ["cookie/analytics banner"]
    assert all(e.lang == "de" for e in (first, second, third))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_samples_lose_nothing_and_repeat_no_sentence(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    entry = import_text(text, sample.name)
    assert_nothing_lost(text, entry)
    body = unescape(entry.body_markdown)
    keys = [same_text_key(s) for p in body.split("\n\n") for s in sentences(p)]
    assert len(keys) == len(set(keys))


# --- every pattern, with variants ----------------------------------------------------------------

BODY = "Die Konferenz fand in Berlin statt. Mehr als 200 Gäste kamen."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Meldung\n14.05.2024\n\n", date(2024, 5, 14)),
        ("Pressemitteilung\n14. Mai 2024\n\n", date(2024, 5, 14)),
        ("News\n2024-05-14\n\n", date(2024, 5, 14)),
        ("News\nMay 14, 2024\n\n", date(2024, 5, 14)),
        ("Pressemitteilung vom 3. März 2024\n\n", date(2024, 3, 3)),
        ("14.05.2024\nMeldung\n\n", date(2024, 5, 14)),
        ("Dienstag, 14. Mai 2024\n", date(2024, 5, 14)),
        ("Meldung | 14.05.2024, 10:30 Uhr\n\n", date(2024, 5, 14)),
    ],
)
def test_label_and_dateline_before_the_title(header: str, expected: date) -> None:
    entry = imported(f"{header}Neue Förderung gestartet\n\n{BODY}")
    assert (entry.title, entry.date, entry.date_source) == ("Neue Förderung gestartet", expected, "dateline")
    assert unescape(entry.body_markdown) == BODY
    assert entry.warnings == ()


def test_dateline_right_after_the_title_and_place_names() -> None:
    entry = imported(f"Neue Förderung gestartet\nBerlin, 14.05.2024\n\n{BODY}")
    assert (entry.date, entry.date_source) == (date(2024, 5, 14), "dateline")
    assert [(r.text, r.reason) for r in entry.removed] == [
        ("Berlin", "place name of the dateline (the date went to date)")
    ]


PLACE_REASON = "place name of the dateline (the date went to date)"


@pytest.mark.parametrize(
    ("dateline", "place"),
    [
        ("14. Mai 2024 – Berlin", "Berlin"),
        ("Pressemitteilung Nr. 12/2024 vom 14. Mai 2024", None),
        ("14.05.24", None),
        ("May 14, 2024 – Brussels", "Brussels"),
        ("Press release No. 12/2024 of 14 May 2024", None),
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_more_dateline_forms_give_the_date_not_the_title(
    dateline: str, place: str | None, where: str
) -> None:
    title = "Cluster treffen sich in Berlin"
    head = f"Meldung\n{dateline}\n\n{title}\n\n" if where == "before" else f"Meldung\n{title}\n{dateline}\n\n"
    entry = imported(f"{head}{BODY}")
    assert (entry.title, entry.date, entry.date_source) == (title, date(2024, 5, 14), "dateline")
    assert (entry.subtitle, unescape(entry.body_markdown), entry.warnings) == ("", BODY, ())
    removed = [(r.text, r.reason) for r in entry.removed]
    assert removed[1:] == ([(place, PLACE_REASON)] if place else [])
    (step,) = [s for s in entry.explanation if s.target == "date"]
    assert step.text == dateline and "-> date 2024-05-14" in step.reason
    assert_nothing_lost(f"{head}{BODY}", entry)


@pytest.mark.parametrize(
    "label",
    [
        "Pressemitteilung Nr. 17/2024",
        "Gemeinsame Pressemitteilung",
        "Pressemitteilung 17/2024",
        "Press release No. 7",
        "Medieninformation Nr. 5",
        "Presseinformation 2024-17",
    ],
)
@pytest.mark.parametrize("dateline", ["", "14.05.2024\n"])
def test_a_label_with_a_number_or_a_word_is_removed_not_the_title(label: str, dateline: str) -> None:
    title = "Cluster treffen sich in Berlin"
    text = f"{label}\n{dateline}\n{title}\n\n{BODY}"
    entry = imported(text, date=date(2024, 5, 14)) if not dateline else imported(text)
    assert (entry.title, entry.date, unescape(entry.body_markdown)) == (title, date(2024, 5, 14), BODY)
    assert [(r.text, r.reason) for r in entry.removed][:1] == [
        (label, "label line before the title (names the kind of text)")
    ]
    assert_nothing_lost(text, entry)


@pytest.mark.parametrize(
    ("dateline", "place", "expected"),
    [
        ("Hamburg, den 14. Mai 2024", "Hamburg", date(2024, 5, 14)),
        ("Berlin, den 14.05.2024", "Berlin", date(2024, 5, 14)),
        ("Köln, am 14. Mai 2024", "Köln", date(2024, 5, 14)),
        ("Berlin – 14. Mai 2024", "Berlin", date(2024, 5, 14)),
        ("Jena, 14.05.2024.", "Jena", date(2024, 5, 14)),
        ("14.05.2024 · Berlin", "Berlin", date(2024, 5, 14)),
        ("14.05.2024 / Berlin", "Berlin", date(2024, 5, 14)),
        ("Mo 13.05.2024", None, date(2024, 5, 13)),
        ("Last updated: 14 May 2024", None, date(2024, 5, 14)),
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_common_dateline_forms_give_the_date_and_the_place_is_listed(
    dateline: str, place: str | None, expected: date, where: str
) -> None:
    title = "Cluster treffen sich in Berlin"
    head = f"Pressemitteilung\n{dateline}\n\n{title}\n\n" if where == "before" else f"{title}\n{dateline}\n\n"
    entry = imported(f"{head}{BODY}")
    assert (entry.title, entry.date, entry.date_source) == (title, expected, "dateline")
    assert (entry.subtitle, unescape(entry.body_markdown), entry.warnings) == ("", BODY, ())
    places = [r.text for r in entry.removed if r.reason == PLACE_REASON]
    assert places == ([place] if place else [])
    assert_nothing_lost(f"{head}{BODY}", entry)


@pytest.mark.parametrize("sentence", ["Das Projekt kostet 5 Mio. €.", "Die Quote stieg um 25 %."])
def test_a_sentence_ending_in_a_symbol_ends_the_subtitle_candidate(sentence: str) -> None:
    head = "Meldung\n14.05.2024\n\nCluster Süd erhält Förderung\n\n"
    text = f"{head}{sentence} Die Laufzeit beträgt drei Jahre.\n\n{BODY}"
    entry = imported(text)
    assert entry.subtitle == ""
    assert unescape(entry.body_markdown).startswith(f"{sentence} Die Laufzeit beträgt drei Jahre.")
    assert_nothing_lost(text, entry)


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize(
    ("dateline", "why"),
    [("29.02.2023", "February 2023 has 28 days"), ("31. April 2024 – Berlin", "April 2024 has 30 days")],
)
def test_a_dateline_that_is_no_date_is_reported_and_is_not_the_title(
    dateline: str, why: str, where: str
) -> None:
    title = "Cluster treffen sich in Berlin"
    dated = "Am 28. Februar 2023 trafen sich die Cluster in Berlin."
    head = f"Meldung\n{dateline}\n\n{title}\n\n" if where == "before" else f"Meldung\n{title}\n{dateline}\n\n"
    line = 2 if where == "before" else 3
    text = f"{head}{dated} {BODY}"
    entry = imported(text)
    assert (entry.title, entry.subtitle, entry.date, entry.date_source) == (title, "", None, None)
    assert unescape(entry.body_markdown) == f"{dated} {BODY}"
    (warn,) = entry.warnings
    date_text = dateline.split(" – ")[0]
    assert (warn.path, warn.line, warn.field, warn.is_error) == ("x.txt", line, "date", False)
    assert f"'{date_text}'" in warn.message and why in warn.message and "--date YYYY-MM-DD" in warn.hint
    assert (dateline, f"looks like a dateline, but '{date_text}' is not a date ({why})") in [
        (r.text, r.reason) for r in entry.removed
    ]
    assert_nothing_lost(text, entry)
    with pytest.raises(PublisherError, match=rf"^x\.txt:{line}: no date: .*'{date_text}'.*--date YYYY-MM-DD"):
        entry_filename(entry)

    given_date = imported(text, date=date(2023, 2, 28))
    assert (given_date.title, given_date.date, given_date.date_source) == (title, date(2023, 2, 28), "option")
    assert given_date.warnings == ()
    assert dateline in [r.text for r in given_date.removed]
    assert any(
        s.line == line and "--date 2023-02-28 gives the date" in s.reason for s in given_date.explanation
    )
    assert entry_filename(given_date).startswith("2023-02-28-")


def test_a_dateline_that_is_no_date_before_a_real_one_is_reported_and_the_real_one_counts() -> None:
    entry = imported(f"29.02.2023\nMeldung vom 28.02.2023\nNeue Förderung gestartet\n\n{BODY}")
    assert (entry.title, entry.date, entry.date_source) == (
        "Neue Förderung gestartet",
        date(2023, 2, 28),
        "dateline",
    )
    (warn,) = entry.warnings
    assert warn.line == 1 and "'29.02.2023' is not a date" in str(warn)
    assert "the date 2023-02-28 comes from the dateline on line 2" in str(warn)
    assert entry_filename(entry).startswith("2023-02-28-")


def test_a_dateline_that_is_no_date_after_a_real_one_is_another_dateline() -> None:
    entry = imported(f"Meldung\n14.05.2024\n29.02.2023\nNeue Förderung gestartet\n\n{BODY}")
    assert (entry.title, entry.date, entry.warnings) == ("Neue Förderung gestartet", date(2024, 5, 14), ())
    assert (
        "29.02.2023",
        "another dateline before the title (not a date either: February 2023 has 28 days)",
    ) in [(r.text, r.reason) for r in entry.removed]


@pytest.mark.parametrize(
    ("sentence", "expected", "words"),
    [
        ("Am 8. November 2023 trafen sich die Cluster in Berlin.", date(2023, 11, 8), "8. November 2023"),
        (
            "Die Konferenz fand am 10. und 11. November 2020 statt.",
            date(2020, 11, 10),
            "10. und 11. November 2020",
        ),
        ("The conference took place on May 3rd, 2024 in Brussels.", date(2024, 5, 3), "May 3rd, 2024"),
    ],
)
def test_date_from_the_text_comes_with_a_warning(sentence: str, expected: date, words: str) -> None:
    entry = imported(f"Rückblick auf die Konferenz\n\nEinleitung ohne Datum. {sentence}")
    assert (entry.date, entry.date_source) == (expected, "text")
    (warn,) = entry.warnings
    assert warn.line == 3 and words in str(warn) and "--date" in str(warn)


def test_no_date_at_all_and_the_date_option() -> None:
    entry = imported(f"Rückblick auf die Konferenz\n\n{BODY}")
    assert (entry.date, entry.date_source) == (None, None)
    assert entry.as_json()["date"] is None
    given_date = imported(f"Meldung\n14.05.2024\n\nTitel\n\n{BODY}", date=date(2024, 6, 1))
    assert (given_date.date, given_date.date_source) == (date(2024, 6, 1), "option")


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_subtitle_after_the_title(sep: str) -> None:
    entry = imported(f"Neue Förderung gestartet{sep}Das Ministerium stellt 5 Mio. Euro bereit{sep}{BODY}")
    assert entry.subtitle == "Das Ministerium stellt 5 Mio. Euro bereit"
    assert unescape(entry.body_markdown) == BODY


def test_long_first_paragraph_is_no_subtitle_and_title_tail_stays() -> None:
    entry = imported(
        f"Zukunftspapier vorgestellt - Innovation stärken\n\n{BODY}\n\nZweiter Absatz folgt hier."
    )
    assert entry.title == "Zukunftspapier vorgestellt - Innovation stärken"
    assert entry.subtitle == ""
    assert unescape(entry.body_markdown) == f"{BODY}\n\nZweiter Absatz folgt hier."


@pytest.mark.parametrize("sep", ["\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n"])
def test_paragraph_separators(sep: str) -> None:
    paragraphs = [BODY, "Der zweite Absatz beginnt hier. Er hat zwei Sätze.", "Der dritte Absatz ist kurz."]
    entry = imported(sep.join(["Titel der Meldung", *paragraphs]))
    assert entry.body_markdown == "\n\n".join(paragraphs)


def test_wrapped_text_with_hyphenation_and_suspended_hyphens() -> None:
    text = (
        "Titel der Meldung\n\n"
        "Es geht um neue Geschäfts-\nund Erlösmodelle, um Energieversorgung und\n"
        "-sicherheit sowie um die Ener-\ngieversorgung von Wertschöp-\n"
        "fungsketten. Die Cluster-\nPartnerschaften wachsen.\n"
    )
    entry = imported(text)
    assert entry.body_markdown == (
        "Es geht um neue Geschäfts- und Erlösmodelle, um Energieversorgung und -sicherheit sowie um die "
        "Energieversorgung von Wertschöpfungsketten. Die Cluster-Partnerschaften wachsen."
    )


@pytest.mark.parametrize(
    "layout",
    [
        "{p}\n\nErfolgreiche Ergebnisse\n\n{q}",
        "{p}\nErfolgreiche Ergebnisse\n{q}",
        "{p}\nErfolgreiche Ergebnisse\n\n{q}",  # glued to the paragraph above
        "{p}\n\n\nErfolgreiche Ergebnisse\n\n\n{q}",
    ],
)
def test_subheadings(layout: str) -> None:
    entry = imported("Titel\n\n" + layout.format(p=BODY, q="Die Ergebnisse waren gut."))
    assert entry.headings == ("Erfolgreiche Ergebnisse",)
    assert entry.body_markdown == f"{BODY}\n\n## Erfolgreiche Ergebnisse\n\nDie Ergebnisse waren gut."


def test_short_last_line_is_no_heading() -> None:
    entry = imported(f"Titel\n\n{BODY}\n\nIhr Team vom Netzwerk")
    assert entry.headings == () and entry.body_markdown.endswith("\n\nIhr Team vom Netzwerk")


@pytest.mark.parametrize("marker", ["• ", "•", "- ", "– ", "* ", "  • ", "   - ", "\t* "])
def test_bullet_lists(marker: str) -> None:
    items = ["Digitalisierung", "Nachhaltigkeit und Kreislaufwirtschaft", "Fachkräfte"]
    lines = "\n".join(marker + item for item in items)
    entry = imported(f"Titel\n\nDie Schwerpunkte sind:\n{lines}\n\n{BODY}")
    assert entry.body_markdown == (
        "Die Schwerpunkte sind:\n\n- Digitalisierung\n- Nachhaltigkeit und Kreislaufwirtschaft\n- Fachkräfte"
        f"\n\n{BODY}"
    )


def test_numbered_lists_need_consecutive_numbers() -> None:
    text = (
        "Titel\n\nSo geht es:\n1. Antrag stellen\n2. Unterlagen einreichen\n3) Bescheid abwarten\n7. Tag.\n"
    )
    assert imported(text).body_markdown == (
        "So geht es:\n\n1. Antrag stellen\n2. Unterlagen einreichen\n3. Bescheid abwarten\n\n7\\. Tag."
    )


def test_dash_in_wrapped_sentence_is_no_bullet() -> None:
    text = (
        "Titel\n\nDas Programm beinhaltete Diskussionen über die vier großen Herausforderungen Europas\n"
        "– Grün, Digitalisierung, Resilienz und Kompetenzen – und vieles mehr.\n"
    )
    assert "- Grün" not in imported(text).body_markdown


@pytest.mark.parametrize(
    ("block", "alt", "caption", "credit"),
    [
        ("Das Bild zeigt die Ministerin\n© BMWK\nVorstellung des Programms", "Das Bild zeigt die Ministerin",
         "Vorstellung des Programms", "BMWK"),
        ("ECCP: 7. Clusterkonferenz\n© ECCP\nECCP: 7. Clusterkonferenz", "ECCP: 7. Clusterkonferenz",
         "ECCP: 7. Clusterkonferenz", "ECCP"),
        ("Die Ministerin am Pult\nDie Ministerin am Pult\nFoto: Max Muster", "Die Ministerin am Pult", "",
         "Max Muster"),
        ("Teilnehmende im Plenum\nBild: BMWK / Anna Beispiel", "Teilnehmende im Plenum", "",
         "BMWK / Anna Beispiel"),
        ("(c) VDI/VDE-IT", "", "", "VDI/VDE-IT"),
    ],
)  # fmt: skip
def test_image_blocks(block: str, alt: str, caption: str, credit: str) -> None:
    entry = imported(f"Titel\n\n{BODY}\n\n{block}\n\nDer zweite Absatz ist hier.")
    assert entry.image is not None
    assert (entry.image.alt, entry.image.caption, entry.image.credit) == (alt, caption, credit)
    assert entry.body_markdown == f"{BODY}\n\nDer zweite Absatz ist hier."


def test_later_image_blocks_become_figures_not_paragraphs() -> None:
    entry = imported(
        f"Titel\n\n{BODY}\n\nBild eins\n© A\n\nZweiter Absatz.\n\nBild zwei\n© B\n\nDritter Absatz."
    )
    assert entry.image is not None and entry.image.credit == "A"
    assert [(f.alt, f.caption, f.credit) for f in entry.figures] == [("Bild zwei", "", "B")]
    assert entry.removed == ()
    assert entry.body_markdown == (
        f"{BODY}\n\nZweiter Absatz.\n\n<!-- figure\nalt: Bild zwei\ncredit: B\n-->\n\nDritter Absatz."
    )


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("Text: Daniel Boss", ("Daniel Boss",)),
        ("Autor: Dr. Max Müller", ("Dr. Max Müller",)),
        ("Autorin: Eva Kühn und Jana Weiß", ("Eva Kühn", "Jana Weiß")),
        ("Von Jana Weiß", ("Jana Weiß",)),
        ("By Jane Doe", ("Jane Doe",)),
    ],
)
def test_author_lines(line: str, authors: tuple[str, ...]) -> None:
    entry = imported(f"Titel\n\n{BODY}\n\n{line}")
    assert entry.authors == authors
    assert unescape(entry.body_markdown) == BODY


def test_von_at_a_sentence_start_is_no_author_and_options_add_authors() -> None:
    entry = imported(f"Titel\n\n{BODY}\n\nVon Anfang an war das Interesse groß.", authors=("Redaktion",))
    assert entry.authors == ("Redaktion",)
    assert entry.body_markdown.endswith("Von Anfang an war das Interesse groß.")


@pytest.mark.parametrize(
    ("line", "url"),
    [
        ("Quelle: https://www.example.org/presse/1", "https://www.example.org/presse/1"),
        ("Quelle: www.example.org/presse", "https://www.example.org/presse"),
        ("Source: https://example.eu/a?b=1.", "https://example.eu/a?b=1"),
    ],
)
def test_source_lines(line: str, url: str) -> None:
    entry = imported(f"Titel\n\n{BODY}\n\n{line}")
    assert entry.source_url == url and unescape(entry.body_markdown) == BODY


@pytest.mark.parametrize(
    "junk",
    [
        "Mit Ihrer Erlaubnis verwenden wir Google Analytics, um den Traffic auf der Website zu analysieren.",
        "Diese Website verwendet Cookies. Mit der Nutzung stimmen Sie unserer Datenschutzerklärung zu.",
        "We use cookies to improve your experience. By clicking accept, you agree.",
        "Alle akzeptieren",
        "Seite drucken",
        "Teilen: Facebook | X | LinkedIn | Xing | E-Mail",
        "Share | Print",
        "Nach oben",
    ],
)
def test_boilerplate_leaves_the_body(junk: str) -> None:
    for text in (f"{junk}\n\nTitel\n\n{BODY}", f"Titel\n\n{BODY}\n\n{junk}", f"Titel\n{junk}\n{BODY}"):
        entry = imported(text)
        assert entry.title == "Titel" and unescape(entry.body_markdown) == BODY, text
        assert [r.text for r in entry.removed] == [junk]


@pytest.mark.parametrize(
    "tail",
    [
        "Weitere Informationen\n→ Zur Website\nZur Förderrichtlinie",
        "Mehr erfahren",
        "More information\n→ Conference website",
    ],
)
def test_link_sections_without_addresses_leave_the_body(tail: str) -> None:
    entry = imported(f"Titel\n\n{BODY}\n\n{tail}\n")
    assert unescape(entry.body_markdown) == BODY
    assert " ".join(r.text for r in entry.removed) == " ".join(tail.split("\n"))


@pytest.mark.parametrize(
    ("tail", "body", "removed"),
    [
        (
            "Weitere Informationen\nhttps://www.example.org/programm\nZur Förderrichtlinie (PDF, 300 KB)",
            "## Weitere Informationen\n\n- https://www.example.org/programm",
            ["Zur Förderrichtlinie (PDF, 300 KB)"],
        ),
        (
            "Weiterführende Informationen:\n• https://www.example.org/a\n• www.example.org/b\n→ Zur Seite",
            "## Weiterführende Informationen:\n\n- https://www.example.org/a\n- www.example.org/b",
            ["→ Zur Seite"],
        ),
        (
            "Weitere Informationen: www.automotiveland.nrw",
            "Weitere Informationen: www.automotiveland.nrw",
            [],
        ),
    ],
)
def test_link_sections_keep_links_with_addresses_as_a_list(tail: str, body: str, removed: list[str]) -> None:
    entry = imported(f"Titel\n\n{BODY}\n\n{tail}\n")
    assert entry.body_markdown == f"{BODY}\n\n{body}"
    assert [r.text for r in entry.removed] == removed


def test_information_section_with_text_stays() -> None:
    tail = "Weitere Informationen\nDas Programm läuft bis 2027. Anträge stellen Sie online."
    entry = imported(f"Titel\n\n{BODY}\n\n{tail}")
    assert entry.body_markdown.endswith(
        "## Weitere Informationen\n\nDas Programm läuft bis 2027. Anträge stellen Sie online."
    )


def test_repeated_paragraphs_and_sentences_stay_once_also_across_quote_styles() -> None:
    quote = "„Wir wollen Cluster stärken“, sagte die Ministerin."
    text = (
        f"Titel\n\n{quote} Das Programm läuft bis 2027.\n\nEin neuer Absatz beginnt.\n\n"
        '"Wir wollen Cluster stärken", sagte die Ministerin. Ein neuer Satz folgt.\n\n'
        "Ein neuer Absatz beginnt.\n"
    )
    entry = imported(text)
    assert (
        entry.body_markdown
        == f"{quote} Das Programm läuft bis 2027.\n\nEin neuer Absatz beginnt.\n\nEin neuer Satz folgt."
    )
    assert [r.reason for r in entry.removed] == [
        "repeats a sentence in line 3",
        "repeats the paragraph from line 5",
    ]


def test_title_repeated_in_the_body_is_removed() -> None:
    entry = imported(f"Neue Förderung gestartet\n\nNeue Förderung gestartet\n\n{BODY}")
    assert unescape(entry.body_markdown) == BODY
    assert [r.reason for r in entry.removed] == ["repeats the title"]


def test_odd_spaces_are_normalised_and_wording_is_kept() -> None:
    text = (
        "Titel\u00a0der  Meldung\n\n"
        'Die\u202fKonferenz\u2009fand\tstatt.\u00a0 „Gut“, sagte\u00adsie "laut".\u200b\n'
    )
    entry = imported(text)
    assert entry.title == "Titel der Meldung"
    assert entry.body_markdown == 'Die Konferenz fand statt. „Gut“, sagtesie "laut".'


def test_markdown_specials_in_the_text_stay_literal() -> None:
    entry = imported("Titel\n\n7. Ausgabe der Konferenz: Gründer*innen und Unternehmer*innen <b>kamen</b>.\n")
    assert (
        entry.body_markdown
        == "7\\. Ausgabe der Konferenz: Gründer\\*innen und Unternehmer\\*innen \\<b>kamen\\</b>."
    )


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (f"Titel\n\n{BODY}", "de"),
        (
            "Cluster networks meet\n\nThe conference took place in Brussels. It was a success.",
            "en",
        ),
        (
            "Clusterkonferenz in Brüssel\n\nDie European Cluster Conference wurde organisiert.",
            "de",
        ),
    ],
)
def test_language_detection_and_option(text: str, lang: str) -> None:
    assert imported(text).lang == lang
    assert imported(text, lang="en" if lang == "de" else "de").lang != lang


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_give_the_same_entry_and_id(encoding: str, newline: str) -> None:
    text = (
        "Meldung\n14.05.2024\n\nRückblick auf die Clusterkonferenz in Köln\n\nDie Größe überraschte. Schön!\n"
    )
    reference = import_bytes(text.encode("utf-8"), "a.txt")
    entry = import_bytes(text.replace("\n", newline).encode(encoding), "a.txt")
    assert (entry.title, entry.body_markdown, entry.id) == (
        reference.title,
        reference.body_markdown,
        reference.id,
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_decomposed_umlauts_give_the_same_entry(encoding: str) -> None:
    text = "14. März 2024\n\nRückblick auf die Konferenz in Brüssel\n\nDie Größe überraschte. Schön!\n"
    reference = import_bytes(text.encode("utf-8"), "a.txt")
    nfd = unicodedata.normalize("NFD", text)
    for entry in (import_bytes(nfd.encode(encoding), "a.txt"), imported(nfd)):
        assert (entry.id, entry.title, entry.slug, entry.date, entry.body_markdown) == (
            reference.id,
            reference.title,
            "rueckblick-auf-die-konferenz-in-bruessel",
            date(2024, 3, 14),
            reference.body_markdown,
        )


def test_stray_latin1_bytes_in_utf8_become_warnings_with_their_line() -> None:
    text = "Meldung\n14.05.2024\n\nRückblick auf die Konferenz\n\nDas ".encode() + b"Caf\xe9 war voll.\n"
    entry = import_bytes(text, "a.txt")
    assert entry.body_markdown == "Das Café war voll." and entry.encoding == "utf-8+cp1252"
    assert [str(w) for w in entry.warnings] == [
        "a.txt:6: warning: encoding: byte(s) E9: not UTF-8; read as Windows-1252 'é' -> check that character"
    ]


def test_control_characters_are_removed_listed_and_escaped_in_explain() -> None:
    text = "Meldung\n14.05.2024\n\nRück\x1bblick auf die Konferenz\n\nDie Größe\x01 überraschte.\x7f Schön!\n"
    entry = imported(text)
    assert (entry.title, entry.body_markdown) == (
        "Rückblick auf die Konferenz",
        "Die Größe überraschte. Schön!",
    )
    assert [(r.text, r.reason) for r in entry.removed if "control" in r.reason] == [
        ("\\x1b", "control character(s) \\x1b taken out of the line (not text)"),
        ("\\x01\\x7f", "control character(s) \\x01\\x7f taken out of the line (not text)"),
    ]
    report = "\n".join(explain_lines(entry))
    assert "\x1b" not in report and "\x01" not in report
    assert "   4  removed       Rückblick auf die Konferenz" in report
    assert_nothing_lost(text, entry)


def test_form_feed_and_line_separators_do_not_shift_line_numbers() -> None:
    text = (
        "Titel\n\nErster Absatz mit\u2028Umbruch.\n\x0cZweiter Absatz, Seite 2.\n\n"
        "Am 8. November 2023 war es.\n"
    )
    entry = imported(text)
    assert entry.body_markdown.startswith("Erster Absatz mit Umbruch.")
    assert [str(w).split(": ", 1)[0] for w in entry.warnings] == ["x.txt:6"]  # as grep -n counts


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        ("FOR IMMEDIATE RELEASE", "label line before the title (names the kind of text)"),
        ("Press Release:", "label line before the title (names the kind of text)"),
        ("Startseite > Presse > Meldungen", "breadcrumb navigation"),
        ("Home › News › Press releases", "breadcrumb navigation"),
    ],
)
def test_english_labels_and_breadcrumbs_are_removed_not_the_title(head: str, reason: str) -> None:
    text = (
        f"{head}\n\nMay 14, 2024\n\nNew cluster programme launched\n\nIt starts today. The state funds it.\n"
    )
    entry = imported(text)
    assert (entry.title, entry.date) == ("New cluster programme launched", date(2024, 5, 14))
    assert [(r.text, r.reason) for r in entry.removed] == [(head, reason)]
    assert_nothing_lost(text, entry)


def test_id_depends_on_the_text_only() -> None:
    one = imported(f"Titel\n\n{BODY}")
    assert one.id == imported(f"Titel\n\n{BODY}\n", date=date(2024, 1, 1), tags=("A",)).id
    assert one.id != imported(f"Titel\n\n{BODY} Noch ein Satz.").id
    assert one.id.startswith("urn:uuid:")


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b" \n\t\r\n\xc2\xa0\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        (bytes(range(1, 32)) * 20, "binary file"),
        (b"x" * (5 * 1024 * 1024 + 1), "over 5 MB"),
        (b"Meldung\n14.05.2024\n", "no title-like line"),
        (b"Die Schwerpunkte sind folgende:\nA und B\n", "no title-like line"),
    ],
)
def test_bad_input_gets_a_clear_error_naming_the_file(data: bytes | str, message: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(PublisherError) as info:
        import_bytes(raw, "incoming/bad.txt")
    assert str(info.value).startswith("incoming/bad.txt") and message in str(info.value)
    assert "->" in str(info.value)


# --- generated press releases ---------------------------------------------------------------------


def check_release(release: Release) -> None:
    entry = import_bytes(release.text.encode(release.encoding), "generated.txt")
    assert (entry.title, entry.subtitle, entry.lang) == (release.title, release.subtitle, release.lang)
    assert (entry.date, entry.date_source) == (release.date, release.date_source)
    assert list(entry.authors) == release.authors
    assert entry.source_url == release.source_url
    if release.credit:
        assert entry.image is not None
        assert (entry.image.alt, entry.image.caption, entry.image.credit) == (
            release.alt,
            release.caption,
            release.credit,
        )
    else:
        assert entry.image is None
    assert list(entry.headings) == release.headings
    for sentence in release.sentences:
        assert count_in_body(sentence, entry) == 1, sentence
    for item in [*release.items, *release.links]:
        assert f"\n- {item}" in entry.body_markdown
    removed = " ".join(same(r.text) for r in entry.removed)
    kept = {same(s) for s in release.sentences}
    for text in release.removed:
        assert same(text) in removed
        assert same(text) in kept or same(text) not in same(unescape(entry.body_markdown))
    assert_nothing_lost(release.text.lstrip("\ufeff"), entry)


@st.composite
def releases(draw: st.DrawFn) -> Release:
    return make_release(Chooser(lambda seq: draw(st.sampled_from(list(seq))), lambda: draw(st.booleans())))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases())
def test_generated_press_releases(release: Release) -> None:
    check_release(release)


def test_generated_press_releases_with_a_fixed_seed() -> None:
    """A broad, reproducible sweep next to hypothesis' shrinking search."""
    rng = random.Random(20240514)
    for _ in range(300):
        check_release(make_release(Chooser(rng.choice, lambda: rng.random() < 0.5)))


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_any_text_imports_or_fails_cleanly(text: str) -> None:
    try:
        entry = import_text(text, "any.txt")
    except PublisherError as exc:
        assert str(exc).startswith("any.txt")
        return
    assert entry.title and "\n" not in entry.title
    assert_nothing_lost(text, entry)
