"""Write a deterministic synthetic publisher project (and raw press releases) for the benchmark.

Usage::

    python benchmarks/generate.py project DIR --entries 10000 [--seed 7] [--pelican DIR]
    python benchmarks/generate.py raw DIR --count 1000 [--seed 7]
    python benchmarks/generate.py edit DIR [--variant 1]     # change the newest entry's title and body
    python benchmarks/generate.py add DIR [--variant 1]      # add one entry, newer than all others

Same seed and size -> byte-identical files. Files are written one at a time (memory stays flat).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from corpus import Corpus, slug_key
from vocabulary import TAGS

DEFAULT_SEED = 20240514
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2015, 1, 1, tzinfo=BERLIN)
DAYS = 3653  # ten years: 2015-01-01 .. 2024-12-31
ADDED_DATE = datetime(2025, 1, 1, 10, 0, tzinfo=BERLIN)  # newer than every generated entry
DIGEST_NOW = "2025-01-02T09:00:00+01:00"  # `publisher digest --now`: just after the newest entries
SITE_URL = "https://bench.example.org/"
CONFIG = """\
title = "Cluster-Nachrichten (Benchmark)"
base_url = "{url}"
description = "Synthetisches Benchmark-Projekt: {count} Einträge, Seed {seed}"
language = "de"
timezone = "Europe/Berlin"
author = "Redaktion Benchmark"

