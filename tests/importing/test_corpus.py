"""The importer on the corpus of press releases written after real ones: checks hold, nothing is lost."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.importing.corpus import TEXTS, labels, score, score_all
from tests.importing.fixtures import assert_nothing_lost


def test_the_corpus_covers_the_sources_it_promises() -> None:
    gold = [labels(path) for path in TEXTS]
    assert len(gold) >= 40
    languages = Counter(g["lang"] for g in gold)
    forms = Counter(g["form"] for g in gold)
    assert languages["de"] >= 25 and languages["en"] >= 10
    assert forms["pdf"] >= 10 and forms["web"] >= 10
    assert all(g["source"].startswith("http") and g["pattern"] for g in gold)


def test_at_least_98_percent_of_the_gold_checks_hold() -> None:
    checks = score_all()
    failed = [f"{c.text}: {c.what} {c.expected!r} -> {c.got!r}" for c in checks if not c.ok]
    assert len(failed) <= 0.02 * len(checks), "\n".join(failed)


@pytest.mark.parametrize("path", TEXTS, ids=[p.stem for p in TEXTS])
def test_every_line_is_in_the_entry_or_removed_with_a_reason(path: Path) -> None:
    entry, _ = score(path)
    assert entry is not None, f"{path.name} was not imported"
    assert_nothing_lost(path.read_text(encoding="utf-8"), entry)
    assert all(r.reason for r in entry.removed)
