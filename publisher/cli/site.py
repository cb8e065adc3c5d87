"""Commands on the site: build, check, entries, init, new, preview."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.base import (
    CliState,
    ExitCode,
    ProjectPath,
    echo_problems,
    entries_count,
    exit_for,
    moment,
    not_blank,
    progress_bars,
    shown,
)
from publisher.cli.main import cli
from publisher.errors import PublisherError


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=ProjectPath(file_okay=False, path_type=Path),
    help="Write here instead of out_dir.",
)
@click.option(
    "--strict", is_flag=True, help="Warnings count as errors: with any, nothing is written and the exit is 1."
)
@click.option(
    "--full",
    is_flag=True,
    help="Ignore the cache and what earlier builds wrote: normalise and render everything again.",
)
@click.option("--future", is_flag=True, help="Also publish the entries dated in the future (scheduled).")
@click.option("--now", "now_text", metavar="ISO", help="Build the site as it is at this time (default: now).")
@click.pass_obj
def build(
    state: CliState, out_dir: Path | None, strict: bool, full: bool, future: bool, now_text: str | None
) -> ExitCode:
    """Build feeds and the web archive from entries/ into out/.

    Incremental: only files whose inputs changed are rendered and written; files of deleted
    entries are removed. With errors in any entry nothing is written. --full starts from
    nothing (the output is the same; files whose bytes do not change stay untouched). Entries
    dated in the future are scheduled: left out until their time (a build from cron then
    publishes them), unless --future. Example:

    \b
      publisher build && ls out/
      publisher build --full
      publisher build --now 2024-06-03T08:00   # the site as it will be then
    """
    from publisher.build.pipeline import build as run_build

    settings = state.settings()
    now = moment(settings, now_text)
    if out_dir is not None:
        settings = settings.with_overrides(out_dir=(state.cwd / out_dir).resolve())
    progress = progress_bars(state)
    try:
        report = run_build(settings, progress, full=full, strict=strict, now=now, future=future)
    finally:
        progress.close()
    echo_problems(report.problems, strict, summary=True)
    if report.errors or (strict and report.problems):
        counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        because = "" if report.errors else " (--strict)"
        click.echo(f"{counts}{because}: nothing was written.", err=True)
        return ExitCode.PROBLEMS
    click.echo(
        f"{entries_count(report.entries)}: {len(report.written)} file(s) written, "
        f"{report.unchanged} unchanged, {len(report.deleted)} deleted in {settings.out_dir}"
    )
    if report.scheduled and not future:
        first = report.scheduled[0]
        click.echo(
            f"{len(report.scheduled)} scheduled entr{'y' if len(report.scheduled) == 1 else 'ies'} left out "
            f"(the next: {first.source_path} at {first.published.isoformat()}); 'publisher check' lists them",
            err=True,
        )
    return exit_for(report.problems, strict)


@cli.command()
@click.option("--strict", is_flag=True, help="Warnings count as problems: exit 1 if there are any.")
@click.option(
    "--fix-ids",
    is_flag=True,
    help="Write a permanent id and slug (the entry's address) into every entry that lacks them.",
)
@click.option(
    "--now", "now_text", metavar="ISO", help="Which entries are scheduled at this time (default: now)."
)
@click.pass_obj
def check(state: CliState, strict: bool, fix_ids: bool, now_text: str | None) -> ExitCode:
    """Load and lint every entry, the configuration and the links between them; write nothing
    to out/.

    Prints every problem (file:line: field: message -> what to do) on stderr and exits 1
    if there is an error (or any warning, with --strict). Lists on stdout the scheduled entries
    (dated in the future) and when each goes out. Example:

    \b
      publisher check --strict
      publisher check --fix-ids     # then commit the changed entries
    """
    from publisher.build.pipeline import check_site
    from publisher.build.project import fix_ids as write_ids
    from publisher.build.project import fix_slugs as write_slugs

    settings = state.settings()
    now = moment(settings, now_text)
    if fix_ids:
        for path in write_ids(settings):
            click.echo(f"id written: {path}")
        for path, slug in write_slugs(settings):
            click.echo(f"slug written: {path} ({slug})")
    report = check_site(settings, progress_bars(state), now=now)
    problems = report.problems
    echo_problems(problems, strict)
    for entry in report.scheduled:
        click.echo(f"scheduled: {entry.source_path} goes out {entry.published.isoformat(sep=' ')}")
    errors = sum(p.is_error for p in problems)
    click.echo(
        f"{entries_count(report.entries)} checked: {errors} error(s), {len(problems) - errors} warning(s)"
    )
    return exit_for(problems, strict)


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON array (the default is one line per entry)."
)
@click.pass_obj
def entries(state: CliState, as_json: bool) -> ExitCode:
    """List the normalised entries, newest first.

    \b
      publisher entries
      publisher entries --json | jq '.[0].title'
    """
    import json

    from publisher.build.export import entry_as_dict
    from publisher.content.load import load_entries

    found, problems = load_entries(state.settings())
    echo_problems(problems)
    if as_json:
        click.echo(json.dumps([entry_as_dict(e) for e in found], ensure_ascii=False, indent=2))
    else:
        for entry in found:
            click.echo(f"{entry.published.date().isoformat()}  {entry.lang}  {entry.slug}  {entry.title}")
    return exit_for(problems, strict=False)


@cli.command()
@click.argument("directory", type=ProjectPath(file_okay=False, path_type=Path))
@click.option("--title", default="Neuigkeiten", show_default=True, help="Site title.")
@click.option(
    "--base-url", default="https://example.org/", show_default=True, help="Absolute URL of the site."
)
@click.pass_obj
def init(state: CliState, directory: Path, title: str, base_url: str) -> None:
    """Scaffold a new project: publisher.toml, entries/ with one example, templates/.

    \b
      publisher init newsroom --title "Cluster News" --base-url https://news.example.org/
      cd newsroom && publisher build
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from publisher.build.project import init_project

    target = directory if directory.is_absolute() else state.cwd / directory
    try:
        created = init_project(target, title, base_url, datetime.now(ZoneInfo("Europe/Berlin")))
    except PublisherError as exc:
        if exc.problems and all(p.field in ("--title", "--base-url") for p in exc.problems):
            raise click.UsageError(str(exc)) from None  # a bad option value: exit 2, nothing created
        raise
    for path in created:
        click.echo(f"created {path}")


