"""The email digest: pick the entries new since the last digest and render its files (HTML, text, .eml)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from publisher.content.schedule import is_published
from publisher.errors import Problem, PublisherError, warning
from publisher.mail.state import DigestState, SentDigest
from publisher.model import Entry

if TYPE_CHECKING:
    from jinja2 import Environment

    from publisher.config import Settings
    from publisher.digest.context import DigestContext

logger = logging.getLogger(__name__)

HTML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SIZE_LIMIT = 102 * 1024  # Gmail clips a message whose HTML is larger ("[Message clipped]")
FILES = ("email.html", "email.txt", "index.html", "message.eml")


# --- the window: which entries are new ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """Entries published in (start, end] belong to the digest; [start, end] for an explicit --since."""

    start: datetime
    end: datetime
    start_inclusive: bool = False

    def contains(self, moment: datetime) -> bool:
        after_start = moment >= self.start if self.start_inclusive else moment > self.start
        return after_start and is_published(moment, self.end)  # nothing the site does not show yet


@dataclass(frozen=True, slots=True)
class Selection:
    window: DigestWindow
    entries: tuple[Entry, ...]
    left_out: tuple[str, ...] = ()  # ids of entries in the window beyond max_entries, newest first


# How many left-out entries a warning names before it says "and N more".
LISTED = 5


MOMENT_RANGE = (1900, 9000)  # years --now and --since may name
MAX_WINDOW_DAYS = 182_500  # 500 years: a window before any moment in range still is a date


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 date or date-time (``2024-05-20``, ``2024-05-20T09:00+02:00``, ``…Z``); naive means ``tz``.

    Raises ValueError with a message fit for the user.
    """
    from publisher.content.normalise import parse_when

    try:
        moment = parse_when(text, tz)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write 2024-05-20 or 2024-05-20T09:00+02:00") from None
    # In the site's zone, so that windows like "--days 30" show the offsets the site really had.
    try:
        moment = moment.astimezone(tz)
    except OverflowError:
        moment = datetime.min.replace(tzinfo=UTC)  # marks it out of range below
    if not MOMENT_RANGE[0] <= moment.year <= MOMENT_RANGE[1]:
        raise ValueError(
            f"{text!r} is out of range: give a date between the years {MOMENT_RANGE[0]} and {MOMENT_RANGE[1]}"
        )
    return moment


def default_now(settings: Settings) -> datetime:
    """The current time in the site's time zone, to the second."""
    return datetime.now(settings.tz).replace(microsecond=0)


def _days_before(now: datetime, days: int) -> datetime:
    from publisher.content.normalise import whole_minute_offset

    return whole_minute_offset(now - timedelta(days=days))


def digest_window(
    state: DigestState,
    now: datetime,
    *,
    window_days: int,
    since: datetime | None = None,
    days: int | None = None,
) -> DigestWindow:
    """The explicit window (``since`` or ``days``), else after the last sent digest, else ``window_days``."""
    if since is not None and days is not None:
        raise PublisherError("give either --since or --days, not both")
    if since is not None:
        if since > now:
            raise PublisherError(
                f"--since {since.isoformat()} is after the digest time {now.isoformat()} -> "
                "give a date in the past (or a later --now)"
            )
        return DigestWindow(since, now, start_inclusive=True)
    if days is not None:
        return DigestWindow(_days_before(now, days), now)
    last = state.last
    if last is None:
        return DigestWindow(_days_before(now, window_days), now)
    if last.window_end > now:
        raise PublisherError(
            f"the last sent digest ({last.digest_id}) already covers entries up to "
            f"{last.window_end.isoformat()}, after the digest time {now.isoformat()} -> "
            "use a later --now, or --since/--days to render an earlier window"
        )
    return DigestWindow(last.window_end, now)


def select_entries(
    entries: Iterable[Entry], state: DigestState, window: DigestWindow, max_entries: int
) -> Selection:
    """Entries in the window whose ids were never sent, newest first, capped at ``max_entries``."""
    sent = state.sent_entry_ids
    chosen = sorted(
        (e for e in entries if window.contains(e.published) and e.id not in sent),
        key=lambda e: e.sort_key,
        reverse=True,
    )
    return Selection(window, tuple(chosen[:max_entries]), tuple(e.id for e in chosen[max_entries:]))


def load_selection(
    settings: Settings, state: DigestState, window: DigestWindow
) -> tuple[Selection, tuple[Problem, ...]]:
    """The digest's entries and every problem in the project.

    Only entries published in the window are loaded, and content HTML only for the chosen ones
    (it is the summary fallback), so a digest of a 100,000-entry project stays quick.
    """
    from publisher.content.load import load_site

    limit = settings.digest.max_entries
    site = load_site(
        settings,
        published=window.contains,
        newest=limit,
        exclude_ids=state.sent_entry_ids,
        between=(window.start, window.end),
    )
    try:
        light = select_entries(site.entries, state, window, limit)
        full = tuple(site.full(e) for e in light.entries)
        # Everything in the window beyond the newest ``limit`` is in ``site.unloaded`` (some of it
        # may have been loaded too, for its problems): that is the complete left-out list.
        return replace(light, entries=full, left_out=site.unloaded), site.problems
    finally:
        site.close()


