"""A site brought along from Jekyll, Hugo, Pelican or Eleventy: its front matter read as it is meant,
bylines and tags in every feed, its old addresses still working."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import pytest
from click.testing import CliRunner, Result
from lxml import html as lxml_html

from publisher.cli import cli

CONFIG = 'title = "Netzwerk"\nbase_url = "https://news.example.org/"\nlanguage = "de"\n'

HUGO = {
    # Hugo, TOML front matter: aliases, author, categories next to tags, description, cover, <!--more-->
    "content/posts/wasserstoff.md": """+++
title = "Wasserstoff-Netzwerk wächst"
date = 2024-05-14T10:30:00+02:00
lastmod = 2024-05-15T08:00:00+02:00
author = "Jana Weiß"
tags = ["Energie"]
categories = ["Netzwerk"]
description = "Zwölf neue Mitglieder im Netzwerk."
aliases = ["/themen/wasserstoff.html", "/2024/05/wasserstoff/"]
draft = false
weight = 10
[cover]
image = "https://news.example.org/media/halle.jpg"
alt = "Die neue Halle"
+++

Das Netzwerk hat zwölf neue Mitglieder. <!--more--> Sie kommen aus der ganzen Region.
""",
    # Hugo, YAML front matter: images list, url, publishDate
    "content/posts/konferenz.md": """---