@cli.command("new")
@click.argument("title")
@click.option("--lang", help="The entry's language, e.g. de, en, de-AT (default: the site's language).")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", callback=not_blank, help="Add a tag (repeatable)."
)
@click.option("--now", "now_text", metavar="ISO", help="The entry's date and time (default: now).")
@click.pass_obj
def new_command(
    state: CliState, title: str, lang: str | None, tags: tuple[str, ...], now_text: str | None
) -> None:
    """Start a new entry: entries/YYYY/YYYY-MM-DD-slug.md, a draft with an id and today's date.

    Prints the new file's path; an existing file is never replaced. Remove the draft line to
    publish it; a date in the future schedules it. Example:

    \b
      publisher new "Neues Wasserwerk eröffnet" --tag Wasser --tag Köln
      publisher new "Annual report" --lang en --now 2024-06-03T08:00
    """
    from publisher.build.project import new_entry

    settings = state.settings()
    path = new_entry(settings, title, moment(settings, now_text), lang=lang, tags=tags)
    click.echo(shown(path, state.cwd))


@cli.command("preview")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (this machine only)."
)
@click.option("--drafts", is_flag=True, help="Also show drafts and scheduled entries, each with a banner.")
@click.option(
    "--now", "now_text", metavar="ISO", help="Preview the site as it is at this time (default: now)."
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the browser.")
@click.pass_obj
def preview_command(
    state: CliState, port: int, host: str, drafts: bool, now_text: str | None, open_browser: bool
) -> None:
    """Serve the site on this machine, rebuild it when a file changes and reload the page.

    Watches entries/, templates/ and publisher.toml. A problem is shown in the browser, on any
    page, until the next good save. /_digest/ shows the digest as it would go out now. The files
    the preview builds go to .publisher/preview/, never to out/. Example:

    \b
      publisher preview --open
      publisher preview --drafts --port 8001
    """
    from publisher.preview.server import PreviewServer
    from publisher.preview.session import PreviewOptions, Session

    settings = state.settings()
    now = moment(settings, now_text) if now_text is not None else None

    def echo(line: str) -> None:
        if state.verbosity >= 0 or not line.startswith("built "):
            click.echo(line, err=True)

    session = Session(state.config_path, state.cwd, PreviewOptions(drafts=drafts, now=now), echo)
    server = PreviewServer(session, host, port)
    try:
        session.rebuild()
        server.start_watching()
        click.echo(f"Preview on {server.url} (/_digest/ for the digest; Ctrl+C stops it)", err=True)
        if open_browser and click.launch(server.url) != 0:
            click.echo(f"warning: no browser could be opened -> open {server.url} yourself", err=True)
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.close()
