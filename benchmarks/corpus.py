"""Synthetic press-release text from a seed: titles, Markdown bodies, raw (copied-from-the-web) releases."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from vocabulary import (
    BULLETS_DE,
    BULLETS_EN,
    COOKIE_BANNERS,
    CREDITS,
    EVENTS_DE,
    EVENTS_EN,
    FIRST_NAMES,
    HEADINGS_DE,
    HEADINGS_EN,
    LAST_NAMES,
    LINK_TARGETS,
    MONTHS_DE,
    ORGS,
    PLACES,
    SENTENCES_DE,
    SENTENCES_EN,
    TITLE_TEMPLATES_DE,
    TITLE_TEMPLATES_EN,
    TITLES_OF_PERSON,
    TOPICS_DE,
    TOPICS_EN,
    words,
)

POOL_SIZE = 2500  # filled sentences per language; bodies are drawn from these pools (fast, still varied)
MIN_BODY = 2048  # bytes of UTF-8, inclusive
MAX_BODY = 8192
THING_PREFIXES_DE = words(
    "Wasserstoff Energie Klima Innovations Digital Transfer Zukunfts Fachkräfte Gründungs Kreislauf Batterie "
    "Daten Mobilitäts Gesundheits Material Logistik Export Forschungs Wärme Quanten Bioökonomie Textil Holz "
    "Luftfahrt Photonik Robotik Sensorik Design Handwerks Tourismus"
)
THING_SUFFIXES_DE = words(
    "netzwerk allianz projekt plattform labor initiative offensive preis programm gipfel zentrum agenda "
    "fonds werkstatt dialog forum kompass atlas"
)
THING_PREFIXES_EN = words(
    "Hydrogen Energy Climate Innovation Digital Skills Startup Circular Battery Data AI Mobility Health "
    "Materials Logistics Export Research Photonics Robotics Design"
)
THING_SUFFIXES_EN = words(
    "Network Alliance Project Platform Lab Initiative Award Programme Summit Hub Agenda Fund"
)
THING_TITLES_DE = (
    "{org} startet {thing} in {place}",
    "{thing} {year} in {place} gestartet",
    "{thing}: {org} zieht Bilanz nach {n} Monaten",
    "Auftakt für {thing} in {place}",
    "{n} Partner aus {place} im {thing} {year}",
)
THING_TITLES_EN = (
    "{org} launches {thing} in {place}",
    "{thing} {year}: {n} partners from {place}",
    "Kick-off for the {thing} in {place}",
)
_SLUG_KEY = re.compile(r"[^a-z0-9äöüß]+")


def slug_key(title: str) -> str:
    """A cheap stand-in for the title's slug (first 70 characters), used to keep generated titles unique."""
    return _SLUG_KEY.sub("-", title.lower()).strip("-")[:70]


@dataclass(frozen=True, slots=True)
class Sentence:
    plain: str
    markdown: str
    size: int  # UTF-8 bytes of the Markdown form plus the joining space


