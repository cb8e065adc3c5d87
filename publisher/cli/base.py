"""What every command shares: the state the global options decide, exit codes and the one place
that turns errors into them, option types, how problems and progress are shown."""

from __future__ import annotations

import errno
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

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


def configure_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


class StageProgress:
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


def progress_bars(state: CliState) -> StageProgress:
    return StageProgress(enabled=state.verbosity >= 0 and sys.stderr.isatty())


def exit_for(problems: Sequence[Problem], strict: bool) -> ExitCode:
    """Exit 1 when there is an error, or any problem with --strict."""
    failed = any(p.is_error for p in problems) or (strict and bool(problems))
    return ExitCode.PROBLEMS if failed else ExitCode.OK


def not_blank(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeatable text options: an empty value is a usage error (it would break the entry file)."""
    if any(not value.strip() for value in values):
        raise click.BadParameter("must not be empty -> give a value, or leave the option out", ctx, param)
    return tuple(value.strip() for value in values)


def moment(settings: Any, now_text: str | None) -> Any:
    """``--now``: an ISO date or time (naive: in the site's time zone), or the wall clock there."""
    from publisher.digest.selection import default_now, parse_moment

    if now_text is None:
        return default_now(settings)
    try:
        # An empty value (an unset variable in `--now "$NOW"`) is an error, not "now".
        return parse_moment(now_text, settings.tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def shown(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def entries_count(count: int) -> str:
    """``1 entry``, ``2 entries``: the count at the start of build's and check's summary."""
    return f"{count} entr{'y' if count == 1 else 'ies'}"
