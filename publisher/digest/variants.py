"""Each subscriber's digest: in their language, with only the entries on their topics.

A digest is rendered once per variant (language, and the entries a topic set selects) into a template
with the same slots as the digest's own ``template.json``, and personalised like it: the variant for the
digest's language with every entry *is* the digest's own edition. A subscriber whose topics select no
entry gets no mail that week.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from publisher.digest.context import build_context
from publisher.errors import PublisherError
from publisher.mail import topics as topic_names
from publisher.mail.message import Edition, compile_template
from publisher.mail.outbox import RenderedDigest
from publisher.mail.subscribers import Subscriber
from publisher.model import Entry

if TYPE_CHECKING:
    from jinja2 import Environment

    from publisher.config import Settings

logger = logging.getLogger(__name__)

EditionFor = Callable[[Subscriber], Edition | None]


class Variants:
    """The templates of one digest's variants, each rendered on first use."""

    def __init__(
        self,
        settings: Settings,
        digest: RenderedDigest,
        edition: Edition,
        entries: Sequence[Entry],
        env: Environment | None = None,
    ) -> None:
        self.settings, self.digest, self.edition = settings, digest, edition
        self.entries = tuple(entries)
        self._env = env
        self._tags = {e.id: frozenset(t.slug for t in e.tags) for e in self.entries}
        self._rendered: dict[tuple[str, tuple[str, ...]], Edition] = {}

    @property
    def count(self) -> int:
        """How many variants were rendered (the digest's own one is not counted)."""
        return len(self._rendered)

    def chosen(self, chosen_topics: Iterable[str]) -> tuple[Entry, ...]:
        wanted = topic_names.slugs(chosen_topics, self.settings.language)
        if not wanted:
            return self.entries
        return tuple(e for e in self.entries if self._tags[e.id] & wanted)

    def edition_for(self, lang: str, chosen_topics: Iterable[str]) -> Edition | None:
        """The edition for a language and topic set; None when the topics select no entry."""
        entries = self.chosen(chosen_topics)
        if not entries:
            return None
        ids = tuple(e.id for e in entries)
        if lang == self.digest.lang and ids == tuple(self.digest.entry_ids):
            return self.edition
        key = (lang, ids)
        if key not in self._rendered:
            self._rendered[key] = self._render(lang, entries)
        return self._rendered[key]

    def _render(self, lang: str, entries: Sequence[Entry]) -> Edition:
        from publisher.digest.render import personal_template

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
        slots = self.edition.compiled.template.slots
        template = personal_template(self._env, context, settings.root, slots)
        logger.info("rendered the digest for %s readers with %d of its entries", lang, len(entries))
        return Edition(compile_template(template), context.subject, lang)


def digest_entries(settings: Settings, entry_ids: Sequence[str]) -> list[Entry]:
    """The digest's entries, in its order, with their content (an entry deleted since is left out)."""
    from publisher.content.load import load_site

    site = load_site(settings)
    try:
        by_id = {e.id: e for e in site.entries}
        return [site.full(by_id[i]) for i in entry_ids if i in by_id]
    finally:
        site.close()


def for_sending(settings: Settings) -> Callable[[RenderedDigest, Edition], EditionFor]:
    """What ``send_digest`` asks for each subscriber's edition. The entries are loaded only when some
    subscriber needs another one than the digest's own."""

    def make(digest: RenderedDigest, edition: Edition) -> EditionFor:
        variants: list[Variants | None] = []

        def edition_for(subscriber: Subscriber) -> Edition | None:
            lang = subscriber.lang or digest.lang
            if lang == digest.lang and not subscriber.topics:
                return edition
            if not variants:
                variants.append(_load(settings, digest, edition))
            return edition if variants[0] is None else variants[0].edition_for(lang, subscriber.topics)

        return edition_for

    return make


def _load(settings: Settings, digest: RenderedDigest, edition: Edition) -> Variants | None:
    """The variants, or None (everyone gets the digest's own edition) when its entries are not there."""
    try:
        entries = digest_entries(settings, digest.entry_ids)
    except PublisherError as exc:
        entries, reason = [], str(exc)
    else:
        reason = "none of its entries is in the entries folder any more"
    if not entries:
        logger.warning(
            "digest %s: %s; every subscriber gets the digest as it was rendered (in %s, with every entry)",
            digest.digest_id,
            reason,
            digest.lang,
        )
        return None
    return Variants(settings, digest, edition, entries)