[digest]
max_entries = 20
"""
PELICAN_CONF = """\
# Pelican settings for the benchmark: the same entries, full feeds (all entries), tag feeds, no cache.
AUTHOR = "Redaktion Benchmark"
SITENAME = "Cluster-Nachrichten (Benchmark)"
SITEURL = "{url}"
PATH = "content"
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{{slug}}.rss.xml"
FEED_MAX_ITEMS = None
DEFAULT_PAGINATION = 20
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = True
"""
_PLAIN = re.compile(r"[A-Za-zÄÖÜäöüß][\w .,/()'’\-]*[\w.)]", re.UNICODE)
_TAG_WEIGHTS = [1 / (rank + 2) ** 0.8 for rank in range(len(TAGS))]  # a few big tags, a long tail


@dataclass(frozen=True, slots=True)
class EntrySpec:
    """One generated entry, before it is written as publisher (or Pelican) Markdown."""

    index: int
    id: str
    title: str
    date: datetime
    updated: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    lang: str
    summary: str
    image: tuple[str, str, str] | None  # url, alt, credit
    slug: str
    body: str

    @property
    def rel_path(self) -> str:
        """``2019/2019-03-05-000123.md``: year folders, names sort by date."""
        return f"{self.date.year}/{self.date:%Y-%m-%d}-{self.index:06d}.md"


def entry_id(seed: int | str, key: int | str) -> str:
    digest = hashlib.sha256(f"publisher-bench:{seed}:{key}".encode()).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}"


def _yaml(value: str) -> str:
    """A YAML scalar: plain when unambiguous, else a JSON string (valid YAML double-quoted style)."""
    if _PLAIN.fullmatch(value) and ": " not in value and " #" not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _iso(moment: datetime) -> str:
    if moment.utcoffset() == timedelta(0):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def unique_title(corpus: Corpus, rng: random.Random, lang: str, seen: set[str]) -> str:
    for _ in range(50):
        title = corpus.title(rng, lang)
        key = slug_key(title)
        if len(title) <= 90 and key not in seen:
            seen.add(key)
            return title
    raise RuntimeError("could not find a unique title; the vocabulary is too small for this many entries")


def make_entry(
    corpus: Corpus,
    rng: random.Random,
    index: int,
    key: int | str,
    seed: int | str,
    seen: set[str],
    date: datetime | None = None,
    title_prefix: str = "",
) -> EntrySpec:
    """One entry; ``key`` feeds its id (the index for generated entries, e.g. ``add:1`` for added ones)."""
    lang = "de" if rng.random() < 0.7 else "en"
    if date is None:
        local = START + timedelta(days=rng.randrange(DAYS))
        date = local.replace(hour=rng.randint(7, 18), minute=rng.randrange(60))
        if rng.random() < 0.05:
            date = date.astimezone(UTC)
    updated = None
    if rng.random() < 0.2:
        updated = date + timedelta(days=rng.randint(0, 30), hours=rng.randint(1, 8))
    image = None
    if rng.random() < 0.5:
        name = f"images/{date.year}/bild-{index:06d}.jpg"
        url = SITE_URL + name if rng.random() < 0.5 else name
        image = (url, corpus.image_alt(rng, lang), corpus.credit(rng))
    inline_image = f"/images/{date.year}/inline-{index:06d}.jpg" if rng.random() < 0.7 else None
    tags = tuple(dict.fromkeys(rng.choices(TAGS, weights=_TAG_WEIGHTS, k=rng.randint(1, 5))))
    return EntrySpec(
        index=index,
        id=entry_id(seed, key),
        title=title_prefix + unique_title(corpus, rng, lang, seen),
        date=date,
        updated=updated,
        authors=tuple(rng.sample(corpus.people, rng.randint(1, 3))),
        tags=tags,
        lang=lang,
        summary=corpus.summary(rng, lang) if rng.random() < 0.4 else "",
        image=image,
        slug=f"meldung-{date.year}-{index:06d}" if rng.random() < 0.03 else "",
        body=corpus.body(rng, lang, inline_image),
    )


def publisher_text(spec: EntrySpec) -> str:
    lines = ["---", f"id: {spec.id}", f"title: {_yaml(spec.title)}", f"date: {_iso(spec.date)}"]
    if spec.updated:
        lines.append(f"updated: {_iso(spec.updated)}")
    lines.append("authors:")
    lines += [f"  - {_yaml(name)}" for name in spec.authors]
    lines.append("tags:")
    lines += [f"  - {_yaml(tag)}" for tag in spec.tags]
    lines.append(f"lang: {spec.lang}")
    if spec.summary:
        lines.append(f"summary: {_yaml(spec.summary)}")
    if spec.image:
        url, alt, credit = spec.image
        lines += ["image:", f"  url: {url}", f"  alt: {_yaml(alt)}", f"  credit: {_yaml(credit)}"]
    if spec.slug:
        lines.append(f"slug: {spec.slug}")
    lines += ["---", "", spec.body]
    return "\n".join(lines)


# Titles an old site used again and again: a third of its entries share their title (and so their slug).
RECURRING_TITLES = (
    "Veranstaltungshinweis", "Neue Mitglieder im Netzwerk", "Rückblick", "Einladung zum Netzwerktreffen",
    "Pressemitteilung", "Termine", "Newsletter", "Stellenangebot", "Jahresbericht", "Förderaufruf",
    "Event review", "New members", "Call for proposals", "Save the date",
)  # fmt: skip


def migrated_text(spec: EntrySpec) -> str:
    """The entry as a site migrated from Jekyll brings it: no id, ``author``/``categories``/``permalink``
    and ``layout`` keys, a date with a spaced offset, links to the old site's topic pages, and a third
    of the titles used by other entries too."""
    topic = slug_key(spec.tags[0]).replace(" ", "-") if spec.tags else "allgemein"
    title = spec.title
    if spec.index % 3 == 0:
        title = RECURRING_TITLES[spec.index // 3 % len(RECURRING_TITLES)]
    lines = [
        "---",
        "layout: post",
        f"title: {_yaml(title)}",
        f"date: {spec.date:%Y-%m-%d %H:%M:%S %z}",
        f"author: {_yaml(spec.authors[0])}",
        "categories:",
        *[f"  - {_yaml(tag)}" for tag in spec.tags],
        f"lang: {spec.lang}",
        f"permalink: /themen/{topic}/{spec.date:%Y}/{spec.index:06d}.html",
    ]
    if spec.summary:
        lines.append(f"description: {_yaml(spec.summary)}")
    if spec.image:
        lines.append(f"featured_image: {spec.image[0]}")
    more = "Mehr zum Thema" if spec.lang == "de" else "More on this topic"
    lines += ["---", "", spec.body, "", f"[{more}](/themen/{topic}.html)"]
    return "\n".join(lines)


def pelican_text(spec: EntrySpec) -> str:
    """The same entry in Pelican's Markdown metadata format (``Key: value`` lines, then the body)."""
    lines = [f"Title: {spec.title}", f"Date: {_iso(spec.date)}"]
    if spec.updated:
        lines.append(f"Modified: {_iso(spec.updated)}")
    lines += [f"Authors: {'; '.join(spec.authors)}", f"Tags: {', '.join(spec.tags)}", f"Lang: {spec.lang}"]
    lines.append(f"Slug: {Path(spec.rel_path).stem}")
    if spec.summary:
        lines.append(f"Summary: {spec.summary}")
    return "\n".join(lines) + "\n\n" + spec.body


def iter_entries(count: int, seed: int | str = DEFAULT_SEED) -> Iterator[EntrySpec]:
    corpus = Corpus(seed)
    rng = random.Random(f"entries:{seed}")
    seen: set[str] = set()
    for index in range(count):
        yield make_entry(corpus, rng, index, index, seed, seen)


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def write_project(
    root: Path,
    count: int,
    seed: int | str = DEFAULT_SEED,
    pelican: Path | None = None,
    migrated: bool = False,
) -> int:
    """Write ``publisher.toml``, ``entries/`` (and a Pelican project); return the bytes of entries written.

    ``migrated``: the entries as a site brought along from Jekyll writes them (see migrated_text)."""
    entries = root / "entries"
    entries.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(
        CONFIG.format(url=SITE_URL, count=count, seed=seed), encoding="utf-8"
    )
    if pelican is not None:
        (pelican / "content").mkdir(parents=True, exist_ok=True)
        (pelican / "pelicanconf.py").write_text(
            PELICAN_CONF.format(url=SITE_URL.rstrip("/")), encoding="utf-8"
        )
    made: set[str] = set()
    total = 0
    for spec in iter_entries(count, seed):
        year = str(spec.date.year)
        if year not in made:
            (entries / year).mkdir(exist_ok=True)
            if pelican is not None:
                (pelican / "content" / year).mkdir(exist_ok=True)
            made.add(year)
        total += _write(entries / spec.rel_path, (migrated_text if migrated else publisher_text)(spec))
        if pelican is not None:
            _write(pelican / "content" / spec.rel_path, pelican_text(spec))
    return total


