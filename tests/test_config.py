"""publisher.toml: every key, its default, and every kind of mistake reported at once, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import (
    DIGEST_KEYS,
    LANGUAGES,
    LEGAL_KEYS,
    SMTP_KEYS,
    SUBSCRIBE_KEYS,
    TABLES,
    TOP_LEVEL,
    DigestSettings,
    LegalSettings,
    SmtpSettings,
    SubscribeSettings,
    legal_problems,
    load_settings,
    parse_settings,
)
from publisher.content.languages import known_language
from publisher.errors import PublisherError

MINIMAL = {"title": "Testnachrichten", "base_url": "https://news.example.org/"}

FULL_TOML = """\
title = "Clusternetzwerk „Nachrichten“"
base_url = "https://news.example.org/archiv"
description = "Meldungen & Berichte"
language = "en"
timezone = "America/New_York"
author = "Redaktion Köln"
author_email = "redaktion@example.org"
feed_limit = 10
page_size = 5
feed_content = "summary"
websub_hub = "https://hub.example.org/"
logo = "media/Unser Logo.png"
accent_color = "#0B52a8"
entries_dir = "content/posts"
templates_dir = "theme"
out_dir = "public"

[digest]
window_days = 14
lookback_days = 21
max_entries = 3
subject = "Die Woche"
intro = "Hallo"
sender_name = "Netzwerk"
sender_address = "Musterstraße 1, Köln"
unsubscribe_url = "https://news.example.org/abmelden"
state_file = "state/digest.json"
greeting_de = "Guten Tag {name},"
greeting_en = "Dear {name},"
greeting_de_no_name = "Guten Tag,"
greeting_en_no_name = "Dear reader,"
subject_de = "Die Woche ({date})"
subject_en = "The week ({date})"
intro_de = "Hallo zusammen"
intro_en = "Hello everyone"

[smtp]
host = "mail.example.org"
port = 465
security = "ssl"
username = "news"
from_address = "news@example.org"
from_name = "Newsroom"
reply_to = "redaktion@example.org"
rate_per_second = 2
timeout = 12.5
max_attempts = 3
database = "data/publisher.db"
retry_backoff = 0.5
unsubscribe_mailto = "leave@example.org?subject=unsubscribe"

[legal]
imprint = '''
Netzwerk e. V., Musterstraße 1, 50667 Köln
Vorstand: Erika Muster
'''
imprint_url = "https://news.example.org/impressum"
privacy_url = "https://news.example.org/datenschutz"

