"""The delivery loop of one send run: one reused connection, pacing, retries in due order, and every
attempt claimed in the delivery log before a byte goes out and recorded after."""

from __future__ import annotations

import heapq
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from publisher.config import SmtpSettings
from publisher.errors import PublisherError
from publisher.mail import deliveries, smtp
from publisher.mail.deliveries import Delivery, Status
from publisher.mail.message import OutgoingMail
from publisher.mail.subscribers import Subscriber

logger = logging.getLogger(__name__)


NOTHING_ON_TOPICS = "no entry of this digest is on their topics"


class Result(StrEnum):
    """What became of one subscriber in this run."""

    SENT = "sent"
    FAILED = "failed"  # the server refused this recipient for good (5xx to RCPT)
    DEFERRED = "deferred"  # not delivered now; the next send tries again
    UNKNOWN = "unknown"  # the server may have it; the operator decides
    SKIPPED = "skipped"  # unsubscribed while the run was going on
    PLANNED = "planned"  # a dry run


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result for one subscriber in this run."""

    email: str
    status: Result
    message_id: str = ""
    error: str = ""
    greeting: str = ""


Progress = Callable[[int, int, Outcome | None], None]


@dataclass
class Job:
    delivery: Delivery
    subscriber: Subscriber
    attempts: int = 0  # in this run


class SenderRefused(Exception):
    """The server refuses our sender address (5xx to MAIL FROM): no one can get the mail; stop."""


class Transmitter:
    """Sends each job's mail once; ``stopped`` says why the run ended early ("" if it did not)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        config: SmtpSettings,
        transport: smtp.SmtpConnection,
        envelope_from: str,
        mail_for: Callable[[Subscriber], OutgoingMail | None],
        claimable: tuple[Status, ...],
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conn, self.config, self.transport = conn, config, transport
        self.envelope_from, self.mail_for, self.claimable = envelope_from, mail_for, claimable
        self.progress, self.sleep = progress, sleep
        self.limiter = smtp.RateLimiter(config.rate_per_second, sleep=sleep)
        self.outcomes: list[Outcome] = []
        self.stopped = ""

    def deliver_all(self, jobs: list[Job]) -> list[Outcome]:
        total = len(jobs)
        if self.progress:
            self.progress(0, total, None)
        fresh = iter(jobs)
        retries: list[tuple[float, int, Job]] = []
        sequence = 0
        next_job = next(fresh, None)
        try:
            while next_job is not None or retries:
                if retries and (next_job is None or retries[0][0] <= time.monotonic()):
                    due, _, job = heapq.heappop(retries)
                    self.sleep(max(0.0, due - time.monotonic()))
                else:
                    assert next_job is not None
                    job, next_job = next_job, next(fresh, None)
                outcome = self._attempt(job)
                if outcome is None:
                    delay = smtp.backoff_delay(self.config.retry_backoff, job.attempts)
                    sequence += 1
                    heapq.heappush(retries, (time.monotonic() + delay, sequence, job))
                    continue
                self._done(outcome, total)
        except SenderRefused as refusal:
            self.stopped = str(refusal)  # everyone not reached stays pending for the next send
        return self.outcomes

    def _done(self, outcome: Outcome, total: int) -> None:
        self.outcomes.append(outcome)
        if self.progress:
            self.progress(len(self.outcomes), total, outcome)

    def connect(self) -> None:
        """(Re)connect; connection trouble is retried with backoff, then the run stops (rows stay pending)."""
        attempts = self.config.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                self.transport.open()
                return
            except smtp.SmtpFailure as failure:
                logger.warning("%s (attempt %d of %d)", failure, attempt, attempts)
                if attempt == attempts:
                    sent = sum(1 for o in self.outcomes if o.status is Result.SENT)
                    raise PublisherError(
                        f"{failure} -> check [smtp] host and port in publisher.toml and that the server "
                        f"is running; {sent} sent in this run, nobody gets it twice: the rest wait for "
                        "the next 'publisher send'"
                    ) from None
                self.sleep(smtp.backoff_delay(self.config.retry_backoff, attempt))

    def _attempt(self, job: Job) -> Outcome | None:
        """One try for one subscriber: an Outcome when final for this run, None to retry later."""
        subscriber = job.subscriber
        mail = self.mail_for(subscriber)
        if mail is None:
            deliveries.drop_pending(self.conn, job.delivery.id)
            return Outcome(subscriber.email, Result.SKIPPED, error=NOTHING_ON_TOPICS)
        if not self.transport.connected:
            self.connect()
        self.limiter.wait()
        if not deliveries.claim(self.conn, job.delivery.id, mail.message_id, self.claimable):
            deliveries.drop_pending(self.conn, job.delivery.id)
            return Outcome(subscriber.email, Result.SKIPPED, error="unsubscribed while the run was going on")
        job.attempts += 1
        try:
            self.transport.send(self.envelope_from, subscriber.email, mail.data)
        except smtp.SmtpFailure as failure:
            return self._failed(job, mail.message_id, failure)
        except BaseException:
            # Interrupted mid-transaction (Ctrl-C): we cannot know what the server got.
            deliveries.mark_unknown(self.conn, job.delivery.id, "interrupted during the SMTP transaction")
            raise
        deliveries.mark_sent(self.conn, job.delivery.id)
        logger.debug("sent %s to %s", mail.message_id, subscriber.email)
        return Outcome(subscriber.email, Result.SENT, mail.message_id)

    def _failed(self, job: Job, message_id: str, failure: smtp.SmtpFailure) -> Outcome | None:
        """Only a permanent refusal of the recipient is final for them; a lost reply is unknown;
        everything else is tried again, in this run while attempts are left, then by the next send."""
        email, delivery_id = job.subscriber.email, job.delivery.id
        error = str(failure)
        if failure.kind is smtp.Kind.AMBIGUOUS:
            deliveries.mark_unknown(self.conn, delivery_id, error)
            logger.warning("%s: %s -> unknown, not retried", email, error)
            return Outcome(email, Result.UNKNOWN, message_id, error)
        if failure.about_recipient:
            deliveries.mark_failed(self.conn, delivery_id, error)
            logger.warning("%s: failed: %s", email, error)
            return Outcome(email, Result.FAILED, message_id, error)
        if failure.kind is smtp.Kind.PERMANENT and failure.phase == "MAIL FROM":
            deliveries.release(self.conn, delivery_id, error)
            raise SenderRefused(
                f"the server refuses the sender {self.envelope_from} ({error}) -> check [smtp] from_address "
                "and what the server allows; nobody was refused for good: 'publisher send' tries again"
            )
        if failure.kind is smtp.Kind.TEMPORARY and job.attempts < self.config.max_attempts:
            deliveries.release(self.conn, delivery_id, error)
            logger.info("%s: %s (attempt %d), will retry", email, error, job.attempts)
            return None
        if failure.kind is smtp.Kind.TEMPORARY:
            error = f"{job.attempts} attempts: {error}"
        deliveries.mark_deferred(self.conn, delivery_id, error)
        logger.warning("%s: deferred: %s", email, error)
        return Outcome(email, Result.DEFERRED, message_id, error)
