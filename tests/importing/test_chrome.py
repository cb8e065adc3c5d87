"""publisher.importing.chrome: web-page and document furniture around a press release."""

from __future__ import annotations

import pytest

from publisher.importing.chrome import boilerplate_reason, is_breadcrumb


@pytest.mark.parametrize(
    ("line", "crumb"),
    [
        ("Startseite > Presse > Meldungen", True),
        ("Home › News › Press releases", True),
        ("Home > News", True),
        ("Startseite » Aktuelles » Pressemitteilungen » 2024", True),
        ("Forschung > Praxis", False),  # two parts without a home page: could be a title
        ("Umsatz > 5 Mio. Euro > Vorjahr. Das ist gut.", False),
        ("Wachstum von 5 > 3 Prozent", False),
        ("Daten / Fakten / Zahlen", False),
        ("Startseite > Presse > Die Konferenz in Brüssel brachte viele neue Ideen für die Cluster", False),
    ],
)
def test_breadcrumbs_are_boilerplate(line: str, crumb: bool) -> None:
    assert is_breadcrumb(line) is crumb
    assert (boilerplate_reason(line) == "breadcrumb navigation") is crumb


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            "Mit Ihrer Erlaubnis verwenden wir Google Analytics, um den Traffic zu analysieren.",
            "cookie/analytics",
        ),
        ("Wir verwenden Cookies. Einstellungen", "cookie/analytics"),
        ("This website uses cookies to ensure you get the best experience.", "cookie/analytics"),
        ("Alle akzeptieren", "cookie/consent banner button"),
        ("Seite drucken | Teilen", "share/print/navigation"),
        ("Facebook Twitter LinkedIn Xing", "share/print/navigation"),
        ("Per E-Mail teilen", "share/print/navigation"),
        ("Zurück zur Übersicht", "share/print/navigation"),
        ("Die Cookies der Bäckerei waren ein Genuss.", None),
        ("Die Datenschutzgrundverordnung betrifft alle Cluster.", None),
        ("Teilen Sie uns Ihre Meinung mit.", None),
        ("E-Mail", None),
    ],
)
def test_boilerplate_reason(line: str, reason: str | None) -> None:
    found = boilerplate_reason(line)
    assert (found is None) if reason is None else (found is not None and found.startswith(reason))
