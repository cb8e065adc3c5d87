"""Addresses that never move: a published page address belongs to its entry forever (title edits,
older entries with the same title, slug changes, base URL moves), and every old address leads there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
from click.testing import CliRunner
from lxml import html as lxml_html

from publisher.build.pipeline import BuildReport, build
from publisher.cli import cli
from publisher.content.urls import RECORD
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of, uri_id

BASE = "https://news.example.org/"


def marked(title: str, date: str, name: str, **fields: object) -> str:
    """An entry whose page says which entry it is (``Kennung <name>``), whatever its title."""
    return entry(title, date, body=f"Kennung {name}.", id=name, **fields)


def run_build(root: Path) -> BuildReport:
    report = build(settings_of(root))
    assert not report.errors, [str(p) for p in report.errors]
    return report


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def page(out: Path, path: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / path).read_bytes())


def redirect_target(out: Path, path: str) -> str | None:
    """Where a redirect page sends its reader (its meta refresh, as an absolute URL), or None."""
    doc = page(out, path)
    [refresh] = doc.xpath("//meta[@http-equiv='refresh']/@content") or [None]
    if refresh is None:
        return None
    target = refresh.split("url=", 1)[1]
    [canonical] = doc.xpath("//link[@rel='canonical']/@href")
    link = doc.xpath("//main//a/@href")
    assert target in link, "the page also offers the target as a link"
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    resolved = BASE + _normal(folder + target)
    assert resolved.removesuffix("index.html") == canonical, (resolved, canonical)
    return canonical


def _normal(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def who(out: Path, path: str) -> str:
    """The entry whose page ``path`` is, or leads to through a redirect page: its ``Kennung``."""
    target = redirect_target(out, path)
    if target is not None:
        path = target.removeprefix(BASE)
        assert redirect_target(out, path) is None, "one redirect, never a chain"
    text = page(out, path).xpath("string(//div[@class='entry-content'])")
    [name] = re.findall(r"Kennung (\S+)\.", text)
    return name


def addresses(out: Path) -> dict[str, str]:
    """Every entry page address in the site's feeds: entry link -> entry (from the Atom feed)."""
    parsed = feedparser.parse((out / "atom.xml").read_bytes())
    return {e.link.removeprefix(BASE): e.id.removeprefix("urn:test:") for e in parsed.entries}


