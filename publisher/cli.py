"""Command line: parse options, call library functions, print results. The only module importing click."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from publisher import __version__
from publisher.errors import Problem, PublisherError

F = TypeVar("F", bound=Callable[..., Any])
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


def handle_errors(func: F) -> F:
    """Turn PublisherError into a clean message on stderr and exit code 1 (real bugs keep their traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PublisherError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def echo_problems(problems: list[Problem] | tuple[Problem, ...]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@click.group(context_settings=CONTEXT_SETTINGS)
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


def _exit_for(problems: tuple[Problem, ...], strict: bool) -> None:
    if any(p.is_error for p in problems) or (strict and problems):
        sys.exit(1)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write here instead of out_dir.",
)
@click.option("--strict", is_flag=True, help="Warnings count as problems: exit 1 if there are any.")
@click.pass_obj
@handle_errors
def build(state: CliState, out_dir: Path | None, strict: bool) -> None:
    """Build feeds and the web archive from entries/ into out/.

    Incremental: only files whose inputs changed are rendered and written; files of deleted
    entries are removed. With errors in any entry nothing is written. Example:

    \b
      publisher build && ls out/
    """
    from publisher.build import build as run_build

    settings = state.settings()
    if out_dir is not None:
        settings = settings.with_overrides(out_dir=(state.cwd / out_dir).resolve())
    progress = _progress(state)
    try:
        report = run_build(settings, progress)
    finally:
        progress.close()
    echo_problems(report.problems)
    if report.errors:
        click.echo(
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s): nothing was written.",
            err=True,
        )
        sys.exit(1)
    click.echo(
        f"{report.entries} entries: {len(report.written)} file(s) written, {report.unchanged} unchanged, "
        f"{len(report.deleted)} deleted in {settings.out_dir}"
    )
    _exit_for(report.problems, strict)


@cli.command()
@click.option("--strict", is_flag=True, help="Warnings count as problems: exit 1 if there are any.")
@click.option("--fix-ids", is_flag=True, help="Write a permanent id into every entry that has none.")
@click.pass_obj
@handle_errors
def check(state: CliState, strict: bool, fix_ids: bool) -> None:
    """Load and lint every entry and the configuration; write nothing.

    Prints every problem (file:line: field: message -> what to do) on stderr and exits 1
    if there is an error (or any warning, with --strict). Example:

    \b
      publisher check --strict
      publisher check --fix-ids     # then commit the changed entries
    """
    from publisher.project import fix_ids as write_ids
    from publisher.site import load_site

    settings = state.settings()
    if fix_ids:
        for path in write_ids(settings):
            click.echo(f"id written: {path}")
    site = load_site(settings, _progress(state))
    site.cache.close()
    echo_problems(site.problems)
    errors = sum(p.is_error for p in site.problems)
    click.echo(
        f"{len(site.entries)} entries checked: {errors} error(s), {len(site.problems) - errors} warning(s)"
    )
    _exit_for(site.problems, strict)


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON array (the default is one line per entry)."
)
@click.pass_obj
@handle_errors
def entries(state: CliState, as_json: bool) -> None:
    """List the normalised entries, newest first.

    \b
      publisher entries
      publisher entries --json | jq '.[0].title'
    """
    import json

    from publisher.build import load_entries
    from publisher.export import entry_as_dict

    found, problems = load_entries(state.settings())
    echo_problems(problems)
    if as_json:
        click.echo(json.dumps([entry_as_dict(e) for e in found], ensure_ascii=False, indent=2))
    else:
        for entry in found:
            click.echo(f"{entry.published.date().isoformat()}  {entry.lang}  {entry.slug}  {entry.title}")
    _exit_for(problems, strict=False)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Neuigkeiten", show_default=True, help="Site title.")
