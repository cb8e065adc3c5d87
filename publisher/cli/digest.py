"""Commands of the publishing run: digest, publish."""

from __future__ import annotations

import click

from publisher.cli.base import (
    CliState,
    ExitCode,
    echo_problems,
    entries_count,
    moment,
    progress_bars,
    shown,
)
from publisher.cli.main import cli


@cli.command()
@click.option("--since", metavar="DATE", help="Entries published on or after DATE (2024-05-01 or ISO time).")
@click.option(
    "--days", type=click.IntRange(min=1, max=182_500), metavar="N", help="Entries of the last N days."
)
@click.option("--now", "now_text", metavar="ISO", help="The digest's point in time (default: now).")
@click.option("--open", "open_browser", is_flag=True, help="Open the web version in the browser.")
@click.option("--mark-sent", is_flag=True, help="Record this digest as sent in the state file.")
@click.pass_obj
def digest(
    state: CliState,
    since: str | None,
    days: int | None,
    now_text: str | None,
    open_browser: bool,
    mark_sent: bool,
) -> ExitCode:
    """Render the email digest of the entries new since the last digest.

    Writes out/digests/<date>/ (email.html, email.txt, message.eml, index.html, template.json,
    digest.json). Without --since/--days the digest holds the entries that appeared on the site
    after the last digest marked as sent, dated within [digest] lookback_days (the first one: the
    last [digest] window_days days). While a digest is still being sent, none is rendered. Examples:

    \b
      publisher digest
      publisher digest --since 2024-05-01 --open
      publisher digest --now 2024-05-20T09:00+02:00 --mark-sent
    """
    from publisher.digest import folder as digest_folder
    from publisher.digest import selection as choose
    from publisher.digest.run import run_digest

    if since is not None and days is not None:
        raise click.UsageError("give either --since or --days, not both")
    settings = state.settings()
    now = moment(settings, now_text)
    try:
        start = choose.parse_moment(since, settings.tz) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if start is not None and start > now:
        raise click.BadParameter(
            f"{since} is in the future (the digest time is {now.isoformat()}); give an earlier date",
            param_hint="--since",
        )
    # Written before anything is printed: a closed stdout must not leave --mark-sent unrecorded.
    run = run_digest(settings, now, since=start, days=days, mark_sent=mark_sent)
    if run.busy:
        click.echo(digest_folder.unfinished_message(settings, run.busy))
        return ExitCode.OK
    echo_problems(run.problems)
    if run.errors:
        click.echo(f"{len(run.errors)} error(s) in the entries: no digest written.", err=True)
        return ExitCode.PROBLEMS
    window = run.window
    span = f"{window.start.isoformat()} – {window.end.isoformat()}" if window else ""
    rendered = run.rendered
    if rendered is None:
        click.echo(f"No new entries ({span}): no digest written.")
        return ExitCode.OK
    if run.moved_to:
        taken = settings.out_dir / "digests" / rendered.date
        click.echo(
            f"{shown(taken, state.cwd)} holds a digest already sent: this one goes to {run.moved_to}/",
            err=True,
        )
    count = len(rendered.entry_ids)
    click.echo(f"Digest {rendered.digest_id}: {entries_count(count)} ({span})")
    for path in run.paths:
        click.echo(f"  {shown(path, state.cwd)}")
    if run.marked_sent:
        click.echo(f"Marked as sent in {shown(settings.state_path, state.cwd)}")
    if open_browser:
        page = settings.out_dir / rendered.directory / "index.html"
        if click.launch(str(page)) != 0:
            click.echo(
                f"warning: no browser could be opened -> open {shown(page, state.cwd)} yourself", err=True
            )
    return ExitCode.OK


@cli.command("publish")
@click.option("--now", "now_text", metavar="ISO", help="The run's point in time (default: now).")
@click.option("--no-send", is_flag=True, help="Build and render the digest only; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary on stdout.")
@click.pass_obj
def publish_command(state: CliState, now_text: str | None, no_send: bool, as_json: bool) -> ExitCode:
    """Build, render the digest of what is new, and send it: the one command for cron and CI.

    A digest an earlier run left unfinished is finished first. Exit code 0 when everything is done
    or there was nothing new; 1 when entries have errors or deliveries failed, are deferred or
    unknown (the summary says what to do); 2 for a usage error. Examples:

    \b
      publisher publish
      publisher publish --no-send           # build and render only
      publisher publish --json | jq .sent
    """
    import json

    from publisher.digest.selection import parse_moment
    from publisher.publish import PublishOptions, publish

    settings = state.settings()
    try:
        now = parse_moment(now_text, settings.tz) if now_text is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None
    progress = progress_bars(state)
    try:
        report = publish(settings, PublishOptions(now=now, send=not no_send), progress)
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        echo_problems(report.build.problems)
        for run in report.digests:
            echo_problems(run.problems)
        for line in report.advice():
            click.echo(line, err=True)
        for line in report.lines():
            click.echo(line)
    return ExitCode(report.exit_code)
