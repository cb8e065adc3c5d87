"""Render the digest's files (email HTML and text, the web version, message.eml) from the chosen entries."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from publisher.digest.selection import Selection
from publisher.errors import Problem, PublisherError, warning
from publisher.mail.outbox import MANIFEST, RenderedDigest

if TYPE_CHECKING:
    from jinja2 import Environment

    from publisher.config import Settings
    from publisher.digest.context import DigestContext

logger = logging.getLogger(__name__)

HTML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SIZE_LIMIT = 102 * 1024  # Gmail clips a message whose HTML is larger ("[Message clipped]")
FILES = ("email.html", "email.txt", "index.html", "message.eml")
# How many left-out entries a warning names before it says "and N more".
LISTED = 5


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
    from publisher.mail.message import (
        GREETING,
        PLACEHOLDERS,
        PREFERENCES_URL,
        UNSUBSCRIBE_URL,
        MessageSpec,
        build_message,
    )

    if env is None:
        from publisher.render.templating import make_environment

        env = make_environment(settings)
    now = now.astimezone(settings.tz)
    date = now.date().isoformat()
    folder = folder or date
    root = settings.root
    context = email_context(settings, selection, now, folder)
    personal = replace(
        context, greeting=GREETING, unsubscribe_url=UNSUBSCRIBE_URL, preferences_url=PREFERENCES_URL
    )
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
    html_size = len(message_html.encode("utf-8"))
    problems += _warnings(
        settings, selection, html_size, f"{settings.out_dir.name}/digests/{folder}/email.html"
    )
    rendered = RenderedDigest(
        digest_id=digest_id,
        date=date,
        now=now,
        window_start=selection.window.start,
        window_end=selection.window.end,
        subject=context.subject,
        lang=context.lang,
        entry_ids=entry_ids,
        file_names=FILES,
        files=files,
        folder=folder,
        html_size=html_size,
        warnings=tuple(problems),
    )
    return replace(rendered, files={**files, MANIFEST: rendered.manifest()})
