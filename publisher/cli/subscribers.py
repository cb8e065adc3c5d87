"""``publisher subscribers``: the subscriber list, consent, export and erasure."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import click

from publisher.cli.base import (
    CONTEXT_SETTINGS,
    CliState,
    ExitCode,
    ProjectPath,
    echo_problems,
)
from publisher.cli.main import cli


@cli.group("subscribers", context_settings=CONTEXT_SETTINGS)
def subscribers_group() -> None:
    """Manage the subscriber list (SQLite, [smtp] database, default publisher.db).

    \b
    Examples:
      publisher subscribers add anna@example.org --name Anna --lang de
      publisher subscribers import list.csv
      publisher subscribers list --json
    """


@subscribers_group.command("add")
@click.argument("email")
@click.option("--name", default="", help='Name used in the greeting ("Hallo Anna,").')
@click.option("--lang", default="", help="de or en: the language of the whole mail; empty: the site's.")
@click.option(
    "--topics",
    "--tags",
    "topics",
    default="",
    help='Comma-separated topics (tags of entries), e.g. "presse, rathaus"; empty: every entry.',
)
@click.pass_obj
def subscribers_add(state: CliState, email: str, name: str, lang: str, topics: str) -> None:
    """Add one confirmed subscriber: you vouch for their consent (recorded as source "cli").

    The address is checked and must be new (case-insensitively), and not erased on request.

    \b
    Example:
      publisher subscribers add anna@example.org --name "Anna Müller" --lang de --topics presse
    """
    from publisher.mail import database, subscribers

    with closing(database.connect(state.settings().database_path)) as conn:
        added = subscribers.add_subscriber(conn, email, name=name, lang=lang, tags=topics)
    click.echo(f"added {added.email}")


@subscribers_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=ProjectPath(dir_okay=False, path_type=Path))
@click.option(
    "--confirm",
    "ask",
    is_flag=True,
    help="Mail the confirmation link to every imported row without consent (needs [smtp], PUBLISHER_SECRET).",
)
@click.pass_obj
def subscribers_import(state: CliState, csv_file: Path, ask: bool) -> ExitCode:
    """Import subscribers from a UTF-8 CSV file: email,name,lang,topics,consent_source,consented_at.

    Rows with consent_source and consented_at (where and when they consented) are imported as confirmed;
    rows without are pending and get no digest until they confirm: --confirm mails them the link.
    Bad rows are reported with their line number and skipped; every other row is imported.
    Exit code 1 if any row was invalid (or a confirmation mail failed); duplicates are warnings.

    \b
    Examples:
      publisher subscribers import list.csv
      publisher subscribers import messe-2024.csv --confirm
    """
    from datetime import UTC, datetime

    from publisher.mail import confirmation, database, subscriber_csv, subscribers, tokens

    settings = state.settings()
    path = (state.cwd / csv_file).resolve()
    secret = tokens.secret_from_env() if ask else b""
    with closing(database.connect(settings.database_path)) as conn:
        report = subscriber_csv.import_csv(conn, path)
        pending = [s for s in report.added if s.status == subscribers.PENDING]
        requests = (
            confirmation.ask_to_confirm(
                settings, conn, pending, secret, f"import:{path.name}", datetime.now(UTC)
            )
            if ask
            else None
        )
    echo_problems(report.problems)
    confirmed = len(report.added) - len(pending)
    click.echo(
        f"imported {len(report.added)} ({confirmed} confirmed, {len(pending)} pending), "
        f"skipped {report.skipped} row(s) with problems"
    )
    if requests is not None:
        for address, why in requests.failed:
            click.echo(f"confirmation mail to {address} failed: {why}", err=True)
        click.echo(
            f"confirmation mails: {len(requests.sent)} sent, {len(requests.failed)} failed, "
            f"{len(requests.held_back)} held back (one went out within the last "
            f"{settings.subscribe.confirm_interval_hours:g} h)"
        )
    elif pending:
        click.echo(
            f"{len(pending)} pending subscriber(s) get no digest until they confirm -> run the import with "
            "--confirm to mail them the link, or add consent_source and consented_at if they consented "
            "elsewhere",
            err=True,
        )
    return ExitCode.PROBLEMS if report.errors or (requests and requests.failed) else ExitCode.OK


@subscribers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.pass_obj
def subscribers_list(state: CliState, as_json: bool) -> None:
    """List every address with its status: pending, confirmed, unsubscribed, or suppressed (erased on
    request: only a hash is left). Tab-separated: email, name, lang, status, topics.

    \b
    Examples:
      publisher subscribers list
      publisher subscribers list --json | jq '.[] | select(.status == "confirmed") | .email'
    """
    import json

    from publisher.mail import database, subscribers, suppression
    from publisher.tabular import safe_cell

    with closing(database.connect(state.settings().database_path)) as conn:
        found = subscribers.list_subscribers(conn)
        erased = suppression.list_suppressions(conn)
    if as_json:
        rows = [s.as_dict() for s in found] + [
            {"email": None, "address_sha256": e.address_hash, "status": "suppressed", "since": e.at}
            for e in erased
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for s in found:
        cells = [
            safe_cell(s.email),
            safe_cell(s.name),
            s.lang or "-",
            s.status,
            safe_cell(",".join(s.topics)),
        ]
        click.echo("\t".join(cells))
    for e in erased:
        click.echo("\t".join([f"(erased {e.address_hash[:12]})", "", "-", subscribers.SUPPRESSED, ""]))
    click.echo(f"{len(found)} subscriber(s), {len(erased)} suppressed", err=True)


@subscribers_group.command("remove")
@click.argument("email")
@click.pass_obj
def subscribers_remove(state: CliState, email: str) -> None:
    """Delete a subscriber (the delivery log is kept). Use "unsubscribe" to keep the record instead.

    \b
    Example:
      publisher subscribers remove anna@example.org
    """
    from publisher.mail import database, subscribers

    with closing(database.connect(state.settings().database_path)) as conn:
        removed = subscribers.remove_subscriber(conn, email)
    click.echo(f"removed {removed.email}")


@subscribers_group.command("export")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the default is a readable summary).")
@click.pass_obj
def subscribers_export(state: CliState, email: str, as_json: bool) -> None:
    """Everything stored about one address: the subscriber, the consent history, every delivery.

    For a request for access (GDPR Art. 15). Example:

    \b
      publisher subscribers export anna@example.org --json > anna.json
    """
    import json

    from publisher.mail import database, privacy

    with closing(database.connect(state.settings().database_path)) as conn:
        data = privacy.export(conn, email)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    subscriber: Any = data["subscriber"]
    if subscriber is None:
        click.echo(f"{email.strip()}: erased on request; only a hash is kept on the suppression list")
        return
    for key, value in subscriber.items():
        click.echo(f"{key}: {value if value not in (None, '') else '-'}")
    events: Any = data["consent"]
    click.echo(f"consent history: {len(events)} event(s)")
    for event in events:
        click.echo(f"  {event['at']}  {event['event']}  {event['source']}  {event['ip'] or '-'}")
    deliveries: Any = data["deliveries"]
    click.echo(f"deliveries: {len(deliveries)}")
    for delivery in deliveries:
        click.echo(f"  {delivery['digest_id']}  {delivery['status']}  {delivery['sent_at'] or '-'}")


@subscribers_group.command("forget")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask before erasing.")
@click.pass_obj
def subscribers_forget(state: CliState, email: str, yes: bool) -> None:
    """Erase an address's personal data (GDPR Art. 17) and keep a hash on the suppression list.

    The subscriber and its consent history are deleted, its delivery rows lose address and Message-ID.
    No later import or "subscribers add" can add the address again; only a new web signup that the
    person confirms can. Example:

    \b
      publisher subscribers forget anna@example.org --yes
    """
    from publisher.mail import database, privacy

    if not yes:
        click.confirm(f"Erase everything stored about {email.strip()}? This cannot be undone", abort=True)
    with closing(database.connect(state.settings().database_path)) as conn:
        erased = privacy.forget(conn, email)
    click.echo(
        f"erased {erased.email}: {erased.consent_events} consent event(s) deleted, "
        f"{erased.deliveries} delivery row(s) anonymised; the address is on the suppression list"
    )


@subscribers_group.command("unsubscribe")
@click.argument("token")
@click.pass_obj
def subscribers_unsubscribe(state: CliState, token: str) -> None:
    """Unsubscribe whoever an unsubscribe token (from a mail's link) belongs to. Needs PUBLISHER_SECRET.

    \b
    Example:
      publisher subscribers unsubscribe 42.Xz1v...
    """
    from publisher.mail import database, subscribers, tokens

    secret = tokens.secret_from_env()
    with closing(database.connect(state.settings().database_path)) as conn:
        done = subscribers.unsubscribe_by_token(conn, secret, token)
    if done is None:
        raise click.ClickException(
            "the token is not valid (mistyped, forged, for a removed subscriber, or signed with another "
            "PUBLISHER_SECRET); nothing was changed"
        )
    click.echo(f"unsubscribed {done.email}")
