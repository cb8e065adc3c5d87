"""The digest library: which entries, what the rendered files say, goldens, size, state."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest

from publisher.config import Settings
from publisher.digest.folder import write_digest
from publisher.digest.render import SIZE_LIMIT
from publisher.errors import PublisherError
from publisher.mail.outbox import RenderedDigest
from tests.digest.fixtures import (
    NOW,
    SCRIPT_TEXT,
    TRICKY,
    golden_entries,
    make_entry,
    make_project,
    many_entries,
    photo,
    render,
)

GOLDEN = Path(__file__).parent / "golden" / "digest"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_project(tmp_path / "site")


def css(doc: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    """Elements matching a descendant selector made of ``tag`` and ``tag.class`` steps."""
    steps = []
    for step in selector.split():
        tag, _, cls = step.partition(".")
        steps.append(f'{tag}[contains(concat(" ", normalize-space(@class), " "), " {cls} ")]' if cls else tag)
    return doc.xpath("//" + "//".join(steps))


def text_of(html: bytes) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


# --- which entries -------------------------------------------------------------------------------


def test_max_entries_keeps_the_newest_and_says_what_was_left_out(tmp_path: Path) -> None:
    settings = make_project(tmp_path, config=config_with(max_entries=3))
    rendered = render(settings, many_entries(5))
    assert [i.rsplit(":", 1)[1] for i in rendered.entry_ids] == ["meldung-01", "meldung-02", "meldung-03"]
    (left,) = [w for w in rendered.warnings if w.field == "digest.max_entries"]
    assert "2 older entries left out" in left.message and "meldung-05" in left.message
    assert "Weitere Meldungen finden Sie online" in rendered.files["email.txt"].decode()


def config_with(**digest_keys: object) -> str:
    """publisher.toml text with extra [digest] keys (the fixture's [digest] table is replaced)."""
    from tests.digest.fixtures import CONFIG

    extra = "".join(f"{key} = {json.dumps(value)}\n" for key, value in digest_keys.items())
    return CONFIG.replace("[digest]\n", f"[digest]\n{extra}")


# --- what the digest says -----------------------------------------------------------------------


def test_golden_files(settings: Settings) -> None:
    """The rendered files, byte for byte. Regenerate with UPDATE_GOLDEN=1 and review the diff."""
    rendered = render(settings, golden_entries())
    names = sorted(rendered.files)
    assert names == ["digest.json", "email.html", "email.txt", "index.html", "message.eml", "template.json"]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name in names:
            (GOLDEN / name).write_bytes(rendered.files[name])
    for name in names:
        path = GOLDEN / name
        assert path.exists(), f"{path} missing: run UPDATE_GOLDEN=1 pytest tests/digest/test_render.py"
        assert rendered.files[name] == path.read_bytes(), (
            f"{name} differs from {path}; if intended: UPDATE_GOLDEN=1"
        )


def test_rendering_twice_gives_identical_bytes(settings: Settings) -> None:
    first, second = render(settings, golden_entries()), render(settings, golden_entries())
    assert first.files == second.files
    assert first.digest_id == second.digest_id
    assert re.fullmatch(r"2024-05-20-[0-9a-f]{8}", first.digest_id)


def test_the_manifest_names_the_digest(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    manifest = json.loads(rendered.files["digest.json"])
    assert manifest == {
        "digest_id": rendered.digest_id,
        "date": "2024-05-20",
        "now": "2024-05-20T09:00:00+02:00",
        "window_start": "2024-05-13T09:00:00+02:00",
        "window_end": "2024-05-20T09:00:00+02:00",
        "subject": "Stadtwerke Neustadt: 4 neue Meldungen (20. Mai 2024)",
        "lang": "de",
        "entry_ids": [e.id for e in golden_entries()],
        "files": ["email.html", "email.txt", "index.html", "message.eml", "template.json"],
    }


def test_entries_titles_dates_images_and_labels(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    html = rendered.files["email.html"].decode()
    doc = lxml.html.fromstring(html)
    titles = [a.text_content() for a in css(doc, "h2.title a")]
    assert titles == [
        TRICKY,
        "Cycle path opens",
        "Meldung 3: Neues aus den Stadtwerken",
        "Meldung 4: Neues aus den Stadtwerken",
    ]
    assert [a.get("href") for a in css(doc, "h2.title a")] == [e.url for e in golden_entries()]
    assert [p.text_content() for p in css(doc, "p.date")] == [
        "19. Mai 2024",
        "May 16, 2024",
        "14. Mai 2024",
        "13. Mai 2024",
    ]
    images = css(doc, "img.photo")
    # Entry 3's image has no URL: left out. Entry 4's has no size: full width, height from the image.
    assert [(i.get("src"), i.get("width"), i.get("height"), i.get("alt")) for i in images] == [
        ("https://news.example.org/media/foto-01.jpg", "552", "368", "Foto zur Meldung 1"),
        ("https://news.example.org/media/foto-04.jpg", "552", None, "Foto zur Meldung 4"),
    ]
    assert [c.text_content() for c in css(doc, "p.credit")] == ["Foto: Stadtwerke/Müller"]
    assert [a.text_content() for a in css(doc, "p.more a")] == ["Weiterlesen"] * 4
    assert "Ausgabe vom 20. Mai 2024" in text_of(rendered.files["email.html"])
    assert "Die Neuigkeiten der Woche aus Ihren Stadtwerken." in text_of(rendered.files["email.html"])


def test_header_footer_preheader_and_dark_mode(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    html = rendered.files["email.html"].decode()
    doc = lxml.html.fromstring(html)
    links = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert links["Im Browser ansehen"] == "https://news.example.org/digests/2024-05-20/index.html"
    # email.html is the mail anyone can send: a way out that needs no personal token
    assert links["Abmelden"] == "mailto:news@example.org?subject=unsubscribe"
    assert (links["RSS"], links["Atom"], links["JSON Feed"]) == (
        "https://news.example.org/rss.xml",
        "https://news.example.org/atom.xml",
        "https://news.example.org/feed.json",
    )
    (address,) = [p for p in doc.iter("p") if "Wasserturm" in p.text_content()]
    assert list(address.itertext()) == ["Stadtwerke Neustadt GmbH", "Am Wasserturm 1", "12345 Neustadt"]
    # mj-preview: the hidden preheader with the titles, before the visible content
    preheader = doc.xpath("/html/body/div")[0]
    assert "display:none" in preheader.get("style").replace(" ", "")
    assert preheader.text_content().startswith(TRICKY + " · Cycle path opens")
    assert "@media (prefers-color-scheme: dark)" in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert doc.get("lang") == "de"


def test_css_is_inlined_for_clients_that_strip_style(settings: Settings) -> None:
    doc = lxml.html.fromstring(render(settings, golden_entries()).files["email.html"])
    for style in doc.iter("style"):
        style.drop_tree()
    title_link = css(doc, "h2.title a")[0]
    assert "color: #1d2125" in title_link.get("style")
    assert "font-size: 20px" in css(doc, "h2.title")[0].get("style")


def test_web_version_and_email_keep_the_placeholders_out(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    for name in ("email.html", "index.html", "email.txt"):
        assert "%%" not in rendered.files[name].decode(), name
    web = lxml.html.fromstring(rendered.files["index.html"])
    assert "Im Browser ansehen" not in web.text_content()  # it *is* the browser version
    assert {a.text_content(): a.get("href") for a in web.iter("a")}[
        "Abmelden"
    ] == "mailto:news@example.org?subject=unsubscribe"
    assert "Hallo" not in web.text_content()  # no greeting on a web page
    assert rendered.files["email.txt"].decode().startswith("Hallo,\n")  # the neutral greeting


def test_unsubscribe_url_from_config_and_english_labels(tmp_path: Path) -> None:
    config = config_with(unsubscribe_url="https://lists.example.org/out?list=news&x=1").replace(
        'language = "de"', 'language = "en"'
    )
    rendered = render(make_project(tmp_path, config=config), golden_entries())
    doc = lxml.html.fromstring(rendered.files["email.html"])
    links = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert links["Unsubscribe"] == "https://lists.example.org/out?list=news&x=1"
    assert (
        "View in browser" in links and [a.text_content() for a in css(doc, "p.more a")] == ["Read more"] * 4
    )
    # labels follow the site language, dates the entry's language
    assert [p.text_content() for p in css(doc, "p.date")][:2] == ["19. Mai 2024", "May 16, 2024"]
    assert rendered.subject == "Stadtwerke Neustadt: 4 new entries (May 20, 2024)"
    assert "Unsubscribe: https://lists.example.org/out?list=news&x=1" in rendered.files["email.txt"].decode()


def test_subject_from_config_with_placeholders(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path, config=config_with(subject="{title} – Wochenüberblick {date} ({count})")
    )
    assert (
        render(settings, golden_entries()).subject == "Stadtwerke Neustadt – Wochenüberblick 20. Mai 2024 (4)"
    )


def test_a_subject_of_only_spaces_is_the_default_subject(tmp_path: Path) -> None:
    settings = make_project(tmp_path, config=config_with(subject="   "))
    assert (
        render(settings, golden_entries()).subject == "Stadtwerke Neustadt: 4 neue Meldungen (20. Mai 2024)"
    )


# --- escaping -----------------------------------------------------------------------------------


def test_special_characters_are_escaped_exactly_once_in_html(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    for name in ("email.html", "index.html"):
        raw = rendered.files[name].decode()
        assert "Preise &lt; 5 € &amp; „Rabatte“" in raw
        assert not re.search(r"&amp;(amp|lt|gt|quot|#\d+);", raw), "double-escaped entity"
        doc = lxml.html.fromstring(raw)
        assert css(doc, "h2.title a")[0].text_content() == TRICKY
        assert css(doc, "title")[0].text_content() == rendered.subject
        summary = css(doc, "p.summary")[2].text_content()
        assert summary == SCRIPT_TEXT  # text from the sanitised HTML, shown as text


def test_sanitised_html_stays_sanitised(settings: Settings) -> None:
    rendered = render(settings, golden_entries())
    message = email.message_from_bytes(rendered.files["message.eml"], policy=email.policy.default)
    html_part = message.get_body(("html",)).get_content()
    for html in (rendered.files["email.html"].decode(), rendered.files["index.html"].decode(), html_part):
        assert "<script" not in html.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_entry_quoting_a_placeholder_is_rendered_as_written(settings: Settings) -> None:
    """It was refused ("%%RECIPIENT%% appears in an entry … reword that text"), naming no entry."""
    entries = (make_entry(1, summary="Schreiben Sie uns: %%RECIPIENT%% und %%GREETING%% sind Beispiele."),)
    rendered = render(settings, entries)
    for name in ("email.txt", "email.html", "message.eml", "template.json"):
        assert b"%%RECIPIENT%%" in rendered.files[name], name
    assert "%%RECIPIENT%% und %%GREETING%% sind Beispiele." in rendered.files["email.txt"].decode()


def test_plain_text_is_not_escaped(settings: Settings) -> None:
    text = render(settings, golden_entries()).files["email.txt"].decode()
    assert TRICKY in text
    assert SCRIPT_TEXT in text
    assert "&amp;" not in text and "&lt;" not in text and "&#" not in text
    assert "19. Mai 2024\n(Foto: Stadtwerke/Müller)" in text
    assert "Weiterlesen: https://news.example.org/posts/meldung-01.html" in text
    assert all(len(line) <= 78 for line in text.splitlines() if "://" not in line)


# --- size -----------------------------------------------------------------------------------------


def test_twenty_entries_stay_under_the_gmail_limit(settings: Settings) -> None:
    rendered = render(settings, many_entries(20))
    assert len(rendered.entry_ids) == 20
    assert rendered.html_size < SIZE_LIMIT
    assert max(len(rendered.files[n]) for n in ("email.html", "index.html")) < SIZE_LIMIT
    assert not [w for w in rendered.warnings if "Gmail" in w.message]


def test_a_digest_over_the_limit_gets_a_warning(tmp_path: Path) -> None:
    settings = make_project(tmp_path, config=config_with(max_entries=60))
    entries = tuple(make_entry(n, published=NOW - timedelta(minutes=n), image=photo(n)) for n in range(1, 61))
    rendered = render(settings, entries)
    assert rendered.html_size > SIZE_LIMIT
    (size,) = [w for w in rendered.warnings if "Gmail" in w.message]
    assert not size.is_error and "max_entries" in size.hint
    assert size.path == "out/digests/2024-05-20/email.html"


# --- sender and config problems -----------------------------------------------------------------


def test_sender_falls_back_to_digest_sender_name_and_author_email(tmp_path: Path) -> None:
    from tests.digest.fixtures import CONFIG

    settings = make_project(tmp_path, config=CONFIG.split("[smtp]")[0])
    message = email.message_from_bytes(
        render(settings, golden_entries()).files["message.eml"], policy=email.policy.default
    )
    assert str(message["From"]) == "Stadtwerke Neustadt GmbH <presse@example.org>"


def test_missing_sender_address_and_postal_address_are_warnings(tmp_path: Path) -> None:
    config = 'title = "Neustadt"\nbase_url = "https://news.example.org/"\n'
    rendered = render(make_project(tmp_path, config=config), golden_entries())
    fields = {w.field: w for w in rendered.warnings}
    assert "noreply@news.example.org" in fields["smtp.from_address"].message
    assert "postal address" in fields["digest.sender_address"].message
    message = email.message_from_bytes(rendered.files["message.eml"], policy=email.policy.default)
    assert message["From"].addresses[0].addr_spec == "noreply@news.example.org"


def test_an_invalid_sender_address_is_an_error(tmp_path: Path) -> None:
    from tests.digest.fixtures import CONFIG

    settings = make_project(
        tmp_path,
        config=CONFIG.replace('from_address = "news@example.org"', 'from_address = "news at example"'),
    )
    with pytest.raises(PublisherError, match=r"smtp.from_address: 'news at example' is not an email address"):
        render(settings, golden_entries())


# --- deliverability -----------------------------------------------------------------------------


def sent_copy(tmp_path: Path, rendered: RenderedDigest) -> bytes:
    """What ``publisher send`` transmits for this digest, as a real SMTP server received it."""
    from publisher.mail import database, subscribers
    from publisher.mail.send import SendOptions, send_digest
    from tests.mail.fixtures import SECRET, smtp_server

    with smtp_server() as (controller, handler):
        smtp = f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\nretry_backoff = 0.01\n'
        settings = make_project(tmp_path / "sender", extra=smtp)
        write_digest(settings, rendered)
        conn = database.connect(settings.database_path)
        subscribers.add_subscriber(conn, "anna.schmidt@example.com", name="Anna Schmidt", lang="de")
        conn.close()
        report = send_digest(settings, SendOptions(), environ={"PUBLISHER_SECRET": SECRET})
        assert report.sent == 1
        return handler.messages[0][2]


def spamassassin_scores(messages: dict[str, bytes], home: Path) -> dict[str, float]:
    """SpamAssassin's score of each message with network tests off (``spamassassin -L -t``), in one
    run over an mbox (SpamAssassin takes seconds to start); the reports are kept in tests/artifacts."""
    mbox = b""
    for data in messages.values():
        lines = data.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
        quoted = b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines)
        mbox += b"From publisher@localhost Thu Jan  1 00:00:00 1970\n" + quoted + b"\n\n"
    home.mkdir(exist_ok=True)
    result = subprocess.run(
        ["spamassassin", "--local", "--test-mode", "--mbox"],
        input=mbox,
        capture_output=True,
        timeout=180,
        check=False,
        env={**os.environ, "HOME": str(home)},
    )
    output = result.stdout.decode("utf-8", "replace")
    reports = re.split(r"^From publisher@localhost .*$", output, flags=re.M)[1:]
    assert len(reports) == len(messages), result.stderr.decode()[-2000:]
    artifacts = Path(__file__).parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    scores = {}
    for name, report in zip(messages, reports, strict=True):
        status = re.search(r"^X-Spam-Status: (\w+), score=(-?[\d.]+)", report, re.M)
        assert status, report[:2000]
        (artifacts / f"digest-spamassassin-{name}.txt").write_text(report)
        scores[name] = float(status.group(2))
    return scores


@pytest.mark.spamassassin
@pytest.mark.skipif(shutil.which("spamassassin") is None, reason="Debian's spamassassin is not installed")
def test_spamassassin_scores_message_eml_and_the_sent_copy_below_one_point(
    settings: Settings, tmp_path: Path
) -> None:
    rendered = render(settings, many_entries(20))
    messages = {"message-eml": rendered.files["message.eml"], "sent": sent_copy(tmp_path, rendered)}
    assert all(b"%%" not in data for data in messages.values())
    scores = spamassassin_scores(messages, tmp_path / "sa-home")
    assert all(score < 1.0 for score in scores.values()), scores


def test_an_entry_without_a_summary_gets_no_empty_paragraph_or_blank_lines(settings: Settings) -> None:
    """An entry of only an image or a table has no text to summarise."""
    only_image = '<p><img src="https://news.example.org/bild.png" alt="Bild"></p>'
    entries = tuple(
        replace(e, summary="", content_html=only_image) if n == 0 else e
        for n, e in enumerate(golden_entries())
    )
    rendered = render(settings, entries)
    doc = lxml.html.fromstring(rendered.files["email.html"].decode())
    assert all(p.text_content().strip() for p in css(doc, "p.summary"))
    assert len(css(doc, "p.summary")) == len(entries) - 1
    assert "\n\n\n" not in rendered.files["email.txt"].decode()


def test_the_mails_and_web_version_load_nothing_from_other_sites(settings: Settings) -> None:
    """System fonts only: naming a font MJML knows (Roboto) made it add a Google Fonts <link> and @import."""
    rendered = render(settings, golden_entries())
    for name in ("email.html", "index.html", "message.eml"):
        text = rendered.files[name].decode("utf-8", "replace")
        assert "fonts.googleapis" not in text and "@import" not in text, name
        doc = lxml.html.fromstring(rendered.files[name]) if name != "message.eml" else None
        if doc is not None:
            assert doc.xpath("//link[@rel='stylesheet']") == [], name


def test_a_site_on_an_internationalised_domain_gets_ascii_headers(tmp_path: Path) -> None:
    """base_url = "https://exämple.org/": the digest crashed building message.eml's Message-ID."""
    from tests.digest.fixtures import CONFIG

    settings = make_project(
        tmp_path, config=CONFIG.replace("https://news.example.org/", "https://stadtwerke-müller.de/")
    )
    rendered = render(settings, golden_entries())
    message = email.message_from_bytes(rendered.files["message.eml"], policy=email.policy.default)
    assert "@xn--stadtwerke-mller-" in message["Message-ID"]
    assert "https://xn--stadtwerke-mller-" in rendered.files["email.html"].decode()


def test_the_accent_colour_and_the_logo_head_the_digest(tmp_path: Path) -> None:
    from tests.digest.fixtures import CONFIG

    config = CONFIG.replace(
        "[digest]\n", 'accent_color = "#0b52a8"\nlogo = "media/logo.png"\n\n[digest]\n', 1
    )
    rendered = render(make_project(tmp_path, config=config), golden_entries())
    for name in ("email.html", "index.html"):
        doc = lxml.html.fromstring(rendered.files[name])
        assert doc.xpath("//*[contains(@style, 'background:#0b52a8') or @bgcolor='#0b52a8']"), name
        logos = [src for src in doc.xpath("//img/@src") if src.endswith("/media/logo.png")]
        assert logos and all(src.startswith("https://") for src in logos), name
    plain = render(make_project(tmp_path / "plain"), golden_entries())
    assert (
        "#0b52a8" not in plain.files["email.html"].decode()
        and "logo.png" not in plain.files["email.html"].decode()
    )
