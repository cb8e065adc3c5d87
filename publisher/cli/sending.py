"""Commands that mail and serve: send, serve (the web app)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from publisher.cli.base import (
    CliState,
    ExitCode,
    ProjectPath,
)
from publisher.cli.main import cli
from publisher.errors import listen_error


@cli.command("send")
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing, change nothing.")
@click.option("--resume", is_flag=True, help="Also try again those the server refused for good before.")
@click.option("--force", is_flag=True, help="Send although the state file marks this digest as sent.")
@click.option(
    "--retry-unknown", is_flag=True, help="Also resend deliveries whose outcome is unknown (may duplicate)."
)
@click.option(
    "--mark-unknown-sent",
    is_flag=True,
    help="Record unknown deliveries as sent (after checking the server log).",
)
@click.option(
    "--list-unknown",
    is_flag=True,
    help="List the deliveries that wait for a decision or a retry (with their Message-IDs); send nothing.",
)
@click.option(
    "--arrived",
    multiple=True,
    metavar="ADDRESS",
    help="This unknown delivery arrived (found in the server log): record it as sent. Repeatable.",
)
@click.option(
    "--retry",
    multiple=True,
    metavar="ADDRESS",
    help="This unknown delivery did not arrive: send it again. Repeatable.",
)
@click.option(
    "--give-up",
    multiple=True,
    metavar="ADDRESS",
    help="Stop trying this unknown or deferred delivery: record it as failed. Repeatable.",
)
@click.option(
    "--to",
    "to_address",
    metavar="ADDRESS",
    help='A test send of the latest digest to ADDRESS only: "[Test]" subject, nothing recorded.',
)
@click.option(
    "--digest",
    "digest_dir",
    type=ProjectPath(file_okay=False, exists=True, path_type=Path),
    help="The digest folder to send (default: an unfinished one, else the newest out/digests/<date>/).",
)
@click.pass_obj
def send_command(
    state: CliState,
    dry_run: bool,
    resume: bool,
    force: bool,
    retry_unknown: bool,
    mark_unknown_sent: bool,
    list_unknown: bool,
    arrived: tuple[str, ...],
    retry: tuple[str, ...],
    give_up: tuple[str, ...],
    to_address: str | None,
    digest_dir: Path | None,
) -> ExitCode:
    """Send the digest to every active subscriber, exactly once.

    An unfinished digest (an interrupted run, deferred or unknown deliveries) is finished first;
    else the newest rendered digest is sent, unless it is sent already (then there is nothing to
    do: exit 0). Needs PUBLISHER_SECRET (unsubscribe links) and, if [smtp] username is set,
    PUBLISHER_SMTP_PASSWORD. Prints a summary on stdout; exit code 1 if any delivery failed, is
    deferred or has an unknown outcome (the summary says what to do).

    \b
    Examples:
      publisher send --to me@example.org     # a test send to yourself first
      publisher send
      publisher send --list-unknown          # after an interrupted run: who may have it?
      publisher send --arrived anna@example.org --retry bob@example.org
    """
    from publisher.digest.variants import for_sending
    from publisher.mail.send import SendOptions, send_digest, unresolved_deliveries

    if retry_unknown and mark_unknown_sent:
        raise click.UsageError("--retry-unknown and --mark-unknown-sent exclude each other")
    decisions = arrived or retry or give_up or retry_unknown or mark_unknown_sent
    if to_address is not None and (decisions or dry_run or list_unknown):
        raise click.UsageError("--to sends one test copy; it takes no other sending option")
    if list_unknown and (decisions or dry_run):
        raise click.UsageError("--list-unknown only lists; run the decisions without it")
    settings = state.settings()
    folder = (state.cwd / digest_dir).resolve() if digest_dir else None
    if list_unknown:
        digest_id, waiting = unresolved_deliveries(settings, folder)
        for delivery in waiting:
            click.echo(f"{delivery.status}\t{delivery.email}\t{delivery.message_id}\t{delivery.last_error}")
        click.echo(f"{len(waiting)} delivery(ies) of digest {digest_id or '-'} wait", err=True)
        return ExitCode.OK
    options = SendOptions(
        digest_dir=folder,
        dry_run=dry_run,
        resume=resume,
        force=force,
        retry_unknown=retry_unknown,
        mark_unknown_sent=mark_unknown_sent,
        arrived=arrived,
        retry=retry,
        give_up=give_up,
        to=to_address or "",
    )
    bar: Any = None

    def progress(done: int, total: int, outcome: Any) -> None:
        nonlocal bar
        if state.verbosity < 0 or total == 0:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Sending", file=sys.stderr, show_pos=True)
            bar.__enter__()
        if outcome is not None:
            bar.update(1)

    try:
        report = send_digest(settings, options, progress=progress, editions=for_sending(settings))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _echo_send_report(report)
    return ExitCode.OK if report.ok else ExitCode.PROBLEMS


def _echo_send_report(report: Any) -> None:
    if report.nothing_to_do:
        click.echo(f"nothing to send: {report.nothing_to_do}")
        return
    if report.test_to:
        for outcome in report.outcomes:
            if outcome.status == "sent":
                click.echo(
                    f"test copy of digest {report.digest_id} sent to {report.test_to} ({outcome.message_id})"
                )
            else:
                click.echo(f"test copy to {report.test_to} not sent: {outcome.error}", err=True)
        return
    if report.dry_run:
        for outcome in report.outcomes:
            if outcome.status == "planned":
                click.echo(f"would send\t{outcome.email}\t{outcome.greeting}\t{outcome.message_id}")
            else:
                click.echo(f"no mail\t{outcome.email}\t{outcome.error}")
    for outcome in report.failed:
        click.echo(f"failed: {outcome.email}: {outcome.error}", err=True)
    for delivery in report.deferred:
        click.echo(f"deferred: {delivery.email}: {delivery.last_error}", err=True)
    for delivery in report.unknown:
        click.echo(f"unknown: {delivery.email} {delivery.message_id}: {delivery.last_error}", err=True)
    for line in report.advice():
        click.echo(line, err=True)
    planned = sum(1 for o in report.outcomes if o.status == "planned")
    verb, count = ("would send", planned) if report.dry_run else ("sent", report.sent)
    click.echo(
        f"{verb} {count}, failed {len(report.failed)}, skipped {report.skipped}, unknown "
        f"{len(report.unknown)}, deferred {len(report.deferred)} (digest {report.digest_id}, {report.folder})"
    )
    if report.marked_sent:
        click.echo("the digest is marked as sent; 'publisher digest' moves on to new entries", err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Worker threads.")
@click.option(
    "--timeout",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds a connection may stay idle (a client that sends half a request) before it is closed.",
)
@click.option(
    "--trusted-proxy",
    default="",
    metavar="ADDR",
    help="The reverse proxy's address: its X-Forwarded-For header names the visitor.",
)
@click.pass_obj
def serve_command(
    state: CliState, host: str, port: int, threads: int, timeout: int, trusted_proxy: str
) -> None:
    """Run the web app (signup, confirmation, preferences, unsubscribe) on waitress, a threaded WSGI server.

    Slow clients do not hold up others: waitress reads each request completely before a worker thread
    handles it, and closes connections idle for longer than --timeout. Put a reverse proxy with https in
    front of it (see docs/operations.md). Request lines are not logged: they hold tokens.

    \b
    Example:
      PUBLISHER_SECRET=... publisher serve --port 8000
      # then open http://127.0.0.1:8000/subscribe
      publisher serve --port 8000 --trusted-proxy 127.0.0.1    # behind nginx on the same machine
    """
    from publisher.mail import tokens
    from publisher.mail.web.server import make_server
    from publisher.mail.webapp import WebApp

    app = WebApp.from_settings(state.settings(), tokens.secret_from_env())
    try:
        server = make_server(app, host, port, threads, timeout, trusted_proxy)
    except OSError as exc:
        raise listen_error(host, port, exc) from None
    bound = server.effective_port
    click.echo(f"Serving the web app on http://{host}:{bound}/subscribe", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.close()
