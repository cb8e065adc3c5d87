"""Send a rendered digest to every active subscriber exactly once: claim, transmit, record, report."""

from __future__ import annotations

import fcntl
import heapq
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from publisher import deliveries, mail, outbox, smtp, subscribers, tokens
from publisher.config import Settings
from publisher.deliveries import Delivery
from publisher.errors import PublisherError
from publisher.state import SentDigest, load_state, record_sent
from publisher.subscribers import Subscriber

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SendOptions:
    digest_dir: Path | None = None
    dry_run: bool = False
    resume: bool = False
    force: bool = False
    retry_unknown: bool = False
    mark_unknown_sent: bool = False

    @property
    def continuing(self) -> bool:
        return self.resume or self.retry_unknown or self.mark_unknown_sent


@dataclass(frozen=True, slots=True)
class Outcome:
    """The final result for one subscriber in this run."""

    email: str
    status: str  # sent / failed / unknown / skipped / planned
    message_id: str = ""
    error: str = ""
    greeting: str = ""


@dataclass(frozen=True, slots=True)
class SendReport:
    digest_id: str
    folder: Path
    outcomes: tuple[Outcome, ...]
    already_sent: int  # sent by an earlier run: skipped now
    left: int  # never attempted because the subscriber left before the run: skipped
    unknown: tuple[Delivery, ...]  # unresolved after this run (including earlier ones)
    marked_sent: bool  # the digest is now recorded as sent in the state file
    dry_run: bool = False

    def _count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def sent(self) -> int:
        return self._count("sent")

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def skipped(self) -> int:
        return self.already_sent + self.left + self._count("skipped")

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unknown


Progress = Callable[[int, int, Outcome | None], None]


@dataclass
class _Job:
    delivery: Delivery
    subscriber: Subscriber
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def send_lock(database_path: Path) -> Iterator[None]:
    """One sender per database; the OS releases the lock even if the process is killed."""
    path = database_path.with_name(database_path.name + ".send-lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublisherError(
                f"{path}: another 'publisher send' is running for this database -> wait for it to finish"
            ) from None
        yield


def _already_recorded(settings: Settings, digest_id: str) -> bool:
    return any(d.digest_id == digest_id for d in load_state(settings.state_path).sent)


def _check_start(conn: sqlite3.Connection, digest_id: str, options: SendOptions) -> None:
    if options.continuing or not deliveries.has_started(conn, digest_id):
        return
    counts = deliveries.counts(conn, digest_id)
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    raise PublisherError(
        f"digest {digest_id} was already sent in an earlier run ({summary}) -> 'publisher send --resume' "
        "sends to everyone not yet sent (nobody gets it twice)"
    )


