"""Problems found in user input, and the one exception type the library raises for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from publisher.model import pickled_as_arguments


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    Rendered like a compiler message so editors can jump to it:
    ``entries/x.md:12: date: 'gestern' is not a date -> write it as 2024-05-14``.
    """

    path: str
    message: str
    line: int | None = None
    field: str | None = None
    hint: str = ""
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        label = "warning: " if self.severity is Severity.WARNING else ""
        field = f"{self.field}: " if self.field else ""
        hint = f" -> {self.hint}" if self.hint else ""
        return f"{where}: {label}{field}{self.message}{hint}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity.value,
        }


# A build shows this many warnings one by one; the rest are counted by kind (``publisher check`` lists all).
WARNING_LINES = 20
_KIND_LINES = 10


def problem_lines(problems: Sequence[Problem], limit: int | None = WARNING_LINES) -> list[str]:
    """Every error, at most ``limit`` warnings (``None``: all), then every warning counted by kind.

    A kind is a field with its hint (``id: … -> run 'publisher check --fix-ids'``), shown with the
    first warning's message: ``2,000 x id: has no id; … -> run 'publisher check --fix-ids'``.
    """
    warnings = [p for p in problems if not p.is_error]
    if limit is None or len(warnings) <= limit:
        return [str(p) for p in problems]
    shown = set(map(id, warnings[:limit]))
    lines = [str(p) for p in problems if p.is_error or id(p) in shown]
    kinds: dict[tuple[str, str], list[Problem]] = {}
    for problem in warnings:
        kinds.setdefault((problem.field or "", problem.hint), []).append(problem)
    lines.append(
        f"... {len(warnings) - limit:,} more warning(s) not shown; {len(warnings):,} in all, by kind "
        "('publisher check' lists every one):"
    )
    ranked = sorted(kinds.values(), key=lambda group: -len(group))
    for group in ranked[:_KIND_LINES]:
        first = group[0]
        field = f"{first.field}: " if first.field else ""
        hint = f" -> {first.hint}" if first.hint else ""
        lines.append(f"  {len(group):,} x {field}{first.message}{hint}")
    if len(ranked) > _KIND_LINES:
        rest = sum(len(group) for group in ranked[_KIND_LINES:])
        lines.append(f"  {rest:,} x other kinds ({len(ranked) - _KIND_LINES} kinds)")
    return lines


def warning(path: str, message: str, **kwargs: object) -> Problem:
    return Problem(path, message, severity=Severity.WARNING, **kwargs)  # type: ignore[arg-type]


class PublisherError(Exception):
    """An expected failure caused by input or environment (not a bug).

    The CLI turns it into exit code 1 and prints its message; it may carry
    several problems so that every one of them is reported at once.
    """

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def listen_error(host: str, port: int, exc: OSError) -> PublisherError:
    """A server that could not listen on ``host:port``, told with the port and what to do (the
    system's own message names neither: "a file: Address already in use")."""
    import errno

    where = f"{host}:{port}"
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        return PublisherError(
            f"{where}: port {port} is already in use ({reason}) -> stop the program that listens on it, "
            f"or choose another port, e.g. --port {port + 1 if port < 65535 else 8000}"
        )
    if exc.errno == errno.EACCES:
        return PublisherError(
            f"{where}: not allowed to listen on port {port} ({reason}) -> ports below 1024 need "
            "administrator rights: choose a port from 1024 up, e.g. --port 8000"
        )
    return PublisherError(
        f"{where}: cannot listen on {host} ({reason}) -> give an address of this machine with --host, "
        "e.g. --host 127.0.0.1"
    )
