"""Command line: parse options, call library functions, print results. The only module importing click."""

from __future__ import annotations

import errno
import logging
import re
import sys
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from publisher import __version__
from publisher.errors import Problem, PublisherError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class CliState:
    """What the global options decided, passed to every command via ``ctx.obj``."""

    cwd: Path
    config_path: Path | None
    verbosity: int = 0
    _settings: Any = field(default=None, repr=False)

    def settings(self) -> Any:
        from publisher.config import load_settings

        if self._settings is None:
            self._settings = load_settings(self.config_path, cwd=self.cwd)
        return self._settings

    def import_path(self, name: str) -> Path:
        """The input file ``name``; a relative one is looked up inside the ``-C`` directory, and when it is
        not there (a shell glob such as ``incoming/*.txt`` is expanded where publisher was started, not
        in the -C directory) the error names that directory."""
        path = Path(name)
        if path.is_absolute():
            return path
        path = self.cwd / name
        if self.cwd != Path.cwd().resolve() and not path.exists() and not path.is_symlink():
            raise PublisherError(
                f"{name}: no such file in {self.cwd} (with -C a relative path is looked up inside that "
                f"directory; a shell glob is expanded in the directory you started in) -> give the path "
                f"relative to {self.cwd}, or an absolute one"
            )
        return path


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD; a day that does not exist says so (click's DateTime
    only said the format did not match)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            self.fail(f"{value!r} is not written YYYY-MM-DD, e.g. 2024-05-14", param, ctx)
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            self.fail(f"{value!r} is not a date: {exc}", param, ctx)


class ProjectPath(click.Path):
    """``click.Path`` that checks a relative path where publisher will use it: inside the ``-C``
    directory, not the directory the command was started in."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        state = ctx.find_root().obj if ctx is not None else None
        if isinstance(state, CliState) and isinstance(value, str | Path) and not Path(value).is_absolute():
            value = str(state.cwd / value)
        return super().convert(value, param, ctx)


class ExitCode(IntEnum):
    """What a command's exit status means (a command returns one; the group turns it into the exit)."""

    OK = 0
    PROBLEMS = 1  # problems found in the input, or a run that did not fully succeed
    USAGE = 2  # click's own code for usage errors


class Failure(click.ClickException):
    """A PublisherError (or a refused file system operation) as click shows it: ``Error: ...``, exit 1."""

    exit_code = ExitCode.PROBLEMS


class PublisherGroup(click.Group):
    """The one place that turns results and errors into exit codes: a command's returned ExitCode
    becomes the exit status; PublisherError and a file system that refuses a read or write (a read-only
    folder, a full disk) become a message on stderr and exit 1; real bugs keep their traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except PublisherError as exc:
            raise Failure(str(exc)) from None
        except BrokenPipeError:
            raise  # stdout went to `head` or a closed pager: click exits 1 quietly
        except OSError as exc:
            raise Failure(os_error_message(exc)) from None
        if isinstance(result, ExitCode) and result is not ExitCode.OK:
            ctx.exit(result)
        return result


def os_error_message(exc: OSError) -> str:
    """``path: what the system said -> what to do`` for a failed read or write."""
    where = exc.filename if exc.filename is not None else "a file"
    hints = {
        errno.EACCES: "give publisher write access to the folder, or choose another one (e.g. --out)",
        errno.EROFS: "the folder is on a read-only file system: choose a writable one (e.g. --out)",
        errno.ENOSPC: "the disk is full: free some space and run the command again",
        errno.EADDRINUSE: "another program listens on that port: choose another with --port",
    }
    hint = hints.get(exc.errno or 0, "check the path and its permissions, then run the command again")
    return f"{where}: {exc.strerror or exc} -> {hint}"


def echo_problems(problems: list[Problem] | tuple[Problem, ...], strict: bool = False) -> None:
    """Every problem on stderr; with -q only errors (and, with ``strict``, the warnings that count)."""
    context = click.get_current_context(silent=True)
    quiet = context is not None and isinstance(context.obj, CliState) and context.obj.verbosity < 0
    for problem in problems:
        if problem.is_error or strict or not quiet:
            click.echo(str(problem), err=True)


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@click.group(cls=PublisherGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="publisher")
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if publisher was started in DIR (like git -C).",
    metavar="DIR",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Path to publisher.toml (default: ./publisher.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress.")
@click.pass_context
def cli(
    ctx: click.Context, directory: Path | None, config_path: Path | None, verbose: int, quiet: bool
) -> None:
    """Publish Markdown news entries as RSS, Atom, JSON Feed, a web archive and email digests.

    \b
    Examples:
      publisher build                 # build out/ from publisher.toml + entries/
      publisher -C site check         # lint the project in ./site, write nothing
      publisher import release.txt    # raw press-release text -> entries/<date>-<slug>.md
    """
    if directory is not None and not directory.is_dir():
        raise click.BadParameter(f"{directory} is not a directory", param_hint="-C")
    cwd = (directory or Path.cwd()).resolve()
    if config_path is not None and not config_path.is_absolute():
        config_path = cwd / config_path
    verbosity = -1 if quiet else verbose
    _configure_logging(verbosity)
    ctx.obj = CliState(cwd=cwd, config_path=config_path, verbosity=verbosity)


class _StageProgress:
    """Progress bars on stderr, one per pipeline stage; silent with -q or when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.stage = ""
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=stage.ljust(10), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _progress(state: CliState) -> _StageProgress:
    return _StageProgress(enabled=state.verbosity >= 0 and sys.stderr.isatty())


