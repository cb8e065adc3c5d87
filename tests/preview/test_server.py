"""The preview server in this process: pages with the reload script (never in built files), problems
shown on any page until the next good save, the digest as it would go out now, nothing outside."""

from __future__ import annotations

import http.client
import os
import socket
import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from publisher.build.pipeline import build
from publisher.content.urls import RECORD
from publisher.errors import PublisherError
from publisher.preview.pages import MARK
from publisher.preview.server import PreviewServer
from publisher.preview.session import PREVIEW_FOLDER, PreviewOptions, Session
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of, tree
from tests.preview.fixtures import NOW, fetch, preview_in_process, small_project


def event_stream(url: str) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """The preview's event stream, as an open page has it."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    connection.request("GET", "/_preview/events")
    return connection, connection.getresponse()


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_pages_get_the_reload_script_and_built_files_never_do(make_project: MakeProject) -> None:
    root = small_project(make_project)
    with preview_in_process(root) as (_, url):
        status, kind, page = fetch(url)
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert f'<script {MARK}="reload">'.encode() in page and b"Strompreis sinkt" in page
        assert page.rindex(b"<script") < page.rindex(b"</body>")
        assert fetch(url + "posts/wasserwerk.html")[0] == 200
        status, kind, css = fetch(url + "style.css")
        assert status == 200 and kind.startswith("text/css") and MARK.encode() not in css
        status, kind, feed = fetch(url + "atom.xml")
        assert status == 200 and b"Neues Wasserwerk" in feed and MARK.encode() not in feed
        assert fetch(url + "media/bild.png")[2].startswith(b"\x89PNG")
        assert fetch(url + "tags/wasser/")[0] == 200
        built = tree(root / PREVIEW_FOLDER)
        assert built and not any(b"EventSource" in data or MARK.encode() in data for data in built.values())
    assert not (root / "out").exists()  # the preview never writes out/
    built = build(settings_of(root))
    assert built.written and not built.errors
    published = tree(root / "out")
    assert not any(b"EventSource" in data or MARK.encode() in data for data in published.values())


def test_nothing_outside_the_preview_folder_is_served(make_project: MakeProject) -> None:
    root = small_project(make_project)
    (root / "secret.txt").write_text("geheim", encoding="utf-8")
    with preview_in_process(root) as (_, url):
        parts = urlsplit(url)
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "//etc/passwd"):
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 404, path
            assert b"geheim" not in body and b"root:" not in body


def test_an_entry_error_is_shown_on_every_page_until_the_next_good_save(make_project: MakeProject) -> None:
    root = small_project(make_project)
    path = root / "entries" / "2024" / "strompreis.md"
    good = path.read_text(encoding="utf-8")
    with preview_in_process(root) as (session, url):
        version = session.version
        path.write_text(
            good.replace("date: '2024-05-15T10:00:00+02:00'", "date: 31.01.2024"), encoding="utf-8"
        )
        wait_for(lambda: session.version != version)
        for page in ("", "posts/wasserwerk.html", "no/such/page.html"):
            status, _, body = fetch(url + page)
            assert status == 500
            assert b"entries/2024/strompreis.md:" in body and b"date" in body
            assert f'<script {MARK}="reload">'.encode() in body  # the fix reloads it
        assert fetch(url + "style.css")[0] == 200  # the last good files are still served
        version = session.version
        path.write_text(good.replace("Strompreis sinkt", "Strompreis sinkt weiter"), encoding="utf-8")
        wait_for(lambda: session.version != version)
        status, _, body = fetch(url)
        assert status == 200 and b"Strompreis sinkt weiter" in body


def test_a_template_error_names_the_template_and_line(make_project: MakeProject) -> None:
    root = small_project(make_project)
    with preview_in_process(root) as (session, url):
        version = session.version
        (root / "templates").mkdir()
        (root / "templates" / "entry.html.j2").write_text(
            '{% extends "base.html.j2" %}\n{% block content %}\n'
            "{{ entry.title | nosuchfilter }}\n{% endblock %}\n",
            encoding="utf-8",
        )
        wait_for(lambda: session.version != version and bool(session.outcome.problems))
        status, _, body = fetch(url + "posts/strompreis.html")
        assert status == 500 and b"entry.html.j2" in body and b"nosuchfilter" in body
        version = session.version
        (root / "templates" / "entry.html.j2").unlink()
        wait_for(lambda: session.version != version and not session.outcome.problems)
        assert fetch(url + "posts/strompreis.html")[0] == 200


def test_the_digest_as_it_would_go_out_now(make_project: MakeProject) -> None:
    root = small_project(make_project)
    with preview_in_process(root) as (_, url):
        status, kind, page = fetch(url + "_digest/")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert "Neues Wasserwerk eröffnet".encode() in page and b"Strompreis sinkt" in page
        assert b"Geplante Meldung" not in page  # scheduled: not in a digest before its time
        assert b'src="/media/bild.png"' in page  # the image comes from the preview, not the site
        assert b"https://news.example.org/" not in page
        status, kind, text = fetch(url + "_digest/email.txt")
        assert (status, kind) == (200, "text/plain; charset=utf-8")
        assert "Neues Wasserwerk eröffnet".encode() in text
    assert not (root / "out").exists() and not (root / ".publisher" / "state.json").exists()


def test_drafts_and_scheduled_entries_are_shown_with_a_banner_with_drafts(make_project: MakeProject) -> None:
    root = small_project(make_project)
    with preview_in_process(root) as (_, url):
        assert fetch(url + "posts/geplant.html")[0] == 404
        assert fetch(url + "posts/entwurf.html")[0] == 404
        front = fetch(url)[2]
        assert b"Geplante Meldung" not in front and b"Noch ein Entwurf" not in front
    with preview_in_process(root, drafts=True) as (_, url):
        status, _, page = fetch(url + "posts/geplant.html")
        assert status == 200
        assert f'<div {MARK}="banner"'.encode() in page
        assert "geplant für 2024-06-01 08:00".encode() in page
        status, _, page = fetch(url + "posts/entwurf.html")
        assert status == 200 and b"Noch ein Entwurf" in page
        assert b"Vorschau: Entwurf" in page
        assert b"Noch ein Entwurf" in fetch(url)[2]
        assert f'<div {MARK}="banner"'.encode() not in fetch(url + "posts/strompreis.html")[2]
    assert not (root / "out").exists()  # drafts never reach a real build


def test_a_port_in_use_is_named(make_project: MakeProject) -> None:
    root = small_project(make_project)
    session = Session(None, root, PreviewOptions())
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(PublisherError, match=rf"^127\.0\.0\.1:{port}: port {port} is already in use"):
                PreviewServer(session, "127.0.0.1", port)
    finally:
        session.stop()


def test_the_event_stream_announces_each_new_build(make_project: MakeProject) -> None:
    root = small_project(make_project)
    with preview_in_process(root) as (session, url):
        connection, response = event_stream(url)
        assert response.headers["Content-Type"].startswith("text/event-stream")
        first = response.readline().decode()
        assert first == f"data: {session.version}\n"
        assert response.readline() == b"\n"
        (root / "entries" / "2024" / "neu.md").write_text(
            "---\ntitle: Neu\ndate: 2024-05-16\nid: urn:uuid:neu\n---\nText\n", encoding="utf-8"
        )
        line = response.readline().decode()
        connection.close()
        assert line.startswith("data: ") and line != first
        assert b">Neu<" in fetch(url)[2]


def test_a_new_publisher_toml_saved_by_renaming_is_seen(make_project: MakeProject) -> None:
    """Editors that save by writing a new file and renaming it over the old one replace the file
    the watcher was watching: the preview still builds with the new settings."""
    root = small_project(make_project)
    config = root / "publisher.toml"
    with preview_in_process(root) as (session, url):
        version = session.version
        replacement = root / "publisher.toml.new"
        replacement.write_text(
            config.read_text(encoding="utf-8").replace("Testnachrichten", "Neuer Titel"), encoding="utf-8"
        )
        os.replace(replacement, config)
        wait_for(lambda: session.version != version and b"Neuer Titel" in fetch(url)[2])
        version = session.version
        config.write_text("title = \"Kaputt\nbase_url = 'https://news.example.org/'\n", encoding="utf-8")
        wait_for(lambda: session.version != version)
        status, _, body = fetch(url)
        assert status == 500 and b"publisher.toml:1" in body and b"never closed" in body


def test_saves_made_before_the_watcher_is_ready_are_built(make_project: MakeProject) -> None:
    """The first build and the watcher's start are apart; an entry or publisher.toml saved in
    between (publisher.toml by renaming a new file over it) still reaches the page."""
    from datetime import datetime

    from publisher.preview.server import PreviewServer
    from tests.preview.fixtures import NOW

    root = small_project(make_project)
    session = Session(None, root, PreviewOptions(now=datetime.fromisoformat(NOW)))
    server = PreviewServer(session, "127.0.0.1", 0)
    session.rebuild()
    version = session.version
    entry = root / "entries" / "2024" / "strompreis.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("Strompreis sinkt", "Preis fällt"), "utf-8")
    config = root / "publisher.toml"
    replacement = root / "publisher.toml.new"
    replacement.write_text(config.read_text("utf-8").replace("Testnachrichten", "Neuer Titel"), "utf-8")
    os.replace(replacement, config)
    try:
        server.start_watching(debounce=1600, step=20)
        wait_for(lambda: session.version != version)
        built = tree(root / PREVIEW_FOLDER)
        assert "Preis fällt".encode() in built["index.html"] and b"Neuer Titel" in built["index.html"]
    finally:
        server.server_close()
        session.stop()


def test_the_preview_shows_the_addresses_the_site_keeps_and_tells_no_hub(make_project: MakeProject) -> None:
    """An entry whose title changed after it was published stays at its address in the preview too
    (the preview starts from out/'s address record, which it never writes), and a preview build
    sends no WebSub ping: the preview is not the published site."""
    from tests.build.test_websub import Hub

    hub = Hub()
    hub.thread.start()
    try:
        root = make_project(
            {"a.md": entry("Alter Titel", "2024-05-14", id="urn:uuid:a")}, extra=f'websub_hub = "{hub.url}"\n'
        )
        assert "posts/alter-titel.html" in build(settings_of(root)).written
        told = len(hub.requests)
        assert told  # the real build told the hub
        record = (root / "out" / RECORD).read_bytes()
        (root / "entries" / "a.md").write_text(
            (root / "entries" / "a.md").read_text(encoding="utf-8").replace("Alter Titel", "Neuer Titel"),
            encoding="utf-8",
        )
        session = Session(None, root, PreviewOptions())
        try:
            assert not session.rebuild().problems
        finally:
            session.stop()
        preview = root / PREVIEW_FOLDER
        assert "Neuer Titel" in (preview / "posts" / "alter-titel.html").read_text(encoding="utf-8")
        assert not (preview / "posts" / "neuer-titel.html").exists()
        assert len(hub.requests) == told
        assert (root / "out" / RECORD).read_bytes() == record
    finally:
        hub.server.shutdown()
        hub.server.server_close()


def test_each_warning_is_printed_once_then_only_new_ones_and_a_count(make_project: MakeProject) -> None:
    """A migrated site can have thousands of warnings: printed again on every save, they buried the
    one that save brought (and printing them took longer than the build)."""
    root = make_project(
        {
            "a.md": entry(
                "Erste", "2024-05-14", id="urn:uuid:a", body="[alt](https://news.example.org/weg.html)"
            ),
            "b.md": entry("Zweite", "2024-05-15", id="urn:uuid:b"),
        }
    )
    lines: list[str] = []
    session = Session(None, root, PreviewOptions(), echo=lines.append)
    try:
        session.rebuild()
        first = [line for line in lines if "weg.html" in line]
        assert len(first) == 1 and first[0].startswith("entries/a.md: warning")
        lines.clear()
        b = root / "entries" / "b.md"
        b.write_text(
            entry("Zweite", "2024-05-15", id="urn:uuid:b", body="[neu](https://news.example.org/neu.html)"),
            "utf-8",
        )
        session.rebuild()
        assert not any("weg.html" in line for line in lines)
        assert any(line.startswith("entries/b.md: warning") and "neu.html" in line for line in lines)
        assert (
            "1 warning(s) as after the last build, not repeated ('publisher check' lists them all)" in lines
        )
    finally:
        session.stop()


def test_edits_the_watcher_reports_are_built_and_so_are_files_it_cannot_vouch_for(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry edited in place is looked at alone (no listing of every file); a new file, a
    removed one and one renamed over an old one are found by listing the folders again."""
    from publisher.content import remembered

    scans: list[int] = []
    real = remembered.scan_entry_files
    monkeypatch.setattr(remembered, "scan_entry_files", lambda *args: (scans.append(1), real(*args))[1])
    root = small_project(make_project)
    folder = root / "entries" / "2024"
    with preview_in_process(root) as (session, url):
        version = session.version
        wait_for(lambda: session.version != version)  # the watcher's first build lists every file
        listed = len(scans)
        version = session.version
        strompreis = folder / "strompreis.md"
        strompreis.write_text(
            strompreis.read_text("utf-8").replace("Strompreis sinkt", "Preis fällt"), "utf-8"
        )
        wait_for(lambda: session.version != version and "Preis fällt".encode() in fetch(url)[2])
        assert len(scans) == listed  # the edited file alone was looked at
        version = session.version
        (folder / "neu.md").write_text(
            entry("Ganz neu", "2024-05-15T11:00:00+02:00", id="urn:uuid:neu", slug="neu"), "utf-8"
        )
        wait_for(lambda: session.version != version and b"Ganz neu" in fetch(url)[2])
        version = session.version
        replacement = folder / "neu.md.new"
        replacement.write_text(
            entry("Umbenannt", "2024-05-15T11:00:00+02:00", id="urn:uuid:neu", slug="neu"), "utf-8"
        )
        os.replace(replacement, folder / "neu.md")
        wait_for(lambda: session.version != version and b"Umbenannt" in fetch(url)[2])
        version = session.version
        (folder / "neu.md").unlink()
        wait_for(lambda: session.version != version and b"Umbenannt" not in fetch(url)[2])
        assert fetch(url + "posts/neu.html")[0] == 404  # gone by the time the page reloads
        assert len(scans) >= listed + 3  # listed again for the new, the renamed and the removed file


def test_the_address_record_is_written_only_when_an_address_changes(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoding every address again took 0.2 s of each save's build at 10,000 entries."""
    from publisher.build import pipeline

    written: list[int] = []
    real = pipeline.write_record
    monkeypatch.setattr(pipeline, "write_record", lambda out, record: (written.append(1), real(out, record)))
    root = small_project(make_project)
    session = Session(None, root, PreviewOptions(now=datetime.fromisoformat(NOW)))
    try:
        session.rebuild()
        assert written == [1] and (root / PREVIEW_FOLDER / RECORD).is_file()
        path = root / "entries" / "2024" / "strompreis.md"
        path.write_text(path.read_text("utf-8").replace("Strompreis sinkt", "Preis fällt"), "utf-8")
        session.rebuild()
        assert "Preis fällt" in (root / PREVIEW_FOLDER / "posts" / "strompreis.html").read_text("utf-8")
        assert written == [1]  # the title changed, the address did not
        path.write_text(path.read_text("utf-8").replace("slug: strompreis", "slug: preis-faellt"), "utf-8")
        session.rebuild()
        assert written == [1, 1]
        (root / PREVIEW_FOLDER / RECORD).unlink()
        path.write_text(path.read_text("utf-8").replace("Preis fällt", "Preis fällt weiter"), "utf-8")
        session.rebuild()
        assert written == [1, 1, 1] and (root / PREVIEW_FOLDER / RECORD).is_file()
    finally:
        session.stop()


def test_the_feeds_wait_until_an_open_page_has_loaded_the_new_version(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reloaded page says when it has loaded (its style sheet and images too); until then, or
    half a second (here: a minute), the feeds are not rendered, so that they do not slow it down."""
    from publisher.preview import session as session_module

    monkeypatch.setattr(session_module, "PAGE_FIRST_SECONDS", 60)
    root = small_project(make_project)
    with preview_in_process(root) as (session, url):
        connection, events = event_stream(url)
        events.readline(), events.readline()
        wait_for(lambda: session.listeners == 1)
        feed = root / PREVIEW_FOLDER / "atom.xml"
        path = root / "entries" / "2024" / "strompreis.md"
        path.write_text(path.read_text("utf-8").replace("Strompreis sinkt", "Preis fällt"), "utf-8")
        new = events.readline().decode().removeprefix("data: ").strip()
        assert "Preis fällt".encode() in fetch(url)[2]
        assert "Preis fällt" not in feed.read_text("utf-8")  # the page first
        assert fetch(f"{url}_preview/loaded?{new}")[0] == 204
        wait_for(lambda: "Preis fällt" in feed.read_text("utf-8"))
        connection.close()
        assert b'fetch("/_preview/loaded?"' in fetch(url)[2]