# --- rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """A rendered digest: ``files`` maps names inside ``out/digests/<date>/`` to their bytes."""

    digest_id: str
    date: str
    now: datetime
    window: DigestWindow
    subject: str
    lang: str
    entry_ids: tuple[str, ...]
    files: dict[str, bytes] = field(repr=False)
    html_size: int = 0
    warnings: tuple[Problem, ...] = ()
    folder: str = ""  # the folder's name under out/digests/: the date, or date-2, -3 … (see free_folder)

    @property
    def directory(self) -> str:
        return f"digests/{self.folder or self.date}"


def _config_path(settings: Settings) -> str:
    return str(settings.config_path or settings.root / "publisher.toml")


def sender(settings: Settings) -> tuple[str, str, list[Problem]]:
    """From name and address: [smtp] from_name/from_address, else [digest] sender_name and author_email."""
    name = settings.smtp.from_name or settings.digest.sender_name or settings.title
    address = settings.smtp.from_address or settings.author_email
    problems: list[Problem] = []
    if not address:
        host = urlsplit(settings.base_url).hostname or "localhost"
        address = f"noreply@{host}"
        problems.append(
            warning(
                _config_path(settings),
                f"no sender address, so message.eml is From {address}",
                field="smtp.from_address",
                hint="set [smtp] from_address (or author_email)",
            )
        )
    elif "@" not in address or any(c.isspace() for c in address):
        key = "smtp.from_address" if settings.smtp.from_address else "author_email"
        raise PublisherError(
            f"{_config_path(settings)}: {key}: {address!r} is not an email address "
            "-> write it as news@example.org"
        )
    return name, address, problems


def _warnings(settings: Settings, selection: Selection, html_size: int, html_path: str) -> list[Problem]:
    """What the user should know about a rendered digest: size, entries left out, no postal address."""
    problems = []
    if html_size > SIZE_LIMIT:
        problems.append(
            warning(
                html_path,
                f"the HTML is {html_size / 1024:.0f} KB; Gmail clips messages whose HTML exceeds "
                f"{SIZE_LIMIT // 1024} KB",
                hint="lower [digest] max_entries, shorten the summaries or slim down the templates",
            )
        )
    if selection.left_out:
        count = len(selection.left_out)
        problems.append(
            warning(
                _config_path(settings),
                f"{count} older entr{'y' if count == 1 else 'ies'} left out of the digest: "
                + ", ".join(selection.left_out[:LISTED])
                + (f" and {count - LISTED} more" if count > LISTED else ""),
                field="digest.max_entries",
                hint=f"raise [digest] max_entries (now {settings.digest.max_entries}) to include them: "
                "once this digest is marked as sent, they are not offered again",
            )
        )
    if not settings.digest.sender_address.strip():
        problems.append(
            warning(
                _config_path(settings),
                "no postal address for the email footer",
                field="digest.sender_address",
                hint="newsletters must name the sender's postal address; set [digest] sender_address",
            )
        )
    return problems


def email_context(
    settings: Settings, selection: Selection, now: datetime, folder: str | None = None
) -> DigestContext:
    """The context ``email.html`` is rendered with; the other files vary it (no web link on the
    web version, placeholders in the message). ``folder``: see ``render_digest``."""
    from publisher.digest.context import build_context

    now = now.astimezone(settings.tz)
    return build_context(
        settings,
        selection.entries,
        now,
        left_out=len(selection.left_out),
        web_url=settings.url(f"digests/{folder or now.date().isoformat()}/index.html"),
    )


