"""Each subscriber's digest: in their language, with only the entries on their topics.

A digest is rendered once per variant (language, and the entries a topic set selects) and personalised by
substitution, as ``message.eml`` is: the variant for the digest's language with every entry *is*
``message.eml``. A subscriber whose topics select no entry gets no mail that week.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from publisher.digest.context import build_context
from publisher.errors import PublisherError
from publisher.mail import topics as topic_names
from publisher.mail.message import (
    GREETING,
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    MailTemplate,
    make_template,
)
from publisher.mail.outbox import RenderedDigest
from publisher.mail.subscribers import Subscriber
from publisher.model import Entry

if TYPE_CHECKING:
    from jinja2 import Environment

    from publisher.config import Settings

logger = logging.getLogger(__name__)

TemplateFor = Callable[[Subscriber], MailTemplate | None]


class Variants:
    """The templates of one digest's variants, each rendered on first use."""

    def __init__(
        self,
        settings: Settings,
        digest: RenderedDigest,
        template: MailTemplate,
        entries: Sequence[Entry],
        env: Environment | None = None,
    ) -> None:
        self.settings, self.digest, self.template = settings, digest, template
        self.entries = tuple(entries)
        self._env = env
        self._tags = {e.id: frozenset(t.slug for t in e.tags) for e in self.entries}
        self._rendered: dict[tuple[str, tuple[str, ...]], MailTemplate] = {}

    @property
    def count(self) -> int:
        """How many variants were rendered (the digest's own one is not counted)."""
        return len(self._rendered)

    def chosen(self, chosen_topics: Iterable[str]) -> tuple[Entry, ...]:
        wanted = topic_names.slugs(chosen_topics, self.settings.language)
        if not wanted:
            return self.entries
        return tuple(e for e in self.entries if self._tags[e.id] & wanted)

    def template_for(self, lang: str, chosen_topics: Iterable[str]) -> MailTemplate | None:
        """The template for a language and topic set; None when the topics select no entry."""
        entries = self.chosen(chosen_topics)
        if not entries:
            return None
        ids = tuple(e.id for e in entries)
        if lang == self.digest.lang and ids == tuple(self.digest.entry_ids):
            return self.template
        key = (lang, ids)
        if key not in self._rendered:
            self._rendered[key] = self._render(lang, entries)
        return self._rendered[key]

    def _render(self, lang: str, entries: Sequence[Entry]) -> MailTemplate:
        from publisher.digest.emailhtml import render_email_html, render_template
        from publisher.digest.render import HTML_TEMPLATE, TEXT_TEMPLATE

        if self._env is None:
            from publisher.render.templating import make_environment

            self._env = make_environment(self.settings)
        settings, digest = self.settings, self.digest
        now = digest.now.astimezone(settings.tz)
        context = build_context(
            settings,
            entries,
            now,
            web_url=settings.url(f"{digest.directory}/index.html"),
            lang=lang,
        )
        personal = replace(
            context, greeting=GREETING, unsubscribe_url=UNSUBSCRIBE_URL, preferences_url=PREFERENCES_URL
        ).as_dict()
        html = render_email_html(self._env, HTML_TEMPLATE, personal, settings.root)
        text = render_template(self._env, TEXT_TEMPLATE, personal, settings.root)
        headers = tuple(
            (name, context.subject if name.lower() == "subject" else value)
            for name, value in self.template.headers
        )
        logger.info("rendered the digest for %s readers with %d of its entries", lang, len(entries))
        return make_template(headers, text, html, self.template.from_address)


def digest_entries(settings: Settings, entry_ids: Sequence[str]) -> list[Entry]:
    """The digest's entries, in its order, with their content (an entry deleted since is left out)."""
    from publisher.content.load import load_site

    site = load_site(settings)
    try:
        by_id = {e.id: e for e in site.entries}
        return [site.full(by_id[i]) for i in entry_ids if i in by_id]
    finally:
        site.close()


def for_sending(settings: Settings) -> Callable[[RenderedDigest, MailTemplate], TemplateFor]:
    """What ``send_digest`` asks for each subscriber's template. The entries are loaded only when some
    subscriber needs another variant than ``message.eml``."""

    def make(digest: RenderedDigest, template: MailTemplate) -> TemplateFor:
        variants: list[Variants | None] = []

        def template_for(subscriber: Subscriber) -> MailTemplate | None:
            lang = subscriber.lang or digest.lang
            if lang == digest.lang and not subscriber.topics:
                return template
            if not variants:
                variants.append(_load(settings, digest, template))
            return template if variants[0] is None else variants[0].template_for(lang, subscriber.topics)

        return template_for

    return make


def _load(settings: Settings, digest: RenderedDigest, template: MailTemplate) -> Variants | None:
    """The variants, or None (everyone gets message.eml) when the digest's entries are not there."""
    try:
        entries = digest_entries(settings, digest.entry_ids)
    except PublisherError as exc:
        entries, reason = [], str(exc)
    else:
        reason = "none of its entries is in the entries folder any more"
    if not entries:
        logger.warning(
            "digest %s: %s; every subscriber gets message.eml as it is (in %s, with every entry)",
            digest.digest_id,
            reason,
            digest.lang,
        )
        return None
    return Variants(settings, digest, template, entries)