title: Konferenz in Kiel
publishDate: 2024-04-08T09:00:00+02:00
author: [Max Muster, Eva Kühn]
categories: [Konferenz]
url: /2024/04/konferenz-kiel/
images: [https://news.example.org/media/kiel.jpg]
type: post
layout: single
---
Die Konferenz fand in Kiel statt.
""",
}
JEKYLL = {
    # Jekyll _posts: categories as a space-separated string, permalink, excerpt_separator, featured_image
    "_posts/2024-03-01-foerderung.md": """---
layout: post
title: "Neue Förderung für Cluster"
date: 2024-03-01 10:30:00 +0100
author: Daniel Boss
categories: foerderung politik
tags: [Cluster]
permalink: /news/2024/foerderung.html
excerpt_separator: <!--kurz-->
featured_image: /media/foerderung.jpg
comments: true
---
Das Land fördert Cluster. <!--kurz-->

Mehr Text folgt hier.
""",
    "_posts/2024-02-01-rueckblick.md": """---
layout: post
title: Rückblick
date: 2024-02-01
author: Jana Weiß
categories: [rückblick]
link: https://www.example.com/bericht
redirect_from:
  - /alt/rueckblick/
published: true
---
Ein Rückblick auf das Jahr.
""",
    "_posts/2024-01-15-entwurf.md": """---
title: Entwurf
date: 2024-01-15
published: false
---
Noch nicht fertig.
""",
}
PELICAN = {
    "content/pelican.md": """Title: Pelican-Eintrag
Date: 2024-01-10 09:15
Author: Ann Lee
Category: Technik
Tags: Python, Migration
Slug: pelican-eintrag
Summary: Ein Eintrag aus Pelican.

Der Text des Eintrags.
""",
}
ELEVENTY = {
    "posts/eleventy.md": """---
title: Eleventy-Eintrag
date: 2024-01-05
tags: [posts, Web]
permalink: /blog/eleventy-eintrag/
eleventyNavigation: {key: Eleventy}
---
Der Text aus Eleventy.
""",
}

MEDIA = ("media/halle.jpg", "media/kiel.jpg", "media/foerderung.jpg")  # the images the entries above show


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    """The old site's folder as it is, with a publisher.toml whose entries_dir is its posts' folder."""
    root = tmp_path / "site"
    folder = Path(next(iter(files))).parts[0]
    (root / folder).mkdir(parents=True)
    (root / "publisher.toml").write_text(f'{CONFIG}entries_dir = "{folder}"\n', encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def feed_items(root: Path) -> dict[str, dict[str, Any]]:
    """title -> authors and tags as RSS, Atom and JSON Feed give them."""
    rss = feedparser.parse((root / "out" / "rss.xml").read_bytes())
    atom = feedparser.parse((root / "out" / "atom.xml").read_bytes())
    items = json.loads((root / "out" / "feed.json").read_bytes())["items"]
    out: dict[str, dict[str, Any]] = {}
    for r, a, j in zip(rss.entries, atom.entries, items, strict=True):
        out[r.title] = {
            "rss": [x["name"] for x in r.get("authors", [])],
            "atom": [x["name"] for x in a.get("authors", [])],
            "json": [x["name"] for x in j.get("authors", [])],
            "tags": [t.term for t in a.get("tags", [])],
            "summary": j.get("summary", ""),
            "image": j.get("image", ""),
        }
    return out


@pytest.mark.parametrize(
    "files", [HUGO, JEKYLL, PELICAN, ELEVENTY], ids=["hugo", "jekyll", "pelican", "eleventy"]
)
def test_a_migrated_site_builds_without_unknown_key_warnings(tmp_path: Path, files: dict[str, str]) -> None:
    root = project(tmp_path, files)
    # The images the entries show, brought along into the entries folder (whose media files are
    # published at the same path): without them, the build rightly warns that they are not published.
    entries = root / Path(next(iter(files))).parts[0]
    for name in MEDIA:
        (entries / name).parent.mkdir(parents=True, exist_ok=True)
        (entries / name).write_bytes(b"\xff\xd8\xff\xd9")
    fixed = run(root, "check", "--fix-ids")
    assert fixed.exit_code == 0, fixed.stderr
    assert len([line for line in fixed.stdout.splitlines() if line.startswith("id written")]) == len(files)
    built = run(root, "build")
    assert built.exit_code == 0, built.stderr
    assert "warning" not in built.stderr, built.stderr


def test_hugo_front_matter_gives_bylines_tags_summary_image_and_old_addresses(tmp_path: Path) -> None:
    root = project(tmp_path, HUGO)
    assert run(root, "build").exit_code == 0
    items = feed_items(root)
    first = items["Wasserstoff-Netzwerk wächst"]
    assert first["rss"] == first["atom"] == first["json"] == ["Jana Weiß"]
    assert first["tags"] == ["Energie", "Netzwerk"]
    assert first["summary"] == "Zwölf neue Mitglieder im Netzwerk."
    assert first["image"] == "https://news.example.org/media/halle.jpg"
    second = items["Konferenz in Kiel"]
    assert second["rss"] == second["atom"] == second["json"] == ["Max Muster", "Eva Kühn"]
    assert second["image"] == "https://news.example.org/media/kiel.jpg"
    for old, target in [
        ("themen/wasserstoff.html", "posts/wasserstoff-netzwerk-waechst.html"),
        ("2024/05/wasserstoff/index.html", "posts/wasserstoff-netzwerk-waechst.html"),
        ("2024/04/konferenz-kiel/index.html", "posts/konferenz-in-kiel.html"),
    ]:
        page = (root / "out" / old).read_text(encoding="utf-8")
        # The refresh names the entry's page relative to the old address (it works in the preview too).
        [refresh] = lxml_html.fromstring(page).xpath("//meta[@http-equiv='refresh']/@content")
        delay, _, relative = refresh.partition("; url=")
        assert (delay, urljoin(f"https://news.example.org/{old}", relative)) == (
            "0",
            f"https://news.example.org/{target}",
        )
        assert f'<link rel="canonical" href="https://news.example.org/{target}">' in page


def test_jekyll_posts_give_bylines_categories_excerpts_and_old_addresses(tmp_path: Path) -> None:
    root = project(tmp_path, JEKYLL)
    assert run(root, "build").exit_code == 0
    items = feed_items(root)
    assert set(items) == {"Neue Förderung für Cluster", "Rückblick"}  # published: false is a draft
    funding = items["Neue Förderung für Cluster"]
    assert funding["rss"] == funding["atom"] == funding["json"] == ["Daniel Boss"]
    assert funding["tags"] == ["Cluster", "foerderung", "politik"]
    assert funding["summary"] == "Das Land fördert Cluster."
    assert funding["image"] == "https://news.example.org/media/foerderung.jpg"
    review = json.loads((root / "out" / "feed.json").read_bytes())["items"][1]
    assert review["external_url"] == "https://www.example.com/bericht"  # a link post's link is its source
    assert (root / "out" / "news" / "2024" / "foerderung.html").is_file()
    assert (root / "out" / "alt" / "rueckblick" / "index.html").is_file()
    published = json.loads((root / "out" / "feed.json").read_bytes())["items"][0]["date_published"]
    assert published == "2024-03-01T10:30:00+01:00"


def test_an_old_address_that_another_page_has_gets_no_redirect_and_a_warning(tmp_path: Path) -> None:
    taken = HUGO["content/posts/wasserstoff.md"].replace(
        'aliases = ["/themen/wasserstoff.html"', 'aliases = ["/posts/konferenz-in-kiel.html"'
    )
    root = project(tmp_path, {**HUGO, "content/posts/wasserstoff.md": taken})
    built = run(root, "build")
    assert built.exit_code == 0
    assert (
        "aliases: the old address posts/konferenz-in-kiel.html is already a page of this site" in built.stderr
    )
    assert "Konferenz in Kiel" in (root / "out" / "posts" / "konferenz-in-kiel.html").read_text(
        encoding="utf-8"
    )


def test_old_addresses_on_another_host_are_reported(tmp_path: Path) -> None:
    text = JEKYLL["_posts/2024-02-01-rueckblick.md"].replace(
        "  - /alt/rueckblick/", "  - https://old.example.net/alt/rueckblick/"
    )
    root = project(tmp_path, {"_posts/2024-02-01-x.md": text})
    built = run(root, "build")
    assert "is not on this site's host (news.example.org); no page can redirect from it" in built.stderr


@pytest.mark.browser
def test_a_browser_at_an_old_address_ends_on_the_entry_page(tmp_path: Path, browser: Any) -> None:
    """Served over HTTP as a static host would: the old address sends the reader on to the entry."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    root = project(tmp_path, HUGO)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root / "out")))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    toml = root / "publisher.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("https://news.example.org/", base), encoding="utf-8"
    )
    assert run(root, "build").exit_code == 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page()
        page.goto(f"{base}themen/wasserstoff.html")
        page.wait_for_url(f"{base}posts/wasserstoff-netzwerk-waechst.html")
        assert "Wasserstoff-Netzwerk wächst" in page.title()
        page.close()
    finally:
        server.shutdown()
        server.server_close()
