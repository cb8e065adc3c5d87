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
    from publisher.build import load_site
    from publisher.project import fix_ids as write_ids

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
