"""Scheduled entries: dated in the future, they are out of the site, the feeds and the digest until
their time, then published by the next build (from cron) and sent in the next digest, once."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
from click.testing import CliRunner, Result

from publisher.cli import cli
from tests.conftest import MakeProject
from tests.helpers import entry

NOW = "2024-05-14T09:30:00+02:00"
DUE = "2024-05-20T08:00:00+02:00"


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def project(make_project: MakeProject) -> Path:
    return make_project(
        {
            "2024/heute.md": entry("Heute erschienen", NOW, id="urn:uuid:heute"),
            "2024/geplant.md": entry("Geplante Meldung", DUE, id="urn:uuid:geplant", tags=["Planung"]),
        },
        extra='[digest]\nsender_address = "Musterstraße 1, Köln"\n',
    )


def published_titles(root: Path) -> set[str]:
    titles = {e.title for e in feedparser.parse((root / "out" / "atom.xml").read_bytes()).entries}
    items = json.loads((root / "out" / "feed.json").read_bytes())["items"]
    assert titles == {item["title"] for item in items}
    return titles


def test_a_scheduled_entry_is_published_by_the_first_build_after_its_time(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = project(make_project)
    before = run(runner, "-C", root, "build", "--now", "2024-05-19T12:00")
    assert before.exit_code == 0, before.stderr
    assert before.stdout.startswith("1 entry:")
    assert "1 scheduled entry left out (the next: entries/2024/geplant.md at 2024-05-20T08:00:00+02:00)" in (
        before.stderr
    )
    assert published_titles(root) == {"Heute erschienen"}
    assert not (root / "out" / "posts" / "geplante-meldung.html").exists()
    assert not (root / "out" / "tags" / "planung").exists()
    assert "Geplante Meldung" not in (root / "out" / "index.html").read_text(encoding="utf-8")

    # Nothing changed and the time has not come: nothing to do.
    again = run(runner, "-C", root, "build", "--now", "2024-05-20T07:59")
    assert "0 file(s) written" in again.stdout and "0 deleted" in again.stdout

    # Not a file changed, but the time has come: the next build (from cron) publishes it.
    due = run(runner, "-C", root, "build", "--now", "2024-05-20T08:00")
    assert due.stdout.startswith("2 entries:") and "scheduled" not in due.stderr
    assert published_titles(root) == {"Heute erschienen", "Geplante Meldung"}
    assert (root / "out" / "posts" / "geplante-meldung.html").is_file()
    assert (root / "out" / "tags" / "planung" / "index.html").is_file()


def test_build_future_publishes_scheduled_entries_at_once(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = project(make_project)
    result = run(runner, "-C", root, "build", "--future", "--now", "2024-05-15")
    assert result.exit_code == 0 and result.stdout.startswith("2 entries:")
    assert "scheduled" not in result.stderr
    assert published_titles(root) == {"Heute erschienen", "Geplante Meldung"}
    # and a plain build afterwards takes it out again, until its time
    run(runner, "-C", root, "build", "--now", "2024-05-15")
    assert published_titles(root) == {"Heute erschienen"}
    assert not (root / "out" / "posts" / "geplante-meldung.html").exists()


def test_check_lists_what_is_scheduled_and_when(runner: CliRunner, make_project: MakeProject) -> None:
    root = project(make_project)
    early = run(runner, "-C", root, "check", "--now", "2024-05-15")
    assert early.exit_code == 0
    assert "scheduled: entries/2024/geplant.md goes out 2024-05-20 08:00:00+02:00\n" in early.stdout
    late = run(runner, "-C", root, "check", "--now", "2024-05-21")
    assert "scheduled" not in late.stdout


def test_a_scheduled_entry_is_in_the_next_digest_after_its_time_and_only_once(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = project(make_project)

    def digest(now: str) -> list[str]:
        result = run(runner, "-C", root, "digest", "--now", now, "--mark-sent")
        assert result.exit_code == 0, result.stderr
        if result.stdout.startswith("No new entries"):
            return []
        folder = root / "out" / "digests" / now[:10]
        return json.loads((folder / "digest.json").read_bytes())["entry_ids"]

    assert digest("2024-05-19T09:00") == ["urn:uuid:heute"]
    assert digest("2024-05-20T07:00") == []  # not yet
    assert digest("2024-05-21T09:00") == ["urn:uuid:geplant"]
    assert digest("2024-05-28T09:00") == []  # sent once


def test_a_complete_draft_is_in_no_build_feed_digest_or_count(
    runner: CliRunner, make_project: MakeProject
) -> None:
    root = make_project(
        {
            "2024/heute.md": entry("Heute erschienen", NOW, id="urn:uuid:heute"),
            "2024/entwurf.md": entry("Ein Entwurf", NOW, id="urn:uuid:entwurf", draft=True),
        },
        extra='[digest]\nsender_address = "Musterstraße 1, Köln"\n',
    )
    built = run(runner, "-C", root, "build", "--now", "2024-05-20", "--future")
    assert built.stdout.startswith("1 entry:")
    assert published_titles(root) == {"Heute erschienen"}
    assert not any(b"Ein Entwurf" in p.read_bytes() for p in (root / "out").rglob("*") if p.is_file())
    checked = run(runner, "-C", root, "check", "--now", "2024-05-20")
    assert checked.stdout.endswith("1 entry checked: 0 error(s), 0 warning(s)\n")
    digest = run(runner, "-C", root, "digest", "--now", "2024-05-20")
    assert "Digest " in digest.stdout and "1 entry" in digest.stdout
