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
from publisher.errors import Problem, PublisherError, listen_error

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
        errno.EACCES: "check that publisher may read it (an input) or write its folder (an output, e.g. "
        "--out elsewhere)",
        errno.EROFS: "the folder is on a read-only file system: choose a writable one (e.g. --out)",
        errno.ENOSPC: "the disk is full: free some space and run the command again",
        errno.EADDRINUSE: "another program listens on that port: choose another with --port",
    }
    hint = hints.get(exc.errno or 0, "check the path and its permissions, then run the command again")
    return f"{where}: {exc.strerror or exc} -> {hint}"


def echo_problems(
    problems: list[Problem] | tuple[Problem, ...], strict: bool = False, summary: bool = False
) -> None:
    """Problems on stderr; with -q only errors (and, with ``strict``, the warnings that count).

    ``summary``: at most WARNING_LINES warnings one by one and the rest counted by kind (unless -v).
    """
    from publisher.errors import WARNING_LINES, problem_lines

    context = click.get_current_context(silent=True)
    verbosity = context.obj.verbosity if context is not None and isinstance(context.obj, CliState) else 0
    shown = [p for p in problems if p.is_error or strict or verbosity >= 0]
    limit = WARNING_LINES if summary and verbosity < 1 else None
    for line in problem_lines(shown, limit):
        click.echo(line, err=True)


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
    now = _moment(settings, now_text)
    if out_dir is not None:
        settings = settings.with_overrides(out_dir=(state.cwd / out_dir).resolve())
    progress = _progress(state)
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
        f"{report.entries} entries: {len(report.written)} file(s) written, {report.unchanged} unchanged, "
        f"{len(report.deleted)} deleted in {settings.out_dir}"
    )
    if report.scheduled and not future:
        first = report.scheduled[0]
        click.echo(
            f"{len(report.scheduled)} scheduled entr{'y' if len(report.scheduled) == 1 else 'ies'} left out "
            f"(the next: {first.source_path} at {first.published.isoformat()}); 'publisher check' lists them",
            err=True,
        )
    return _exit_for(report.problems, strict)


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
    now = _moment(settings, now_text)
    if fix_ids:
        for path in write_ids(settings):
            click.echo(f"id written: {path}")
        for path, slug in write_slugs(settings):
            click.echo(f"slug written: {path} ({slug})")
    report = check_site(settings, _progress(state), now=now)
    problems = report.problems
    echo_problems(problems, strict)
    for entry in report.scheduled:
        click.echo(f"scheduled: {entry.source_path} goes out {entry.published.isoformat(sep=' ')}")
    errors = sum(p.is_error for p in problems)
    click.echo(f"{report.entries} entries checked: {errors} error(s), {len(problems) - errors} warning(s)")
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
    from publisher.content.load import load_entries

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


def _not_blank(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeatable text options: an empty value is a usage error (it would break the entry file)."""
    if any(not value.strip() for value in values):
        raise click.BadParameter("must not be empty -> give a value, or leave the option out", ctx, param)
    return tuple(value.strip() for value in values)


def _moment(settings: Any, now_text: str | None) -> Any:
    """``--now``: an ISO date or time (naive: in the site's time zone), or the wall clock there."""
    from publisher.digest.selection import default_now, parse_moment

    if now_text is None:
        return default_now(settings)
    try:
        # An empty value (an unset variable in `--now "$NOW"`) is an error, not "now".
        return parse_moment(now_text, settings.tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


@cli.command("new")
@click.argument("title")
@click.option("--lang", help="The entry's language, e.g. de, en, de-AT (default: the site's language).")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", callback=_not_blank, help="Add a tag (repeatable)."
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
    path = new_entry(settings, title, _moment(settings, now_text), lang=lang, tags=tags)
    click.echo(_shown(path, state.cwd))


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
    now = _moment(settings, now_text) if now_text is not None else None

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
    from publisher.digest import render as digests
    from publisher.digest import selection as choose
    from publisher.lock import project_lock

    if since is not None and days is not None:
        raise click.UsageError("give either --since or --days, not both")
    settings = state.settings()
    now = _moment(settings, now_text)
    try:
        start = choose.parse_moment(since, settings.tz) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if start is not None and start > now:
        raise click.BadParameter(
            f"{since} is in the future (the digest time is {now.isoformat()}); give an earlier date",
            param_hint="--since",
        )

    click.get_current_context().with_resource(project_lock(settings.root, "digest"))
    busy = digest_folder.unfinished_digest(settings)
    if busy is not None:
        click.echo(digest_folder.unfinished_message(settings, busy))
        return ExitCode.OK
    sent = digest_folder.load_digest_state(settings)
    window = choose.digest_window(
        sent,
        now,
        window_days=settings.digest.window_days,
        lookback_days=settings.digest.lookback_days,
        since=start,
        days=days,
    )
    selection, problems = choose.load_selection(settings, sent, window)
    echo_problems(choose.selection_warnings(settings, selection))
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
        click.echo(f"{failed} of {total} input(s) failed", err=True)
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
    progress = _progress(state)
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
