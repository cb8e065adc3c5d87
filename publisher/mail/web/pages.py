"""The web app's pages in the site's look: Jinja templates (``templates/app/``) with the site's stylesheet
inlined, German or English; every value is escaped by the templates."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from publisher.config import LANGUAGES, Settings

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "subscribe_title": "Newsletter abonnieren",
        "subscribe_intro": "Die Neuigkeiten von {title} per E-Mail, einmal pro Ausgabe. Sie erhalten zuerst "
        "eine E-Mail mit einem Bestätigungslink.",
        "email": "E-Mail-Adresse",
        "name": "Name (freiwillig, für die Anrede)",
        "lang": "Sprache der E-Mails",
        "topics": "Themen",
        "topics_hint": "Keine Auswahl: alle Themen.",
        "consent_required": "Bitte stimmen Sie zu, damit wir Ihnen den Newsletter senden dürfen.",
        "privacy": "Datenschutzerklärung",
        "imprint": "Impressum",
        "website": "Bitte leer lassen",
        "submit": "Abonnieren",
        "check_inbox_title": "Bitte sehen Sie in Ihr Postfach",
        "check_inbox": "Wenn die Adresse noch nicht bestätigt ist, ist eine E-Mail mit einem "
        "Bestätigungslink unterwegs. Erst mit der Bestätigung erhalten Sie den Newsletter.",
        "invalid_fields": "Bitte prüfen Sie Ihre Angaben.",
        "confirm_title": "Abonnement bestätigen",
        "confirm_question": "Möchten Sie den Newsletter von {title} an {email} erhalten?",
        "confirm_button": "Ja, Abonnement bestätigen",
        "confirmed": "Danke! {email} ist jetzt angemeldet.",
        "already_confirmed": "Dieser Link wurde bereits verwendet; {email} ist angemeldet.",
        "expired": "Dieser Bestätigungslink ist abgelaufen. Melden Sie sich bitte noch einmal an.",
        "invalid_link": "Dieser Link ist ungültig oder veraltet. Es wurde nichts geändert.",
        "to_preferences": "Einstellungen ändern",
        "to_subscribe": "Zur Anmeldung",
        "preferences_title": "Ihre Newsletter-Einstellungen",
        "preferences_for": "Einstellungen für {email}",
        "save": "Speichern",
        "saved": "Ihre Einstellungen sind gespeichert.",
        "unsubscribe_title": "Newsletter abbestellen",
        "unsubscribe_question": "Möchten Sie den Newsletter für {email} abbestellen?",
        "unsubscribe_button": "Abbestellen",
        "unsubscribed": "{email} ist abgemeldet. Sie erhalten keine weiteren Ausgaben.",
        "already_unsubscribed": "{email} ist bereits abgemeldet.",
        "not_subscribed": "{email} ist abgemeldet. Über die Anmeldung können Sie den Newsletter wieder "
        "abonnieren.",
        "too_many_title": "Zu viele Anmeldungen",
        "too_many": "Von Ihrem Netz kamen in der letzten Stunde zu viele Anmeldungen. Bitte versuchen Sie es "
        "später noch einmal.",
        "unavailable_title": "Vorübergehend nicht verfügbar",
        "unavailable": "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.",
        "mail_failed": "Die Bestätigungs-E-Mail konnte gerade nicht gesendet werden. Bitte versuchen Sie es "
        "später noch einmal.",
        "not_found_title": "Nicht gefunden",
        "not_found": "Diese Seite gibt es nicht.",
        "method_title": "Nicht unterstützt",
        "method": "Diese Anfrage wird nicht unterstützt.",
        "too_large_title": "Zu groß",
        "too_large": "Diese Anfrage ist zu groß.",
        "bad_request_title": "Ungültige Anfrage",
        "bad_request": "Diese Anfrage ist ungültig.",
        "error_title": "Fehler",
        "error": "Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.",
        "other_language": "English",
    },
    "en": {
        "subscribe_title": "Subscribe to the newsletter",
        "subscribe_intro": "The news from {title} by email, once per issue. First you get an email with a "
        "confirmation link.",
        "email": "Email address",
        "name": "Name (optional, for the greeting)",
        "lang": "Language of the emails",
        "topics": "Topics",
        "topics_hint": "None chosen: every topic.",
        "consent_required": "Please agree, so that we may send you the newsletter.",
        "privacy": "Privacy notice",
        "imprint": "Imprint",
        "website": "Leave this empty",
        "submit": "Subscribe",
        "check_inbox_title": "Please check your inbox",
        "check_inbox": "If the address is not confirmed yet, an email with a confirmation link is on its "
        "way. You get the newsletter only once you confirm.",
        "invalid_fields": "Please check what you entered.",
        "confirm_title": "Confirm your subscription",
        "confirm_question": "Do you want to receive the newsletter from {title} at {email}?",
        "confirm_button": "Yes, confirm my subscription",
        "confirmed": "Thank you! {email} is subscribed now.",
        "already_confirmed": "This link was used already; {email} is subscribed.",
        "expired": "This confirmation link has expired. Please sign up again.",
        "invalid_link": "This link is not valid or has expired. Nothing was changed.",
        "to_preferences": "Change your settings",
        "to_subscribe": "Go to the signup",
        "preferences_title": "Your newsletter settings",
        "preferences_for": "Settings for {email}",
        "save": "Save",
        "saved": "Your settings are saved.",
        "unsubscribe_title": "Unsubscribe from the newsletter",
        "unsubscribe_question": "Do you want to stop the newsletter for {email}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "{email} is unsubscribed. You will not receive further issues.",
        "already_unsubscribed": "{email} is already unsubscribed.",
        "not_subscribed": "{email} is unsubscribed. You can subscribe again on the signup page.",
        "too_many_title": "Too many signups",
        "too_many": "Too many signups came from your network in the last hour. Please try again later.",
        "unavailable_title": "Temporarily unavailable",
        "unavailable": "The service cannot be reached right now. Please try again later.",
        "mail_failed": "The confirmation email could not be sent right now. Please try again later.",
        "not_found_title": "Not found",
        "not_found": "This page does not exist.",
        "method_title": "Not supported",
        "method": "This request is not supported.",
        "too_large_title": "Too large",
        "too_large": "This request is too large.",
        "bad_request_title": "Bad request",
        "bad_request": "This request is not valid.",
        "error_title": "Error",
        "error": "Something went wrong. Please try again later.",
        "other_language": "Deutsch",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def pick_language(*candidates: str) -> str:
    """The first candidate that is a supported language (the visitor's choice first, the site's last)."""
    return next((c for c in candidates if c in LANGUAGES), "en")


class Pages:
    """Renders the app's templates; the Jinja environment is made once per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _env(self) -> Any:
        from publisher.render.templating import make_environment

        return make_environment(self.settings)

    @cached_property
    def _stylesheet(self) -> str:
        source, _, _ = self._env.loader.get_source(self._env, "style.css")
        return str(source)

    def render(self, template: str, lang: str, context: Mapping[str, Any]) -> bytes:
        settings = self.settings
        words = texts(lang)
        page = {
            "lang": lang,
            "t": words,
            "site": {"title": settings.title, "url": settings.base_url},
            "legal": settings.legal,
            "stylesheet": self._stylesheet,
            "subscribe_url": settings.app_url("subscribe"),
            "other_lang": "en" if lang == "de" else "de",
            **context,
        }
        return self._env.get_template(f"app/{template}.html.j2").render(page).encode("utf-8")
