"""``publisher import`` end to end with click's CliRunner, in a throwaway project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from tests.importing.fixtures import SAMPLES

FIRST, SECOND, THIRD = SAMPLES
FIRST_MD = "entries/2024-05-14-eccp-rueckblick-auf-europaeische-clusterkonferenz-2024-in-bruessel.md"
SECOND_MD = "entries/2020-12-22-ergebnisse-der-european-cluster-conference-2020-veroeffentlicht.md"
THIRD_MD = "entries/2025-04-08-clusterallianz-nrw-stellt-zukunftspapier-vor-innovation-staerken.md"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "incoming").mkdir(parents=True)
    (root / "publisher.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n', encoding="utf-8")
    for sample in SAMPLES:
        shutil.copy(sample, root / "incoming" / sample.name)
    return root


def run(project: Path, *args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), "import", *args], input=stdin)


def incoming(sample: Path) -> str:
    return f"incoming/{sample.name}"


def test_import_writes_entries_and_prints_their_paths(project: Path) -> None:
    result = run(project, incoming(FIRST), incoming(SECOND))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [FIRST_MD, SECOND_MD]
    post = frontmatter.loads((project / FIRST_MD).read_text(encoding="utf-8"))
    assert post["title"] == "ECCP: Rückblick auf Europäische Clusterkonferenz 2024 in Brüssel"
    assert post["image"]["credit"] == "VDI/VDE-IT"


def test_missing_date_fails_that_file_only_and_says_to_pass_date(project: Path) -> None:
    result = run(project, incoming(THIRD), incoming(FIRST))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [FIRST_MD]
    assert f"incoming/{THIRD.name}: no date" in result.stderr and "--date YYYY-MM-DD" in result.stderr
    assert "1 of 2 input(s) failed" in result.stderr
    again = run(project, "--date", "2025-04-08", incoming(THIRD))
    assert (again.exit_code, again.stdout) == (0, THIRD_MD + "\n")
    assert frontmatter.loads((project / THIRD_MD).read_text())["authors"] == ["Daniel Boss"]


def test_a_dateline_that_is_no_date_is_named_with_its_line_and_needs_date(project: Path) -> None:
    text = "Meldung\n29.02.2023\n\nCluster treffen sich in Berlin\n\nDie Cluster trafen sich in Berlin.\n"
    (project / "incoming" / "bad-date.txt").write_text(text, encoding="utf-8")
    result = run(project, "incoming/bad-date.txt", incoming(FIRST))
    assert result.exit_code == 1 and result.stdout.splitlines() == [FIRST_MD]
    assert "incoming/bad-date.txt:2: warning: date: looks like a dateline, but '29.02.2023'" in result.stderr
    assert (
        "Error: incoming/bad-date.txt:2: no date: " in result.stderr and "--date YYYY-MM-DD" in result.stderr
    )
    dry = run(project, "--dry-run", "--json", "incoming/bad-date.txt")
    (record,) = json.loads(dry.stdout)
    assert (dry.exit_code, record["title"], record["date"], record["path"]) == (
        0,
        "Cluster treffen sich in Berlin",
        None,
        None,
    )
    again = run(project, "--date", "2023-02-28", "incoming/bad-date.txt")
    assert (again.exit_code, again.stdout) == (0, "entries/2023-02-28-cluster-treffen-sich-in-berlin.md\n")


@pytest.mark.parametrize(
    "data", [b"\xff\xfeA\x00b", "Titel\n".encode("utf-16")[:-1], b"\xff\xfe\x00\xd8\x89PNG"]
)
def test_broken_utf16_fails_that_input_only(project: Path, data: bytes) -> None:
    (project / "incoming" / "odd16.txt").write_bytes(data)
    result = run(project, "incoming/odd16.txt", incoming(FIRST))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stdout.splitlines() == [FIRST_MD]
    assert "Error: incoming/odd16.txt:1: starts like UTF-16 text" in result.stderr
    assert "1 of 2 input(s) failed" in result.stderr and "Traceback" not in result.stderr


def test_importing_again_changes_nothing(project: Path) -> None:
    assert run(project, incoming(FIRST)).exit_code == 0
    before = (project / FIRST_MD).read_bytes(), (project / FIRST_MD).stat().st_mtime_ns
    result = run(project, incoming(FIRST))
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"already imported as {FIRST_MD}; unchanged" in result.stderr
    assert ((project / FIRST_MD).read_bytes(), (project / FIRST_MD).stat().st_mtime_ns) == before


def test_force_updates_a_changed_release_and_keeps_its_id(project: Path) -> None:
    assert run(project, incoming(FIRST)).exit_code == 0
    old_id = frontmatter.loads((project / FIRST_MD).read_text())["id"]
    changed = project / "incoming" / "corrected.txt"
    changed.write_text(FIRST.read_text(encoding="utf-8").replace("Anfang Mai", "Mitte Mai"), encoding="utf-8")
    refused = run(project, "incoming/corrected.txt")
    assert refused.exit_code == 1 and "--force" in refused.stderr and FIRST_MD.split("/")[1] in refused.stderr
    forced = run(project, "--force", "incoming/corrected.txt")
    assert (forced.exit_code, forced.stdout) == (0, FIRST_MD + "\n")
    post = frontmatter.loads((project / FIRST_MD).read_text())
    assert post["id"] == old_id and "Mitte Mai" in post.content


def test_importing_a_forced_correction_again_changes_nothing(project: Path) -> None:
    assert run(project, incoming(FIRST)).exit_code == 0
    changed = project / "incoming" / "corrected.txt"
    changed.write_text(FIRST.read_text(encoding="utf-8").replace("Anfang Mai", "Mitte Mai"), encoding="utf-8")
    assert run(project, "--force", "incoming/corrected.txt").exit_code == 0
    before = (project / FIRST_MD).read_bytes()
    again = run(project, "incoming/corrected.txt")
    assert (again.exit_code, again.stdout) == (0, "")
    assert f"incoming/corrected.txt: already imported as {FIRST_MD}; unchanged" in again.stderr
    assert (project / FIRST_MD).read_bytes() == before
    check = CliRunner().invoke(cli, ["-C", str(project), "check"])
    assert check.exit_code == 0 and "1 warning(s)" in check.output and "unknown" not in check.output, (
        check.output
    )


def test_dry_run_json_writes_nothing_and_prints_the_array(project: Path) -> None:
    result = run(project, "--dry-run", "--json", *(incoming(s) for s in SAMPLES))
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["source_path"] for r in records] == [incoming(s) for s in SAMPLES]
    for key in ("id", "title", "subtitle", "date", "date_source", "authors", "lang", "source_url", "image"):
        assert all(key in r for r in records), key
    for key in ("headings", "body_markdown", "removed", "warnings"):
        assert all(key in r for r in records), key
    assert [r["date"] for r in records] == ["2024-05-14", "2020-12-22", None]
    assert [r["path"] for r in records] == [FIRST_MD, SECOND_MD, None]
    assert records[2]["removed"] == [
        {"text": THIRD.read_text(encoding="utf-8").splitlines()[-1], "reason": "cookie/analytics banner"}
    ]
    assert not (project / "entries").exists()


def test_explain_shows_every_decision(project: Path) -> None:
    result = run(project, "--dry-run", "--explain", incoming(FIRST))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"incoming/{FIRST.name} (utf-8): ECCP")
    assert "label line before the title" in lines[1] and lines[1].split()[:2] == ["1", "removed"]
    assert lines[2].split()[:3] == ["2", "date", "14.05.2024"]
    assert lines[9].split()[:3] == ["9", "image.credit", "©"]
    assert len(lines) == 1 + 18  # one line per input line


def test_json_with_explain_carries_the_trace(project: Path) -> None:
    result = run(project, "--dry-run", "--json", "--explain", incoming(THIRD))
    (record,) = json.loads(result.stdout)
    assert {"line": 13, "text": "Text: Daniel Boss", "target": "authors"}.items() <= record["explain"][
        12
    ].items()


def test_stdin_and_options(project: Path) -> None:
    text = "News\n\nCluster networks meet\n\nThe conference was held in Brussels. It was a success.\n"
    args = [
        "--date",
        "2024-06-01",
        "--tag",
        "Europa",
        "--tag",
        "Cluster",
        "--author",
        "Jane Doe",
        "--lang",
        "en",
    ]
    result = run(project, *args, "-", stdin=text.encode("cp1252"))
    assert result.exit_code == 0, result.stderr
    path = project / result.stdout.strip()
    assert path.name == "2024-06-01-cluster-networks-meet.md"
    post = frontmatter.loads(path.read_text())
    assert (post["tags"], post["authors"], post["lang"]) == (["Europa", "Cluster"], ["Jane Doe"], "en")


def test_bad_inputs_are_named_and_the_good_ones_still_imported(project: Path) -> None:
    inbox = project / "incoming"
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    (inbox / "notitle.txt").write_text("Meldung\n14.05.2024\n")
    with (inbox / "huge.txt").open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    names = ["empty.txt", "image.png", "missing.txt", "notitle.txt", "huge.txt", FIRST.name, "."]
    result = run(project, *(f"incoming/{n}" for n in names))
    assert result.exit_code == 1
    assert result.stdout == FIRST_MD + "\n"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 6
    for name, message in [
        ("incoming/empty.txt", "empty"),
        ("incoming/image.png", "binary"),
        ("incoming/missing.txt", "no such file"),
        ("incoming/notitle.txt", "no title-like line"),
        ("incoming/huge.txt", "the file is 6.0 MB; press releases over 5 MB"),
        ("incoming/.", "is a directory"),
    ]:
        assert any(name in e and message in e for e in errors), (name, message, errors)
    assert "6 of 7 input(s) failed" in result.stderr


def test_warnings_go_to_stderr(project: Path) -> None:
    (project / "incoming" / "dated.txt").write_text(
        "Titel\n\nAm 8. November 2023 trafen sich alle. Es war gut.\n"
    )
    result = run(project, "incoming/dated.txt")
    assert result.exit_code == 0
    assert result.stdout == "entries/2023-11-08-titel.md\n"
    assert "incoming/dated.txt:3: warning: date: no dateline" in result.stderr


def test_imported_entries_pass_the_project_check(project: Path) -> None:
    assert run(project, "--date", "2025-04-08", *(incoming(s) for s in SAMPLES)).exit_code == 0
    check = CliRunner().invoke(cli, ["-C", str(project), "check"])
    assert check.exit_code == 0, check.output
    assert "0 error(s)" in check.output


@pytest.mark.parametrize("option", ["--tag", "--author"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_tag_or_author_is_a_usage_error(project: Path, option: str, value: str) -> None:
    result = run(project, option, value, incoming(FIRST))
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': must not be empty" in result.stderr
    assert not (project / "entries").exists()


def test_tag_and_author_values_are_trimmed(project: Path) -> None:
    assert run(project, "--tag", " Cluster ", "--author", "Eva Kühn ", incoming(FIRST)).exit_code == 0
    post = frontmatter.loads((project / FIRST_MD).read_text(encoding="utf-8"))
    assert post["tags"] == ["Cluster"] and post["authors"][-1] == "Eva Kühn"


def test_json_has_a_record_for_every_input_also_failed_ones(project: Path) -> None:
    inbox = project / "incoming"
    (inbox / "notitle.txt").write_text("Meldung\n14.05.2024\n")
    (inbox / "empty.txt").write_text("")
    names = ["incoming/notitle.txt", incoming(FIRST), "incoming/empty.txt", "incoming/missing.txt"]
    result = run(project, "--dry-run", "--json", *names)
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert [r["source_path"] for r in records] == names
    assert "error" not in records[1] and records[1]["path"] == FIRST_MD
    for record, message in zip(
        (records[0], records[2], records[3]),
        ("no title-like line", "the file is empty", "no such file"),
        strict=True,
    ):
        assert set(record) == {"source_path", "error"}
        assert record["error"].startswith(record["source_path"]) and message in record["error"]
        assert "->" in record["error"]
    assert "3 of 4 input(s) failed" in result.stderr


def test_stdin_over_5_mb_is_refused(project: Path) -> None:
    result = run(project, "-", stdin=b"x" * (6 * 1024 * 1024))
    assert result.exit_code == 1
    assert "Error: <stdin>: the file is more than 5 MB; press releases over 5 MB are refused" in result.stderr


def test_usage_errors_and_missing_config(tmp_path: Path, project: Path) -> None:
    assert run(project).exit_code == 2
    german = run(project, "--date", "14.05.2024", incoming(FIRST))
    assert (
        german.exit_code == 2 and "'14.05.2024' is not written YYYY-MM-DD, e.g. 2024-05-14" in german.stderr
    )
    impossible = run(project, "--date", "2024-02-30", incoming(FIRST))
    assert impossible.exit_code == 2
    assert "'2024-02-30' is not a date: day is out of range for month" in impossible.stderr
    assert run(project, "--lang", "fr", incoming(FIRST)).exit_code == 2
    bare = tmp_path / "bare"
    bare.mkdir()
    result = CliRunner().invoke(cli, ["-C", str(bare), "import", str(FIRST)])
    assert result.exit_code == 1 and "publisher.toml" in result.stderr


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    for option in ("--dry-run", "--json", "--explain", "--date", "--lang", "--tag", "--author", "--force"):
        assert option in result.stdout
    assert "publisher import --dry-run --json" in result.stdout


@pytest.mark.parametrize("name", ["incoming/*.txt", "elsewhere/release.txt"])
def test_a_missing_relative_path_says_it_was_looked_up_in_the_c_directory(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    started = tmp_path / "started-here"
    (started / "incoming").mkdir(parents=True)
    (started / "incoming" / "a.txt").write_text("Titel\n\nText.", encoding="utf-8")
    monkeypatch.chdir(started)
    result = run(project, name)
    assert result.exit_code == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert error.startswith(f"Error: {name}: no such file in {project.resolve()} ")
    assert "-C" in error and "relative to" in error


def test_a_missing_path_without_c_keeps_the_short_message(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["import", "incoming/missing.txt"])
    assert result.exit_code == 1
    assert "Error: incoming/missing.txt: no such file -> check the path" in result.stderr