def render_digest(
    settings: Settings,
    selection: Selection,
    now: datetime,
    env: Environment | None = None,
    folder: str | None = None,
) -> RenderedDigest:
    """Render every file of the digest; pure apart from reading templates (and keeping them compiled
    in the project's cache folder, see ``make_environment``). Raises PublisherError.

    ``folder`` is its folder's name under ``out/digests/`` (by default the date), which the "view in
    browser" link names; ``free_folder`` tells when the date's folder is taken."""
    from publisher.digest.emailhtml import render_email_html, render_template
    from publisher.mail.message import GREETING, PLACEHOLDERS, UNSUBSCRIBE_URL, MessageSpec, build_message

    if env is None:
        from publisher.render.templating import make_environment

        env = make_environment(settings)
    now = now.astimezone(settings.tz)
    date = now.date().isoformat()
    folder = folder or date
    root = settings.root
    context = email_context(settings, selection, now, folder)
    personal = replace(context, greeting=GREETING, unsubscribe_url=UNSUBSCRIBE_URL)
    html = render_email_html(env, HTML_TEMPLATE, context.as_dict(), root)
    # The web version is shown by a browser, which reads <style>: no inlining needed.
    web_context = replace(context, web_url="").as_dict()
    web_html = render_email_html(env, HTML_TEMPLATE, web_context, root, inline=False)
    message_html = render_email_html(env, HTML_TEMPLATE, personal.as_dict(), root)
    text = render_template(env, TEXT_TEMPLATE, context.as_dict(), root)
    message_text = render_template(env, TEXT_TEMPLATE, personal.as_dict(), root)
    for name, body in ((HTML_TEMPLATE, message_html), (TEXT_TEMPLATE, message_text)):
        if UNSUBSCRIBE_URL not in body:
            raise PublisherError(
                f"{name}: the template has no unsubscribe link -> link {{{{ unsubscribe_url }}}} "
                "(every digest must let its readers unsubscribe)"
            )
    # A placeholder in an entry or in the settings would be filled per recipient by the sender.
    for placeholder in PLACEHOLDERS:
        if placeholder in html or placeholder in text:
            raise PublisherError(
                f"{placeholder} appears in an entry or in the [digest] settings; it is reserved for "
                "personalising message.eml -> reword that text"
            )

    from_name, from_address, problems = sender(settings)
    message = build_message(
        MessageSpec(
            subject=context.subject,
            from_name=from_name,
            from_address=from_address,
            date=now,
            text=message_text,
            html=message_html,
            domain=urlsplit(settings.base_url).hostname or "localhost",
        )
    )
    files = {
        "email.html": html.encode("utf-8"),
        "email.txt": text.encode("utf-8"),
        "index.html": web_html.encode("utf-8"),
        "message.eml": message,
    }
    content_hash = hashlib.sha256(b"\0".join(files[name] for name in FILES)).hexdigest()
    digest_id = f"{date}-{content_hash[:8]}"
    entry_ids = tuple(e.id for e in selection.entries)
    manifest = {
        "digest_id": digest_id,
        "date": date,
        "now": now.isoformat(),
        "window_start": selection.window.start.isoformat(),
        "window_end": selection.window.end.isoformat(),
        "subject": context.subject,
        "lang": context.lang,
        "entry_ids": list(entry_ids),
        "files": list(FILES),
    }
    files["digest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    html_size = len(message_html.encode("utf-8"))
    problems += _warnings(
        settings, selection, html_size, f"{settings.out_dir.name}/digests/{folder}/email.html"
    )
    return RenderedDigest(
        digest_id=digest_id,
        date=date,
        now=now,
        window=selection.window,
        subject=context.subject,
        lang=context.lang,
        entry_ids=entry_ids,
        files=files,
        html_size=html_size,
        warnings=tuple(problems),
        folder=folder,
    )


# --- I/O at the edges ---------------------------------------------------------------------------


def free_folder(settings: Settings, rendered: RenderedDigest, state: DigestState) -> str:
    """The folder under ``out/digests/`` this digest may be written to: its date's, unless that holds
    another digest already marked as sent (a second edition on the same day); then ``<date>-2``,
    ``-3`` …, so that the web version and message.eml of a sent digest are never replaced."""
    sent = {digest.digest_id for digest in state.sent}
    number = 1
    while True:
        name = rendered.date if number == 1 else f"{rendered.date}-{number}"
        try:
            data = json.loads((settings.out_dir / "digests" / name / "digest.json").read_bytes())
            holder = data.get("digest_id") if isinstance(data, dict) else None
        except (OSError, ValueError):
            return name  # no digest there (or an unreadable one, which nothing can send)
        if holder == rendered.digest_id or holder not in sent:
            return name  # the same digest again, or one never sent: rendering it anew is fine
        number += 1


def write_digest(settings: Settings, rendered: RenderedDigest) -> list[Path]:
    """Write the files atomically to ``out/digests/<date>/``; the manifest digest.json goes last.

    No fsync: the files can be rendered again (the state file, which cannot, is written durably).
    """
    from publisher.output import write_atomic

    directory = settings.out_dir / rendered.directory
    names = [*FILES, "digest.json"]
    for name in names:
        write_atomic(directory / name, rendered.files[name], durable=False)
    return [directory / name for name in names]


def mark_sent(settings: Settings, rendered: RenderedDigest) -> DigestState:
    """Record the digest as sent in the state file (atomically; idempotent per digest id)."""
    from publisher.mail.state import record_sent

    path = settings.state_path
    try:
        return record_sent(
            path, SentDigest(rendered.digest_id, rendered.now, rendered.window.end, rendered.entry_ids)
        )
    except OSError as exc:
        raise PublisherError(
            f"{path}: could not write the digest state ({exc.strerror or exc}); the digest was written "
            "but is NOT marked as sent -> fix the problem and run the same command with --mark-sent again"
        ) from None


def load_digest_state(settings: Settings) -> DigestState:
    """The sent-digest history; a corrupt state file raises PublisherError (never a silent reset)."""
    from publisher.mail.state import load_state

    return load_state(settings.state_path)