[subscribe]
url = "https://app.example.org/news/subscribe"
topics = ["Energie", "Verkehr"]
consent_de = "Ja, ich will."
consent_en = "Yes, I want it."
consent_version = "2024-05"
confirm_days = 3
confirm_interval_hours = 12
signups_per_ip_per_hour = 30
record_ip = "full"
"""


def problems_of(data: dict, root: Path = Path("/project")) -> list:
    with pytest.raises(PublisherError) as info:
        parse_settings(data, root)
    return list(info.value.problems)


def test_defaults(tmp_path: Path) -> None:
    settings = parse_settings(MINIMAL, tmp_path)
    assert settings.title == "Testnachrichten"
    assert settings.base_url == "https://news.example.org/"
    assert (settings.language, settings.timezone, settings.tz.key) == ("de", "Europe/Berlin", "Europe/Berlin")
    assert (settings.feed_limit, settings.page_size) == (50, 20)
    assert (settings.description, settings.author, settings.author_email) == ("", "", "")
    assert settings.entries_dir == tmp_path.resolve() / "entries"
    assert settings.templates_dir == tmp_path.resolve() / "templates"
    assert settings.out_dir == tmp_path.resolve() / "out"
    assert settings.cache_dir == tmp_path.resolve() / ".publisher" / "cache"
    assert settings.digest == DigestSettings()
    assert settings.smtp == SmtpSettings()
    assert (settings.feed_content, settings.websub_hub, settings.logo_url, settings.accent_color) == (
        "full",
        "",
        "",
        "",
    )
    assert settings.legal == LegalSettings()
    assert settings.subscribe == SubscribeSettings()
    assert settings.app_url("subscribe") == "https://news.example.org/subscribe"
    assert settings.subscribe.consent_text("de", "T").startswith("Ja, ich möchte die Neuigkeiten von T")
    assert settings.subscribe.version("de", "T").startswith("sha256:")


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(FULL_TOML, encoding="utf-8")
    (tmp_path / "theme").mkdir()
    s = load_settings(tmp_path / "publisher.toml")
    assert s.title == "Clusternetzwerk „Nachrichten“"
    assert s.base_url == "https://news.example.org/archiv/"  # a trailing slash is added
    assert s.url("posts/a.html") == "https://news.example.org/archiv/posts/a.html"
    assert s.url("/feed.json") == "https://news.example.org/archiv/feed.json"
    assert (s.description, s.language, s.timezone) == ("Meldungen & Berichte", "en", "America/New_York")
    assert (s.author, s.author_email, s.feed_limit, s.page_size) == (
        "Redaktion Köln",
        "redaktion@example.org",
        10,
        5,
    )
    root = tmp_path.resolve()
    assert (s.entries_dir, s.templates_dir, s.out_dir) == (
        root / "content" / "posts",
        root / "theme",
        root / "public",
    )
    assert s.digest == DigestSettings(
        14, 3, "Die Woche", "Hallo", "Netzwerk", "Musterstraße 1, Köln",
        "https://news.example.org/abmelden", "state/digest.json",
        "Guten Tag {name},", "Dear {name},", "Guten Tag,", "Dear reader,",
        "Die Woche ({date})", "The week ({date})", "Hallo zusammen", "Hello everyone", 21,
    )  # fmt: skip
    assert s.state_path == root / "state" / "digest.json"
    assert s.smtp == SmtpSettings(
        "mail.example.org", 465, "ssl", "news", "news@example.org", "Newsroom",
        "redaktion@example.org", 2, 12.5, 3, "data/publisher.db",
        0.5, "leave@example.org?subject=unsubscribe",
    )  # fmt: skip
    assert s.database_path == root / "data" / "publisher.db"
    assert (s.feed_content, s.websub_hub, s.accent_color) == (
        "summary",
        "https://hub.example.org/",
        "#0B52a8",
    )
    assert s.logo_url == "https://news.example.org/archiv/media/Unser%20Logo.png"  # a URL, encoded
    assert s.legal == LegalSettings(
        "Netzwerk e. V., Musterstraße 1, 50667 Köln\nVorstand: Erika Muster\n",
        "https://news.example.org/impressum", "https://news.example.org/datenschutz",
    )  # fmt: skip
    assert s.legal.imprint_lines == ("Netzwerk e. V., Musterstraße 1, 50667 Köln", "Vorstand: Erika Muster")
    assert s.subscribe == SubscribeSettings(
        "https://app.example.org/news/subscribe", ("Energie", "Verkehr"), "Ja, ich will.", "Yes, I want it.",
        "2024-05", 3, 12, 30, "full",
    )  # fmt: skip
    assert s.app_url("confirm") == "https://app.example.org/news/confirm"
    # Every documented key is in the file above, so a new key cannot slip in untested.
    assert all(f"\n{key} = " in "\n" + FULL_TOML for key in TOP_LEVEL)
    tables = [*DIGEST_KEYS, *SMTP_KEYS, *LEGAL_KEYS, *SUBSCRIBE_KEYS]
    assert all(f"\n{key} = " in FULL_TOML for key in tables)


def test_greetings_with_and_without_a_name() -> None:
    digest = DigestSettings()
    assert digest.greeting("de", "Dr. Petra Schäfer") == "Hallo Dr. Petra Schäfer,"
    assert digest.greeting("en", "") == "Hello,"
    formal = DigestSettings(greeting_de="Guten Tag {name},", greeting_en="Dear {name},")
    assert formal.greeting("de", "Dr. Petra Schäfer") == "Guten Tag Dr. Petra Schäfer,"
    assert formal.greeting("de", "  ") == "Guten Tag,"
    assert formal.greeting("en", "") == "Dear,"
    own = DigestSettings(greeting_en="Dear {name},", greeting_en_no_name="Dear reader,")
    assert own.greeting("en", "") == "Dear reader,"


@pytest.mark.parametrize(
    ("table", "key", "value", "words"),
    [
        ("digest", "greeting_de", "Hallo {vorname},", "{name} once"),
        ("digest", "greeting_en", "Hi\n{name}", "line break"),
        ("digest", "greeting_de_no_name", "Hallo {name},", "without a name"),
        ("subscribe", "record_ip", "all", "must be one of full, truncated, none"),
        ("subscribe", "signups_per_ip_per_hour", 0, "at least 1"),
        ("subscribe", "topics", ["Energie", ""], "list of topic names"),
        ("subscribe", "url", "app.example.org/subscribe", "absolute"),
        ("legal", "privacy_url", "/datenschutz", "absolute"),
    ],
)
def test_bad_signup_and_legal_values(table: str, key: str, value: object, words: str) -> None:
    found = problems_of({**MINIMAL, table: {key: value}})
    assert [p.field for p in found] == [f"{table}.{key}"]
    assert words in str(found[0])


def test_check_warns_when_a_german_site_sends_without_an_imprint(tmp_path: Path) -> None:
    sending = parse_settings({**MINIMAL, "smtp": {"host": "mail.example.org"}}, tmp_path)
    (warning,) = legal_problems(sending)
    assert warning.field == "legal.imprint" and not warning.is_error and "§ 5 DDG" in str(warning)
    with_imprint = parse_settings(
        {**MINIMAL, "smtp": {"host": "m"}, "legal": {"imprint": "X e. V."}}, tmp_path
    )
    assert legal_problems(with_imprint) == []
    assert legal_problems(parse_settings(MINIMAL, tmp_path)) == []  # sends nothing
    english = parse_settings({**MINIMAL, "language": "en", "smtp": {"host": "m"}}, tmp_path)
    assert legal_problems(english) == []


def test_paths_are_relative_to_the_config_file_not_the_cwd(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "publisher.toml").write_text(
        'title = "T"\nbase_url = "https://example.org/"\nout_dir = "../public"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("site/publisher.toml"))
    assert settings.out_dir == tmp_path.resolve() / "public"
    assert settings.entries_dir == site.resolve() / "entries"
    assert settings.root == site.resolve()


def test_load_settings_finds_the_file_in_cwd(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(
        'title = "T"\nbase_url = "https://example.org"\n', encoding="utf-8"
    )
    assert load_settings(cwd=tmp_path).base_url == "https://example.org/"


@pytest.mark.parametrize("missing", ["title", "base_url"])
def test_required_keys(missing: str) -> None:
    data = {k: v for k, v in MINIMAL.items() if k != missing}
    [problem] = problems_of(data)
    assert problem.field == missing
    assert "required" in problem.message
    assert f"{missing} = " in problem.hint
    assert problem.path.endswith("publisher.toml")


def test_both_required_keys_missing_are_reported_together() -> None:
    assert {p.field for p in problems_of({})} == {"title", "base_url"}


WRONG_TYPES = {
    **{key: 42 for key, (types, _) in TOP_LEVEL.items() if int not in types},
    "feed_limit": "50",
    "page_size": True,  # a bool is not a number of entries
}


@pytest.mark.parametrize("key", sorted(WRONG_TYPES))
def test_wrong_type_names_the_key(key: str) -> None:
    [problem] = problems_of({**MINIMAL, key: WRONG_TYPES[key]})
    assert problem.field == key
    assert problem.message.startswith("must be ")
    assert key in str(problem)


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("digest", "window_days", "7"),
        ("digest", "intro", ["a"]),
        ("smtp", "port", "587"),
        ("smtp", "timeout", False),
        ("smtp", "host", 1),
    ],
)
def test_wrong_type_in_a_table(table: str, key: str, value: object) -> None:
    [problem] = problems_of({**MINIMAL, table: {key: value}})
    assert problem.field == f"{table}.{key}"
    assert "must be" in problem.message


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"base_url": "news.example.org"}, "base_url", "absolute"),
        ({"base_url": "ftp://news.example.org/"}, "base_url", "absolute"),
        ({"title": "   "}, "title", "empty"),
        ({"language": "fr"}, "language", "one of de, en"),
        ({"language": "xx"}, "language", "one of de, en"),
        ({"timezone": "Europe/Köln"}, "timezone", "IANA"),
        ({"timezone": "../../etc/passwd"}, "timezone", "IANA"),
        ({"feed_limit": 0}, "feed_limit", "at least 1"),
        ({"page_size": -3}, "page_size", "at least 1"),
        ({"digest": {"window_days": 0}}, "digest.window_days", "must be 1-182500"),
        ({"digest": {"window_days": 10**9}}, "digest.window_days", "must be 1-182500"),
        ({"digest": {"unsubscribe_url": "/abmelden"}}, "digest.unsubscribe_url", "absolute"),
        ({"smtp": {"port": 70000}}, "smtp.port", "1-65535"),
        ({"smtp": {"security": "tls"}}, "smtp.security", "none, starttls, ssl"),
        ({"smtp": {"rate_per_second": 0}}, "smtp.rate_per_second", "greater than 0"),
        ({"smtp": {"host": ""}}, "smtp.host", "empty"),
        ({"base_url": "https://example.org/news/?x=1"}, "base_url", "query or fragment"),
        ({"author_email": "Redaktion <r@example.org>"}, "author_email", "bare e-mail address"),
        ({"digest": {"subject": "{Date}: {title}"}}, "digest.subject", "{Date}, which is not a placeholder"),
        (
            {"digest": {"subject": "{count:>5} neu"}},
            "digest.subject",
            "{count:>5}, which is not a placeholder",
        ),
        (
            {"digest": {"unsubscribe_url": "https://news.example.org/abmelden?x=ä"}},
            "digest.unsubscribe_url",
            "outside ASCII",
        ),
        ({"author_email": "mailto:r@example.org"}, "author_email", "bare e-mail address"),
        ({"base_url": "https://example.org/news/#top"}, "base_url", "query or fragment"),
        ({"digest": {"subject": "{title: Woche {count"}}, "digest.subject", "not part of a placeholder"),
        ({"digest": {"subject": "{{title}} {count}} neu"}}, "digest.subject", "not part of a placeholder"),
        ({"title": "Zeile\nZwei"}, "title", "line break"),
        ({"feed_content": "excerpt"}, "feed_content", "one of full, summary"),
        ({"websub_hub": "hub.example.org"}, "websub_hub", "absolute"),
        ({"logo": "/media/logo.png"}, "logo", "not a path inside the site"),
        ({"logo": "ftp://example.org/logo.png"}, "logo", "absolute"),
        ({"accent_color": "blue"}, "accent_color", "not a colour"),
        ({"accent_color": "#12345"}, "accent_color", "not a colour"),
        ({"legal": {"imprint_url": "impressum.html"}}, "legal.imprint_url", "absolute"),
        ({"subscribe": {"url": "www.example.org/anmelden"}}, "subscribe.url", "absolute"),
    ],
)
def test_bad_values(data: dict, field: str, words: str) -> None:
    [problem] = problems_of({**MINIMAL, **data})
    assert problem.field == field
    assert words in problem.message
    assert problem.hint, "every problem says what to do"


@pytest.mark.parametrize(("key", "value"), [("feed_limit", "10"), ("title", 3), ("smtp", {"port": "587"})])
def test_a_wrong_type_says_how_to_write_it(key: str, value: object) -> None:
    [problem] = problems_of({**MINIMAL, key: value})
    assert ("quotes" in problem.hint) and problem.hint


def test_problems_in_the_file_name_their_line(tmp_path: Path) -> None:
    config = tmp_path / "publisher.toml"
    config.write_text(
        'title = "T"\nbase_url = "https://x.example/"\n\n[smtp]\nhost = "mail"\nport = "587"\n'
        'security = "tls"\n',
        encoding="utf-8",
    )
    with pytest.raises(PublisherError) as caught:
        load_settings(config)
    assert [(p.field, p.line) for p in caught.value.problems] == [("smtp.port", 6), ("smtp.security", 7)]
    assert (
        "publisher.toml:6: smtp.port: must be an integer, not str -> write the number without quotes"
        in str(caught.value)
    )


def test_unknown_keys_name_the_key_and_the_known_ones() -> None:
    problems = problems_of({**MINIMAL, "titel": "x", "digest": {"windowdays": 3}})
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"titel", "digest.windowdays"}
    assert "base_url" in by_field["titel"].hint and "title" in by_field["titel"].hint
    assert "window_days" in by_field["digest.windowdays"].hint


def test_a_table_that_is_not_a_table() -> None:
    [problem] = problems_of({**MINIMAL, "smtp": "localhost"})
    assert problem.field == "smtp"
    assert "table" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    data = {
        "base_url": "relative/path",
        "language": "fr",
        "feed_limit": "many",
        "colour": "blue",
        "smtp": {"port": 0, "security": "maybe"},
        "digest": {"max_entries": 0},
    }
    with pytest.raises(PublisherError) as info:
        parse_settings(data, Path("/project"))
    fields = [p.field for p in info.value.problems]
    assert sorted(fields) == sorted(
        [
            "base_url",
            "language",
            "feed_limit",
            "colour",
            "smtp.port",
            "smtp.security",
            "digest.max_entries",
            "title",
        ]
    )
    message = str(info.value)
    assert "8 problem(s)" in message
    for field in fields:
        assert f": {field}: " in message


@pytest.mark.parametrize(
    "data",
    [
        {"smtp": {"password": "hunter2-geheim"}},
        {"smtp_password": "hunter2-geheim"},
        {"secret": "hunter2-geheim"},
        {"digest": {"secret": "hunter2-geheim"}},
    ],
)
def test_secrets_are_refused_and_never_echoed(data: dict) -> None:
    with pytest.raises(PublisherError) as info:
        parse_settings({**MINIMAL, **data}, Path("/project"))
    [problem] = info.value.problems
    assert "PUBLISHER_SMTP_PASSWORD" in problem.hint
    assert "hunter2" not in str(info.value)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PublisherError) as info:
        load_settings(cwd=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "publisher.toml") in message
    assert "publisher init" in message and "-C" in message


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text('title = "T"\nbase_url = https://example.org/\n', encoding="utf-8")
    with pytest.raises(PublisherError) as info:
        load_settings(path)
    assert f"{path}:2: invalid TOML: " in str(info.value)


@pytest.mark.parametrize(
    ("text", "line", "quote"),
    [
        ('title = "Neuigkeiten\nbase_url = "https://example.org/"\n', 1, '"'),
        ('title = \'Neuigkeiten\nbase_url = "https://example.org/"\n', 1, "'"),
        ('title = "T" # a "comment\nbase_url = "https://example.org/\n', 2, '"'),
        ('title = "T"\nbase_url = "https://example.org/"\ndescription = "Ein \\" im Text\n', 3, '"'),
        ('title = """Neuigkeiten\nbase_url = "https://example.org/"\n', 1, '"""'),
    ],
)
def test_an_unclosed_quote_is_named_at_its_line_with_a_hint_to_close_it(
    tmp_path: Path, text: str, line: int, quote: str
) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PublisherError) as info:
        load_settings(path)
    [problem] = info.value.problems
    assert (problem.path, problem.line) == (str(path), line)
    assert f"the quote {quote} opened on this line is never closed" in problem.message
    assert ("close it" if len(quote) == 1 else f"end the text with {quote}") in problem.hint


def test_a_misspelt_table_lists_the_known_tables() -> None:
    [problem] = problems_of({**MINIMAL, "smpt": {"host": "mail.example.org"}})
    assert problem.field == "smpt"
    assert problem.message == "unknown table [smpt]"
    tables = ", ".join(f"[{name}]" for name in sorted(TABLES))
    assert "[digest]" in tables and "[smtp]" in tables
    assert problem.hint == f"did you mean [smtp]? known tables: {tables}"


def test_an_unknown_top_level_key_also_names_the_tables() -> None:
    [problem] = problems_of({**MINIMAL, "feedlimit": 3})
    assert problem.hint.startswith("did you mean feed_limit? known keys here: ")
    assert problem.hint.endswith("and the tables " + ", ".join(f"[{name}]" for name in sorted(TABLES)))


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_bytes('title = "Grüße"\nbase_url = "https://example.org/"\n'.encode("latin-1"))
    with pytest.raises(PublisherError) as info:
        load_settings(path)
    assert "UTF-8" in str(info.value) and str(path) in str(info.value)


def test_overrides_ignore_none(tmp_path: Path) -> None:
    settings = parse_settings(MINIMAL, tmp_path)
    assert settings.with_overrides(out_dir=None) is settings
    assert settings.with_overrides(out_dir=tmp_path / "x").out_dir == tmp_path / "x"


def test_every_site_language_is_one_babel_knows() -> None:
    """The site language formats every page's dates: config accepts no language normalise would reject."""
    assert all(known_language(lang) for lang in LANGUAGES)


