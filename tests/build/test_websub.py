"""WebSub: hub links in every feed, a publish ping per changed feed after a build (tested against a
small hub on 127.0.0.1), and a hub that fails is a warning, never a failed build."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from lxml import etree

from publisher.build.pipeline import build
from publisher.cli import cli
from tests.conftest import MakeProject
from tests.helpers import entry, settings_of

ATOM = "{http://www.w3.org/2005/Atom}"


class Hub:
    """A WebSub hub that records each publish request and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.content_types: list[str] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hub.requests.append(parse_qs(self.rfile.read(length).decode("ascii")))
                hub.content_types.append(self.headers["Content-Type"])
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def told(self) -> list[str]:
        assert all(r["hub.mode"] == ["publish"] for r in self.requests)
        return sorted(url for r in self.requests for url in r["hub.url"])


@pytest.fixture
def hub() -> Iterator[Hub]:
    running = Hub()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


def project(make_project: MakeProject, hub_url: str) -> Path:
    return make_project(
        {"a.md": entry("Eins", "2024-05-14", id="a", tags=["Energie"])}, extra=f'websub_hub = "{hub_url}"\n'
    )


def test_every_feed_names_the_hub(make_project: MakeProject, hub: Hub) -> None:
    root = project(make_project, hub.url)
    build(settings_of(root))
    out = root / "out"
    for prefix in ("", "tags/energie/"):
        atom = etree.parse(str(out / prefix / "atom.xml")).getroot()
        assert [link.get("href") for link in atom.iterfind(f"{ATOM}link[@rel='hub']")] == [hub.url]
        rss = etree.parse(str(out / prefix / "rss.xml")).getroot()
        links = {link.get("rel"): link.get("href") for link in rss.iterfind(f"channel/{ATOM}link")}
        assert links == {"self": f"https://news.example.org/{prefix}rss.xml", "hub": hub.url}
        feed = json.loads((out / prefix / "feed.json").read_bytes())
        assert feed["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_a_build_that_changed_feeds_tells_the_hub_about_each(make_project: MakeProject, hub: Hub) -> None:
    root = project(make_project, hub.url)
    report = build(settings_of(root))
    feeds = [
        f"https://news.example.org/{p}{n}"
        for p in ("", "tags/energie/")
        for n in ("atom.xml", "feed.json", "rss.xml")
    ]
    assert hub.told() == sorted(feeds) and sorted(report.announced) == sorted(feeds)
    assert set(hub.content_types) == {"application/x-www-form-urlencoded"}
    hub.requests.clear()
    assert build(settings_of(root)).announced == () and hub.requests == []  # nothing changed
    (root / "entries" / "b.md").write_text(entry("Zwei", "2024-06-14", id="b"), encoding="utf-8")
    build(settings_of(root))
    assert hub.told() == sorted(f"https://news.example.org/{n}" for n in ("atom.xml", "feed.json", "rss.xml"))


def test_a_hub_that_refuses_is_a_warning(make_project: MakeProject, hub: Hub) -> None:
    hub.status = 500
    root = project(make_project, hub.url)
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.stderr
    assert (root / "out" / "atom.xml").exists()
    assert f"warning: websub_hub: the WebSub hub {hub.url} answered 500" in result.stderr
    assert "about 6 changed feeds" in result.stderr


def test_a_hub_that_is_not_there_is_one_warning_and_the_build_is_done(make_project: MakeProject) -> None:
    root = project(make_project, "http://127.0.0.1:9/")  # the discard port: nothing listens
    report = build(settings_of(root))
    assert not report.errors and (root / "out" / "rss.xml").exists()
    [problem] = report.warnings
    assert problem.field == "websub_hub" and "could not be reached" in problem.message
    assert "readers get them at their next poll" in problem.hint
