"""Per-item CPU cost of each build stage, measured in one process on entries of a project.

Run from the repository root:

    python benchmarks/stages.py PROJECT [--entries 2000] [--repeat 3] [--only normalise,feeds]
    python benchmarks/stages.py PROJECT --code /tmp/old-checkout   # the same, with another checkout's code

Stages: markdown (cmark-gfm only), sanitise (sanitise_html only), normalise (the whole of it,
markdown and sanitise included), feeds (RSS, Atom and JSON of sets of 50), lists (index pages of
``page_size`` entries), entries (entry pages). Each stage runs ``--repeat`` times, with publisher's memoised
functions cleared before each run (a build sees each entry once). Times are CPU time of this
process, and the fastest run is shown: on a shared machine the others mostly measure the neighbours.
Prints numbers only.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("markdown", "sanitise", "normalise", "feeds", "lists", "entries")
FEED_SET = 50


def _clear_caches() -> None:
    """Forget what memoised functions learnt in an earlier run, as a build sees each entry once."""
    urllib.parse.clear_cache()
    for name, module in list(sys.modules.items()):
        if name.startswith("publisher"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _best(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    """Fastest of ``repeat`` runs in seconds, and the number of items one run handled."""
    best = float("inf")
    items = 0
    for _ in range(repeat):
        _clear_caches()
        start = time.process_time()
        items = run()
        best = min(best, time.process_time() - start)
    return best, items


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--entries", type=int, default=2000, help="entries to use (spread over the project)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(STAGES), help=f"any of {','.join(STAGES)}")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose publisher is measured")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))

    from publisher.config import load_settings
    from publisher.content.loaders import parse_entry
    from publisher.content.normalise import NormaliseContext, normalise
    from publisher.content.sanitise import render_markdown, sanitise_html
    from publisher.content.scan import scan_entry_files
    from publisher.model import Feed, FeedMeta, newest_first
    from publisher.render import archive, feeds
    from publisher.render.templating import make_environment

    settings = load_settings(args.project / "publisher.toml")
    context = NormaliseContext.of(settings)
    files = scan_entry_files(settings.entries_dir, settings.root)
    step = max(1, len(files) // args.entries)
    chosen = files[::step][: args.entries]
    sources = []
    for file in chosen:
        source, _ = parse_entry(Path(file.path).read_bytes(), file.relative)
        if source is not None:
            sources.append(source)
    entries = newest_first([e for e in (normalise(s, context).entry for s in sources) if e is not None])
    only = set(args.only.split(","))
    print(f"{len(sources)} entries of {args.project} with {args.code}", flush=True)

    def report(name: str, run: Callable[[], int], unit: str) -> None:
        if name not in only:
            return
        seconds, items = _best(args.repeat, run)
        print(f"{name:>10}: {seconds * 1000 / max(items, 1):8.4f} ms per {unit} ({items} in {seconds:.3f} s)")

    rendered = [render_markdown(s.body) for s in sources]
    report("markdown", lambda: len([render_markdown(s.body) for s in sources]), "entry")
    base_url = context.base_url
    page_urls = [f"{base_url}posts/x{i}.html" for i in range(len(rendered))]
    report(
        "sanitise",
        lambda: len(
            [sanitise_html(h, context.base_url, u) for h, u in zip(rendered, page_urls, strict=True)]
        ),
        "entry",
    )
    report("normalise", lambda: len([normalise(s, context) for s in sources]), "entry")

    meta = FeedMeta(
        title=settings.title,
        description=settings.description,
        base_url=settings.base_url,
        home_url=settings.base_url,
        language=settings.language,
        author=None,
        feed_id=f"{settings.base_url}atom.xml",
        path_prefix="",
    )
    sets = [Feed(meta, entries[i : i + FEED_SET]) for i in range(0, len(entries), FEED_SET)]
    for kind, render in feeds.RENDERERS.items():
        if "feeds" in only:
            seconds, items = _best(args.repeat, lambda render=render: len([render(f) for f in sets]))
            per_set = seconds * 1000 / items
            print(f"{'feeds ' + kind:>10}: {per_set:8.4f} ms per set of {FEED_SET} ({items} sets)")

    env = make_environment(settings)
    size = settings.page_size
    report("lists", lambda: len(archive.list_pages(entries, settings, env, kind="index")), f"page of {size}")
    report("entries", lambda: len([archive.entry_page(e, settings, env) for e in entries]), "entry page")


if __name__ == "__main__":
    main()