def _exit_for(problems: Sequence[Problem], strict: bool) -> ExitCode:
    """Exit 1 when there is an error, or any problem with --strict."""
    failed = any(p.is_error for p in problems) or (strict and bool(problems))
    return ExitCode.PROBLEMS if failed else ExitCode.OK


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
@click.pass_obj
def build(state: CliState, out_dir: Path | None, strict: bool, full: bool) -> ExitCode:
    """Build feeds and the web archive from entries/ into out/.

    Incremental: only files whose inputs changed are rendered and written; files of deleted
    entries are removed. With errors in any entry nothing is written. --full starts from
    nothing (the output is the same; files whose bytes do not change stay untouched). Example:

    \b
      publisher build && ls out/
      publisher build --full
    """
    from publisher.build.pipeline import build as run_build

    settings = state.settings()
    if out_dir is not None:
        settings = settings.with_overrides(out_dir=(state.cwd / out_dir).resolve())
    progress = _progress(state)
    try:
        report = run_build(settings, progress, full=full, strict=strict)
    finally:
        progress.close()
    echo_problems(report.problems, strict)
    if report.errors or (strict and report.problems):
        counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        because = "" if report.errors else " (--strict)"
        click.echo(f"{counts}{because}: nothing was written.", err=True)
        return ExitCode.PROBLEMS
    click.echo(
        f"{report.entries} entries: {len(report.written)} file(s) written, {report.unchanged} unchanged, "
        f"{len(report.deleted)} deleted in {settings.out_dir}"
    )
    return _exit_for(report.problems, strict)


@cli.command()
@click.option("--strict", is_flag=True, help="Warnings count as problems: exit 1 if there are any.")
@click.option(
    "--fix-ids",
    is_flag=True,
    help="Write a permanent id and slug (the entry's address) into every entry that lacks them.",
)
@click.pass_obj
def check(state: CliState, strict: bool, fix_ids: bool) -> ExitCode:
    """Load and lint every entry, the configuration and the links between them; write nothing
    to out/.

    Prints every problem (file:line: field: message -> what to do) on stderr and exits 1
    if there is an error (or any warning, with --strict). Example:

    \b
      publisher check --strict
      publisher check --fix-ids     # then commit the changed entries
    """
    from publisher.build.pipeline import check_site
    from publisher.build.project import fix_ids as write_ids
    from publisher.build.project import fix_slugs as write_slugs

    settings = state.settings()
    if fix_ids:
        for path in write_ids(settings):
            click.echo(f"id written: {path}")
        for path, slug in write_slugs(settings):
            click.echo(f"slug written: {path} ({slug})")
    entries, problems = check_site(settings, _progress(state))
    echo_problems(problems, strict)
    errors = sum(p.is_error for p in problems)
    click.echo(f"{entries} entries checked: {errors} error(s), {len(problems) - errors} warning(s)")
    return _exit_for(problems, strict)


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
    from publisher.build.pipeline import load_entries

    found, problems = load_entries(state.settings())
    echo_problems(problems)
    if as_json:
        click.echo(json.dumps([entry_as_dict(e) for e in found], ensure_ascii=False, indent=2))
    else:
        for entry in found:
            click.echo(f"{entry.published.date().isoformat()}  {entry.lang}  {entry.slug}  {entry.title}")
    return _exit_for(problems, strict=False)


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


