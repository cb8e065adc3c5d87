"""Send a rendered digest to every active subscriber exactly once: claim, transmit, record, report."""

from __future__ import annotations

import fcntl
import heapq
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from publisher.config import Settings
from publisher.errors import PublisherError
from publisher.mail import database, deliveries, message, outbox, smtp, subscribers, tokens
from publisher.mail.deliveries import Delivery, Status
from publisher.mail.state import SentDigest, load_state, record_sent
from publisher.mail.subscribers import Subscriber

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
# Each subscriber's template: their language and topics (None: no entry on their topics, no mail).
TemplateFor = Callable[[Subscriber], message.MailTemplate | None]
VariantSource = Callable[[outbox.RenderedDigest, message.MailTemplate], TemplateFor]
NOTHING_ON_TOPICS = "no entry of this digest is on their topics"


@dataclass
class _Job:
    delivery: Delivery
    subscriber: Subscriber
    attempts: int = 0  # in this run


@dataclass(frozen=True, slots=True)
class _Run:
    """Everything one run works with, resolved and checked before anything is sent."""

    settings: Settings
    conn: sqlite3.Connection
    digest: outbox.RenderedDigest
    template: message.MailTemplate
    mail_settings: message.MailSettings
    secret: bytes
    options: SendOptions
    template_for: TemplateFor | None = None

    def mail_for(self, subscriber: Subscriber) -> message.OutgoingMail | None:
        """The subscriber's message, or None when none of the digest's entries is on their topics."""
        template = self.template if self.template_for is None else self.template_for(subscriber)
        if template is None:
            return None
        token = tokens.make_token(self.secret, subscriber.id, subscriber.key)
        recipient = message.Recipient(subscriber.email, subscriber.name, subscriber.lang, token)
        return message.personalise(template, self.mail_settings, recipient)


@contextmanager
def send_lock(database_path: Path) -> Iterator[None]:
    """One sender per database; the OS releases the lock even if the process is killed."""
    path = database_path.with_name(database_path.name + "-send-lock")
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
        run: _Run,
        transport: smtp.SmtpConnection,
        progress: Progress | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.run, self.conn, self.smtp = run, run.conn, run.settings.smtp
        self.transport, self.progress, self.sleep = transport, progress, sleep
        self.claimable = (*_claimable(run.options), Status.PENDING)
        self.limiter = smtp.RateLimiter(self.smtp.rate_per_second, sleep=sleep)
        self.outcomes: list[Outcome] = []

    def deliver_all(self, jobs: list[_Job]) -> list[Outcome]:
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
                delay = smtp.backoff_delay(self.smtp.retry_backoff, job.attempts)
                sequence += 1
                heapq.heappush(retries, (time.monotonic() + delay, sequence, job))
                continue
            self.outcomes.append(outcome)
            if self.progress:
                self.progress(len(self.outcomes), total, outcome)
        return self.outcomes

    def connect(self) -> None:
        """(Re)connect; connection trouble is retried with backoff, then the run stops (rows stay pending)."""
        attempts = self.smtp.max_attempts
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
                self.sleep(smtp.backoff_delay(self.smtp.retry_backoff, attempt))

    def _attempt(self, job: _Job) -> Outcome | None:
        """One try for one subscriber: an Outcome when final, None to retry later."""
        subscriber = job.subscriber
        mail = self.run.mail_for(subscriber)
        if mail is None:
            deliveries.drop_pending(self.conn, job.delivery.id)
            return Outcome(subscriber.email, "skipped", error=NOTHING_ON_TOPICS)
        if not self.transport.connected:
            self.connect()
        self.limiter.wait()
        if not deliveries.claim(self.conn, job.delivery.id, mail.message_id, self.claimable):
            deliveries.drop_pending(self.conn, job.delivery.id)
            return Outcome(subscriber.email, "skipped", error="unsubscribed while the run was going on")
        job.attempts += 1
        try:
            self.transport.send(self.run.mail_settings.envelope_from, subscriber.email, mail.data)
        except smtp.SmtpFailure as failure:
            return self._failed(job, mail.message_id, failure)
        except BaseException:
            # Interrupted mid-transaction (Ctrl-C): we cannot know what the server got.
            deliveries.mark_unknown(self.conn, job.delivery.id, "interrupted during the SMTP transaction")
            raise
        deliveries.mark_sent(self.conn, job.delivery.id)
        logger.debug("sent %s to %s", mail.message_id, subscriber.email)
        return Outcome(subscriber.email, "sent", mail.message_id)

    def _failed(self, job: _Job, message_id: str, failure: smtp.SmtpFailure) -> Outcome | None:
        email, delivery_id = job.subscriber.email, job.delivery.id
        error = str(failure)
        if failure.kind is smtp.Kind.AMBIGUOUS:
            deliveries.mark_unknown(self.conn, delivery_id, error)
            logger.warning("%s: %s -> unknown, not retried", email, error)
            return Outcome(email, "unknown", message_id, error)
        if failure.kind is smtp.Kind.TEMPORARY and job.attempts < self.smtp.max_attempts:
            deliveries.release(self.conn, delivery_id, error)
            logger.info("%s: %s (attempt %d), will retry", email, error, job.attempts)
            return None
        if failure.kind is smtp.Kind.TEMPORARY:
            error = f"gave up after {job.attempts} attempts: {error}"
        deliveries.mark_failed(self.conn, delivery_id, error)
        logger.warning("%s: failed: %s", email, error)
        return Outcome(email, "failed", message_id, error)


