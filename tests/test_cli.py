"""The command line as a user meets it: exit codes 0/1/2, results on stdout and problems on stderr,
-C/--config, help with examples, check --fix-ids, entries --json, init, and every kind of bad input."""

from __future__ import annotations

import json
import re
import shutil
import socket
from datetime import datetime
from pathlib import Path

import click
import feedparser
import pytest
import yaml
from click.testing import CliRunner, Result

from publisher import __version__
from publisher.cli import cli
from tests.conftest import MakeProject
from tests.helpers import entry, tree


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


# --- exit codes, streams, global options --------------------------------------------------------


def test_build_succeeds_quietly_on_stderr(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project(sample=True)
    result = run(runner, "-C", root, "build")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert re.fullmatch(r"6 entries: \d+ file\(s\) written, 0 unchanged, 0 deleted in .*out\n", result.stdout)
    assert (root / "out" / "rss.xml").is_file()
    again = run(runner, "-C", root, "build")
    assert "0 file(s) written" in again.stdout and again.exit_code == 0


def test_config_option_and_relative_paths(
    runner: CliRunner, make_project: MakeProject, tmp_path: Path
) -> None:
    root = make_project(sample=True)
    (root / "publisher.toml").rename(root / "site.toml")
    result = run(runner, "-C", tmp_path, "--config", root / "site.toml", "build", "--out", "public")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "public" / "atom.xml").is_file()  # --out is relative to where we run
    assert not (root / "out").exists()
    relative = run(runner, "-C", root, "--config", "site.toml", "check")
    assert relative.exit_code == 0, relative.stderr


