"""Send a rendered digest to every active subscriber exactly once: choose the digest, claim, transmit,
record, report; finish a digest an earlier run left unfinished; test sends; the operator's decisions."""

from __future__ import annotations

import fcntl
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
from publisher.lock import project_lock
from publisher.mail import database, deliveries, message, outbox, smtp, subscribers, tokens
from publisher.mail.deliveries import Delivery, Status
from publisher.mail.state import SentDigest, load_state, record_sent
from publisher.mail.subscribers import Subscriber
from publisher.mail.transmit import NOTHING_ON_TOPICS, Job, Outcome, Progress, Result, Transmitter

__all__ = ["Outcome", "Progress", "Result", "SendOptions", "SendReport", "send_digest", "send_lock"]

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# Each subscriber's edition: their language and topics (None: no entry on their topics, no mail).
EditionFor = Callable[[Subscriber], message.Edition | None]
EditionSource = Callable[[outbox.RenderedDigest, message.Edition], EditionFor]


@dataclass(frozen=True, slots=True)
class SendOptions:
    digest_dir: Path | None = None
    dry_run: bool = False
    resume: bool = False  # also try again those the server refused for good earlier
    force: bool = False  # send although the state file marks the digest as sent
    retry_unknown: bool = False
    mark_unknown_sent: bool = False
    arrived: tuple[str, ...] = ()  # unknown deliveries the operator found in the server's log
    retry: tuple[str, ...] = ()  # unknown deliveries to send again
    give_up: tuple[str, ...] = ()  # unknown or deferred deliveries to record as failed
    to: str = ""  # a test send to this address only


@dataclass(frozen=True, slots=True)
class SendReport:
    digest_id: str
    folder: Path | None
    outcomes: tuple[Outcome, ...] = ()
    already_sent: int = 0  # sent by an earlier run: skipped now
    left: int = 0  # never attempted because the subscriber left before the run: skipped
    unknown: tuple[Delivery, ...] = ()  # unresolved after this run (including earlier ones)
    deferred: tuple[Delivery, ...] = ()  # waiting for the next send (including earlier ones)
    marked_sent: bool = False  # the digest is now recorded as sent in the state file
    dry_run: bool = False
    nothing_to_do: str = ""  # why there was nothing to send ("" if there was)
    stopped: str = ""  # why the run ended before everyone was tried ("" if it did not)
    test_to: str = ""  # a test send: the one address

    def _of(self, result: Result) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status is result)

    @property
    def sent(self) -> int:
        return len(self._of(Result.SENT))

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return self._of(Result.FAILED)

    @property
    def skipped(self) -> int:
        return self.already_sent + self.left + len(self._of(Result.SKIPPED))

    @property
    def ok(self) -> bool:
        """Nothing needs the operator: no failure, nobody deferred or unknown, no early stop."""
        return not (self.failed or self.unknown or self.deferred or self.stopped)

    def advice(self) -> list[str]:
        """What to do about what is not ok, one line each."""
        lines = []
        if self.stopped:
            lines.append(self.stopped)
        if self.deferred:
            lines.append(
                f"{len(self.deferred)} deferred: the server did not take them yet; 'publisher send' (or the "
                "next 'publisher publish') tries them again, nobody gets it twice"
            )
        if self.unknown:
            lines.append(
                f"{len(self.unknown)} unknown: the server may have them. Search its log for the Message-IDs "
                "('publisher send --list-unknown'), then 'publisher send --arrived ADDRESS' for those that "
                "arrived and 'publisher send --retry ADDRESS' for those that did not"
            )
        if self.failed:
            lines.append(
                f"{len(self.failed)} failed: the server refused these addresses for good; check them, and "
                "remove or correct them with 'publisher subscribers'"
            )
        return lines


@contextmanager
def send_lock(database_path: Path) -> Iterator[None]:
    """One sender per database (projects may share one); the OS releases the lock even if the
    process is killed."""
    path = database_path.with_name(database_path.name + "-send-lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublisherError(
                f"{path}: another 'publisher send' is running for this database -> wait for it to finish"
            ) from None
        yield