def _plan(run: _Run, jobs: list[_Job]) -> list[Outcome]:
    """Dry run: build every message (so template problems show now), send nothing."""
    plan = []
    for job in jobs:
        s = job.subscriber
        mail = run.mail_for(s)
        if mail is None:
            plan.append(Outcome(s.email, "skipped", error=NOTHING_ON_TOPICS))
            continue
        greeting = message.greeting_line(
            s.lang or run.mail_settings.default_lang, s.name, run.mail_settings.greetings
        )
        plan.append(Outcome(s.email, "planned", mail.message_id, greeting=greeting))
    return plan


def send_digest(
    settings: Settings,
    options: SendOptions = SendOptions(),
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    variants: VariantSource | None = None,
) -> SendReport:
    """Deliver the latest (or the given) rendered digest. Raises PublisherError when it cannot start.

    ``variants`` gives each subscriber their language and topics (``digest.variants.for_sending``);
    without it everyone gets ``message.eml`` as it is."""
    folder = options.digest_dir or outbox.latest_digest(settings.out_dir)
    digest = outbox.load_digest(folder)
    template = message.parse_template(digest.message, str(digest.message_path))
    if _already_recorded(settings, digest.digest_id) and not options.force:
        raise PublisherError(
            f"{settings.state_path}: digest {digest.digest_id} ({digest.date}) is already marked as sent -> "
            "render a new one with 'publisher digest', or use --force to send it again (subscribers who got "
            "it are still skipped)"
        )
    secret = tokens.secret_from_env(environ)
    mail_settings = message.mail_settings(settings, template, digest.digest_id, digest.lang)
    transport_options = None if options.dry_run else smtp.options_from_settings(settings.smtp, environ)
    conn = database.connect(settings.database_path)
    try:
        if not subscribers.list_subscribers(conn, subscribers.ACTIVE):
            raise PublisherError(
                f"{settings.database_path}: there are no active subscribers -> add some with "
                "'publisher subscribers add EMAIL' or 'publisher subscribers import FILE.csv'"
            )
        template_for = variants(digest, template) if variants is not None else None
        run = _Run(settings, conn, digest, template, mail_settings, secret, options, template_for)
        if options.dry_run:
            return _dry_run(run)
        assert transport_options is not None
        with send_lock(settings.database_path):
            _check_start(conn, digest.digest_id, options)
            return _deliver(run, smtp.SmtpConnection(transport_options), progress, sleep)
    finally:
        conn.close()


def _claimable(options: SendOptions) -> tuple[Status, ...]:
    return (Status.PENDING, Status.FAILED) + ((Status.UNKNOWN,) if options.retry_unknown else ())


def _dry_run(run: _Run) -> SendReport:
    digest_id = run.digest.digest_id
    done = {d.subscriber for d in deliveries.list_deliveries(run.conn, digest_id, [Status.SENT])}
    unknown = tuple(deliveries.list_deliveries(run.conn, digest_id, [Status.SENDING, Status.UNKNOWN]))
    skip = done | (set() if run.options.retry_unknown else {d.subscriber for d in unknown})
    jobs = [
        _Job(Delivery(0, digest_id, s.key, s.email, Status.PENDING, 0, "", "", None), s)
        for s in subscribers.list_subscribers(run.conn, subscribers.ACTIVE)
        if s.key not in skip
    ]
    return SendReport(
        digest_id=digest_id,
        folder=run.digest.path or Path(run.digest.folder),
        outcomes=tuple(_plan(run, jobs)),
        already_sent=len(done),
        left=0,
        unknown=() if run.options.retry_unknown else unknown,
        marked_sent=False,
        dry_run=True,
    )


def _deliver(
    run: _Run, transport: smtp.SmtpConnection, progress: Progress | None, sleep: Callable[[float], None]
) -> SendReport:
    conn, digest = run.conn, run.digest
    deliveries.claims_to_unknown(conn, digest.digest_id)
    if run.options.mark_unknown_sent:
        for delivery in deliveries.unknown_to_sent(conn, digest.digest_id):
            logger.warning("%s: marked as sent by the operator (%s)", delivery.email, delivery.message_id)
    left = deliveries.prepare(conn, digest.digest_id)
    already_sent = deliveries.counts(conn, digest.digest_id)[Status.SENT]
    jobs = [_Job(d, s) for d, s in deliveries.work_list(conn, digest.digest_id, _claimable(run.options))]
    sender = _Sender(run, transport, progress, sleep)
    try:
        if jobs:
            sender.connect()
        outcomes = sender.deliver_all(jobs)
    finally:
        transport.close()
    marked = deliveries.unresolved(conn, digest.digest_id) == 0
    if marked:
        sent = SentDigest(digest.digest_id, datetime.now(UTC), digest.window_end, digest.entry_ids)
        record_sent(run.settings.state_path, sent)
    return SendReport(
        digest_id=digest.digest_id,
        folder=digest.path or Path(digest.folder),
        outcomes=tuple(outcomes),
        already_sent=already_sent,
        left=left,
        unknown=tuple(deliveries.list_deliveries(conn, digest.digest_id, [Status.UNKNOWN])),
        marked_sent=marked,
    )
