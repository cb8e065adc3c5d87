"""``publisher import --from-feed``: an RSS, Atom or JSON feed becomes entries that keep their ids."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import frontmatter
import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli
from publisher.importing.feed import html_to_markdown, parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Altes Netzwerk</title><link>https://old.example.org/</link><description>d</description>
  <language>de-DE</language>
  <item>
    <title>Netzwerk startet Projekt</title>
    <link>https://old.example.org/2024/05/projekt.html</link>
    <guid isPermaLink="true">https://old.example.org/2024/05/projekt.html</guid>
    <pubDate>Tue, 14 May 2024 10:30:00 +0200</pubDate>
    <dc:creator>Jana Weiß</dc:creator>
    <category>Projekte</category><category>Leichtbau</category>
    <description>Kurzfassung des Projekts.</description>
    <content:encoded><![CDATA[<p>Das Netzwerk hat ein <strong>Projekt</strong> gestartet.</p>
      <script>alert(1)</script><h2>Ziele</h2><ul><li>Recycling</li><li>Leichtbau</li></ul>
      <p><a href="https://www.example.org/projekt">Projektseite</a></p>]]></content:encoded>
    <media:content url="https://old.example.org/media/halle.jpg" medium="image"/>
  </item>
  <item>
    <title>Jahrestagung &amp; Mitgliederversammlung</title>
    <link>https://old.example.org/2024/04/tagung.html</link>
    <guid isPermaLink="false">old-network-item-17</guid>
    <pubDate>Mon, 08 Apr 2024 09:00:00 +0200</pubDate>
    <author>info@old.example.org (Max Muster)</author>
    <description><![CDATA[<p>Die Jahrestagung fand in Kiel statt.</p>]]></description>
  </item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Old site</title><id>tag:old.example.org,2024:feed</id><updated>2024-05-14T10:30:00Z</updated>
  <entry>
    <title>Cluster meets in Brussels</title><id>tag:old.example.org,2024:entry-1</id>
    <link href="https://old.example.org/en/brussels"/>
    <published>2024-05-14T10:30:00+02:00</published><updated>2024-05-15T08:00:00+02:00</updated>
    <author><name>Jane Doe</name></author><author><name>John Smith</name></author>
    <content type="html">&lt;p&gt;The cluster met in Brussels.&lt;/p&gt;</content>
  </entry>
</feed>
"""
JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Old JSON site",
    "language": "en",
    "items": [
        {
            "id": "42",
            "url": "https://old.example.org/posts/42",
            "title": "A JSON item",
            "content_text": "First paragraph.\n\nSecond paragraph.",
            "date_published": "2024-03-01T12:00:00Z",
            "authors": [{"name": "Ann Lee"}],
            "tags": ["News"],
        }
    ],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "publisher.toml").write_text(
        'title = "Neu"\nbase_url = "https://new.example.org/"\nlanguage = "de"\n', encoding="utf-8"
    )
    (root / "old.rss").write_text(RSS, encoding="utf-8")
    (root / "old.atom").write_text(ATOM, encoding="utf-8")
    (root / "old.json").write_text(json.dumps(JSON_FEED), encoding="utf-8")
    return root


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args])


def ids(document: bytes | str) -> set[str]:
    return {str(item.id) for item in feedparser.parse(document).entries}


@pytest.mark.parametrize("name", ["old.rss", "old.atom", "old.json"])
def test_a_feed_imported_and_built_keeps_every_item_id(project: Path, name: str) -> None:
    result = run(project, "import", "--from-feed", name)
    assert result.exit_code == 0, result.stderr
    built = run(project, "build")
    assert built.exit_code == 0, built.stderr
    source = (project / name).read_bytes()
    original = {str(i["id"]) for i in json.loads(source)["items"]} if name.endswith(".json") else ids(source)
    assert ids((project / "out" / "rss.xml").read_bytes()) == original
    assert ids((project / "out" / "atom.xml").read_bytes()) == original
    assert {i["id"] for i in json.loads((project / "out" / "feed.json").read_bytes())["items"]} == original