# --- digest ---


def _shown(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


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

    Writes out/digests/<date>/ (email.html, email.txt, message.eml, index.html, digest.json).
    Without --since/--days the digest holds the entries published after the last digest marked
    as sent (the first one: the last [digest] window_days days). Examples:

    \b
      publisher digest
      publisher digest --since 2024-05-01 --open
      publisher digest --now 2024-05-20T09:00+02:00 --mark-sent
    """
    from publisher.digest import folder as digest_folder
    from publisher.digest import render as digests
    from publisher.digest import selection as choose

    if since is not None and days is not None:
        raise click.UsageError("give either --since or --days, not both")
    settings = state.settings()
    try:
        # An empty value (an unset variable in `--now "$NOW"`) is an error, not "now".
        now = (
            choose.parse_moment(now_text, settings.tz)
            if now_text is not None
            else choose.default_now(settings)
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None
    try:
        start = choose.parse_moment(since, settings.tz) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if start is not None and start > now:
        raise click.BadParameter(
            f"{since} is in the future (the digest time is {now.isoformat()}); give an earlier date",
            param_hint="--since",
        )

    sent = digest_folder.load_digest_state(settings)
    window = choose.digest_window(sent, now, window_days=settings.digest.window_days, since=start, days=days)
    selection, problems = choose.load_selection(settings, sent, window)
    errors = [p for p in problems if p.is_error]
    if errors:
        echo_problems(errors)
        click.echo(f"{len(errors)} error(s) in the entries: no digest written.", err=True)
        return ExitCode.PROBLEMS
    chosen = {e.source_path for e in selection.entries}
    echo_problems([p for p in problems if p.path in chosen])
    span = f"{window.start.isoformat()} – {window.end.isoformat()}"
    if not selection.entries:
        click.echo(f"No new entries ({span}): no digest written.")
        return ExitCode.OK

    rendered = digests.render_digest(settings, selection, now)
    folder = digest_folder.free_folder(settings, rendered, sent)
    if folder != rendered.folder:
        taken = settings.out_dir / rendered.directory
        click.echo(
            f"{_shown(taken, state.cwd)} holds a digest already sent: this one goes to {folder}/", err=True
        )
        rendered = digests.render_digest(settings, selection, now, folder=folder)
    echo_problems(rendered.warnings)
    paths = digest_folder.write_digest(settings, rendered)
    if mark_sent:  # before anything is printed: a closed stdout must not leave it unrecorded
        digest_folder.mark_sent(settings, rendered)
    count = len(rendered.entry_ids)
    click.echo(f"Digest {rendered.digest_id}: {count} entr{'y' if count == 1 else 'ies'} ({span})")
    for path in paths:
        click.echo(f"  {_shown(path, state.cwd)}")
    if mark_sent:
        click.echo(f"Marked as sent in {_shown(settings.state_path, state.cwd)}")
    if open_browser:
        page = settings.out_dir / rendered.directory / "index.html"
        if click.launch(str(page)) != 0:
            click.echo(
                f"warning: no browser could be opened -> open {_shown(page, state.cwd)} yourself", err=True
            )
    return ExitCode.OK


# --- import ---


def _not_blank(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeatable text options: an empty value is a usage error (it would break the entry file)."""
    if any(not value.strip() for value in values):
        raise click.BadParameter("must not be empty -> give a value, or leave the option out", ctx, param)
    return tuple(value.strip() for value in values)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
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
    "--tag", "tags", multiple=True, metavar="TAG", callback=_not_blank, help="Add a tag (repeatable)."
)
@click.option(
    "--author",
    "authors",
    multiple=True,
    metavar="NAME",
    callback=_not_blank,
    help="Add an author (repeatable).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing entry file; its id is kept.")