class _Sender:
    """The delivery loop: one connection, pacing, retries in a queue ordered by due time."""

    def __init__(
        self,
        settings: Settings,
        conn: sqlite3.Connection,
        template: mail.MailTemplate,
        mail_settings: mail.MailSettings,
        secret: bytes,
        transport: smtp.SmtpConnection,
        claimable: tuple[str, ...],
        progress: Progress | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings, self.conn, self.template, self.mail = settings, conn, template, mail_settings
        self.secret, self.transport, self.claimable = secret, transport, claimable
        self.progress, self.sleep = progress, sleep
        self.limiter = smtp.RateLimiter(settings.smtp.rate_per_second, sleep=sleep)
        self.outcomes: list[Outcome] = []

    def run(self, jobs: list[_Job]) -> list[Outcome]:
        total = len(jobs)
        if self.progress:
            self.progress(0, total, None)
        fresh = iter(jobs)
        retries: list[tuple[float, int, _Job]] = []
        sequence = 0
        next_job = next(fresh, None)
        while next_job is not None or retries:
            if retries and (next_job is None or retries[0][0] <= time.monotonic()):
                due, _, job = heapq.heappop(retries)
                self.sleep(max(0.0, due - time.monotonic()))
            else:
                assert next_job is not None
                job, next_job = next_job, next(fresh, None)
            outcome = self._attempt(job)
            if outcome is None:
                delay = smtp.backoff_delay(self.settings.smtp.retry_backoff, job.attempts)
                sequence += 1
                heapq.heappush(retries, (time.monotonic() + delay, sequence, job))
                continue
            self.outcomes.append(outcome)
            if self.progress:
                self.progress(len(self.outcomes), total, outcome)
        return self.outcomes

    def connect(self) -> None:
        """(Re)connect; connection trouble is retried with backoff, then the run stops (rows stay pending)."""
        attempts = self.settings.smtp.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                self.transport.open()
                return
            except smtp.SmtpFailure as failure:
                logger.warning("%s (attempt %d of %d)", failure, attempt, attempts)
                if attempt == attempts:
                    sent = sum(1 for o in self.outcomes if o.status == "sent")
                    raise PublisherError(
                        f"{failure} -> check [smtp] host and port in publisher.toml and that the server "
                        f"is running; {sent} sent in this run, the rest wait: continue with "
                        "'publisher send --resume'"
                    ) from None
                self.sleep(smtp.backoff_delay(self.settings.smtp.retry_backoff, attempt))

    def _attempt(self, job: _Job) -> Outcome | None:
        """One try for one subscriber: an Outcome when final, None to retry later."""
        subscriber = job.subscriber
        token = tokens.make_token(self.secret, subscriber.id, subscriber.key)
        recipient = mail.Recipient(subscriber.email, subscriber.name, subscriber.lang, token)
        message = mail.personalise(self.template, self.mail, recipient)
        if not self.transport.connected:
            self.connect()
        self.limiter.wait()
        allowed = (*self.claimable, deliveries.PENDING)
        if not deliveries.claim(self.conn, job.delivery.id, message.message_id, allowed):
            deliveries.drop_pending(self.conn, job.delivery.id)
            return Outcome(subscriber.email, "skipped", error="unsubscribed while the run was going on")
        job.attempts += 1
        try:
            self.transport.send(self.mail.envelope_from, subscriber.email, message.data)
        except smtp.SmtpFailure as failure:
            return self._failed(job, message.message_id, failure)
        except BaseException:
            # Interrupted mid-transaction (Ctrl-C): we cannot know what the server got.
            deliveries.mark_unknown(self.conn, job.delivery.id, "interrupted during the SMTP transaction")
            raise
        deliveries.mark_sent(self.conn, job.delivery.id)
        logger.debug("sent %s to %s", message.message_id, subscriber.email)
        return Outcome(subscriber.email, "sent", message.message_id)

    def _failed(self, job: _Job, message_id: str, failure: smtp.SmtpFailure) -> Outcome | None:
        email, delivery_id = job.subscriber.email, job.delivery.id
        error = str(failure)
        job.errors.append(error)
        if failure.kind is smtp.Kind.AMBIGUOUS:
            deliveries.mark_unknown(self.conn, delivery_id, error)
            logger.warning("%s: %s -> unknown, not retried", email, error)
            return Outcome(email, "unknown", message_id, error)
        if failure.kind is smtp.Kind.TEMPORARY and job.attempts < self.settings.smtp.max_attempts:
            deliveries.release(self.conn, delivery_id, error)
            logger.info("%s: %s (attempt %d), will retry", email, error, job.attempts)
            return None
        if failure.kind is smtp.Kind.TEMPORARY:
            error = f"gave up after {job.attempts} attempts: {error}"
        deliveries.mark_failed(self.conn, delivery_id, error)
        logger.warning("%s: failed: %s", email, error)
        return Outcome(email, "failed", message_id, error)


def _plan(
    jobs: list[_Job], template: mail.MailTemplate, mail_settings: mail.MailSettings, secret: bytes
) -> list[Outcome]:
    """Dry run: build every message (so template problems show now), send nothing."""
    plan = []
    for job in jobs:
        s = job.subscriber
        token = tokens.make_token(secret, s.id, s.key)
        message = mail.personalise(template, mail_settings, mail.Recipient(s.email, s.name, s.lang, token))
        greeting = mail.greeting_line(s.lang or mail_settings.default_lang, s.name)
        plan.append(Outcome(s.email, "planned", message.message_id, greeting=greeting))
    return plan


def send_digest(
    settings: Settings,
    options: SendOptions = SendOptions(),
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Deliver the latest (or the given) rendered digest. Raises PublisherError when it cannot start."""
    folder = options.digest_dir or outbox.latest_digest(settings.out_dir)
    digest = outbox.load_digest(folder)
    template = mail.parse_template(digest.message, str(digest.message_path))
    if _already_recorded(settings, digest.digest_id) and not options.force:
        raise PublisherError(
            f"{settings.state_path}: digest {digest.digest_id} ({digest.date}) is already marked as sent -> "
            "render a new one with 'publisher digest', or use --force to send it again (subscribers who got "
            "it are still skipped)"
        )
    secret = tokens.secret_from_env(environ)
    mail_settings = mail.mail_settings(settings, template, digest.digest_id, digest.lang)
    transport_options = None if options.dry_run else smtp.options_from_settings(settings.smtp, environ)
    conn = subscribers.connect(settings.database_path)
    try:
        if not subscribers.list_subscribers(conn, subscribers.ACTIVE):
            raise PublisherError(
                f"{settings.database_path}: there are no active subscribers -> add some with "
                "'publisher subscribers add EMAIL' or 'publisher subscribers import FILE.csv'"
            )
        if options.dry_run:
            return _dry_run(conn, digest, template, mail_settings, secret, options)
        assert transport_options is not None
        with send_lock(settings.database_path):
            _check_start(conn, digest.digest_id, options)
            return _deliver(
                settings, conn, digest, template, mail_settings, secret, options,
                smtp.SmtpConnection(transport_options), progress, sleep,
            )  # fmt: skip
    finally:
        conn.close()


def _claimable(options: SendOptions) -> tuple[str, ...]:
    return (deliveries.PENDING, deliveries.FAILED) + ((deliveries.UNKNOWN,) if options.retry_unknown else ())


def _dry_run(
    conn: sqlite3.Connection,
    digest: outbox.RenderedDigest,
    template: mail.MailTemplate,
    mail_settings: mail.MailSettings,
    secret: bytes,
    options: SendOptions,
) -> SendReport:
    done = {d.subscriber for d in deliveries.list_deliveries(conn, digest.digest_id, [deliveries.SENT])}
    unknown = tuple(
        deliveries.list_deliveries(conn, digest.digest_id, [deliveries.SENDING, deliveries.UNKNOWN])
    )
    skip = done | ({d.subscriber for d in unknown} if not options.retry_unknown else set())
    jobs = [
        _Job(Delivery(0, digest.digest_id, s.key, s.email, deliveries.PENDING, 0, "", "", None), s)
        for s in subscribers.list_subscribers(conn, subscribers.ACTIVE)
        if s.key not in skip
    ]
    return SendReport(
        digest_id=digest.digest_id,
        folder=digest.folder,
        outcomes=tuple(_plan(jobs, template, mail_settings, secret)),
        already_sent=len(done),
        left=0,
        unknown=() if options.retry_unknown else unknown,
        marked_sent=False,
        dry_run=True,
    )


def _deliver(
    settings: Settings,
    conn: sqlite3.Connection,
    digest: outbox.RenderedDigest,
    template: mail.MailTemplate,
    mail_settings: mail.MailSettings,
    secret: bytes,
    options: SendOptions,
    transport: smtp.SmtpConnection,
    progress: Progress | None,
    sleep: Callable[[float], None],
) -> SendReport:
    digest_id = digest.digest_id
    deliveries.claims_to_unknown(conn, digest_id)
    if options.mark_unknown_sent:
        for delivery in deliveries.unknown_to_sent(conn, digest_id):
            logger.warning("%s: marked as sent by the operator (%s)", delivery.email, delivery.message_id)
    dropped = deliveries.prepare(conn, digest_id)
    already_sent = deliveries.counts(conn, digest_id)[deliveries.SENT]
    claimable = _claimable(options)
    jobs = [_Job(d, s) for d, s in deliveries.work_list(conn, digest_id, claimable)]
    sender = _Sender(settings, conn, template, mail_settings, secret, transport, claimable, progress, sleep)
    try:
        if jobs:
            sender.connect()
        outcomes = sender.run(jobs)
    finally:
        transport.close()
    marked = False
    if deliveries.unresolved(conn, digest_id) == 0:
        record_sent(
            settings.state_path,
            SentDigest(digest_id, datetime.now(UTC), digest.window_end, digest.entry_ids),
        )
        marked = True
    return SendReport(
        digest_id=digest_id,
        folder=digest.folder,
        outcomes=tuple(outcomes),
        already_sent=already_sent,
        left=dropped,
        unknown=tuple(deliveries.list_deliveries(conn, digest_id, [deliveries.UNKNOWN])),
        marked_sent=marked,
    )
