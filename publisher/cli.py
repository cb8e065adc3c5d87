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
def cli(ctx: click.Context, directory: Path | None, config_path: Path | None, verbose: int, quiet: bool) -> None:
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