@click.option(
    "--base-url", default="https://example.org/", show_default=True, help="Absolute URL of the site."
)
@click.pass_obj
@handle_errors
def init(state: CliState, directory: Path, title: str, base_url: str) -> None:
    """Scaffold a new project: publisher.toml, entries/ with one example, templates/.

    \b
      publisher init newsroom --title "Cluster News" --base-url https://news.example.org/
      cd newsroom && publisher build
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from publisher.project import init_project

    target = directory if directory.is_absolute() else state.cwd / directory
    for path in init_project(target, title, base_url, datetime.now(ZoneInfo("Europe/Berlin"))):
        click.echo(f"created {path}")


# --- digest ---


def _shown(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


@cli.command()
@click.option("--since", metavar="DATE", help="Entries published on or after DATE (2024-05-01 or ISO time).")
@click.option("--days", type=click.IntRange(min=1), metavar="N", help="Entries of the last N days.")
@click.option("--now", "now_text", metavar="ISO", help="The digest's point in time (default: now).")
@click.option("--open", "open_browser", is_flag=True, help="Open the web version in the browser.")
@click.option("--mark-sent", is_flag=True, help="Record this digest as sent in the state file.")
@click.pass_obj
@handle_errors
def digest(
    state: CliState,
    since: str | None,
    days: int | None,
    now_text: str | None,
    open_browser: bool,
    mark_sent: bool,
) -> None:
    """Render the email digest of the entries new since the last digest.

    Writes out/digests/<date>/ (email.html, email.txt, message.eml, index.html, digest.json).
    Without --since/--days the digest holds the entries published after the last digest marked
    as sent (the first one: the last [digest] window_days days). Examples:

    \b
      publisher digest
      publisher digest --since 2024-05-01 --open
      publisher digest --now 2024-05-20T09:00+02:00 --mark-sent
    """
    from publisher import digest as digests
    from publisher.site import load_entries

    if since is not None and days is not None:
        raise click.UsageError("give either --since or --days, not both")
    settings = state.settings()
    try:
        now = digests.parse_moment(now_text, settings.tz) if now_text else digests.default_now(settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None
    try:
        start = digests.parse_moment(since, settings.tz) if since else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if start is not None and start > now:
        raise click.BadParameter(
            f"{since} is in the future (the digest time is {now.isoformat()}); give an earlier date",
            param_hint="--since",
        )

    sent = digests.load_digest_state(settings)
    window = digests.digest_window(sent, now, window_days=settings.digest.window_days, since=start, days=days)
    found, problems = load_entries(settings, select=lambda e: window.contains(e.published))
    errors = [p for p in problems if p.is_error]
    if errors:
        echo_problems(errors)
        click.echo(f"{len(errors)} error(s) in the entries: no digest written.", err=True)
        sys.exit(1)
    selection = digests.select_entries(found, sent, window, settings.digest.max_entries)
    chosen = {e.source_path for e in selection.entries}
    echo_problems([p for p in problems if p.path in chosen])
    span = f"{window.start.isoformat()} – {window.end.isoformat()}"
    if not selection.entries:
        click.echo(f"No new entries ({span}): no digest written.")
        return

    rendered = digests.render_digest(settings, selection, now)
    echo_problems(rendered.warnings)
    paths = digests.write_digest(settings, rendered)
    count = len(rendered.entry_ids)
    click.echo(f"Digest {rendered.digest_id}: {count} entr{'y' if count == 1 else 'ies'} ({span})")
    for path in paths:
        click.echo(f"  {_shown(path, state.cwd)}")
    if mark_sent:
        digests.mark_sent(settings, rendered)
        click.echo(f"Marked as sent in {_shown(settings.state_path, state.cwd)}")
    if open_browser:
        click.launch(str(settings.out_dir / rendered.directory / "index.html"))


# --- import ---


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
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The entry's date (when the text has none, or to override it).",
)
@click.option(
    "--lang", type=click.Choice(["de", "en"]), help="The language (default: detected from the text)."
)
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--author", "authors", multiple=True, metavar="NAME", help="Add an author (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite an existing entry file; its id is kept.")
@click.pass_obj
@handle_errors
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
) -> None:
    """Turn raw press-release text (FILE, or - for stdin) into clean entries in entries/.

    \b
    Examples:
      publisher import release.txt              # writes entries/<yyyy-mm-dd>-<slug>.md, prints its path
      publisher import --dry-run --json a.txt   # writes nothing; prints the entries as JSON
      publisher import --explain release.txt    # what became of every line, and why
      publisher import --date 2024-05-14 --tag Cluster - < release.txt
    """
    import json

    from publisher.importer import ImportOptions, explain_lines, import_bytes
    from publisher.importfile import EntryIndex, entry_filename, read_source, write_entry
    from publisher.rawtext import MAX_BYTES

    settings = state.settings()
    options = ImportOptions(
        date=date_.date() if date_ else None,
        lang=lang,
        tags=tags,
        authors=authors,
        default_lang=settings.language,
    )
    index = None if dry_run else EntryIndex.scan(settings.entries_dir)
    records: list[dict[str, object]] = []
    failed = 0
    for name in files:
        try:
            if name == "-":
                source, data = "<stdin>", click.get_binary_stream("stdin").read(MAX_BYTES + 1)
            else:
                path = Path(name) if Path(name).is_absolute() else state.cwd / name
                source, data = name, read_source(path)
            entry = import_bytes(data, source, options)
            echo_problems(entry.warnings)
            if explain and not as_json:
                click.echo("\n".join(explain_lines(entry)))
            record = entry.as_json(explain=explain)
            if index is None:
                target = settings.entries_dir / entry_filename(entry) if entry.date else None
                record["path"] = _shown(target, state.cwd) if target else None
            else:
                result = write_entry(entry, index, force=force)
                shown = _shown(result.path, state.cwd)
                record.update(id=result.id, path=shown, status=result.status)
                if result.status == "unchanged":
                    click.echo(
                        f"{source}: already imported as {shown}; unchanged (--force rewrites it)", err=True
                    )
                elif not as_json:
                    click.echo(shown)
            records.append(record)
        except PublisherError as exc:
            failed += 1
            click.echo(f"Error: {exc}", err=True)
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    if failed:
        click.echo(f"{failed} of {len(files)} input(s) failed", err=True)
        sys.exit(1)
