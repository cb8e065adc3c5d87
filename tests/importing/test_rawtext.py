"""publisher.importing.rawtext: decoding, whitespace, and what kind of line a line is."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.importing import rawtext as rt

GERMAN = "Rückblick auf „Europäische“ Clusterkonferenz – Größe: 5 €\r\nZweite Zeile.\r\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_decode_encodings(encoding: str, reported: str) -> None:
    decoded = rt.decode(GERMAN.encode(encoding), "x.txt")
    assert (decoded.text, decoded.encoding) == (GERMAN, reported)


def test_latin1_text_decodes_with_its_umlauts() -> None:
    text = "Die Größe der Veranstaltung in Köln überraschte. Schöne Grüße an alle Beteiligten!\n"
    assert rt.decode(text.encode("latin-1"), "x.txt").text == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.txt: the file is empty"),
        (b"\xef\xbb\xbf \n\n", "x.txt: the file is empty"),
        (b"GIF89a\x01\x00\x01\x00\x00\xff\x00,", "x.txt: this looks like a binary file"),
        (b"\x1b\x02\x03\x04\x05\x06\x07 text", "x.txt: this looks like a binary file"),
        (b"a" * (rt.MAX_BYTES + 1), "x.txt: the file is 5.0 MB"),
    ],
)
def test_decode_refuses_bad_input(data: bytes, message: str) -> None:
    with pytest.raises(PublisherError, match="^" + message.replace(".", r"\.")):
        rt.decode(data, "x.txt")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\xff\xfeA\x00b",
            "x.txt:1: starts like UTF-16 text (byte-order mark FF FE or FE FF), but it ends in the middle",
        ),
        ("Titel\nText\n".encode("utf-16")[:-1], "x.txt:2: starts like UTF-16 text"),
        (
            b"\xff\xfeA\x00\n\x00B\x00\x00\xd8C\x00",
            "x.txt:2: starts like UTF-16 text (byte-order mark FF FE or FE FF), but byte 8",
        ),
        (b"\xfe\xff\x00A\x00", "x.txt:1: starts like UTF-16 text"),
        (b"\xff\xfe\x00\xd8\x01\x02\x03", "x.txt:1: starts like UTF-16 text"),
    ],
)
def test_broken_utf16_is_a_named_error_not_a_crash(data: bytes, message: str) -> None:
    with pytest.raises(PublisherError, match="^" + re.escape(message)) as info:
        rt.decode(data, "x.txt")
    assert "-> save the press release again as UTF-8 text" in str(info.value)


@given(st.binary(max_size=64))
def test_decode_raises_only_publisher_errors(tail: bytes) -> None:
    for data in (b"\xff\xfe" + tail, b"\xfe\xff" + tail, tail, "Grüße ".encode() + tail):
        try:
            decoded = rt.decode(data, "x.txt")
        except PublisherError as exc:
            assert str(exc).startswith("x.txt")
        else:
            assert decoded.text.strip()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_decoded_text_is_nfc(encoding: str) -> None:
    nfd = unicodedata.normalize("NFD", "Rückblick: 14. März 2024 in Brüssel")
    if encoding == "cp1252":  # cp1252 has no combining marks: only the composed text can be written
        nfd = unicodedata.normalize("NFC", nfd)
    assert rt.decode(nfd.encode(encoding), "x.txt").text == "Rückblick: 14. März 2024 in Brüssel"


@pytest.mark.parametrize(
    ("data", "text", "repairs"),
    [
        ("Grüße aus dem ".encode() + b"Caf\xe9 am Markt", "Grüße aus dem Café am Markt", [(1, "E9", "é")]),
        (
            "Köln\nEr sagte ".encode() + b"\x84Hallo\x93.",
            "Köln\nEr sagte „Hallo“.",
            [(2, "84", "„"), (2, "93", "“")],
        ),
        ("Grüße\r\naus der Stra".encode() + b"\xc3", "Grüße\r\naus der StraÃ", [(2, "C3", "Ã")]),
    ],
)
def test_utf8_with_a_few_stray_bytes_is_decoded_and_reported(
    data: bytes, text: str, repairs: list[tuple[int, str, str]]
) -> None:
    decoded = rt.decode(data, "x.txt")
    assert (decoded.text, decoded.encoding) == (text, "utf-8+cp1252")
    assert [(line, message.split()[1].rstrip(":")) for line, message in decoded.repairs] == [
        (line, raw) for line, raw, _ in repairs
    ]
    for (_, message), (_, _, char) in zip(decoded.repairs, repairs, strict=True):
        assert f"read as Windows-1252 '{char}'" in message and "->" in message
    if data.endswith(b"\xc3"):
        assert "ends in the middle of a UTF-8 character" in decoded.repairs[0][1]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Das Caf\xe9 am Markt", "Das Café am Markt"),  # ASCII + one Latin-1 byte: an 8-bit text
        (b"Er sagte \x84Hallo\x93 und ging.", "Er sagte „Hallo“ und ging."),
        (b"Gr\xfc\xdfe \x81 aus K\xf6ln", "Grüße \x81 aus Köln"),  # a byte cp1252 lacks: Latin-1
    ],
)
def test_8bit_text_that_charset_normalizer_rejects_is_not_binary(data: bytes, text: str) -> None:
    decoded = rt.decode(data, "x.txt")
    assert decoded.text == text and decoded.repairs == ()


def test_line_of_counts_lines_as_editors_do() -> None:
    text = "a\r\nb\rc\nd\fe\u2028f"
    assert [rt.line_of(text, text.index(c)) for c in "abcdef"] == [1, 2, 3, 4, 4, 4]


@pytest.mark.parametrize(
    ("line", "crumb"),
    [
        ("Startseite > Presse > Meldungen", True),
        ("Home › News › Press releases", True),
        ("Home > News", True),
        ("Startseite » Aktuelles » Pressemitteilungen » 2024", True),
        ("Forschung > Praxis", False),  # two parts without a home page: could be a title
        ("Umsatz > 5 Mio. Euro > Vorjahr. Das ist gut.", False),
        ("Wachstum von 5 > 3 Prozent", False),
        ("Daten / Fakten / Zahlen", False),
        ("Startseite > Presse > Die Konferenz in Brüssel brachte viele neue Ideen für die Cluster", False),
    ],
)
def test_breadcrumbs_are_boilerplate(line: str, crumb: bool) -> None:
    assert rt.is_breadcrumb(line) is crumb
    assert (rt.boilerplate_reason(line) == "breadcrumb navigation") is crumb


def test_split_lines_normalises_odd_spaces_and_invisible_characters() -> None:
    lines = rt.split_lines("  Die\u00a0Konferenz\u202f\u2009fand\tstatt\u00ad.\u200b \r\n\r\n\u2003• Punkt\n")
    assert [(line.number, line.text, line.indent, line.changed) for line in lines] == [
        (1, "Die Konferenz fand statt.", 2, True),
        (2, "", 0, False),
        (3, "• Punkt", 1, False),
    ]


@given(st.text())
def test_split_lines_keeps_every_visible_character(text: str) -> None:
    lines = rt.split_lines(text)
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
    assert [(line.number, line.text) for line in rt.split_lines(text)] == numbers


def test_control_characters_are_taken_out_of_lines_and_kept_aside() -> None:
    lines = rt.split_lines("Ti\x01tel\n\x1b[31mRot\x7f\nnormal\n")
    assert [(line.text, line.controls, line.changed) for line in lines] == [
        ("Titel", "\x01", False),
        ("[31mRot", "\x1b\x7f", False),
        ("normal", "", False),
    ]
    assert rt.escape_controls("a\x1bb\x7f") == "a\\x1bb\\x7f"


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
    assert rt.credit_of(line) == credit


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
    assert rt.authors_of(line) == names


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
    assert rt.source_of(line) == url


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            "Mit Ihrer Erlaubnis verwenden wir Google Analytics, um den Traffic zu analysieren.",
            "cookie/analytics",
        ),
        ("Wir verwenden Cookies. Einstellungen", "cookie/analytics"),
        ("This website uses cookies to ensure you get the best experience.", "cookie/analytics"),
        ("Alle akzeptieren", "cookie/consent banner button"),
        ("Seite drucken | Teilen", "share/print/navigation"),
        ("Facebook Twitter LinkedIn Xing", "share/print/navigation"),
        ("Per E-Mail teilen", "share/print/navigation"),
        ("Zurück zur Übersicht", "share/print/navigation"),
        ("Die Cookies der Bäckerei waren ein Genuss.", None),
        ("Die Datenschutzgrundverordnung betrifft alle Cluster.", None),
        ("Teilen Sie uns Ihre Meinung mit.", None),
        ("E-Mail", None),
    ],
)
def test_boilerplate_reason(line: str, reason: str | None) -> None:
    found = rt.boilerplate_reason(line)
    assert (found is None) if reason is None else (found is not None and found.startswith(reason))


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
    assert rt.trailing_section_name(line) == name


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
    assert rt.is_link_line(line) is is_link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das kostet 5 Mio. Euro. Dr. Anna kam am 14. Mai. Es war „schön.“ Dann ging sie.",
         ["Das kostet 5 Mio. Euro.", "Dr. Anna kam am 14. Mai.", "Es war „schön.“", "Dann ging sie."]),
        ("So Stephan A. Vogelskamp, z. B. heute. Wirklich? Ja!",
         ["So Stephan A. Vogelskamp, z. B. heute.", "Wirklich?", "Ja!"]),
        ("Die ClusterAllianz.NRW wächst. Im Jahr 2024. Weiter geht's.",
         ["Die ClusterAllianz.NRW wächst.", "Im Jahr 2024.", "Weiter geht's."]),
        ("„Wir sind stolz.“ Mit dem Cluster", ["„Wir sind stolz.“", "Mit dem Cluster"]),
        ("Das Projekt kostet 5 Mio. €. Die Laufzeit beträgt drei Jahre.",
         ["Das Projekt kostet 5 Mio. €.", "Die Laufzeit beträgt drei Jahre."]),
        ("Die Quote stieg um 25 %. Das ist ein Rekord.", ["Die Quote stieg um 25 %.", "Das ist ein Rekord."]),
        ("Der Preis: 3 $. Mehr nicht. Am 5. Mai kam Anna B. Kurz.",
         ["Der Preis: 3 $.", "Mehr nicht.", "Am 5. Mai kam Anna B. Kurz."]),
    ],
)  # fmt: skip
def test_sentences(text: str, expected: list[str]) -> None:
    assert rt.sentences(text) == expected


@given(st.text(alphabet="Aab. ?!„“1\n", max_size=80))
def test_sentences_cover_the_text(text: str) -> None:
    assert "".join(rt.sentences(text)).replace(" ", "").replace("\n", "") == "".join(text.split())


def test_same_text_key_ignores_quote_styles_dashes_case_and_spacing() -> None:
    assert rt.same_text_key("„Wir wollen“ – sagte  sie") == rt.same_text_key('"wir Wollen" - sagte sie')
    assert rt.same_text_key("Wir wollen.") != rt.same_text_key("Wir wollen!")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Die Konferenz fand in Brüssel statt und war ein Erfolg.", "de"),
        ("The conference took place in Brussels and it was a success.", "en"),
        ("Die European Cluster Conference wurde von der Kommission organisiert.", "de"),
        ("12345 !!!", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert rt.detect_language(text, default="en") == lang


@pytest.mark.parametrize("text", ["5 Mio. €.", "um 25 %.", "kostet 3 $."])
def test_a_symbol_before_the_full_stop_ends_a_sentence(text: str) -> None:
    assert rt.ends_sentence(text)


@given(st.sampled_from("€%$£§&+°"), st.sampled_from(["Die", "Das", "Anna"]))
def test_only_letters_are_initials(symbol: str, word: str) -> None:
    assert rt.sentences(f"Es kostet 5 {symbol}. {word} kam.") == [f"Es kostet 5 {symbol}.", f"{word} kam."]
    assert rt.sentences(f"Es kam A. {word} dazu.") == [f"Es kam A. {word} dazu."]