def _sent_ids(settings: Settings) -> set[str]:
    return {d.digest_id for d in load_state(settings.state_path).sent}


def _in_flight(settings: Settings, conn: sqlite3.Connection) -> str | None:
    """The digest an earlier run left unfinished (not yet marked as sent), if any."""
    sent = _sent_ids(settings)
    return next((d for d in deliveries.in_flight(conn) if d not in sent), None)


def _choose(settings: Settings, options: SendOptions, conn: sqlite3.Connection) -> Path | None:
    """The digest to send: the given one, an unfinished one, else the newest; None if there is none."""
    if options.digest_dir is not None:
        return options.digest_dir
    unfinished = None if options.to else _in_flight(settings, conn)
    if unfinished is not None:
        folder = outbox.find_digest(settings.out_dir, unfinished)
        if folder is None:
            raise PublisherError(
                f"{settings.out_dir / outbox.DIGESTS_DIR}: digest {unfinished} is not finished, but its "
                "folder is gone -> restore it from a backup, or see who is left with 'publisher send "
                "--list-unknown' and decide with --arrived/--give-up"
            )
        return folder
    folders = outbox.digest_folders(settings.out_dir)
    return folders[-1] if folders else None


@dataclass(frozen=True, slots=True)
class _Run:
    """Everything one run works with, resolved and checked before anything is sent."""

    settings: Settings
    conn: sqlite3.Connection
    digest: outbox.RenderedDigest
    edition: message.Edition
    sender: message.Sender
    secret: bytes
    options: SendOptions
    clock: Clock
    edition_for: EditionFor | None = None

    def mail_for(self, subscriber: Subscriber, test: bool = False) -> message.OutgoingMail | None:
        """The subscriber's copy, or None when none of the digest's entries is on their topics."""
        edition = self.edition if self.edition_for is None else self.edition_for(subscriber)
        if edition is None:
            return None
        token = tokens.make_token(self.secret, subscriber.id, subscriber.key) if self.secret else ""
        recipient = message.Recipient(subscriber.email, subscriber.name, subscriber.lang, token)
        return message.personal_message(
            edition,
            self.sender,
            recipient,
            digest_id=self.digest.digest_id,
            date=self.clock(),
            test=test,
        )


def _now(settings: Settings) -> Clock:
    return lambda: datetime.now(settings.tz).replace(microsecond=0)


def send_digest(
    settings: Settings,
    options: SendOptions = SendOptions(),
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock | None = None,
    editions: EditionSource | None = None,
) -> SendReport:
    """Deliver the digest that is due: one an earlier run left unfinished, else the newest (or the
    given one). Nothing to send is no error (``SendReport.nothing_to_do``). Raises PublisherError
    when it cannot start, or when the server cannot be reached.

    ``editions`` gives each subscriber their language and topics (``digest.variants.for_sending``);
    without it everyone gets the digest's own edition."""
    with project_lock(settings.root, "send"):
        conn = database.connect(settings.database_path)
        try:
            return _send(settings, options, conn, progress, environ, sleep, clock or _now(settings), editions)
        finally:
            conn.close()