@click.pass_obj
def import_command(
    state: CliState,
    files: tuple[str, ...],
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
    """
    import json

    from publisher.importing.batch import ImportInput, import_inputs
    from publisher.importing.importer import ImportOptions, explain_lines

    settings = state.settings()
    options = ImportOptions(
        date=date_,
        lang=lang,
        tags=tags,
        authors=authors,
        default_lang=settings.language,
    )
    inputs = [
        ImportInput.stream(sys.stdin.buffer) if name == "-" else ImportInput.file(name, state.import_path)
        for name in files
    ]
    records: list[dict[str, object]] = []
    failed = 0
    for outcome in import_inputs(inputs, options, settings.entries_dir, dry_run=dry_run, force=force):
        records.append(outcome.as_json(explain, lambda path: _shown(path, state.cwd)))
        if outcome.entry is not None:
            echo_problems(outcome.entry.warnings)
            if explain and not as_json:
                click.echo("\n".join(explain_lines(outcome.entry)))
        if outcome.error is not None:
            failed += 1
            click.echo(f"Error: {outcome.error}", err=True)
        elif outcome.status == "unchanged":
            shown = _shown(outcome.path, state.cwd) if outcome.path else ""
            click.echo(
                f"{outcome.source}: already imported as {shown}; unchanged (--force rewrites it)", err=True
            )
        elif outcome.status is not None and not as_json:
            click.echo(_shown(outcome.path, state.cwd) if outcome.path else "")
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    if failed:
        click.echo(f"{failed} of {len(files)} input(s) failed", err=True)
        return ExitCode.PROBLEMS
    return ExitCode.OK


# --- subscribers and send ---


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
@click.option("--lang", default="", help="de or en; empty means the digest's language.")
@click.option("--tags", default="", help='Comma-separated tags, e.g. "presse, rathaus".')
@click.pass_obj
def subscribers_add(state: CliState, email: str, name: str, lang: str, tags: str) -> None:
    """Add one subscriber; the address is checked and must be new (case-insensitively).

    \b
    Example:
      publisher subscribers add anna@example.org --name "Anna Müller" --lang de --tags presse
    """
    from publisher.mail import database, subscribers

    with closing(database.connect(state.settings().database_path)) as conn:
        added = subscribers.add_subscriber(conn, email, name=name, lang=lang, tags=tags)
    click.echo(f"added {added.email}")


@subscribers_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=ProjectPath(dir_okay=False, path_type=Path))
@click.pass_obj
def subscribers_import(state: CliState, csv_file: Path) -> ExitCode:
    """Import subscribers from a UTF-8 CSV file with the columns email,name,lang,tags.

    Bad rows are reported with their line number and skipped; every other row is imported.
    Exit code 1 if any row was invalid; duplicates are warnings.

    \b
    Example:
      publisher subscribers import list.csv
    """
    from publisher.mail import database, subscriber_csv

    with closing(database.connect(state.settings().database_path)) as conn:
        report = subscriber_csv.import_csv(conn, (state.cwd / csv_file).resolve())
    echo_problems(report.problems)
    click.echo(f"imported {len(report.added)}, skipped {report.skipped} row(s) with problems")
    return ExitCode.PROBLEMS if report.errors else ExitCode.OK


@subscribers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.pass_obj
def subscribers_list(state: CliState, as_json: bool) -> None:
    """List every subscriber (active and unsubscribed), ordered by address.

    \b
    Examples:
      publisher subscribers list
      publisher subscribers list --json | jq '.[] | select(.status == "active") | .email'
    """
    import json

    from publisher.mail import database, subscribers

    with closing(database.connect(state.settings().database_path)) as conn:
        found = subscribers.list_subscribers(conn)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in found], indent=2, ensure_ascii=False))
        return
    for s in found:
        click.echo("\t".join([s.email, s.name, s.lang or "-", s.status, ",".join(s.tags)]))
    click.echo(f"{len(found)} subscriber(s)", err=True)


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


@cli.command("send")
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing, change nothing.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: everyone not yet sent.")
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
    "--digest",
    "digest_dir",
    type=ProjectPath(file_okay=False, exists=True, path_type=Path),
    help="The digest folder to send (default: the newest out/digests/<date>/).",
)
@click.pass_obj
def send_command(
    state: CliState,
    dry_run: bool,
    resume: bool,
    force: bool,
    retry_unknown: bool,
    mark_unknown_sent: bool,
    digest_dir: Path | None,
) -> ExitCode:
    """Send the latest rendered digest to every active subscriber, exactly once.

    Needs PUBLISHER_SECRET (unsubscribe links) and, if [smtp] username is set, PUBLISHER_SMTP_PASSWORD.
    Prints a summary on stdout; exit code 1 if any delivery failed or has an unknown outcome.

    \b
    Examples:
      publisher send --dry-run
      publisher send
      publisher send --resume                # after a crash or an aborted run
      publisher send --mark-unknown-sent     # after checking the server log for the Message-IDs
    """
    from publisher.mail.send import SendOptions, send_digest

    if retry_unknown and mark_unknown_sent:
        raise click.UsageError("--retry-unknown and --mark-unknown-sent exclude each other")
    options = SendOptions(
        digest_dir=(state.cwd / digest_dir).resolve() if digest_dir else None,
        dry_run=dry_run,
        resume=resume,
        force=force,
        retry_unknown=retry_unknown,
        mark_unknown_sent=mark_unknown_sent,
    )
    settings = state.settings()
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
        report = send_digest(settings, options, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _echo_send_report(report)
    return ExitCode.OK if report.ok else ExitCode.PROBLEMS


def _echo_send_report(report: Any) -> None:
    if report.dry_run:
        for outcome in report.outcomes:
            click.echo(f"would send\t{outcome.email}\t{outcome.greeting}\t{outcome.message_id}")
    for outcome in report.failed:
        click.echo(f"failed: {outcome.email}: {outcome.error}", err=True)
    for delivery in report.unknown:
        click.echo(f"unknown: {delivery.email} {delivery.message_id}: {delivery.last_error}", err=True)
    if report.unknown:
        click.echo(
            "Unknown means the server may have the message. Search its log for the Message-ID, then run "
            "'publisher send --mark-unknown-sent' (it arrived) or 'publisher send --retry-unknown' "
            "(it did not).",
            err=True,
        )
    verb, count = ("would send", len(report.outcomes)) if report.dry_run else ("sent", report.sent)
    click.echo(
        f"{verb} {count}, failed {len(report.failed)}, skipped {report.skipped}, "
        f"unknown {len(report.unknown)} (digest {report.digest_id}, {report.folder})"
    )
    if report.marked_sent:
        click.echo("the digest is marked as sent; 'publisher digest' moves on to new entries", err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.pass_obj
def serve_command(state: CliState, host: str, port: int) -> None:
    """Run the unsubscribe web app with wsgiref (for local use; see docs for a production WSGI server).

    \b
    Example:
      PUBLISHER_SECRET=... publisher serve --port 8025
      # then open http://127.0.0.1:8025/unsubscribe?token=...
    """
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from publisher.mail import tokens
    from publisher.mail.webapp import UnsubscribeApp

    app = UnsubscribeApp.from_settings(state.settings(), tokens.secret_from_env())

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            # The request line holds the token; log method and status only.
            logging.getLogger("publisher.serve").info("%s %s", self.command, args[1] if len(args) > 1 else "")

    with make_server(host, port, app, handler_class=QuietHandler) as server:
        click.echo(f"Serving the unsubscribe app on http://{host}:{server.server_port}/unsubscribe", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
