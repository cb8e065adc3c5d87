"""`publisher digest` end to end: real entry files in a temporary project, CliRunner, files on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.mail.outbox import latest_digest
from tests.digest.fixtures import NOW, make_cli_project, write_entry_file

REPO = Path(__file__).resolve().parents[2]
AT_NOW = ["--now", NOW.isoformat()]
FILES = ["digest.json", "email.html", "email.txt", "index.html", "message.eml", "template.json"]


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "digest", *args], catch_exceptions=False)


def digest_dir(root: Path, date: str = "2024-05-20") -> Path:
    return root / "out" / "digests" / date


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file the digest may write (outputs and state), to show that nothing was written."""
    found = {}
    for base in (root / "out", root / ".publisher" / "state.json"):
        paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.exists() else []
        found |= {str(p.relative_to(root)): p.read_bytes() for p in paths if p.is_file()}
    return found


def test_digest_writes_the_files_and_names_them(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 3)
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    manifest = json.loads((digest_dir(tmp_path) / "digest.json").read_text())
    assert lines[0] == (
        f"Digest {manifest['digest_id']}: 3 entries (2024-05-13T09:00:00+02:00 – 2024-05-20T09:00:00+02:00)"
    )
    assert lines[1:] == [f"  out/digests/2024-05-20/{name}" for name in FILES[1:] + FILES[:1]]
    assert sorted(p.name for p in digest_dir(tmp_path).iterdir()) == FILES
    assert manifest["entry_ids"] == [f"tag:news.example.org,2024:meldung-0{n}" for n in (1, 2, 3)]
    html = (digest_dir(tmp_path) / "email.html").read_text()
    assert "https://news.example.org/media/foto-02.jpg" in html  # the image from the front matter
    assert not (tmp_path / ".publisher" / "state.json").exists()  # rendering is harmless


def test_two_runs_give_identical_files(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 4)
    run(tmp_path, *AT_NOW)
    first = snapshot(tmp_path)
    run(tmp_path, *AT_NOW)
    assert snapshot(tmp_path) == first and len(first) == 6


