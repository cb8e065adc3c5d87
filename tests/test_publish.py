"""`publisher publish`: build, the digest of what is new, send; as cron runs it week after week."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.config import load_settings
from publisher.digest.appearances import load_appearances
from publisher.lock import project_lock
from tests.digest.fixtures import make_cli_project, write_entry_file
from tests.mail.fixtures import SECRET, Faults, RecordingHandler, add_subscribers, parse, smtp_server

REPO = Path(__file__).resolve().parents[1]
ENV = {"PUBLISHER_SECRET": SECRET}
MONDAY = datetime.fromisoformat("2026-01-05T09:00:00+01:00")


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env=ENV)


def newsroom(root: Path, port: int, people: int = 3, entries: int = 0) -> Path:
    smtp = f'host = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    smtp += "retry_backoff = 0.01\nrate_per_second = 10000\n"
    settings = make_cli_project(root, entries, extra_config=smtp)
    add_subscribers(settings, [(f"reader{i}@example.org", "", "") for i in range(people)])
    return root


def titles_per_reader(handler: RecordingHandler) -> dict[str, Counter[str]]:
    """Reader -> how often each entry title reached them."""
    got: dict[str, Counter[str]] = {}
    for (_, recipients, _), message in zip(handler.messages, handler.received(), strict=True):
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        titles = [line.strip() for line in text.splitlines() if line.strip().startswith("Meldung ")]
        for address in recipients:
            got.setdefault(address, Counter()).update(titles)
    return got


def entry(root: Path, n: int, published: datetime) -> str:
    title = f"Meldung {n}: vom {published:%d.%m.%Y %H:%M}"
    write_entry_file(root, n, published=published, title=title)
    return title


def test_publish_builds_renders_and_sends_then_a_quiet_run_exits_0(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port)
        first_title = entry(root, 1, MONDAY - timedelta(days=1))
        result = run(root, "publish", "--now", MONDAY.isoformat(), "--json")
        assert result.exit_code == 0, result.stderr
        summary = json.loads(result.stdout)
        assert (summary["sent"], summary["failed"], summary["deferred"], summary["unknown"]) == (3, 0, 0, 0)
        assert summary["built"]["entries"] == 1 and summary["built"]["written"] > 0
        [digest] = summary["digests"]
        assert digest["status"] == "rendered" and digest["entries"] == [
            "tag:news.example.org,2024:meldung-01"
        ]
        assert digest["id"].startswith("2026-01-05-") and summary["exit_code"] == 0
        assert summary["sends"][0]["marked_sent"] is True
        assert set(summary["seconds"]) == {"build", "digest", "send"}
        quiet = run(root, "publish", "--now", (MONDAY + timedelta(days=7)).isoformat())
    assert quiet.exit_code == 0, quiet.stderr
    assert "digest: nothing new since 2026-01-05T09:00:00+01:00" in quiet.stdout
    assert "send: nothing to send: digest 2026-01-05-" in quiet.stdout
    assert titles_per_reader(handler) == {
        f"reader{i}@example.org": Counter({first_title: 1}) for i in range(3)
    }


def test_publish_no_send_renders_and_the_next_run_sends_it(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port)
        entry(root, 1, MONDAY - timedelta(days=1))
        rendered = run(root, "publish", "--no-send", "--now", MONDAY.isoformat())
        assert rendered.exit_code == 0, rendered.stderr
        assert "send: not sent (--no-send)" in rendered.stdout
        assert handler.messages == [] and (root / "out/digests/2026-01-05/message.eml").is_file()
        sent = run(root, "publish", "--now", (MONDAY + timedelta(hours=1)).isoformat())
    assert sent.exit_code == 0, sent.stderr
    assert len(handler.messages) == 3


def test_publish_exit_codes(tmp_path: Path) -> None:
    faults = Faults(permanent={"reader1@example.org"})
    with smtp_server(faults) as (controller, _):
        root = newsroom(tmp_path / "site", controller.port)
        entry(root, 1, MONDAY - timedelta(days=1))
        assert run(root, "publish", "--now", "gestern").exit_code == 2  # usage
        failed = run(root, "publish", "--now", MONDAY.isoformat())
        assert failed.exit_code == 1
        assert "1 failed: the server refused these addresses for good" in failed.stderr
        (root / "entries" / "broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
        broken = run(root, "publish", "--now", (MONDAY + timedelta(days=7)).isoformat())
    assert broken.exit_code == 1 and "error(s) in the entries: nothing was built or sent" in broken.stderr


def test_the_build_records_when_entries_appear_and_keeps_out_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "site"
    settings = make_cli_project(root, 0)
    entry(root, 1, MONDAY - timedelta(days=3))
    assert run(root, "publish", "--no-send", "--now", MONDAY.isoformat()).exit_code == 0
    entry(root, 2, MONDAY - timedelta(days=2))
    later = MONDAY + timedelta(days=1)
    assert run(root, "publish", "--no-send", "--now", later.isoformat()).exit_code == 0
    assert run(root, "build", "--full").exit_code == 0  # a full rebuild makes nothing new again
    appeared = load_appearances(settings).first
    assert appeared == {
        "tag:news.example.org,2024:meldung-01": MONDAY,
        "tag:news.example.org,2024:meldung-02": later,
    }
    record = json.loads((root / ".publisher" / "appeared.json").read_text())
    assert record["version"] == 1 and [run["at"] for run in record["runs"]] == [
        MONDAY.isoformat(),
        later.isoformat(),
    ]
    out = {p.relative_to(root / "out"): p.read_bytes() for p in (root / "out").rglob("*") if p.is_file()}
    assert not any("appeared" in str(p) for p in out)  # out/ holds no run times


def test_a_second_run_is_told_who_holds_the_project(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_cli_project(root, 1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from publisher.lock import project_lock\n"
            "with project_lock(Path(sys.argv[1]), 'publish'):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(root),
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        for command in (["build"], ["publish", "--no-send"], ["send"], ["digest"]):
            refused = run(root, *command)
            assert refused.exit_code == 1, command
            assert f"publisher publish (pid {holder.pid}, since " in refused.stderr, refused.stderr
            assert "is working on this project -> wait for it to finish" in refused.stderr
    finally:
        holder.communicate("", timeout=30)
    assert run(root, "build").exit_code == 0  # the lock went with its holder
    with project_lock(root, "test"), project_lock(root, "test again"):  # one process may nest it
        assert run(root, "build").exit_code == 0


def test_send_to_one_address_is_a_test_that_records_nothing(tmp_path: Path) -> None:
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port)
        entry(root, 1, MONDAY - timedelta(days=1))
        assert run(root, "publish", "--no-send", "--now", MONDAY.isoformat()).exit_code == 0
        test = run(root, "send", "--to", "me@example.org")
        assert test.exit_code == 0, test.stderr
        assert test.stdout.startswith("test copy of digest 2026-01-05-")
        again = run(root, "send", "--to", "reader2@example.org")  # a subscriber: their own copy
        assert again.exit_code == 0, again.stderr
        real = run(root, "send")
    assert real.exit_code == 0 and real.stdout.startswith("sent 3, failed 0, skipped 0, unknown 0")
    first, second, *rest = [parse(m[2]) for m in handler.messages]
    assert str(first["Subject"]).startswith("[Test] ") and str(second["Subject"]).startswith("[Test] ")
    assert "token=" not in str(first["List-Unsubscribe"]) and "token=" in str(second["List-Unsubscribe"])
    assert len(rest) == 3 and not any(str(m["Subject"]).startswith("[Test]") for m in rest)
    assert [m[1][0] for m in handler.messages[:2]] == ["me@example.org", "reader2@example.org"]


def test_five_weeks_of_cron_every_entry_reaches_every_reader_exactly_once(tmp_path: Path) -> None:
    """`publisher publish` week after week (and once mid-week), with late, backdated and scheduled
    entries and quiet weeks: every published entry reaches every reader once; quiet weeks exit 0."""
    week = [MONDAY + timedelta(days=7 * n) for n in range(6)]
    steps: list[tuple[datetime, list[tuple[int, datetime]]]] = [
        (week[0], [(1, week[0] - timedelta(days=2)), (2, week[0] - timedelta(hours=1))]),
        (week[0] + timedelta(days=2), [(3, week[0] + timedelta(days=2))]),  # a run mid-week
        (week[1], [(4, week[1] - timedelta(minutes=30))]),  # written just before the run
        (week[2], []),  # quiet
        # imported late, dated before the last digest; and one scheduled for later in the week
        (week[3], [(5, week[1] - timedelta(hours=3)), (6, week[3] + timedelta(days=3))]),
        (week[4], []),  # the scheduled entry's date has come
        (week[5], []),  # quiet
    ]
    expected: list[str] = []
    digests: list[str] = []
    with smtp_server() as (controller, handler):
        root = newsroom(tmp_path / "site", controller.port, people=4)
        for at, new in steps:
            expected += [entry(root, n, published) for n, published in new]
            result = run(root, "publish", "--now", at.isoformat(), "--json")
            assert result.exit_code == 0, (at, result.stdout, result.stderr)
            summary = json.loads(result.stdout)
            digests += [d["id"][:10] for d in summary["digests"] if d["status"] == "rendered"]
    assert titles_per_reader(handler) == {
        f"reader{i}@example.org": Counter(dict.fromkeys(expected, 1)) for i in range(4)
    }
    assert digests == ["2026-01-05", "2026-01-07", "2026-01-12", "2026-01-26", "2026-02-02"]
    settings = load_settings(root / "publisher.toml")
    # the scheduled entry appeared with the first build after its date (a build leaves it out before)
    assert [at for at, _ in load_appearances(settings).runs] == [
        week[0],
        week[0] + timedelta(days=2),
        week[1],
        week[3],
        week[4],
    ]
