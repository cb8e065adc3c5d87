"""/subscribe and /confirm: the signup form, the confirmation mail, the confirmation page (a GET never
confirms: mail scanners open links)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from publisher.errors import PublisherError
from publisher.mail import confirmation, consent, ratelimit, signup, smtp, tokens
from publisher.mail.web.http import Request
from publisher.mail.web.pages import texts
from publisher.mail.web.state import AppState, Page

logger = logging.getLogger(__name__)
HOUR = 3600.0


def _form_page(state: AppState, status: str, lang: str, values: dict[str, Any], errors: list[str]) -> Page:
    words, subscribe = texts(lang), state.settings.subscribe
    return Page(
        status,
        "subscribe",
        lang,
        {
            "heading": words["subscribe_title"],
            "values": values,
            "errors": errors,
            "topics": state.topics(),
            "consent_text": subscribe.consent_text(lang, state.settings.title),
            "consent_version": subscribe.version(lang, state.settings.title),
        },
    )


def subscribe(state: AppState, request: Request) -> Page:
    lang = state.language(request.value("lang"))
    if request.method != "POST":
        return _form_page(state, "200 OK", lang, {"email": "", "name": "", "lang": lang, "topics": ()}, [])
    words = texts(lang)
    offered = {t.slug for t in state.topics()}
    chosen = tuple(t for t in request.values("topics") if t in offered)
    email, name = request.value("email"), request.value("name")
    values = {"email": email, "name": name, "lang": lang, "topics": chosen}
    if request.value("website"):
        # A robot filled the hidden field: it gets the same answer as everyone, and nothing happens.
        logger.info("signup: the honeypot field was filled; ignored")
        return state.message("200 OK", lang, "check_inbox_title", words["check_inbox"])
    settings = state.settings
    text = settings.subscribe.consent_text(lang, settings.title)
    version = settings.subscribe.version(lang, settings.title)
    errors = [] if request.value("consent") else [words["consent_required"]]
    wish = signup.SignupRequest(
        email=email,
        name=name,
        lang=lang,
        topics=chosen,
        consent_text=text,
        consent_version=version,
        ip=consent.recorded_ip(request.ip, settings.subscribe.record_ip),
        source="web",
    )
    errors += [f"{words.get(p.field or '', p.field)}: {p.message}" for p in signup.check_request(wish)]
    if errors:
        return _form_page(state, "400 Bad Request", lang, values, errors)
    now = state.clock()
    with state.connect() as conn:
        limit = settings.subscribe.signups_per_ip_per_hour
        if not ratelimit.allow(
            conn, ratelimit.bucket("ip", request.ip, state.secret), limit, HOUR, now.timestamp()
        ):
            logger.info("signup: the per-IP limit was reached")
            return state.message("429 Too Many Requests", lang, "too_many_title", words["too_many"])
        policy = signup.Policy(
            settings.subscribe.confirm_days, timedelta(hours=settings.subscribe.confirm_interval_hours)
        )
        pending = signup.request_signup(conn, wish, policy, now)
        if pending is not None:
            try:
                confirmation.send_confirmation(settings, conn, pending, state.secret, now, state.environ)
            except (PublisherError, smtp.SmtpFailure) as exc:
                logger.error("signup: the confirmation mail could not be sent: %s", exc)
                return state.message(
                    "503 Service Unavailable", lang, "unavailable_title", words["mail_failed"]
                )
    # The same answer whether the address is new, pending, confirmed or suppressed: nothing to enumerate.
    return state.message("200 OK", lang, "check_inbox_title", words["check_inbox"])


def confirm(state: AppState, request: Request) -> Page:
    token = request.value("token")
    now = state.clock()
    with state.connect() as conn:
        if request.method == "POST":
            ip = consent.recorded_ip(request.ip, state.settings.subscribe.record_ip)
            result = signup.confirm(conn, state.secret, token, ip, now)
        else:
            result = signup.check_confirm_token(conn, state.secret, token, now)
    subscriber, chosen = result.subscriber, result.signup
    lang = state.language(request.value("lang"), chosen.lang if chosen else "")
    words = texts(lang)
    subscribe_link = {"url": "subscribe", "label": words["to_subscribe"]}
    if result.outcome is signup.Outcome.INVALID or subscriber is None:
        return state.message(
            "400 Bad Request", lang, "confirm_title", words["invalid_link"], link=subscribe_link
        )
    if result.outcome is signup.Outcome.EXPIRED:
        return state.message("410 Gone", lang, "confirm_title", words["expired"], link=subscribe_link)
    preferences = {
        "url": "preferences?token=" + tokens.make_token(state.secret, subscriber.id, subscriber.key),
        "label": words["to_preferences"],
    }
    if result.outcome is signup.Outcome.ALREADY:
        return state.message(
            "200 OK",
            lang,
            "confirm_title",
            words["already_confirmed"].format(email=subscriber.email),
            link=preferences,
        )
    if request.method == "POST":
        return state.message(
            "200 OK",
            lang,
            "confirm_title",
            words["confirmed"].format(email=subscriber.email),
            link=preferences,
        )
    question = words["confirm_question"].format(title=state.settings.title, email=subscriber.email)
    action = {"url": "confirm", "token": token, "label": words["confirm_button"], "one_click": False}
    return state.message("200 OK", lang, "confirm_title", question, action=action)
