"""publisher.importing.sentences: sentence ends, comparison keys and the language of a text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.importing.sentences import detect_language, ends_sentence, same_text_key, sentences


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
    assert sentences(text) == expected


@given(st.text(alphabet="Aab. ?!„“1\n", max_size=80))
def test_sentences_cover_the_text(text: str) -> None:
    assert "".join(sentences(text)).replace(" ", "").replace("\n", "") == "".join(text.split())


def test_same_text_key_ignores_quote_styles_dashes_case_and_spacing() -> None:
    assert same_text_key("„Wir wollen“ – sagte  sie") == same_text_key('"wir Wollen" - sagte sie')
    assert same_text_key("Wir wollen.") != same_text_key("Wir wollen!")


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
    assert detect_language(text, default="en") == lang


@pytest.mark.parametrize("text", ["5 Mio. €.", "um 25 %.", "kostet 3 $."])
def test_a_symbol_before_the_full_stop_ends_a_sentence(text: str) -> None:
    assert ends_sentence(text)


@given(st.sampled_from("€%$£§&+°"), st.sampled_from(["Die", "Das", "Anna"]))
def test_only_letters_are_initials(symbol: str, word: str) -> None:
    assert sentences(f"Es kostet 5 {symbol}. {word} kam.") == [f"Es kostet 5 {symbol}.", f"{word} kam."]
    assert sentences(f"Es kam A. {word} dazu.") == [f"Es kam A. {word} dazu."]
