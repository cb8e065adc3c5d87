"""Loading the site through the cache: the listing shortcut and the digest-sized load."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from publisher.content import cache as cache_module
from publisher.content import workers
from publisher.content.cache import BuildCache
from publisher.content.load import Window, load_site, load_window, refresh
from publisher.content.loaders import SourceEntry
from publisher.content.normalise import Normalised
from publisher.digest.selection import DigestWindow
from publisher.errors import Problem
from tests.conftest import MakeProject
from tests.content.fixtures import copies_of
from tests.helpers import SETTLED_NS, entry, settings_of, settle, uri_id

BERLIN_OFFSET = "+01:00"


def _refresh_digests(root: Path) -> dict[str, str]:
    inputs = refresh(settings_of(root))
    try:
        return dict(inputs.fingerprints)
    finally:
        inputs.cache.close()


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the refreshes that compare every file with the cache (``BuildCache.stats``)."""
    calls: list[int] = []
    real = BuildCache.stats

    def spy(self: BuildCache) -> dict[str, tuple[int, int, str]]:
        calls.append(1)
        return real(self)

    monkeypatch.setattr(BuildCache, "stats", spy)
    return calls


def test_an_unchanged_listing_skips_the_comparison(make_project: MakeProject, compared: list[int]) -> None:
    root = make_project(sample=True)
    settle(root)
    first = _refresh_digests(root)
    assert compared == [1]
    assert _refresh_digests(root) == first
    assert compared == [1], "nothing changed: the files need not be compared one by one"
    survey = next((root / "entries").rglob("*survey*.md"))
    survey.write_text(survey.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    settle(root, SETTLED_NS + 10**9)
    changed = _refresh_digests(root)
    assert compared == [1, 1]
    assert {p for p in first if first[p] != changed[p]} == {survey.relative_to(root).as_posix()}
    assert list(changed) == sorted(changed), "path order, as the build's fingerprint expects"


def test_a_file_written_just_now_keeps_the_comparison(make_project: MakeProject, compared: list[int]) -> None:
    root = make_project(sample=True)
    settle(root)
    (root / "entries" / "neu.md").write_text(entry("Neu", "2024-11-01", id="neu"), encoding="utf-8")
    _refresh_digests(root)
    _refresh_digests(root)
    assert compared == [1, 1], "its mtime might not change with its next write: compare it again"


def test_a_full_refresh_forgets_the_listing(make_project: MakeProject, compared: list[int]) -> None:
    root = make_project(sample=True)
    settle(root)
    _refresh_digests(root)
    refresh(settings_of(root), fresh=True).cache.close()
    assert compared == [1, 1]


def test_a_listing_that_cannot_be_recorded_only_costs_the_next_run_a_comparison(
    make_project: MakeProject, compared: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(sample=True)
    settle(root)
    _refresh_digests(root)
    survey = next((root / "entries").rglob("*survey*.md"))
    survey.write_text(survey.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    settle(root, SETTLED_NS + 10**9)
    real_connect = cache_module.sqlite3.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        db.set_authorizer(
            lambda action, table, *_: (
                sqlite3.SQLITE_DENY
                if action == sqlite3.SQLITE_INSERT and table == "meta"
                else sqlite3.SQLITE_OK
            )
        )
        return db

    monkeypatch.setattr(cache_module.sqlite3, "connect", connect)
    changed = _refresh_digests(root)  # the rows are stored; the listing is refused
    monkeypatch.setattr(cache_module.sqlite3, "connect", real_connect)
    assert _refresh_digests(root) == changed
    assert compared == [1, 1, 1], "no listing was recorded, so the files are compared again"
    assert _refresh_digests(root) == changed
    assert compared == [1, 1, 1]


# Entries on and around the edges of the windows below (hour 12 of 2024-05-10 and of 2024-05-12).
EDGES = {
    f"{name}.md": entry(name, f"2024-05-{day}T{hour}{BERLIN_OFFSET}", id=name)
    for name, day, hour in [
        ("before", "10", "11:59:59"),
        ("start", "10", "12:00:00"),
        ("after-start", "10", "12:00:00.000001"),
        ("middle-a", "11", "08:00:00"),
        ("middle-b", "11", "08:00:00"),
        ("end", "12", "12:00:00"),
        ("after-end", "12", "12:00:00.000001"),
    ]
}


@pytest.mark.parametrize("start_inclusive", [False, True])
@pytest.mark.parametrize("newest", [None, 1, 2, 10])
@pytest.mark.parametrize("excluded", [frozenset(), frozenset({"middle-b", "end"})])
def test_a_window_given_as_times_loads_what_the_check_alone_loads(
    make_project: MakeProject, start_inclusive: bool, newest: int | None, excluded: frozenset[str]
) -> None:
    settings = settings_of(make_project(EDGES))
    start = datetime.fromisoformat(f"2024-05-10T12:00:00{BERLIN_OFFSET}")
    window = DigestWindow(start, start + timedelta(days=2), start_inclusive=start_inclusive)

    def load(between: tuple[datetime, datetime] | None) -> tuple[list[str], tuple[str, ...]]:
        chosen = Window(window.contains, newest, frozenset(map(uri_id, excluded)), between)
        site = load_window(settings, chosen)
        try:
            return [e.id.removeprefix("urn:test:") for e in site.entries], tuple(
                i.removeprefix("urn:test:") for i in site.unloaded
            )
        finally:
            site.close()

    checked = load(None)
    assert load((window.start, window.end)) == checked
    inside = ["end", "middle-b", "middle-a", "after-start"] + (["start"] if start_inclusive else [])
    expected = [i for i in inside if i not in excluded]
    count = len(expected) if newest is None else newest
    assert checked == (expected[:count], tuple(expected[count:]))


def _problems(root: Path, field: str) -> list[Problem]:
    """The problems a whole-site load reports for one front-matter key."""
    site = load_site(settings_of(root))
    site.close()
    return [p for p in site.problems if p.field == field]


def test_a_duplicate_id_is_blamed_on_the_entry_published_later_at_its_id_line(
    make_project: MakeProject,
) -> None:
    """An editor copies an old entry to start a new one: the copy (published later, though first
    in path order) must change its id, not the entry readers already know."""
    old = entry("Alte Meldung", "2023-01-10", id="urn:uuid:gleich")
    copy = entry("Neue Meldung", "2025-11-20", id="urn:uuid:gleich")
    [problem] = _problems(make_project({"zz/alt.md": old, "aa-neu.md": copy}), "id")
    assert problem.path == "entries/aa-neu.md"
    assert problem.message == "id 'urn:uuid:gleich' is already used by entries/zz/alt.md, published earlier"
    assert problem.line == copy.splitlines().index("id: urn:uuid:gleich") + 1
    assert problem.is_error


def test_a_duplicate_explicit_slug_names_the_line_of_the_slug(make_project: MakeProject) -> None:
    first = entry("A", "2024-01-01", id="a", slug="gleich")
    second = entry("B", "2024-02-01", id="b", slug="gleich")
    [problem] = _problems(make_project({"a.md": first, "b.md": second}), "slug")
    assert (problem.path, problem.line) == ("entries/b.md", second.splitlines().index("slug: gleich") + 1)


def test_tags_whose_names_differ_but_share_a_page_are_reported(make_project: MakeProject) -> None:
    cpp = entry("C++ im Cluster", "2024-03-01", id="a", tags=["C++"])
    csharp = entry("C# im Cluster", "2024-02-01", id="b", tags=["C#"])
    same = entry("Noch C++", "2024-01-01", id="c", tags=["c++"])  # only the case differs: the same tag
    root = make_project({"a.md": cpp, "b.md": csharp, "c.md": same})
    site = load_site(settings_of(root))
    try:
        problems = [p for p in site.problems if p.field == "tags"]
        assert {t.slug for e in site.entries for t in e.tags} == {"c"}
    finally:
        site.close()
    assert [(p.path, p.line, p.is_error) for p in problems] == [
        ("entries/b.md", csharp.splitlines().index("tags:") + 1, False)
    ]
    assert problems[0].message == (
        "tag 'C#' gets the same page as the tag 'C++' (tags/c/), which lists this entry under 'C++'"
    )


def test_entries_normalised_by_older_rules_are_normalised_again(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The cache keeps normalised entries; after normalise changes (a new check, another slug),
    entries it normalised before must not be reused, or an old result would stay published."""
    root = make_project({"a.md": entry("Eins", id="a"), "b.md": entry("Zwei", "2024-06-01", id="b")})
    settle(root)
    normalised: list[str] = []
    real = workers.normalise

    def spy(source: SourceEntry, *args: object, **kwargs: object) -> Normalised:
        normalised.append(source.path)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(workers, "normalise", spy)
    refresh(settings_of(root)).cache.close()
    refresh(settings_of(root)).cache.close()
    assert sorted(normalised) == ["entries/a.md", "entries/b.md"]  # once: then from the cache
    # The rules change: one of their modules has other source than before.
    copies = copies_of(workers.RULE_SOURCES, tmp_path / "rules")
    [rules] = [copy for copy in copies if copy.name == "normalise.py"]
    rules.write_text(rules.read_text(encoding="utf-8").replace("is missing", "fehlt"), encoding="utf-8")
    monkeypatch.setattr(workers, "RULE_SOURCES", tuple(copies))
    refresh(settings_of(root)).cache.close()
    assert sorted(normalised) == ["entries/a.md", "entries/a.md", "entries/b.md", "entries/b.md"]


def test_a_link_named_like_an_entry_that_leads_nowhere_is_reported(make_project: MakeProject) -> None:
    root = make_project({"a.md": entry("A", "2024-01-01", id="a")})
    (root / "entries" / "weg.md").symlink_to(root / "gibt-es-nicht.md")
    [problem] = [p for p in _problems(root, None) if p.path == "entries/weg.md"]
    assert problem.message == "is a link to nothing (or to no file), so it is not published"
    assert not problem.is_error


def test_a_copy_with_the_same_date_is_blamed_not_the_original(make_project: MakeProject) -> None:
    """Copied to start a new entry, before its date was changed: the file saved last is the copy."""
    original = entry("Alt", "2023-01-01", id="urn:uuid:gleich")
    root = make_project({"z-alt.md": original})
    os.utime(root / "entries" / "z-alt.md", ns=(SETTLED_NS, SETTLED_NS))
    (root / "entries" / "a-kopie.md").write_text(original.replace("Alt", "Kopie"), encoding="utf-8")
    [problem] = _problems(root, "id")
    assert problem.path == "entries/a-kopie.md"
    assert problem.message.endswith("is already used by entries/z-alt.md, saved earlier, with the same date")


def test_remembered_results_are_reused_only_while_file_and_context_are_the_same(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-running preview keeps what it loaded; an edit, a new file, a deleted file and new
    settings (another base_url: every entry normalised again) all show in the next load."""
    from publisher.content.remembered import Remembered

    root = make_project(
        {"a.md": entry("Eins", id="urn:uuid:a"), "b.md": entry("Zwei", id="urn:uuid:b", draft=True)}
    )
    remembered = Remembered()
    unpickled: list[int] = []
    real = BuildCache.light_results

    def counting(self: BuildCache, paths: object = None) -> object:
        results = list(real(self, paths))  # type: ignore[arg-type]
        unpickled.append(len(results))
        return iter(results)

    monkeypatch.setattr(BuildCache, "light_results", counting)

    def titles(**overrides: object) -> tuple[list[str], str]:
        site = load_site(settings_of(root, **overrides), remembered=remembered, drafts=True)
        try:
            return sorted(e.title for e in site.entries), site.entries[-1].url
        finally:
            site.close()

    assert titles() == (["Eins", "Zwei"], "https://news.example.org/posts/eins.html")  # oldest: a
    assert unpickled == [2]
    assert titles()[0] == ["Eins", "Zwei"] and unpickled == [2]  # nothing read again
    (root / "entries" / "a.md").write_text(entry("Eins, geändert", id="urn:uuid:a"), encoding="utf-8")
    (root / "entries" / "c.md").write_text(entry("Drei", id="urn:uuid:c"), encoding="utf-8")
    (root / "entries" / "b.md").unlink()
    assert titles()[0] == ["Drei", "Eins, geändert"] and unpickled == [2, 2]
    (root / "publisher.toml").write_text(
        (root / "publisher.toml").read_text(encoding="utf-8").replace("news.example.org", "neu.example.org"),
        encoding="utf-8",
    )
    assert titles()[1].startswith("https://neu.example.org/posts/")


def test_entries_sharing_a_title_are_not_normalised_again_on_every_build(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migrated site where many entries share a title: the entries that get ``-2``, ``-3``… are
    moved to their new address from the cache, unless their page links to itself."""
    from publisher.content import load as load_module

    files = {f"{n}.md": entry("Veranstaltungshinweis", f"2024-0{n}-01", id=f"e{n}") for n in range(1, 5)}
    files["self.md"] = entry("Veranstaltungshinweis", "2024-06-01", id="s", body="Text. [Nach oben](#top)")
    files["other.md"] = entry("Etwas anderes", "2024-07-01", id="o")
    root = make_project(files)
    load_site(settings_of(root)).close()
    renormalised: list[str] = []
    real = load_module._renormalise

    def counted(settings: object, relative: str, slug: str) -> object:
        renormalised.append(relative)
        return real(settings, relative, slug)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module, "_renormalise", counted)
    (root / "entries" / "other.md").write_text(entry("Etwas anderes", "2024-07-01", id="o", body="Neu."))
    site = load_site(settings_of(root))
    try:
        moved = {e.source_path: e for e in site.entries}
        assert renormalised == ["entries/self.md"]  # its "#top" link names its own page
        assert moved["entries/2.md"].url == "https://news.example.org/posts/veranstaltungshinweis-2.html"
        assert moved["entries/2.md"].path == "posts/veranstaltungshinweis-2.html"
        own = site.overrides["entries/self.md"]
        assert f'href="{own.url}#top"' in own.content_html
    finally:
        site.close()