def test_a_fraction_where_a_whole_number_belongs_gets_a_fitting_hint() -> None:
    [problem] = problems_of({**MINIMAL, "page_size": 2.5})
    assert problem.message == "must be an integer, not float"
    assert problem.hint == "write a whole number: page_size = 2"


def test_a_templates_dir_that_is_not_there_is_an_error_not_silently_the_bundled_templates(
    tmp_path: Path,
) -> None:
    with pytest.raises(PublisherError) as caught:
        parse_settings({**MINIMAL, "templates_dir": "vorlagen"}, tmp_path)
    [problem] = caught.value.problems
    assert (problem.field, problem.message) == ("templates_dir", "'vorlagen' is not a folder")
    (tmp_path / "vorlagen").mkdir()
    assert (
        parse_settings({**MINIMAL, "templates_dir": "vorlagen"}, tmp_path).templates_dir
        == tmp_path / "vorlagen"
    )
    assert parse_settings(MINIMAL, tmp_path).templates_dir == tmp_path / "templates"  # default: may be absent


def test_a_logo_url_is_kept_as_given_but_encoded(tmp_path: Path) -> None:
    settings = parse_settings({**MINIMAL, "logo": "https://cdn.example.org/Logo Köln.png"}, tmp_path)
    assert settings.logo_url == "https://cdn.example.org/Logo%20K%C3%B6ln.png"