def test_no_project_here(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "-C", tmp_path, "build")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "publisher.toml" in result.stderr and "publisher init" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-C", "/does/not/exist", "build"],
        ["bulid"],
        ["build", "--no-such-option"],
        ["init"],
        ["entries", "--json=yes"],
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]) -> None:
    result = run(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage:" in result.stderr or "Error" in result.stderr


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"publisher, version {__version__}\n"


def test_help_aliases(runner: CliRunner) -> None:
    for args in (["-h"], ["--help"], ["build", "-h"]):
        result = run(runner, *args)
        assert result.exit_code == 0 and "Usage:" in result.stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    """sqlite-utils style: walk the registered commands, so a new command without docs fails here."""
    command = cli.commands[name]
    assert command.help and command.help.strip(), name
    result = run(runner, name, "--help")
    assert result.exit_code == 0
    assert re.search(rf"^\s+(\S+ )*publisher( -C \S+)? {name}\b", result.stdout, re.M), result.stdout
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{name} {param.opts[0]} has no help text"


def test_the_group_help_lists_every_command(runner: CliRunner) -> None:
    result = run(runner, "--help")
    for name in cli.commands:
        assert name in result.stdout
    assert "-C DIR" in result.stdout


def test_the_repository_is_a_working_project(runner: CliRunner, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    for name in ("publisher.toml", "entries", "templates"):
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    check = run(runner, "-C", tmp_path, "check")
    assert check.exit_code == 0, check.stderr
    assert "0 error(s)" in check.stdout
    build = run(runner, "-C", tmp_path, "build")
    assert build.exit_code == 0, build.stderr
    assert feedparser.parse((tmp_path / "out" / "atom.xml").read_bytes()).bozo == 0


# --- check ----------------------------------------------------------------------------------------


def test_check_writes_nothing(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project(sample=True)
    entries_before = tree(root / "entries")
    result = run(runner, "-C", root, "check", "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "6 entries checked: 0 error(s), 0 warning(s)\n"
    assert not (root / "out").exists()
    assert tree(root / "entries") == entries_before


def test_check_fix_ids_keeps_the_published_ids(runner: CliRunner, make_project: MakeProject) -> None:
    crlf = entry("Windows-Zeilenenden", "2024-06-01").replace("\n", "\r\n")
    root = make_project(
        {
            "a.md": entry("Ohne Id", "2024-05-14 09:30"),
            "sub/b.md": entry("Auch ohne", "2024-05-15"),
            "c.md": crlf,
            "d.md": entry("Mit Id", id="urn:uuid:feste-id"),
            "kaputt.md": "---\ntitle: a: b\n---\nText\n",
        }
    )
    assert run(runner, "-C", root, "build").exit_code == 1  # kaputt.md
    (root / "entries" / "kaputt.md").unlink()
    first = run(runner, "-C", root, "build")
    assert first.exit_code == 0
    published = {e.title: e.id for e in feedparser.parse((root / "out" / "atom.xml").read_bytes()).entries}
    assert run(runner, "-C", root, "check").stderr.count("has no id") == 3

    result = run(runner, "-C", root, "check", "--fix-ids")
    assert result.exit_code == 0, result.stderr
    assert sorted(re.findall(r"id written: (\S+)", result.stdout)) == [
        "entries/a.md",
        "entries/c.md",
        "entries/sub/b.md",
    ]
    assert "has no id" not in result.stderr
    for name, title in (("a.md", "Ohne Id"), ("sub/b.md", "Auch ohne"), ("c.md", "Windows-Zeilenenden")):
        text = (root / "entries" / name).read_bytes().decode()
        assert f"id: {published[title]}" in text
    fixed = (root / "entries" / "c.md").read_bytes()
    # The id and the slug were written, with the file's own line ends.
    assert fixed.count(b"\r\n") == fixed.count(b"\n") == crlf.count("\n") + 2
    assert fixed.startswith(
        f"---\r\nid: {published['Windows-Zeilenenden']}\r\nslug: windows-zeilenenden\r\n".encode()
    )
    assert run(runner, "-C", root, "check", "--fix-ids").stdout.count("id written") == 0  # idempotent

    # Renaming a file now keeps its id (the fallback id would have changed).
    (root / "entries" / "a.md").rename(root / "entries" / "umbenannt.md")
    assert run(runner, "-C", root, "build").exit_code == 0
    after = {e.title: e.id for e in feedparser.parse((root / "out" / "atom.xml").read_bytes()).entries}
    assert after == published


def test_fix_ids_with_entries_outside_the_project_writes_the_published_ids(
    runner: CliRunner, make_project: MakeProject, tmp_path: Path
) -> None:
    outside = tmp_path / "shared-entries"
    outside.mkdir()
    (outside / "o.md").write_text(entry("Von außerhalb", "2024-05-14"), encoding="utf-8")
    root = make_project(extra=f'entries_dir = "{outside.as_posix()}"\n')
    assert run(runner, "-C", root, "build").exit_code == 0
    [published] = [e.id for e in feedparser.parse((root / "out" / "atom.xml").read_bytes()).entries]
    result = run(runner, "-C", root, "check", "--fix-ids")
    assert result.exit_code == 0, result.stderr
    assert f"id: {published}" in (outside / "o.md").read_text(encoding="utf-8")


def test_fix_ids_never_breaks_a_file(runner: CliRunner, make_project: MakeProject) -> None:
    """Front matter written as one YAML flow mapping cannot take an extra line: leave it alone."""
    flow = "---\n{title: Kompakt, date: 2024-05-14}\n---\nText\n"
    root = make_project({"kompakt.md": flow})
    result = run(runner, "-C", root, "check", "--fix-ids")
    assert (root / "entries" / "kompakt.md").read_text(encoding="utf-8") == flow
    assert "id written" not in result.stdout
    assert "has no id" in result.stderr
    assert result.exit_code == 0


# --- entries --------------------------------------------------------------------------------------


def test_entries_json(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project(sample=True)
    result = run(runner, "-C", root, "entries", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert len(data) == 6
    moments = [datetime.fromisoformat(e["published"]).timestamp() for e in data]
    assert moments == sorted(moments, reverse=True)  # newest first
    first = data[0]
    assert first["title"] == "Winterzeit – die Stunde zwischen 2 und 3 Uhr gibt es doppelt"
    assert first["published"] == "2024-10-27T02:30:00+02:00"
    assert first["id"].startswith("urn:uuid:") and first["content_html"].startswith("<p>")
    assert {"id", "title", "slug", "url", "tags", "authors", "lang", "summary", "removed"} <= set(first)
    assert any(e["title"].startswith("Hydrogen valleys: „Wasserstoff“ & <grids>") for e in data)


def test_entries_plain(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project(sample=True)
    lines = run(runner, "-C", root, "entries").stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("2024-10-27  de  winterzeit-")


# --- init -----------------------------------------------------------------------------------------


def test_init_makes_a_project_that_builds(runner: CliRunner, tmp_path: Path) -> None:
    result = run(
        runner,
        "-C",
        tmp_path,
        "init",
        "neu",
        "--title",
        "Neue „Nachrichten“",
        "--base-url",
        "https://x.example/",
    )
    assert result.exit_code == 0, result.stderr
    assert "publisher.toml" in result.stdout
    root = tmp_path / "neu"
    check = run(runner, "-C", root, "check", "--strict")
    assert check.exit_code == 0, check.stderr
    build = run(runner, "-C", root, "build")
    assert build.exit_code == 0, build.stderr
    feed = feedparser.parse((root / "out" / "atom.xml").read_bytes())
    # The example is a draft: it must not go out in the first feed or digest.
    assert feed.bozo == 0 and feed.feed.title == "Neue „Nachrichten“" and len(feed.entries) == 0
    [example] = (root / "entries").glob("*.md")
    example.write_text(example.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    assert run(runner, "-C", root, "build").exit_code == 0
    assert len(feedparser.parse((root / "out" / "atom.xml").read_bytes()).entries) == 1
    again = run(runner, "-C", tmp_path, "init", "neu")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_init_with_a_title_that_needs_toml_escaping(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "-C", tmp_path, "init", "x", "--title", 'Die "Zeitung" \\ Köln')
    assert result.exit_code == 0
    check = run(runner, "-C", tmp_path / "x", "check")
    assert check.exit_code == 0, check.stderr


@pytest.mark.parametrize("base_url", ["ftp://x.example/", "example.org", "https://x.example/?a=1"])
def test_init_refuses_a_base_url_the_project_could_not_use(
    runner: CliRunner, tmp_path: Path, base_url: str
) -> None:
    result = run(runner, "-C", tmp_path, "init", "x", "--title", "T", "--base-url", base_url)
    assert result.exit_code == 2  # a bad option value is a usage error
    assert "publisher init: --base-url: " in result.stderr
    assert "-> give the URL the site is served at: --base-url https://news.example.org/" in result.stderr
    assert "publisher.toml" not in result.stderr  # no file was written, so none is named
    assert not (tmp_path / "x").exists()


# --- bad input ------------------------------------------------------------------------------------

# name -> (files, the words stderr must contain: file, line, field, what to do)
BAD_INPUT: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "broken-front-matter": (
        {"kaputt.md": "---\nid: a\ntitle: Köln: ein Rückblick\ndate: 2024-05-14\n---\nText\n"},
        ["entries/kaputt.md:3:", "not valid YAML", "-> check quoting"],
    ),
    "missing-title": (
        {"ohne-titel.md": entry(title=None, id="a")},
        ["entries/ohne-titel.md:1:", "title: is missing", "-> add 'title:"],
    ),
    "missing-date": (
        {"ohne-datum.md": entry(date=None, id="a")},
        ["entries/ohne-datum.md:1:", "date: is missing", "-> add 'date:"],
    ),
    "unparseable-date": (
        {"datum.md": entry(date="31.02.2024", id="a")},
        [
            "entries/datum.md:3:",
            "date: '31.02.2024' is a German date, but February 2024 has 29 days, so there is no day 31",
            "-> write the real date year-month-day, e.g. date: 2024-02-29",
        ],
    ),
    "impossible-date": (
        {"datum.md": "---\nid: a\ntitle: T\ndate: 2024-02-30\n---\nText\n"},
        [
            "entries/datum.md:4:",
            "date: '2024-02-30' is not a date: February 2024 has 29 days, so there is no day 30",
            "-> write the real date, e.g. date: 2024-02-29",
        ],
    ),
    "duplicate-ids": (
        {"a.md": entry("A", id="urn:uuid:gleich"), "b.md": entry("B", id="urn:uuid:gleich")},
        [
            "entries/b.md",
            "id: id 'urn:uuid:gleich' is already used by entries/a.md",
            "-> each entry needs its own id",
        ],
    ),
    "duplicate-slugs": (
        {"a.md": entry("A", id="a", slug="gleich"), "b.md": entry("B", id="b", slug="gleich")},
        [
            "entries/b.md",
            "slug: slug 'gleich' is already used by entries/a.md",
            "-> give one of the entries another slug",
        ],
    ),
    "non-utf8": (
        {"latin1.md": entry("Grüße", id="a").encode("latin-1")},
        ["entries/latin1.md:2:", "not UTF-8", "-> save the file as UTF-8"],
    ),
    "empty-body": (
        {"leer.md": "---\nid: a\ntitle: Leer\ndate: 2024-05-14\n---\n\n"},
        ["entries/leer.md:6:", "body: the entry has no text", "-> write the entry's text"],
    ),
    "no-front-matter": (
        {"nur-text.md": "Nur Text.\n"},
        ["entries/nur-text.md:1:", "no front matter", "-> start with a line ---"],
    ),
    "bad-image": (
        {"bild.md": entry(id="a", image={"url": "a.jpg", "width": "breit"})},
        [
            "entries/bild.md:",
            "image.width: 'breit' must be a positive whole number",
            "-> write the image's width",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
@pytest.mark.parametrize("command", ["check", "build"])
def test_bad_input(runner: CliRunner, make_project: MakeProject, case: str, command: str) -> None:
    files, words = BAD_INPUT[case]
    root = make_project({**files, "gut.md": entry("Gut", "2024-01-01", id="urn:uuid:gut")})
    result = run(runner, "-C", root, command)
    assert result.exit_code == 1
    for word in words:
        assert word in result.stderr, f"{word!r} not in:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert "gut.md" not in result.stderr
    assert not (root / "out").exists()
    if command == "build":
        assert result.stdout == ""
        assert "nothing was written" in result.stderr


def test_every_problem_is_reported_not_only_the_first(runner: CliRunner, make_project: MakeProject) -> None:
    files: dict[str, str | bytes] = {}
    for case, (case_files, _) in BAD_INPUT.items():
        files.update({f"{case}/{name}": text for name, text in case_files.items()})
    root = make_project(files)
    for command in ("check", "build"):
        result = run(runner, "-C", root, command)
        assert result.exit_code == 1
        for case, (_, words) in BAD_INPUT.items():
            where = words[0].replace("entries/", f"entries/{case}/")
            assert where in result.stderr, f"{case}: {where!r} missing from {command}:\n{result.stderr}"
    assert not (root / "out").exists()


def test_unknown_key_is_a_warning(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a", kategorie="Energie")})
    for command in ("check", "build"):
        result = run(runner, "-C", root, command)
        assert result.exit_code == 0, result.stderr
        assert (
            "entries/a.md:5: warning: kategorie: unknown front-matter key is ignored -> known keys:"
            in result.stderr
        )
        strict = run(runner, "-C", root, command, "--strict")
        assert strict.exit_code == 1
    assert (root / "out" / "rss.xml").is_file()


def test_a_strict_build_with_a_warning_writes_nothing(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a", kategorie="Energie")})
    result = run(runner, "-C", root, "build", "--strict")
    assert result.exit_code == 1
    assert "0 error(s), 1 warning(s) (--strict): nothing was written." in result.stderr
    assert not (root / "out").exists()


def test_an_unfinished_draft_is_reported_but_builds(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a"), "wip.md": "---\ntitle: WIP\ndraft: true\n---\n"})
    check = run(runner, "-C", root, "check")
    assert check.exit_code == 0, check.stderr
    assert "entries/wip.md:1: warning: date: is missing (the entry is a draft" in check.stderr
    assert "-> add 'date: 2024-05-14' (ISO 8601) to the front matter" in check.stderr
    assert "entries/wip.md:5: warning: body: the entry has no text (the entry is a draft" in check.stderr
    assert run(runner, "-C", root, "check", "--strict").exit_code == 1
    assert run(runner, "-C", root, "build").exit_code == 0
    assert (root / "out" / "posts" / "eine-meldung.html").is_file()


def test_missing_base_url(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a")}, config='title = "Ohne URL"\nlanguage = "fr"\n')
    result = run(runner, "-C", root, "build")
    assert result.exit_code == 1
    assert "publisher.toml: base_url: is required -> add e.g. base_url = " in result.stderr
    assert "language: 'fr' must be one of de, en" in result.stderr  # all problems at once
    assert not (root / "out").exists()


def test_missing_entries_folder(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project(extra='entries_dir = "beitraege"\n')
    for command in ("check", "build", "entries"):
        result = run(runner, "-C", root, command)
        assert result.exit_code == 1
        assert "beitraege: the entries folder does not exist" in result.stderr
        assert "entries_dir" in result.stderr


UNSAFE = """\
Hallo <script>alert("gestohlen")</script> Welt.

<iframe src="https://evil.example/"></iframe>

<p onclick="steal()">Klick</p>

Und [ein Link](javascript:alert(1)).
"""


def test_unsafe_html_is_removed_and_check_reports_it(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"unsicher.md": entry("Unsicher", id="a", body=UNSAFE)})
    result = run(runner, "-C", root, "check")
    assert result.exit_code == 0
    for what in ("<script>", "<iframe>", 'onclick="steal()"', "javascript:alert(1)"):
        assert what in result.stderr
    assert result.stderr.count("entries/unsicher.md: warning: body: removed") == 4
    assert run(runner, "-C", root, "check", "--strict").exit_code == 1
    assert run(runner, "-C", root, "build").exit_code == 0
    for rel, data in tree(root / "out").items():
        text = data.decode()
        for bad in ("gestohlen", "evil.example", "steal()", "javascript:"):
            assert bad not in text, (rel, bad)


def test_quiet_shows_errors_but_not_warnings(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"a.md": entry(id="a", kategorie="Energie")})
    for command in ("check", "build"):
        quiet = run(runner, "-q", "-C", root, command)
        assert quiet.exit_code == 0 and "warning" not in quiet.stderr, quiet.stderr
        strict = run(runner, "-q", "-C", root, command, "--strict")  # then the warnings are what fails
        assert strict.exit_code == 1 and "warning: kategorie: unknown front-matter key" in strict.stderr
    (root / "entries" / "b.md").write_text(entry(id="b", date="kein Datum"), encoding="utf-8")
    failed = run(runner, "-q", "-C", root, "check")
    assert failed.exit_code == 1
    assert "entries/b.md:3: date: 'kein Datum' is not a date" in failed.stderr
    assert "kategorie" not in failed.stderr


def test_a_folder_that_cannot_be_written_is_a_message_not_a_traceback(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = make_project({"a.md": entry(id="a")})
    (root / "datei").write_text("kein Ordner", encoding="utf-8")
    result = run(runner, "-C", root, "build", "--out", "datei/site")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "datei/site" in result.stderr and "Not a directory -> check the path" in result.stderr
    assert "Traceback" not in result.stderr


def test_paths_given_with_minus_c_are_checked_inside_that_directory(
    runner: CliRunner, make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"a.md": entry(id="a")})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ziel").write_text("a file here, in the directory publisher was started in", encoding="utf-8")
    built = run(runner, "-C", root, "build", "--out", "ziel")  # root/ziel does not exist: fine
    assert built.exit_code == 0, built.stderr
    assert (root / "ziel" / "index.html").is_file()
    (root / "datei").write_text("x", encoding="utf-8")
    refused = run(runner, "-C", root, "build", "--out", "datei")  # a file inside the project: usage error
    assert refused.exit_code == 2
    assert "datei" in refused.stderr and "is a file" in refused.stderr


def test_a_port_in_use_is_named(
    runner: CliRunner, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(sample=True)
    monkeypatch.setenv("PUBLISHER_SECRET", "Xq3-vT9_pL2mZ8rK4wN7bC1dF6gH0jY5")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(runner, "-C", root, "serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: 127.0.0.1:{port}: port {port} is already in use (")
    assert f"choose another port, e.g. --port {port + 1}" in result.stderr
    assert "a file" not in result.stderr


# --- new ------------------------------------------------------------------------------------------


def test_new_writes_a_draft_with_an_id_and_the_time_in_the_sites_zone(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = make_project()
    result = run(
        runner, "-C", root, "new", "Neues Wasserwerk: „Sauberes Wasser“", "--tag", "Köln, Bonn", "--tag",
        "Wasser", "--now", "2024-06-03T06:30:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    path = "entries/2024/2024-06-03-neues-wasserwerk-sauberes-wasser.md"
    assert result.stdout == f"{path}\n"
    text = (root / path).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", front["id"])
    assert front["title"] == "Neues Wasserwerk: „Sauberes Wasser“"
    assert front["date"] == "2024-06-03 08:30"  # 06:30 UTC is 08:30 in Berlin (summer time)
    assert front["draft"] is True and front["lang"] == "de"
    assert front["tags"] == ["Köln, Bonn", "Wasser"]
    assert {"subtitle", "authors", "summary"} <= set(front)
    again = run(runner, "-C", root, "new", "Neues Wasserwerk: „Sauberes Wasser“", "--now", "2024-06-03T09:00")
    assert again.exit_code == 1
    assert f"{path}: already exists" in again.stderr
    assert (root / path).read_text(encoding="utf-8") == text  # never replaced
    other = run(runner, "-C", root, "new", "Annual report", "--lang", "en", "--now", "2024-06-03")
    assert other.stdout == "entries/2024/2024-06-03-annual-report.md\n"
    check = run(runner, "-C", root, "check")
    assert check.exit_code == 0, check.stderr  # drafts: what is missing (the text) is only a warning
    assert "the entry is a draft" in check.stderr
    assert run(runner, "-C", root, "build").stdout.startswith("0 entries")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["  "], "the title is empty"),
        (["Titel", "--lang", "xx"], "--lang 'xx' is not a language code"),
        (["Titel", "--now", "gestern"], "'gestern' is not a date"),
    ],
)
def test_new_refuses_what_it_cannot_write(
    runner: CliRunner, make_project: MakeProject, args: list[str], message: str
) -> None:
    root = make_project()
    result = run(runner, "-C", root, "new", *args)
    assert result.exit_code in (1, 2) and message in result.stderr
    assert list((root / "entries").rglob("*.md")) == []


def test_a_build_with_many_warnings_shows_twenty_and_counts_the_rest_by_kind(tmp_path: Path) -> None:
    """Thousands of warning lines drown a build's output; check still lists every one."""
    root = tmp_path / "site"
    (root / "entries").mkdir(parents=True)
    (root / "publisher.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n', encoding="utf-8")
    for n in range(30):
        (root / "entries" / f"e{n:02d}.md").write_text(
            f"---\ntitle: Eintrag {n}\ndate: 2024-05-{n % 28 + 1:02d}\n---\nText {n}.\n", encoding="utf-8"
        )
    built = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert built.exit_code == 0, built.stderr
    lines = built.stderr.splitlines()
    assert sum(": warning: " in line for line in lines) == 20
    assert (
        "... 10 more warning(s) not shown; 30 in all, by kind ('publisher check' lists every one):" in lines
    )
    assert any(line.startswith("  30 x id: has no id;") and "--fix-ids" in line for line in lines)
    checked = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert sum(": warning: " in line for line in checked.stderr.splitlines()) == 30
    verbose = CliRunner().invoke(cli, ["-C", str(root), "-v", "build", "--full"])
    assert sum(": warning: " in line for line in verbose.stderr.splitlines()) == 30