def _send(
    settings: Settings,
    options: SendOptions,
    conn: sqlite3.Connection,
    progress: Progress | None,
    environ: Mapping[str, str] | None,
    sleep: Callable[[float], None],
    clock: Clock,
    editions: EditionSource | None,
) -> SendReport:
    folder = _choose(settings, options, conn)
    if folder is None:
        return SendReport("", None, nothing_to_do="no digest has been rendered yet ('publisher digest')")
    digest = outbox.load_digest(folder)
    compiled = message.compile_template(digest.template())
    if digest.digest_id in _sent_ids(settings) and not (options.force or options.to):
        return SendReport(
            digest.digest_id,
            digest.path,
            nothing_to_do=f"digest {digest.digest_id} ({digest.date}) is sent; 'publisher digest' renders "
            "the next one when there are new entries",
        )
    sender, _ = message.sender(settings, sending=True)
    subject = message.subject_line(settings, len(digest.entry_ids), digest.now, digest.lang)
    edition = message.Edition(compiled, subject, digest.lang)
    test_subscriber = _test_subscriber(conn, options.to) if options.to else None
    needs_secret = not options.to or (test_subscriber is not None and test_subscriber.id > 0)
    secret = tokens.secret_from_env(environ) if needs_secret else b""
    transport_options = None if options.dry_run else smtp.options_from_settings(settings.smtp, environ)
    edition_for = editions(digest, edition) if editions is not None else None
    run = _Run(settings, conn, digest, edition, sender, secret, options, clock, edition_for)
    if test_subscriber is not None:
        assert transport_options is not None
        return _test_send(run, test_subscriber, smtp.SmtpConnection(transport_options))
    if not subscribers.list_subscribers(conn, subscribers.ACTIVE):
        raise PublisherError(
            f"{settings.database_path}: there are no active subscribers -> add some with "
            "'publisher subscribers add EMAIL' or 'publisher subscribers import FILE.csv'"
        )
    if options.dry_run:
        return _dry_run(run)
    assert transport_options is not None
    with send_lock(settings.database_path):
        return _deliver(run, smtp.SmtpConnection(transport_options), progress, sleep)


def _test_subscriber(conn: sqlite3.Connection, address: str) -> Subscriber:
    """The subscriber with this address (their own copy), or a stand-in with no name and no token."""
    try:
        normalised = subscribers.normalise_email(address)
    except ValueError as exc:
        raise PublisherError(f"--to {address!r} is not a valid address: {exc}") from None
    found = subscribers.existing_subscriber(conn, normalised)
    if found is not None and found.status == subscribers.ACTIVE:
        return found
    return Subscriber(0, normalised, "", "", (), subscribers.ACTIVE, "", None)


def _test_send(run: _Run, subscriber: Subscriber, transport: smtp.SmtpConnection) -> SendReport:
    """One copy to one address, subject "[Test] …": no delivery-log entry, nothing marked as sent."""
    mail = run.mail_for(subscriber, test=True)
    if mail is None:
        outcome = Outcome(subscriber.email, Result.SKIPPED, error=NOTHING_ON_TOPICS)
        return SendReport(run.digest.digest_id, run.digest.path, (outcome,), test_to=subscriber.email)
    transmitter = Transmitter(
        run.conn, run.settings.smtp, transport, run.sender.address, lambda s: mail, (Status.PENDING,)
    )
    try:
        transmitter.connect()
        transport.send(run.sender.address, subscriber.email, mail.data)
        outcome = Outcome(subscriber.email, Result.SENT, mail.message_id)
    except smtp.SmtpFailure as failure:
        outcome = Outcome(subscriber.email, Result.FAILED, mail.message_id, str(failure))
    finally:
        transport.close()
    return SendReport(run.digest.digest_id, run.digest.path, (outcome,), test_to=subscriber.email)


def _resolve(run: _Run) -> None:
    """The operator's decisions about earlier deliveries, before anything is sent."""
    conn, digest_id, options = run.conn, run.digest.digest_id, run.options
    decisions = (
        (options.arrived, Status.SENT, (Status.UNKNOWN,), "marked sent by the operator (--arrived)"),
        (options.give_up, Status.FAILED, deliveries.UNRESOLVED, "given up by the operator (--give-up)"),
        (options.retry, Status.PENDING, (Status.UNKNOWN,), "sent again on the operator's request (--retry)"),
    )
    for addresses, status, allowed, note in decisions:
        if addresses:
            for delivery in deliveries.resolve(conn, digest_id, addresses, status, allowed, note):
                logger.warning("%s: %s (%s)", delivery.email, note, delivery.message_id)
    everyone = [d.email for d in deliveries.list_deliveries(conn, digest_id, [Status.UNKNOWN])]
    if everyone and options.mark_unknown_sent:
        note = "marked sent by the operator (--mark-unknown-sent)"
        deliveries.resolve(conn, digest_id, everyone, Status.SENT, (Status.UNKNOWN,), note)
    elif everyone and options.retry_unknown:
        note = "sent again on the operator's request (--retry-unknown)"
        deliveries.resolve(conn, digest_id, everyone, Status.PENDING, (Status.UNKNOWN,), note)


