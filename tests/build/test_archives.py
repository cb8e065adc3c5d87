"""History that stays put: RFC 5005 archived feeds a reader can walk back to the first entry, and
list pages counted from the oldest entry, so that a new entry changes few files."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from publisher.build.pipeline import BuildReport, build
from publisher.render.feeds import archive_count, archive_size
from tests.conftest import DATA, MakeProject
from tests.helpers import entry, settings_of, tree

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
RNG = etree.RelaxNG(file=str(DATA / "schemas" / "atom.rng"))
BASE = "https://news.example.org/"


def entries(count: int, start: int = 0) -> dict[str, str]:
    """``count`` entries a day apart (German and English, two tags), numbered from ``start``."""
    files = {}
    for n in range(start, start + count):
        day = f"2023-{1 + n // 28:02d}-{1 + n % 28:02d}"
        tags = ["Alle", "Gerade"] if n % 2 == 0 else ["Alle"]
        files[f"e{n:03d}.md"] = entry(
            f"Meldung {n}", day, id=f"e{n:03d}", tags=tags, lang="en" if n % 3 == 0 else "de"
        )
    return files


def run_build(root: Path) -> BuildReport:
    report = build(settings_of(root))
    assert not report.errors, [str(p) for p in report.errors]
    return report


def link(feed: etree._Element, rel: str) -> str | None:
    found = [e.get("href") for e in feed.iterfind(f"{ATOM}link") if e.get("rel") == rel]
    assert len(found) <= 1, (rel, found)
    return found[0] if found else None


def walk(out: Path, prefix: str = "") -> tuple[list[str], list[list[str]]]:
    """Read a feed as a reader that backfills it does: the subscription document, then each
    ``prev-archive`` in turn. Returns the subscription's ids and each archived document's ids."""
    subscription = etree.parse(str(out / prefix / "atom.xml"))
    assert RNG.validate(subscription), RNG.error_log
    root = subscription.getroot()
    assert root.find(f"{HISTORY}archive") is None
    current = [e.findtext(f"{ATOM}id") for e in root.iterfind(f"{ATOM}entry")]
    archived: list[list[str]] = []
    url = link(root, "prev-archive")
    newer: str | None = None
    while url is not None:
        path = out / url.removeprefix(BASE)
        document = etree.parse(str(path))
        assert RNG.validate(document), (path, RNG.error_log)
        assert feedparser.parse(path.read_bytes()).bozo == 0
        feed = document.getroot()
        assert feed.find(f"{HISTORY}archive") is not None, path
        assert link(feed, "current") == f"{BASE}{prefix}atom.xml"
        assert link(feed, "self") == url
        assert link(feed, "next-archive") == newer, path  # linked both ways
        assert link(feed, "hub") is None
        archived.append([e.findtext(f"{ATOM}id") for e in feed.iterfind(f"{ATOM}entry")])
        newer, url = url, link(feed, "prev-archive")
    return current, archived


@pytest.mark.parametrize("count", [3, 4, 5, 7, 8, 23])
def test_walking_prev_archive_finds_every_entry_once(make_project: MakeProject, count: int) -> None:
    root = make_project(entries(count), extra="feed_limit = 4\n")
    run_build(root)
    out = root / "out"
    expected = {f"urn:test:e{n:03d}" for n in range(count)}
    current, archived = walk(out)
    assert len(current) == min(count, 4)  # the subscription feed keeps feed_limit entries
    in_archives = [i for document in archived for i in document]
    assert len(in_archives) == len(set(in_archives)), "each entry is in one archived document"
    assert set(in_archives) | set(current) == expected
    assert len(archived) == archive_count(count, 4) and archive_count(count, 4) in (0, *range(2, 99))
    assert all(len(document) == archive_size(4) for document in archived)  # every one is full
    # Only the newest entries, fewer than one archived document holds, are in no archived document:
    # the subscription feed has them (it overlaps the newest archived documents, as RFC 5005 allows).
    assert not archived or len(expected - set(in_archives)) < archive_size(4)
    assert current == [f"urn:test:e{n:03d}" for n in range(count - 1, max(-1, count - 5), -1)]
    # Language feeds have their own archives, walked the same way; topic feeds have none.
    current, archived = walk(out, "en/")
    found = {i for document in archived for i in document} | set(current)
    assert found == {f"urn:test:e{n:03d}" for n in range(0, count, 3)}
    assert not list((out / "tags").rglob("archive/*.xml"))
    gerade = etree.parse(str(out / "tags" / "gerade" / "atom.xml")).getroot()
    assert link(gerade, "prev-archive") is None


def test_archived_documents_do_not_change_when_entries_are_added(make_project: MakeProject) -> None:
    root = make_project(entries(23), extra="feed_limit = 4\n")
    run_build(root)
    before = tree(root / "out")
    archives = sorted((p for p in before if re.fullmatch(r"archive/\d+\.xml", p)), key=lambda p: len(p))
    assert archives == [f"archive/{n}.xml" for n in range(1, 12)]
    for name, text in entries(3, start=23).items():
        (root / "entries" / name).write_text(text, encoding="utf-8")
    report = run_build(root)
    written = {p for p in report.written if p.startswith("archive/")}
    # 26 entries: two more archived documents, and the one before them gains its next-archive link.
    assert written == {"archive/11.xml", "archive/12.xml", "archive/13.xml"}
    after = tree(root / "out")
    assert all(after[p] == before[p] for p in archives[:-1])


def test_a_new_entry_rewrites_at_most_three_list_pages(make_project: MakeProject) -> None:
    """Numbered list pages are counted from the oldest entry: adding one entry rewrites the front
    page, and when the front page is full a new numbered page and the one before it (its link to
    the newer page), never more, whatever the number of entries."""
    root = make_project(extra="page_size = 3\n")
    most = 0
    for n in range(20):
        (root / "entries" / f"n{n:03d}.md").write_text(
            entry(f"Neu {n}", f"2024-01-{n + 1:02d}", id=f"n{n:03d}"), encoding="utf-8"
        )
        report = run_build(root)
        pages = [p for p in report.written if p == "index.html" or p.startswith("page/")]
        assert len(pages) <= 3, (n, pages)
        most = max(most, len(pages))
    assert most == 3
