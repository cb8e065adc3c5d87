"""The benchmark's floor: the least a feed tool must do. Read every entry, render its Markdown, write one
RSS and one Atom file of ALL entries with feedgen. No archive, no tag feeds, no sanitising, no cache.

Usage::

    python benchmarks/floor.py PROJECT [--out DIR] [--renderer markdown-it-py|cmarkgfm]

The renderer used is printed on stdout (the issue's reference figures use markdown-it-py).
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import frontmatter
from feedgen.feed import FeedGenerator

RENDERERS = ("markdown-it-py", "cmarkgfm")


def make_renderer(name: str) -> Callable[[str], str]:
    if name == "cmarkgfm":
        import cmarkgfm

        return cmarkgfm.markdown_to_html
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise SystemExit(f"naive date {value!r}: the floor expects dates with an offset")
    return moment


def build_feed(project: Path, render: Callable[[str], str]) -> tuple[FeedGenerator, int]:
    config = tomllib.loads((project / "publisher.toml").read_text(encoding="utf-8"))
    base = config["base_url"].rstrip("/") + "/"
    entries = []
    for path in sorted((project / "entries").rglob("*.md")):
        post = frontmatter.load(path)
        meta = post.metadata
        entries.append((_aware(meta["date"]), path.stem, meta, render(post.content)))
    entries.sort(key=lambda item: (item[0], item[1]), reverse=True)

    fg = FeedGenerator()
    fg.id(base)
    fg.title(config["title"])
    fg.description(config.get("description") or config["title"])
    fg.link(href=base, rel="alternate")
    fg.link(href=base + "atom.xml", rel="self")
    fg.language(config.get("language", "de"))
    newest = entries[0][0] if entries else datetime.fromisoformat("2000-01-01T00:00:00+00:00")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for date, stem, meta, html in entries:
        fe = fg.add_entry(order="append")
        fe.id(meta["id"])
        fe.title(meta["title"])
        fe.link(href=f"{base}posts/{meta.get('slug') or stem}.html")
        fe.published(date)
        fe.updated(_aware(meta["updated"]) if meta.get("updated") else date)
        for name in meta.get("authors", []):
            fe.author({"name": name})
        for tag in meta.get("tags", []):
            fe.category(term=tag)
        if meta.get("summary"):
            fe.summary(meta["summary"])
        fe.content(html, type="CDATA")
    return fg, len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--out", type=Path, help="where rss.xml and atom.xml go (default PROJECT/out-floor)")
    parser.add_argument("--renderer", choices=RENDERERS, default="markdown-it-py")
    args = parser.parse_args(argv)
    out = args.out or args.project / "out-floor"
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    fg, count = build_feed(args.project, make_renderer(args.renderer))
    loaded = time.perf_counter()
    fg.rss_file(str(out / "rss.xml"))
    fg.atom_file(str(out / "atom.xml"))
    done = time.perf_counter()
    print(
        f"floor: {count} entries, renderer {args.renderer} {version(args.renderer)}, "
        f"feedgen {version('feedgen')}; read+render {loaded - started:.2f} s, feeds {done - loaded:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