def test_an_empty_window_says_so_and_writes_nothing(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    result = run(tmp_path, "--now", "2024-06-30T09:00")
    assert result.exit_code == 0
    assert result.stdout == (
        "No new entries (2024-06-23T09:00:00+02:00 – 2024-06-30T09:00:00+02:00): no digest written.\n"
    )
    assert snapshot(tmp_path) == {}


def test_mark_sent_then_only_newer_entries(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    result = run(tmp_path, *AT_NOW, "--mark-sent")
    assert result.exit_code == 0
    assert result.stdout.endswith("Marked as sent in .publisher/state.json\n")
    state = json.loads((tmp_path / ".publisher" / "state.json").read_text())
    first_id = json.loads((digest_dir(tmp_path) / "digest.json").read_text())["digest_id"]
    assert [d["digest_id"] for d in state["sent"]] == [first_id]
    assert state["sent"][0]["window_end"] == "2024-05-20T09:00:00+02:00"

    assert run(tmp_path, "--now", "2024-05-21T09:00+02:00").stdout.startswith("No new entries")
    write_entry_file(tmp_path, 7, published=NOW + timedelta(hours=3))
    result = run(tmp_path, "--now", "2024-05-21T09:00+02:00", "--mark-sent")
    assert result.exit_code == 0
    manifest = json.loads((digest_dir(tmp_path, "2024-05-21") / "digest.json").read_text())
    assert manifest["entry_ids"] == ["tag:news.example.org,2024:meldung-07"]
    assert manifest["window_start"] == "2024-05-20T09:00:00+02:00"
    state = json.loads((tmp_path / ".publisher" / "state.json").read_text())
    assert [d["digest_id"] for d in state["sent"]] == [first_id, manifest["digest_id"]]


def test_since_and_days_give_an_explicit_window(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 3)
    write_entry_file(tmp_path, 9, published=NOW - timedelta(days=20))
    result = run(tmp_path, *AT_NOW, "--since", "2024-04-25")
    assert (
        result.stdout.startswith("Digest 2024-05-20-")
        and ": 4 entries (2024-04-25T00:00:00+02:00 – " in result.stdout
    )
    result = run(tmp_path, *AT_NOW, "--days", "1")
    assert ": 3 entries (2024-05-19T09:00:00+02:00 – " in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2024-06-01", *AT_NOW], "Invalid value for --since: 2024-06-01 is in the future"),
        (
            ["--since", "letzte Woche"],
            "Invalid value for --since: 'letzte Woche' is not a date: write 2024-05-20",
        ),
        (["--now", "2024-02-30"], "Invalid value for --now: '2024-02-30' is not a date"),
        (["--since", "2024-05-01", "--days", "3"], "give either --since or --days, not both"),
        (["--days", "0"], "Invalid value for '--days': 0 is not in the range 1<=x<=182500"),
        (["--now", ""], "Invalid value for --now: '' is not a date"),  # an unset $NOW in a cron line
        (["--since", "", *AT_NOW], "Invalid value for --since: '' is not a date"),
    ],
)
def test_bad_options_are_usage_errors_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    make_cli_project(tmp_path, 2)
    result = run(tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert snapshot(tmp_path) == {}


def test_a_corrupt_state_file_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    state = tmp_path / ".publisher" / "state.json"
    state.parent.mkdir()
    state.write_text('{"version": 1, "sent": [')
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 1
    assert "state.json: the digest state file is corrupt" in result.stderr
    assert "restore it from a backup, or delete it" in result.stderr
    assert snapshot(tmp_path) == {".publisher/state.json": b'{"version": 1, "sent": ['}


def test_entry_errors_are_printed_and_nothing_is_written(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    broken = write_entry_file(tmp_path, 3, extra="tags: {not: [a list}\n")
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 1
    assert f"entries/{broken.name}" in result.stderr
    assert "error(s) in the entries: no digest written." in result.stderr
    assert snapshot(tmp_path) == {}


def test_a_broken_template_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.txt.j2").write_text("{{ site_title }}\n{{ nope }}\n")
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: templates/digest.txt.j2:2: 'nope' is undefined")
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    ("expression", "words"),
    [("{{ site_title + 1 }}", "TypeError: can only concatenate str"), ("{{ 1 // 0 }}", "ZeroDivisionError")],
)
def test_a_failing_expression_in_a_template_names_its_line_not_a_traceback(
    tmp_path: Path, expression: str, words: str
) -> None:
    make_cli_project(tmp_path, 2)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.txt.j2").write_text(f"{{{{ site_title }}}}\n{expression}\n")
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: templates/digest.txt.j2:2: {words}"), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == {}


def test_a_second_digest_on_the_same_day_does_not_replace_the_sent_one(tmp_path: Path) -> None:
    """The morning digest was sent: its web version (linked from the mails) and message.eml stay;
    the evening edition goes to <date>-2, and send takes it as the latest."""
    make_cli_project(tmp_path, 2)
    morning = run(tmp_path, "--now", "2024-05-20T09:00+02:00", "--mark-sent")
    assert morning.exit_code == 0, morning.stderr
    first = snapshot(tmp_path)
    write_entry_file(tmp_path, 9, published=NOW.replace(hour=12), title="Abendmeldung")
    evening = run(tmp_path, "--now", "2024-05-20T18:00+02:00")
    assert evening.exit_code == 0, evening.stderr
    assert (
        "out/digests/2024-05-20 holds a digest already sent: this one goes to 2024-05-20-2/" in evening.stderr
    )
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in first} == first
    second = json.loads(after["out/digests/2024-05-20-2/digest.json"])
    assert second["entry_ids"] == ["tag:news.example.org,2024:meldung-09"]
    assert "digests/2024-05-20-2/index.html" in after["out/digests/2024-05-20-2/email.html"].decode()
    assert latest_digest(tmp_path / "out").name == "2024-05-20-2"
    again = run(tmp_path, "--now", "2024-05-20T18:00+02:00")  # -2 is not sent yet: rendered anew there
    assert again.exit_code == 0 and "this one goes to 2024-05-20-2/" in again.stderr
    assert snapshot(tmp_path) == after


