"""Render the digest's files (email HTML and text, the web version, message.eml, the template of each
subscriber's copy) from the chosen entries."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from publisher.digest.selection import Selection
from publisher.errors import Problem, PublisherError, warning
from publisher.mail import message
from publisher.mail.message import Sender
from publisher.mail.outbox import MANIFEST, TEMPLATE, RenderedDigest

if TYPE_CHECKING:
    from jinja2 import Environment

    from publisher.config import Settings
    from publisher.digest.context import DigestContext

logger = logging.getLogger(__name__)

HTML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SIZE_LIMIT = 102 * 1024  # Gmail clips a message whose HTML is larger ("[Message clipped]")
FILES = ("email.html", "email.txt", "index.html", "message.eml", TEMPLATE)
# How many left-out entries a warning names before it says "and N more".
LISTED = 5


def _config_path(settings: Settings) -> str:
    return str(settings.config_path or settings.root / "publisher.toml")


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
    settings: Settings,
    selection: Selection,
    now: datetime,
    folder: str | None = None,
    mail_sender: Sender | None = None,
) -> DigestContext:
    """The context ``email.html`` (and message.eml) is rendered with: a neutral greeting and an
    unsubscribe link that needs no personal token. The other files vary it (no web link and no
    greeting on the web version, slots in the template). ``folder``: see ``render_digest``."""
    from publisher.digest.context import build_context

    if mail_sender is None:
        mail_sender, _ = message.sender(settings)
    now = now.astimezone(settings.tz)
    return build_context(
        settings,
        selection.entries,
        now,
        left_out=len(selection.left_out),
        web_url=settings.url(f"digests/{folder or now.date().isoformat()}/index.html"),
        greeting=message.greeting_line(settings.language, "", settings.digest),
        unsubscribe_url=mail_sender.general_unsubscribe,
    )


def personal_template(
    env: Environment, context: DigestContext, root: Path, slots: message.Slots
) -> message.Template:
    """The template each subscriber's copy is made of: the email rendered with the slots where their
    greeting and their links go. Raises PublisherError for templates without an unsubscribe link."""
    from publisher.digest.emailhtml import render_email_html, render_template

    personal = replace(
        context,
        greeting=slots.greeting,
        unsubscribe_url=slots.unsubscribe,
        preferences_url=slots.preferences,
    ).as_dict()
    body_html = render_email_html(env, HTML_TEMPLATE, personal, root)
    text = render_template(env, TEXT_TEMPLATE, personal, root)
    for name, body in ((HTML_TEMPLATE, body_html), (TEXT_TEMPLATE, text)):
        if slots.unsubscribe not in body:
            raise PublisherError(
                f"{name}: the template has no unsubscribe link -> link {{{{ unsubscribe_url }}}} "
                "(every digest must let its readers unsubscribe)"
            )
    return message.Template(text, body_html, *slots)


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

    if env is None:
        from publisher.render.templating import make_environment

        env = make_environment(settings)
    now = now.astimezone(settings.tz)
    date = now.date().isoformat()
    folder = folder or date
    root = settings.root
    mail_sender, problems = message.sender(settings)
    context = email_context(settings, selection, now, folder, mail_sender)
    html = render_email_html(env, HTML_TEMPLATE, context.as_dict(), root)
    text = render_template(env, TEXT_TEMPLATE, context.as_dict(), root)
    # The web version is shown by a browser, which reads <style>: no inlining needed.
    web_context = replace(context, web_url="", greeting="").as_dict()
    web_html = render_email_html(env, HTML_TEMPLATE, web_context, root, inline=False)
    # Each subscriber's copy: the same, with slots for the greeting and the personal links.
    template = personal_template(env, context, root, message.slots_for(text, html))
    domain = urlsplit(settings.base_url).hostname or "localhost"
    files = {
        "email.html": html.encode("utf-8"),
        "email.txt": text.encode("utf-8"),
        "index.html": web_html.encode("utf-8"),
        "message.eml": message.neutral_message(mail_sender, context.subject, now, text, html, domain),
        TEMPLATE: template.to_json(),
    }
    content_hash = hashlib.sha256(b"\0".join(files[name] for name in FILES)).hexdigest()
    digest_id = f"{date}-{content_hash[:8]}"
    entry_ids = tuple(e.id for e in selection.entries)
    html_size = len(html.encode("utf-8"))
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