def test_feed_items_become_entries_with_their_fields(project: Path) -> None:
    result = run(project, "import", "--from-feed", "old.rss")
    assert result.exit_code == 0, result.stderr
    paths = result.stdout.splitlines()
    assert paths == [
        "entries/2024-05-14-netzwerk-startet-projekt.md",
        "entries/2024-04-08-jahrestagung-und-mitgliederversammlung.md",
    ]
    post = frontmatter.loads((project / paths[0]).read_text(encoding="utf-8"))
    assert post["id"] == "https://old.example.org/2024/05/projekt.html" and "legacy_id" not in post
    assert post["authors"] == ["Jana Weiß"] and post["tags"] == ["Projekte", "Leichtbau"]
    assert post["summary"] == "Kurzfassung des Projekts." and post["lang"] == "de"
    assert post["source"] == "https://old.example.org/2024/05/projekt.html"
    assert post["image"] == {"url": "https://old.example.org/media/halle.jpg"}
    assert str(post["date"]) == "2024-05-14 10:30:00+02:00"
    assert "script" not in post.content and "alert" not in post.content
    assert post.content == (
        "Das Netzwerk hat ein **Projekt** gestartet.\n\n## Ziele\n\n- Recycling\n- Leichtbau\n\n"
        "[Projektseite](https://www.example.org/projekt)"
    )
    second = frontmatter.loads((project / paths[1]).read_text(encoding="utf-8"))
    assert (second["id"], second["title"], second["authors"]) == (
        "old-network-item-17",
        "Jahrestagung & Mitgliederversammlung",
        ["Max Muster"],
    )
    assert second["legacy_id"] is True  # a guid that is no URI is kept as the old feed's readers know it


def test_importing_the_same_feed_again_changes_nothing(project: Path) -> None:
    assert run(project, "import", "--from-feed", "old.atom").exit_code == 0
    before = {p: p.read_bytes() for p in (project / "entries").rglob("*.md")}
    again = run(project, "import", "--from-feed", "old.atom")
    assert again.exit_code == 0 and "already imported" in again.stderr
    assert {p: p.read_bytes() for p in (project / "entries").rglob("*.md")} == before


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ATOM.encode()
        self.send_response(200 if self.path == "/feed.xml" else 404)
        self.send_header("Content-Type", "application/atom+xml")
        self.end_headers()
        self.wfile.write(body if self.path == "/feed.xml" else b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_feed_url_is_fetched(project: Path, server: str) -> None:
    result = run(project, "import", "--from-feed", f"{server}/feed.xml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["entries/2024-05-14-cluster-meets-in-brussels.md"]
    missing = run(project, "import", "--from-feed", f"{server}/nothing.xml")
    assert missing.exit_code == 1 and "could not be fetched" in missing.stderr


def test_bad_feed_input_gets_a_clear_error(project: Path) -> None:
    (project / "notes.txt").write_text("just text", encoding="utf-8")
    result = run(project, "import", "--from-feed", "notes.txt")
    assert result.exit_code == 1 and "notes.txt: not an RSS, Atom or JSON feed" in result.stderr
    both = run(project, "import", "--from-feed", "old.rss", "x.txt")
    assert both.exit_code == 2 and "one of the two" in both.stderr
    assert run(project, "import").exit_code == 2


def test_an_item_without_an_id_or_date_is_reported_and_the_others_land(project: Path) -> None:
    feed = RSS.replace("<pubDate>Mon, 08 Apr 2024 09:00:00 +0200</pubDate>", "")
    (project / "partial.rss").write_text(feed, encoding="utf-8")
    result = run(project, "import", "--from-feed", "partial.rss")
    assert result.exit_code == 1
    assert "item 2 (Jahrestagung & Mitgliederversammlung): has no date -> pass --date" in result.stderr
    assert result.stdout.splitlines() == ["entries/2024-05-14-netzwerk-startet-projekt.md"]


def test_item_html_is_sanitised_before_it_becomes_markdown() -> None:
    markdown = html_to_markdown(
        '<p onclick="x()">Hi <img src=x onerror=alert(1)><iframe src="e"></iframe></p>'
    )
    assert markdown == "Hi"
    assert [item.id for item in parse_feed(ATOM.encode(), "a")] == ["tag:old.example.org,2024:entry-1"]