def write_raw(directory: Path, count: int, seed: int | str = DEFAULT_SEED) -> list[Path]:
    """Raw press releases for `publisher import`: UTF-8 (a few with BOM or CRLF), a few cp1252."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed)
    rng = random.Random(f"raw:{seed}")
    seen: set[str] = set()
    paths = []
    for index in range(count):
        lang = "de" if rng.random() < 0.8 else "en"
        text = corpus.raw_release(rng, unique_title(corpus, rng, lang, seen), lang)
        roll = rng.random()
        data = text.encode("utf-8")
        if roll < 0.03:
            data = b"\xef\xbb\xbf" + data
        elif roll < 0.05:
            with contextlib.suppress(UnicodeEncodeError):  # a few characters have no cp1252 form
                data = text.encode("cp1252")
        name = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()[:16]
        path = directory / f"{index + 1:04d}_{name}.txt"
        path.write_bytes(data)
        paths.append(path)
    return paths


# --- incremental-run helpers ----------------------------------------------------------------------


def entry_files(project: Path) -> list[Path]:
    """All entry files, oldest first (their names sort by date)."""
    return sorted((project / "entries").glob("*/*.md"))


def edit_entry(project: Path, variant: int = 1, seed: int | str = DEFAULT_SEED) -> Callable[[], None]:
    """Give the newest entry a new title and body (new per ``variant``); return a function undoing it."""
    path = entry_files(project)[-1]
    original = path.read_bytes()
    stat = path.stat()
    head, _, _ = original.decode("utf-8").partition("\n---\n")
    lang = "en" if "\nlang: en" in head else "de"
    rng = random.Random(f"edit:{seed}:{variant}")
    corpus = Corpus(seed)
    title = f"Korrigiert ({variant}): {corpus.title(rng, lang)}"
    head = re.sub(r"(?m)^title: .*$", lambda _: f"title: {_yaml(title)}", head, count=1)
    path.write_bytes(f"{head}\n---\n\n{corpus.body(rng, lang, None)}".encode())

    def restore() -> None:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    return restore


def add_entry(project: Path, variant: int = 1, seed: int | str = DEFAULT_SEED) -> Callable[[], None]:
    """Add one entry dated after all others (different per ``variant``); return a function removing it."""
    rng = random.Random(f"add:{seed}:{variant}")
    spec = make_entry(
        Corpus(seed),
        rng,
        900_000 + variant,
        f"add:{variant}",
        seed,
        set(),
        date=ADDED_DATE,
        title_prefix=f"Nachtrag {variant}: ",
    )
    path = project / "entries" / spec.rel_path
    created_dir = not path.parent.exists()
    path.parent.mkdir(exist_ok=True)
    _write(path, publisher_text(spec))

    def restore() -> None:
        path.unlink()
        if created_dir:
            path.parent.rmdir()

    return restore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    project = sub.add_parser("project", help="publisher.toml + entries/ (and optionally a Pelican project)")
    project.add_argument("directory", type=Path)
    project.add_argument("--entries", type=int, default=1000)
    project.add_argument("--pelican", type=Path, help="also write the entries as a Pelican project here")
    project.add_argument(
        "--migrated", action="store_true", help="entries as a site migrated from Jekyll has them (no ids)"
    )
    raw = sub.add_parser("raw", help="raw press-release text files for `publisher import`")
    raw.add_argument("directory", type=Path)
    raw.add_argument("--count", type=int, default=1000)
    for name in ("edit", "add"):
        helper = sub.add_parser(name, help=f"{name} one entry in a generated project (no undo)")
        helper.add_argument("directory", type=Path)
        helper.add_argument("--variant", type=int, default=1)
    for command in sub.choices.values():
        command.add_argument("--seed", default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    args = parser.parse_args(argv)
    seed = int(args.seed) if str(args.seed).isdigit() else args.seed
    started = time.perf_counter()
    if args.command == "project":
        size = write_project(args.directory, args.entries, seed, args.pelican, args.migrated)
        done = f"{args.entries} entries, {size / 1e6:.1f} MB"
    elif args.command == "raw":
        done = f"{len(write_raw(args.directory, args.count, seed))} raw press releases"
    else:
        (edit_entry if args.command == "edit" else add_entry)(args.directory, args.variant, seed)
        done = f"{args.command}ed one entry"
    print(f"{done} in {args.directory} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
