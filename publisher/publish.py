"""The publishing run, for cron and CI: build, then the digest of what is new, then send it.

One run holds the project lock throughout. The digest step works on the entries the build has just
read. A digest an earlier run left unfinished is finished first (nobody gets it twice); only then is
a new one rendered, and sent in the same run. Nothing new is success.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from publisher.build.pipeline import BuildReport, build
from publisher.config import Settings
from publisher.content.load import Inputs, Progress, Site
from publisher.digest import folder as digest_folder
from publisher.digest.run import DigestRun, Scan, run_digest
from publisher.digest.selection import default_now
from publisher.digest.variants import for_sending
from publisher.errors import PublisherError
from publisher.lock import project_lock
from publisher.mail.send import SendOptions, SendReport, send_digest

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishOptions:
    now: datetime | None = None  # the run's time: when new entries appear, the digest's time
    send: bool = True  # False: build and render only


@dataclass(frozen=True, slots=True)
class PublishReport:
    now: datetime
    build: BuildReport
    digests: tuple[DigestRun, ...] = ()
    sends: tuple[SendReport, ...] = ()
    error: str = ""  # what stopped the run part-way ("" if nothing did)
    seconds: Mapping[str, float] = field(default_factory=dict)

    def _total(self, name: str) -> int:
        return sum(
            len(getattr(report, name)) if name != "sent" else report.sent
            for report in self.sends
            if not report.dry_run
        )

    @property
    def exit_code(self) -> int:
        """0: done, or nothing to do; 1: errors, or deliveries failed, deferred or unknown."""
        if self.error or self.build.errors or any(d.errors for d in self.digests):
            return 1
        return 0 if all(report.ok for report in self.sends) else 1

    def advice(self) -> list[str]:
        lines = [f"error: {self.error}"] if self.error else []
        if self.build.errors:
            lines.append(f"{len(self.build.errors)} error(s) in the entries: nothing was built or sent")
        for run in self.digests:
            if run.errors:
                lines.append(f"{len(run.errors)} error(s) in the entries: no digest was rendered")
        for report in self.sends:
            lines += report.advice()
        return lines

    def lines(self) -> list[str]:
        """The summary, one line per step."""
        build = self.build
        out = [
            f"build: {build.entries} entries, {len(build.written)} file(s) written, {build.unchanged} "
            f"unchanged, {len(build.deleted)} deleted"
        ]
        for run in self.digests:
            out.append("digest: " + _digest_line(run))
        for report in self.sends:
            out.append("send: " + _send_line(report))
        if not self.sends and not self.error and not build.errors:
            out.append("send: not sent (--no-send)")
        return out

    def as_json(self) -> dict[str, Any]:
        digests = [
            {
                "id": run.rendered.digest_id if run.rendered else None,
                "folder": str(run.paths[0].parent) if run.paths else None,
                "entries": list(run.rendered.entry_ids) if run.rendered else [],
                "status": _digest_status(run),
            }
            for run in self.digests
        ]
        sends = [
            {
                "digest": report.digest_id or None,
                "sent": report.sent,
                "failed": len(report.failed),
                "deferred": len(report.deferred),
                "unknown": len(report.unknown),
                "skipped": report.skipped,
                "marked_sent": report.marked_sent,
                "nothing_to_do": report.nothing_to_do or None,
            }
            for report in self.sends
        ]
        problems = [*self.build.problems, *(p for run in self.digests for p in run.problems)]
        return {
            "now": self.now.isoformat(),
            "built": {
                "entries": self.build.entries,
                "written": len(self.build.written),
                "deleted": len(self.build.deleted),
                "unchanged": self.build.unchanged,
            },
            "digests": digests,
            "sends": sends,
            **{name: self._total(name) for name in ("sent", "failed", "deferred", "unknown")},
            "problems": [p.as_dict() for p in problems],
            "advice": self.advice(),
            "error": self.error or None,
            "exit_code": self.exit_code,
            "seconds": dict(self.seconds),
        }


def _digest_status(run: DigestRun) -> str:
    if run.busy:
        return "unfinished digest being sent"
    if run.errors:
        return "errors"
    return "rendered" if run.rendered else "nothing new"


def _digest_line(run: DigestRun) -> str:
    if run.busy:
        return f"{run.busy} is not finished yet: sending it first"
    if run.errors:
        return f"{len(run.errors)} error(s) in the entries: none rendered"
    if run.rendered is None:
        assert run.window is not None
        return f"nothing new since {run.window.start.isoformat()}"
    count, what = len(run.rendered.entry_ids), run.rendered
    return f"{what.digest_id}: {count} entr{'y' if count == 1 else 'ies'} in {what.directory}/"


def _send_line(report: SendReport) -> str:
    if report.nothing_to_do:
        return f"nothing to send: {report.nothing_to_do}"
    return (
        f"{report.digest_id}: sent {report.sent}, failed {len(report.failed)}, deferred "
        f"{len(report.deferred)}, unknown {len(report.unknown)}, skipped {report.skipped}"
        + (", marked as sent" if report.marked_sent else "")
    )


def publish(
    settings: Settings,
    options: PublishOptions = PublishOptions(),
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishReport:
    """Build, render the digest of what is new, send it. Problems of the run are in the report
    (``exit_code``); a PublisherError is raised only when the run cannot start (configuration)."""
    now = options.now or default_now(settings)
    seconds: dict[str, float] = {}
    digests: list[DigestRun] = []
    sends: list[SendReport] = []
    errors: list[str] = []

    def digest_step(site: Site | None, inputs: Inputs) -> None:
        started = time.perf_counter()
        try:
            digests.append(run_digest(settings, now, scan=Scan(site, inputs)))
        except PublisherError as exc:
            errors.append(str(exc))
        seconds["digest"] = time.perf_counter() - started

    with project_lock(settings.root, "publish"):
        started = time.perf_counter()
        report = build(settings, progress, now=now, then=digest_step)
        seconds["build"] = time.perf_counter() - started - seconds.get("digest", 0.0)
        if options.send and not errors and not report.errors and not any(d.errors for d in digests):
            started = time.perf_counter()
            _send(settings, now, digests, sends, errors, environ, sleep)
            seconds["send"] = time.perf_counter() - started
    return PublishReport(now, report, tuple(digests), tuple(sends), "; ".join(errors), seconds)


def _send(
    settings: Settings,
    now: datetime,
    digests: list[DigestRun],
    sends: list[SendReport],
    errors: list[str],
    environ: Mapping[str, str] | None,
    sleep: Callable[[float], None],
) -> None:
    """Send what is due; when that finished a digest an earlier run had left, render and send the
    digest of what is new as well. Each subscriber gets their language and topics."""
    editions = for_sending(settings)
    try:
        sends.append(send_digest(settings, SendOptions(), environ=environ, sleep=sleep, editions=editions))
        finished_old = bool(digests and digests[-1].busy and sends[-1].marked_sent)
        if finished_old and digest_folder.unfinished_digest(settings) is None:
            digests.append(run_digest(settings, now))
            if digests[-1].rendered is not None:
                sends.append(
                    send_digest(settings, SendOptions(), environ=environ, sleep=sleep, editions=editions)
                )
    except PublisherError as exc:
        errors.append(str(exc))