def test_a_title_edit_keeps_the_address(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Treffen in Würzburg", "2024-05-14", "a")})
    run_build(root)
    assert addresses(root / "out") == {"posts/treffen-in-wuerzburg.html": "a"}
    edit(root / "entries" / "a.md", "title: Treffen in Würzburg", "title: Großes Treffen in Würzburg")
    report = run_build(root)
    assert addresses(root / "out") == {"posts/treffen-in-wuerzburg.html": "a"}
    assert who(root / "out", "posts/treffen-in-wuerzburg.html") == "a"
    assert page(root / "out", "posts/treffen-in-wuerzburg.html").xpath("string(//h1)") == (
        "Großes Treffen in Würzburg"
    )
    assert not (root / "out" / "posts" / "grosses-treffen-in-wuerzburg.html").exists()
    # Only the record keeps the address: the warning says which line keeps it without the record.
    [kept] = [p for p in report.warnings if p.field == "slug"]
    assert kept.path == "entries/a.md" and "slug: treffen-in-wuerzburg" in kept.hint


def test_an_older_entry_with_the_same_title_never_takes_the_address(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Treffen in Würzburg", "2024-05-14", "a")})
    run_build(root)
    (root / "entries" / "b.md").write_text(marked("Treffen in Würzburg", "2023-01-10", "b"), encoding="utf-8")
    run_build(root)
    assert who(root / "out", "posts/treffen-in-wuerzburg.html") == "a"
    assert who(root / "out", "posts/treffen-in-wuerzburg-2.html") == "b"
    assert addresses(root / "out") == {
        "posts/treffen-in-wuerzburg.html": "a",
        "posts/treffen-in-wuerzburg-2.html": "b",
    }


def test_a_slug_change_leaves_a_redirect_at_the_old_address(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Treffen", "2024-05-14", "a", slug="treffen-2024")})
    run_build(root)
    edit(root / "entries" / "a.md", "slug: treffen-2024", "slug: netzwerktreffen-2024")
    report = run_build(root)
    out = root / "out"
    assert redirect_target(out, "posts/treffen-2024.html") == BASE + "posts/netzwerktreffen-2024.html"
    assert who(out, "posts/treffen-2024.html") == who(out, "posts/netzwerktreffen-2024.html") == "a"
    assert "posts/treffen-2024.html" in report.written and not report.warnings
    # The redirect page is no entry: not in the feeds nor the sitemap.
    assert addresses(out) == {"posts/netzwerktreffen-2024.html": "a"}
    assert "/posts/treffen-2024.html<" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    # Back to the first slug: the page is there again, and the second address redirects.
    edit(root / "entries" / "a.md", "slug: netzwerktreffen-2024", "slug: treffen-2024")
    run_build(root)
    assert redirect_target(out, "posts/treffen-2024.html") is None
    assert redirect_target(out, "posts/netzwerktreffen-2024.html") == BASE + "posts/treffen-2024.html"


def test_a_slug_that_was_another_entrys_address_is_refused(make_project: MakeProject) -> None:
    root = make_project(
        {
            "a.md": marked("Erstes Treffen", "2024-05-14", "a", slug="treffen"),
            "b.md": marked("Zweites Treffen", "2024-06-14", "b"),
        }
    )
    run_build(root)
    edit(root / "entries" / "a.md", "slug: treffen", "slug: erstes-treffen")
    run_build(root)  # posts/treffen.html is now a redirect to a's new address
    edit(root / "entries" / "b.md", "title: Zweites Treffen", "title: Zweites Treffen\nslug: treffen")
    report = build(settings_of(root))
    [problem] = report.errors
    assert (problem.path, problem.field, problem.line) == ("entries/b.md", "slug", 3)
    assert uri_id("a") in problem.message and "posts/erstes-treffen.html" in problem.message
    assert "choose another slug" in problem.hint
    assert who(root / "out", "posts/treffen.html") == "a"  # nothing was written


def test_a_deleted_entrys_address_is_not_given_to_a_new_entry(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Jahresbericht", "2023-05-14", "a")})
    run_build(root)
    (root / "entries" / "a.md").unlink()
    (root / "entries" / "b.md").write_text(marked("Jahresbericht", "2024-05-14", "b"), encoding="utf-8")
    run_build(root)
    assert addresses(root / "out") == {"posts/jahresbericht-2.html": "b"}
    assert not (root / "out" / "posts" / "jahresbericht.html").exists()
    # The entry comes back (it was a draft for a while): its address is still its own.
    (root / "entries" / "a.md").write_text(marked("Jahresbericht", "2023-05-14", "a"), encoding="utf-8")
    run_build(root)
    assert who(root / "out", "posts/jahresbericht.html") == "a"


def test_a_renamed_file_without_an_id_keeps_its_address(make_project: MakeProject) -> None:
    text = entry("Ohne Kennung", "2024-05-14", body="Kennung ohne.")
    root = make_project({"ohne.md": text})
    run_build(root)
    (root / "entries" / "ohne.md").rename(root / "entries" / "umbenannt.md")
    (root / "entries" / "neu.md").write_text(entry("Ohne Kennung", "2024-06-01", body="Kennung neu."))
    run_build(root)
    # A new fallback id (from the new file name), the same publication time, the same address.
    assert who(root / "out", "posts/ohne-kennung.html") == "ohne"
    assert who(root / "out", "posts/ohne-kennung-2.html") == "neu"
    record = json.loads((root / "out" / RECORD).read_text(encoding="utf-8"))
    assert len(record["entries"]) == 2


def test_a_base_url_move_keeps_every_old_address(make_project: MakeProject) -> None:
    old_base = BASE + "archiv/"
    root = make_project(
        {
            "a.md": marked("Erstes", "2024-05-14", "a", slug="erstes"),
            "b.md": marked("Zweites", "2024-06-14", "b"),
        },
        config=f'title = "T"\nbase_url = "{old_base}"\n',
    )
    run_build(root)
    edit(root / "entries" / "a.md", "slug: erstes", "slug: das-erste")
    run_build(root)
    published = ["posts/erstes.html", "posts/das-erste.html", "posts/zweites.html"]
    edit(root / "publisher.toml", old_base, BASE)  # the site moves up to the host's root
    report = run_build(root)
    out = root / "out"
    assert not report.warnings
    # Served from the new root, every old path still leads to its entry (the paths stay) ...
    assert [who(out, path) for path in published] == ["a", "a", "b"]
    # ... and the old addresses, now under archiv/, redirect to the new ones.
    for path, name in zip(published, ["a", "a", "b"], strict=True):
        target = redirect_target(out, f"archiv/{path}")
        assert target is not None and target.startswith(BASE + "posts/"), path
        assert who(out, f"archiv/{path}") == name
    assert redirect_target(out, "archiv/index.html") == BASE
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries[0].link.startswith(BASE + "posts/")


def test_a_base_url_move_to_another_host_warns_once(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Erstes", "2024-05-14", "a")})
    run_build(root)
    edit(root / "publisher.toml", BASE, "https://neu.example.org/")
    report = run_build(root)
    [moved] = report.warnings
    assert moved.field == "base_url" and BASE in moved.message and "redirect" in moved.hint
    assert who(root / "out", "posts/erstes.html") == "a"  # the path is kept under the new host
    assert not run_build(root).warnings  # said once, in the build that moved


def test_no_published_address_ever_serves_another_entry(make_project: MakeProject) -> None:
    """A sequence of the edits that moved addresses before: after each build, every address ever
    published leads to the entry it was first published for."""
    root = make_project({"a.md": marked("Bericht", "2024-05-14", "a")})
    steps = [
        lambda: (root / "entries" / "b.md").write_text(marked("Bericht", "2022-01-01", "b")),
        lambda: edit(root / "entries" / "a.md", "title: Bericht", "title: Neuer Bericht"),
        lambda: (root / "entries" / "c.md").write_text(marked("Neuer Bericht", "2021-01-01", "c")),
        lambda: edit(root / "entries" / "b.md", "title: Bericht", "title: Bericht\nslug: alter-bericht"),
        lambda: (root / "entries" / "d.md").write_text(marked("Bericht", "2020-01-01", "d")),
        lambda: (root / "entries" / "c.md").unlink(),
        lambda: (root / "entries" / "e.md").write_text(marked("Neuer Bericht", "2025-01-01", "e")),
    ]
    first_owner: dict[str, str] = {}
    for step in [lambda: None, *steps]:
        step()
        run_build(root)
        out = root / "out"
        for path, name in addresses(out).items():
            first_owner.setdefault(path, name)
        for path, name in first_owner.items():
            if (out / path).exists():
                assert who(out, path) == name, path
            else:
                assert name == "c", f"{path} vanished, but {name} is still published"


def test_fix_ids_writes_the_slug_of_the_address_so_that_it_survives_without_the_record(
    make_project: MakeProject,
) -> None:
    root = make_project({"a.md": marked("Treffen in Würzburg", "2024-05-14", "a")})
    run_build(root)
    edit(root / "entries" / "a.md", "title: Treffen in Würzburg", "title: Treffen in Bamberg")
    run_build(root)
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--fix-ids"])
    assert result.exit_code == 0, result.stderr
    assert "slug written: entries/a.md (treffen-in-wuerzburg)" in result.stdout
    assert "slug: treffen-in-wuerzburg\n" in (root / "entries" / "a.md").read_text(encoding="utf-8")
    assert "warning" not in result.stderr
    (root / "out" / RECORD).unlink()  # a CI build into a fresh folder has no record
    run_build(root)
    assert who(root / "out", "posts/treffen-in-wuerzburg.html") == "a"


def test_check_reports_what_build_reports(make_project: MakeProject) -> None:
    root = make_project({"a.md": marked("Treffen", "2024-05-14", "a")})
    run_build(root)
    edit(root / "entries" / "a.md", "title: Treffen", "title: Anderes Treffen")
    result = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 0
    assert "entries/a.md:2: warning: slug: is published at posts/treffen.html" in result.stderr
