"""/preferences and /unsubscribe: the subscriber's own page (token from any digest) and the opt-out
(a GET shows a button; a POST unsubscribes, as RFC 8058 one-click wants)."""

from __future__ import annotations

import logging

from publisher.errors import PublisherError
from publisher.mail import consent, signup, subscribers
from publisher.mail.subscribers import Subscriber
from publisher.mail.web.http import Request
from publisher.mail.web.pages import texts
from publisher.mail.web.state import AppState, Page

logger = logging.getLogger(__name__)


def _preferences_page(
    state: AppState, subscriber: Subscriber, token: str, lang: str, notes: list[str], errors: list[str]
) -> Page:
    values = {
        "name": subscriber.name,
        "lang": subscriber.lang or state.settings.language,
        "topics": subscriber.topics,
    }
    return Page(
        "400 Bad Request" if errors else "200 OK",
        "preferences",
        lang,
        {
            "heading": texts(lang)["preferences_title"],
            "email": subscriber.email,
            "token": token,
            "values": values,
            "topics": state.topics(),
            "paragraphs": notes,
            "errors": errors,
        },
    )


def preferences(state: AppState, request: Request) -> Page:
    token = request.value("token")
    with state.connect() as conn:
        subscriber = subscribers.subscriber_for_token(conn, state.secret, token)
        if subscriber is None:
            lang = state.language(request.value("lang"))
            return state.message("400 Bad Request", lang, "preferences_title", texts(lang)["invalid_link"])
        lang = state.language(request.value("lang"), subscriber.lang)
        words = texts(lang)
        if subscriber.status != subscribers.CONFIRMED:
            link = {"url": "subscribe", "label": words["to_subscribe"]}
            return state.message(
                "200 OK",
                lang,
                "preferences_title",
                words["not_subscribed"].format(email=subscriber.email),
                link=link,
            )
        if request.method != "POST":
            return _preferences_page(state, subscriber, token, lang, [], [])
        offered = {t.slug for t in state.topics()}
        chosen = [t for t in request.values("topics") if t in offered]
        # Topics the page does not offer (set on the command line) are kept.
        kept = [t for t in subscriber.topics if t not in offered]
        new_lang = request.value("lang") or subscriber.lang
        ip = consent.recorded_ip(request.ip, state.settings.subscribe.record_ip)
        try:
            changed = signup.update_preferences(
                conn, subscriber, request.value("name"), new_lang, [*kept, *chosen], ip, state.clock()
            )
        except PublisherError as exc:
            errors = [f"{p.field}: {p.message}" for p in exc.problems] or [str(exc)]
            return _preferences_page(state, subscriber, token, lang, [], errors)
    lang = state.language(changed.lang)
    return _preferences_page(state, changed, token, lang, [texts(lang)["saved"]], [])


def unsubscribe(state: AppState, request: Request) -> Page:
    token = request.value("token")
    with state.connect() as conn:
        subscriber = subscribers.subscriber_for_token(conn, state.secret, token)
        if subscriber is None:
            logger.info("unsubscribe: rejected a forged, malformed or stale token")
            lang = state.language(request.value("lang"))
            return state.message("400 Bad Request", lang, "unsubscribe_title", texts(lang)["invalid_link"])
        if request.method == "POST":
            # RFC 8058: the POST alone unsubscribes; no cookie, no second step.
            was = subscriber.status
            ip = consent.recorded_ip(request.ip, state.settings.subscribe.record_ip)
            subscriber = subscribers.unsubscribe(conn, subscriber.id, state.clock(), ip=ip, source="web")
            lang = state.language(subscriber.lang)
            key = "already_unsubscribed" if was == subscribers.UNSUBSCRIBED else "unsubscribed"
            logger.info("unsubscribed a subscriber via the web app")
            return state.message(
                "200 OK", lang, "unsubscribe_title", texts(lang)[key].format(email=subscriber.email)
            )
    lang = state.language(request.value("lang"), subscriber.lang)
    words = texts(lang)
    if subscriber.status == subscribers.UNSUBSCRIBED:
        return state.message(
            "200 OK", lang, "unsubscribe_title", words["already_unsubscribed"].format(email=subscriber.email)
        )
    # GET never changes anything: mail scanners follow links.
    action = {"url": "", "token": token, "label": words["unsubscribe_button"], "one_click": True}
    return state.message(
        "200 OK",
        lang,
        "unsubscribe_title",
        words["unsubscribe_question"].format(email=subscriber.email),
        action=action,
    )