def test_mark_sent_is_recorded_even_when_stdout_is_closed(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 2)
    done = subprocess.run(
        f"{sys.executable} -m publisher -C {tmp_path} digest --now 2024-05-20T09:00+02:00 --mark-sent"
        " | head -c 1",
        shell=True,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
    assert (tmp_path / ".publisher" / "state.json").is_file()


def test_max_entries_says_what_was_left_out(tmp_path: Path) -> None:
    make_cli_project(tmp_path, 3, extra_config="")
    config = tmp_path / "publisher.toml"
    config.write_text(config.read_text().replace("[digest]\n", "[digest]\nmax_entries = 2\n"))
    result = run(tmp_path, *AT_NOW)
    assert result.exit_code == 0
    assert ": 2 entries (" in result.stdout
    assert (
        "digest.max_entries: 1 older entry left out of the digest: tag:news.example.org,2024:meldung-03"
        in result.stderr
    )


def test_open_launches_the_web_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    launched: list[str] = []
    monkeypatch.setattr(click, "launch", lambda url, **kwargs: launched.append(url) or 0)
    make_cli_project(tmp_path, 1)
    assert run(tmp_path, *AT_NOW, "--open").exit_code == 0
    assert launched == [str(digest_dir(tmp_path) / "index.html")]


def test_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["digest", "--help"])
    assert result.exit_code == 0
    for text in (
        "--since DATE",
        "--days N",
        "--now ISO",
        "--open",
        "--mark-sent",
        "publisher digest --since",
    ):
        assert text in result.stdout


def test_the_digest_process_stays_light(tmp_path: Path) -> None:
    """A real process: no feed or XML libraries are imported on the digest path (it must start fast)."""
    make_cli_project(tmp_path, 20)
    code = (
        "import sys\nfrom publisher.cli import cli\n"
        f"cli(['-C', {str(tmp_path)!r}, 'digest', '--now', {NOW.isoformat()!r}], standalone_mode=False)\n"
        "print(sorted(m for m in ('feedgen', 'lxml', 'feedparser', 'playwright') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert ": 20 entries (" in result.stdout
    assert result.stdout.splitlines()[-1] == "[]"


# Only needed to read and normalise entry files; a digest from a warm cache never does.
PARSING_MODULES = ("yaml", "frontmatter", "slugify", "cmarkgfm", "ctypes", "mimetypes", "multiprocessing")


def test_a_digest_from_a_warm_cache_imports_no_entry_parsers(tmp_path: Path) -> None:
    """The second run finds every entry in the content cache: YAML, Markdown, slugs, the C library
    (``ctypes``, whose library search ran ``ldconfig``) and worker processes stay unimported."""
    make_cli_project(tmp_path, 20)
    code = (
        "import sys\nfrom publisher.cli import cli\n"
        f"cli(['-C', {str(tmp_path)!r}, 'digest', '--now', {NOW.isoformat()!r}], standalone_mode=False)\n"
        f"print(sorted(m for m in {PARSING_MODULES!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
        for _ in range(2)
    ]
    for result in runs:
        assert result.returncode == 0, result.stderr
        assert ": 20 entries (" in result.stdout
    assert runs[0].stdout.splitlines()[-1] != "[]"  # the cold run parsed the entry files
    assert runs[1].stdout.splitlines()[-1] == "[]"


def test_open_says_so_when_no_browser_can_be_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_cli_project(tmp_path, 2)
    opened: list[str] = []
    monkeypatch.setattr(click, "launch", lambda url, **_: opened.append(url) or 3)  # xdg-open's "no browser"
    result = run(tmp_path, *AT_NOW, "--open")
    assert result.exit_code == 0
    assert opened == [str(digest_dir(tmp_path) / "index.html")]
    assert (
        "warning: no browser could be opened -> open out/digests/2024-05-20/index.html yourself"
        in result.stderr
    )