def _claimable(options: SendOptions) -> tuple[Status, ...]:
    """Pending and deferred rows; with --resume also those refused for good before."""
    return (Status.PENDING, Status.DEFERRED) + ((Status.FAILED,) if options.resume else ())


def _dry_run(run: _Run) -> SendReport:
    digest_id = run.digest.digest_id
    done = {d.subscriber for d in deliveries.list_deliveries(run.conn, digest_id, [Status.SENT])}
    unknown = tuple(deliveries.list_deliveries(run.conn, digest_id, [Status.SENDING, Status.UNKNOWN]))
    skip = done | (set() if run.options.retry_unknown else {d.subscriber for d in unknown})
    plan = []
    for s in subscribers.list_subscribers(run.conn, subscribers.ACTIVE):
        if s.key in skip:
            continue
        mail = run.mail_for(s)
        if mail is None:
            plan.append(Outcome(s.email, Result.SKIPPED, error=NOTHING_ON_TOPICS))
            continue
        greeting = message.greeting_line(s.lang or run.digest.lang, s.name, run.sender.greetings)
        plan.append(Outcome(s.email, Result.PLANNED, mail.message_id, greeting=greeting))
    return SendReport(
        digest_id=digest_id,
        folder=run.digest.path,
        outcomes=tuple(plan),
        already_sent=len(done),
        unknown=() if run.options.retry_unknown else unknown,
        dry_run=True,
    )


def _deliver(
    run: _Run, transport: smtp.SmtpConnection, progress: Progress | None, sleep: Callable[[float], None]
) -> SendReport:
    conn, digest = run.conn, run.digest
    deliveries.claims_to_unknown(conn, digest.digest_id)
    _resolve(run)
    left = deliveries.prepare(conn, digest.digest_id)
    already_sent = deliveries.counts(conn, digest.digest_id)[Status.SENT]
    claimable = _claimable(run.options)
    jobs = [Job(d, s) for d, s in deliveries.work_list(conn, digest.digest_id, claimable)]
    transmitter = Transmitter(
        conn, run.settings.smtp, transport, run.sender.address, run.mail_for, claimable, progress, sleep
    )
    try:
        if jobs:
            transmitter.connect()
        outcomes = transmitter.deliver_all(jobs)
    finally:
        transport.close()
    marked = deliveries.unresolved(conn, digest.digest_id) == 0
    if marked:
        sent = SentDigest(digest.digest_id, datetime.now(UTC), digest.window_end, digest.entry_ids)
        record_sent(run.settings.state_path, sent)
    return SendReport(
        digest_id=digest.digest_id,
        folder=digest.path,
        outcomes=tuple(outcomes),
        already_sent=already_sent,
        left=left,
        unknown=tuple(deliveries.list_deliveries(conn, digest.digest_id, [Status.UNKNOWN])),
        deferred=tuple(deliveries.list_deliveries(conn, digest.digest_id, [Status.DEFERRED, Status.PENDING])),
        marked_sent=marked,
        stopped=transmitter.stopped,
    )


def unresolved_deliveries(settings: Settings, digest_dir: Path | None = None) -> tuple[str, list[Delivery]]:
    """The digest that is due and its deliveries that wait for a decision or a retry (unknown,
    deferred, still pending), for ``publisher send --list-unknown``."""
    with project_lock(settings.root, "send"):
        conn = database.connect(settings.database_path)
        try:
            folder = _choose(settings, SendOptions(digest_dir=digest_dir), conn)
            if folder is None:
                return "", []
            digest_id = outbox.load_digest(folder).digest_id
            waiting = [Status.UNKNOWN, Status.SENDING, Status.DEFERRED, Status.PENDING]
            return digest_id, deliveries.list_deliveries(conn, digest_id, waiting)
        finally:
            conn.close()
