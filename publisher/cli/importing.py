"""``publisher import``: raw press-release text and old feeds to entries."""

from __future__ import annotations

import sys
from typing import Any

import click

from publisher.cli.base import (
    CliState,
    ExitCode,
    IsoDate,
    echo_problems,
    not_blank,
    shown,
)
from publisher.cli.main import cli


@cli.command("import")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--from-feed",
    "feed",
    metavar="FILE|URL",
    help="Import every item of an RSS, Atom or JSON feed (a file or an http(s) URL); item ids are kept.",
)
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be imported.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as a JSON array on stdout.")
@click.option(
    "--explain", is_flag=True, help="Show, line by line, what became what and what was dropped, and why."
)
@click.option(
    "--date",
    "date_",
    type=IsoDate(),
    metavar="YYYY-MM-DD",
    help="The entry's date (when the text has none, or to override it).",
)
@click.option(
    "--lang", type=click.Choice(["de", "en"]), help="The language (default: detected from the text)."
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", callback=not_blank, help="Add a tag (repeatable)."
)
@click.option(
    "--author",
    "authors",
    multiple=True,
    metavar="NAME",
    callback=not_blank,
    help="Add an author (repeatable).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing entry file; its id is kept.")
@click.pass_obj
def import_command(
    state: CliState,
    files: tuple[str, ...],
    feed: str | None,
    dry_run: bool,
    as_json: bool,
    explain: bool,
    date_: Any,
    lang: str | None,
    tags: tuple[str, ...],
    authors: tuple[str, ...],
    force: bool,
) -> ExitCode:
    """Turn raw press-release text (FILE, or - for stdin) into clean entries in entries/.

    \b
    Examples:
      publisher import release.txt              # writes entries/<yyyy-mm-dd>-<slug>.md, prints its path
      publisher import --dry-run --json a.txt   # writes nothing; prints the entries as JSON
      publisher import --explain release.txt    # what became of every line, and why
      publisher import --date 2024-05-14 --tag Cluster - < release.txt
      publisher import --from-feed https://www.example.org/feed.xml   # a site's feed, ids kept
    """
    import json

    from publisher.importing.batch import ImportInput, import_feed, import_inputs
    from publisher.importing.importer import ImportOptions, explain_lines

    settings = state.settings()
    options = ImportOptions(
        date=date_,
        lang=lang,
        tags=tags,
        authors=authors,
        default_lang=settings.language,
    )
    if bool(feed) == bool(files):
        raise click.UsageError("give FILE... or --from-feed FILE|URL (one of the two)")
    if feed:
        outcomes = import_feed(
            feed, options, settings.entries_dir, locate=state.import_path, dry_run=dry_run, force=force
        )
    else:
        inputs = [
            ImportInput.stream(sys.stdin.buffer) if name == "-" else ImportInput.file(name, state.import_path)
            for name in files
        ]
        outcomes = import_inputs(inputs, options, settings.entries_dir, dry_run=dry_run, force=force)
    records: list[dict[str, object]] = []
    failed = total = 0
    for outcome in outcomes:
        total += 1
        records.append(outcome.as_json(explain, lambda path: shown(path, state.cwd)))
        if outcome.entry is not None:
            echo_problems(outcome.entry.warnings)
            if explain and not as_json:
                click.echo("\n".join(explain_lines(outcome.entry)))
        if outcome.error is not None:
            failed += 1
            click.echo(f"Error: {outcome.error}", err=True)
        elif outcome.status == "unchanged":
            where = shown(outcome.path, state.cwd) if outcome.path else ""
            click.echo(
                f"{outcome.source}: already imported as {where}; unchanged (--force rewrites it)", err=True
            )
        elif outcome.status is not None and not as_json:
            click.echo(shown(outcome.path, state.cwd) if outcome.path else "")
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    if failed:
        click.echo(f"{failed} of {total} input(s) failed", err=True)
        return ExitCode.PROBLEMS
    return ExitCode.OK