class Corpus:
    """Sentence pools and vocabularies for one seed; every text is drawn from the ``rng`` passed in."""

    def __init__(self, seed: int | str) -> None:
        rng = random.Random(f"pools:{seed}")
        self.people = tuple(
            f"{rng.choice(TITLES_OF_PERSON)}{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            for _ in range(120)
        )
        self.things = {
            "de": tuple(f"{p}{s}" for p in THING_PREFIXES_DE for s in THING_SUFFIXES_DE),
            "en": tuple(f"{p} {s}" for p in THING_PREFIXES_EN for s in THING_SUFFIXES_EN),
        }
        self.pools = {
            "de": tuple(self._sentence(rng, "de") for _ in range(POOL_SIZE)),
            "en": tuple(self._sentence(rng, "en") for _ in range(POOL_SIZE)),
        }

    # --- filling templates ------------------------------------------------------------------------

    def _fill(self, rng: random.Random, template: str, lang: str, markdown: bool) -> str:
        topics = TOPICS_DE if lang == "de" else TOPICS_EN
        org, org2 = rng.sample(ORGS, 2)
        values = {
            "org": org,
            "org2": org2,
            "place": rng.choice(PLACES),
            "topic": rng.choice(topics),
            "person": rng.choice(self.people),
            "event": rng.choice(EVENTS_DE if lang == "de" else EVENTS_EN),
            "year": rng.randrange(2015, 2026),
            "n": rng.randrange(3, 400),
            "n2": rng.randrange(1, 90),
            "pct": rng.choice((40, 50, 60, 70, 80)),
            "day": rng.randrange(1, 28),
            "day2": rng.randrange(1, 28),
            "thing": rng.choice(self.things[lang]),
        }
        roll = rng.random()
        if markdown:
            if roll < 0.12:
                values["org"] = f"**{org}**"
            elif roll < 0.20:
                values["topic"] = f"*{values['topic']}*"
            elif roll < 0.25:
                values["person"] = f"__{values['person']}__"
        return template.format(**values)

    def _sentence(self, rng: random.Random, lang: str) -> Sentence:
        template = rng.choice(SENTENCES_DE if lang == "de" else SENTENCES_EN)
        state = rng.getstate()
        plain = self._fill(rng, template, lang, markdown=False)
        rng.setstate(state)  # same fillers, now with Markdown emphasis on some of them
        markdown = self._fill(rng, template, lang, markdown=True)
        roll = rng.random()
        if roll < 0.10:
            url = rng.choice(LINK_TARGETS)
            label = "Weitere Informationen" if lang == "de" else "More information"
            markdown += f" [{label}]({url})."
        elif roll < 0.13:
            markdown += (
                " Kosten < 500.000 Euro & F&E-Anteil > 20 %." if lang == "de" else " R&D costs < 20 %."
            )
        return Sentence(plain, markdown, len(markdown.encode()) + 1)

    def title(self, rng: random.Random, lang: str) -> str:
        if rng.random() < 0.6:
            template = rng.choice(THING_TITLES_DE if lang == "de" else THING_TITLES_EN)
        else:
            template = rng.choice(TITLE_TEMPLATES_DE if lang == "de" else TITLE_TEMPLATES_EN)
        return self._fill(rng, template, lang, markdown=False)

    def summary(self, rng: random.Random, lang: str) -> str:
        return " ".join(s.plain for s in rng.sample(self.pools[lang], rng.randint(1, 2)))

    def image_alt(self, rng: random.Random, lang: str) -> str:
        if lang == "de":
            return self._fill(
                rng, "Das Bild zeigt {n} Personen auf der Bühne: „{event} {year}“ in {place}", lang, False
            )
        return self._fill(rng, "Panel discussion at the {event} {year} in {place}", lang, False)

    def credit(self, rng: random.Random) -> str:
        return rng.choice(CREDITS)

    # --- Markdown bodies --------------------------------------------------------------------------

    def _paragraph(self, rng: random.Random, lang: str, limit: int) -> tuple[str, int]:
        chosen = rng.choices(self.pools[lang], k=rng.randint(2, 6))
        text, size = [], 2
        for sentence in chosen:
            if size + sentence.size > limit and text:
                break
            text.append(sentence.markdown)
            size += sentence.size
        return " ".join(text), size

    def body(self, rng: random.Random, lang: str, image_url: str | None) -> str:
        """A Markdown body of 2-8 KB: paragraphs, ## headings, lists, links, an inline image, emphasis."""
        target = int(rng.triangular(MIN_BODY + 100, MAX_BODY - 1200, 3800))
        headings = HEADINGS_DE if lang == "de" else HEADINGS_EN
        bullets = BULLETS_DE if lang == "de" else BULLETS_EN
        blocks: list[str] = []
        size = 0
        image = f"![{self.image_alt(rng, lang)}]({image_url})" if image_url else ""
        after_heading = False
        while size < target or after_heading:
            roll = 1.0 if after_heading or not blocks else rng.random()  # headings are followed by text
            if roll < 0.14:
                block = "## " + self._fill(rng, rng.choice(headings), lang, False)
            elif roll < 0.22:
                items = rng.sample(bullets, rng.randint(3, min(6, len(bullets))))
                block = "\n".join("- " + self._fill(rng, item, lang, rng.random() < 0.3) for item in items)
            elif roll < 0.26:
                block = "> " + rng.choice(self.pools[lang]).markdown
            elif image and len(blocks) >= 2:
                block, image = image, ""
            else:
                block, _ = self._paragraph(rng, lang, min(MAX_BODY - size - 2, 1200))
            block_size = len(block.encode()) + 2
            if size + block_size > MAX_BODY - 1:
                break
            blocks.append(block)
            size += block_size
            after_heading = block.startswith("## ")
        return "\n\n".join(blocks) + "\n"

    # --- raw press releases (input of `publisher import`) -------------------------------------------

    def raw_release(self, rng: random.Random, title: str, lang: str) -> str:
        """Plain text as copied from a web page: label, dateline, title, paragraphs, image, author, banner."""
        year, month, day = rng.randrange(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)
        lines: list[str] = []
        dateline = rng.random()
        if dateline < 0.9:
            if lang == "de":
                lines.append(rng.choice(("Meldung", "Pressemitteilung", "Meldung")))
            else:
                lines.append("News")
            formats = (
                f"{day:02d}.{month:02d}.{year}",
                f"{day}. {MONTHS_DE[month - 1]} {year}",
                f"{year}-{month:02d}-{day:02d}",
            )
            lines += [rng.choice(formats), ""]
        lines += [title, ""]
        if rng.random() < 0.3:
            lines += [self.summary(rng, lang), ""]
        target = rng.randint(MIN_BODY, MAX_BODY - 2500)
        size, paragraphs = 0, 0
        if dateline >= 0.9:  # no dateline: the date is in the text ("Am 8. November 2023 ...")
            lines += [
                f"Am {day}. {MONTHS_DE[month - 1]} {year} trafen sich die Partner in {rng.choice(PLACES)}.",
                "",
            ]
        while size < target:
            roll = rng.random()
            if paragraphs == 1 and roll < 0.6:
                alt = self.image_alt(rng, lang)
                lines += [alt, f"© {self.credit(rng)}", alt if roll < 0.2 else alt.split(": ")[-1], ""]
            elif paragraphs > 1 and roll < 0.15:
                lines += [
                    self._fill(rng, rng.choice(HEADINGS_DE if lang == "de" else HEADINGS_EN), lang, False),
                    "",
                ]
            elif paragraphs > 1 and roll < 0.22:
                items = BULLETS_DE if lang == "de" else BULLETS_EN
                mark = rng.choice(("•", "-", "–", "  *"))
                lines += [f"{mark} {self._fill(rng, item, lang, False)}" for item in rng.sample(items, 3)] + [
                    ""
                ]
            text = " ".join(s.plain for s in rng.choices(self.pools[lang], k=rng.randint(2, 6)))
            lines += [text, ""]
            size += len(text.encode())
            paragraphs += 1
        if rng.random() < 0.6:
            lines += [f"{rng.choice(('Text', 'Autor'))}: {rng.choice(self.people)}", ""]
        if rng.random() < 0.3:
            lines += [rng.choice(COOKIE_BANNERS), ""]
        text = "\n".join(lines).rstrip("\n")
        if rng.random() < 0.05:
            text = text.replace("\n", "\r\n")
        return text
