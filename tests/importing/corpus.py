"""The press-release corpus: texts written after the structure of real releases, labelled by hand, and scored.

Each ``corpus/<name>.txt`` has a ``corpus/<name>.yaml`` beside it: where its structure comes from, and what a
correct import holds (title, date, authors, headings, sentences that must survive, junk that must go, list
items, links, contact lines, image credits). ``python -m tests.importing.corpus`` prints every check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import PublisherError
from publisher.importing.importer import import_bytes
from publisher.importing.model import ImportedEntry
from tests.importing.fixtures import same, unescape

CORPUS = Path(__file__).parent / "corpus"
TEXTS = sorted(CORPUS.glob("*.txt"))


@dataclass(frozen=True)
class Check:
    text: str  # the corpus text's name
    what: str  # "title", "keep", "junk", ...
    expected: str
    ok: bool
    got: str = ""


def labels(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
    return data


def _body_lines(entry: ImportedEntry) -> list[str]:
    """The body's lines as plain text: Markdown markers, escapes and hard-break backslashes removed."""
    out = []
    for line in entry.body_markdown.split("\n"):
        line = re.sub(r"^(?:#+ |- |\d+\. )", "", line.rstrip("\\").rstrip())
        out.append(same(unescape(line)))
    return out


def _bare(text: str) -> str:
    return same(text).rstrip(":").strip()


def score(path: Path) -> tuple[ImportedEntry | None, list[Check]]:
    """Import one corpus text and compare it with its labels, one Check per labelled fact."""
    gold = labels(path)
    name = path.stem
    try:
        entry: ImportedEntry | None = import_bytes(path.read_bytes(), path.name)
    except PublisherError as exc:
        entry, error = None, str(exc)
    checks: list[Check] = []

    def check(what: str, expected: object, ok: bool, got: object = "") -> None:
        checks.append(Check(name, what, str(expected), ok, str(got)))

    if entry is None:
        total = 2 + sum(
            len(gold.get(k) or []) for k in ("keep", "junk", "items", "links", "contact", "headings")
        )
        checks.extend(Check(name, "import", "an entry", False, error) for _ in range(total))
        return None, checks
    body = " ".join(_body_lines(entry))
    lines = _body_lines(entry)
    removed = " ".join(same(r.text) for r in entry.removed)
    check("title", gold["title"], entry.title == gold["title"], entry.title)
    if "subtitle" in gold:
        check("subtitle", gold["subtitle"], entry.subtitle == gold["subtitle"], entry.subtitle)
    expected_date = date.fromisoformat(str(gold["date"])) if gold.get("date") else None
    check("date", expected_date, entry.date == expected_date, entry.date)
    check(
        "authors",
        gold.get("authors") or [],
        list(entry.authors) == (gold.get("authors") or []),
        entry.authors,
    )
    for heading in gold.get("headings") or []:
        check("heading", heading, heading in entry.headings, entry.headings)
    for sentence in gold.get("keep") or []:
        count = body.count(same(sentence))
        check("keep", sentence, count == 1, f"{count} times in the body")
    for junk in gold.get("junk") or []:
        gone = same(junk) in removed and _bare(junk) not in lines
        check("junk", junk, gone, "in removed" if same(junk) in removed else "not in removed")
    for item in gold.get("items") or []:
        items = [same(unescape(m)) for m in re.findall(r"^(?:-|\d+\.) (.*)$", entry.body_markdown, re.M)]
        check("item", item, same(item) in items, items)
    for url in gold.get("links") or []:
        check("link", url, url in entry.body_markdown)
    for line in gold.get("contact") or []:
        check("contact line", line, _bare(line) in [_bare(x) for x in lines])
    if "image_credit" in gold:
        got = entry.image.credit if entry.image else None
        check("image credit", gold["image_credit"], got == gold["image_credit"], got)
    if "figure_credits" in gold:
        got_figures = [f.credit for f in entry.figures]
        check("figure credits", gold["figure_credits"], got_figures == gold["figure_credits"], got_figures)
    if gold.get("title_warning"):
        warned = any(w.field == "title" for w in entry.warnings)
        check("title warning", "a warning to shorten the title", warned)
    return entry, checks


def score_all() -> list[Check]:
    return [c for path in TEXTS for c in score(path)[1]]


def main() -> None:
    checks = score_all()
    by_text: dict[str, list[Check]] = {}
    for c in checks:
        by_text.setdefault(c.text, []).append(c)
    for name, cs in by_text.items():
        good = sum(c.ok for c in cs)
        print(f"{good:>3}/{len(cs):<3} {name}  ({labels(CORPUS / (name + '.txt'))['form']})")
        for c in cs:
            if not c.ok:
                print(f"        FAIL {c.what}: {c.expected!r} -> {c.got!r}")
    good = sum(c.ok for c in checks)
    print(f"{good}/{len(checks)} gold checks hold ({100 * good / len(checks):.1f} %) in {len(by_text)} texts")


if __name__ == "__main__":
    main()
