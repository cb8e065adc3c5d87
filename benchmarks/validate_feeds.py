"""Validate every feed a generated project builds: root, tag, language and archived feeds.

Usage::

    python benchmarks/validate_feeds.py [--entries 2000] [--work DIR]
        [--feedvalidator SRC --w3c-python PYTHON]

Generates the benchmark corpus (benchmarks/generate.py) plus a few hostile entries (a summary with
``F&E`` and ``<script>``, a body whose text shows ``<img … onerror=…>``, an image whose file name
has a space), writes the media files the entries point to, builds it, and checks each feed file with
feedparser (bozo 0), RFC 4287's RELAX NG schema (Atom), the JSON Feed 1.1 schema (JSON) and, when
``--feedvalidator`` names the ``src`` folder of the W3C Feed Validation Service's code (with
``--w3c-python``, a Python that has html5lib and rdflib), that validator. Prints a table; exit 1 if
any check failed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import SITE_URL, write_project  # noqa: E402

SCHEMAS = REPO / "tests" / "data" / "schemas"
PICTURE = REPO / "tests" / "data" / "entries" / "media" / "foerderaufruf.jpg"
IMAGE_PATH = re.compile(r"images/\d{4}/(?:bild|inline)-\d{6}\.jpg")
HOSTILE = {
    "hostile/fe.md": """---
id: urn:uuid:7d0f7c1e-0a3b-4f55-9d6e-000000000001
title: "F&E-Verbund <Rhein> startet"
date: 2024-12-30T10:00:00+01:00
tags: [Forschung]
summary: "F&E: Kosten < 20 % & <script>alert(1)</script> – „Zitat“"
image: {url: media/Foto Konferenz.jpg, alt: "Der Saal"}
---
Der Verbund für F&E startet.
""",
    "hostile/img.md": """---
id: urn:uuid:7d0f7c1e-0a3b-4f55-9d6e-000000000002
title: Code im Text
date: 2024-12-30T11:00:00+01:00
lang: en
tags: [Forschung]
---
&lt;img src=x onerror=alert(1)&gt; is what the attacker wrote, R&amp;D &amp;amp; more.
""",
}


# Top-level settings the generated publisher.toml gets, so that the feeds carry what they can:
# the logo (RSS image, Atom icon and logo, JSON Feed icon) and a WebSub hub (hub links). The hub
# does not exist: the build's publish pings fail, which is one warning.
SETTINGS = 'logo = "media/Foto Konferenz.jpg"\nwebsub_hub = "https://hub.example.org/"\n'


def prepare(root: Path, count: int, settings: str = SETTINGS) -> None:
    write_project(root, count)
    config = root / "publisher.toml"
    config.write_text(settings + config.read_text(encoding="utf-8"), encoding="utf-8")
    entries = root / "entries"
    for name, text in HOSTILE.items():
        (entries / name).parent.mkdir(parents=True, exist_ok=True)
        (entries / name).write_text(text, encoding="utf-8")
    picture = PICTURE.read_bytes()
    wanted = {"media/Foto Konferenz.jpg"}
    for path in entries.rglob("*.md"):
        wanted.update(IMAGE_PATH.findall(path.read_text(encoding="utf-8")))
    for relative in wanted:
        (entries / relative).parent.mkdir(parents=True, exist_ok=True)
        (entries / relative).write_bytes(picture)


def kind_of(relative: str) -> str:
    scope = (
        "tag" if relative.startswith("tags/") else "language" if re.match(r"^[a-z]{2}/", relative) else "root"
    )
    if "/archive/" in f"/{relative}":
        return f"{scope} archive"
    return scope


def check_locally(out: Path) -> tuple[dict[str, Counter[str]], list[str]]:
    import feedparser
    import jsonschema
    from lxml import etree

    rng = etree.RelaxNG(file=str(SCHEMAS / "atom.rng"))
    schema = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    failures = []
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.name == "feed.json":
            counts[kind_of(relative)]["json"] += 1
            try:
                jsonschema.validate(json.loads(path.read_bytes()), schema)
            except jsonschema.ValidationError as exc:
                failures.append(f"{relative}: JSON Feed schema: {exc.message}")
            continue
        if path.name not in ("rss.xml", "atom.xml") and not re.search(r"archive/\d+\.xml$", relative):
            continue
        data = path.read_bytes()
        parsed = feedparser.parse(data)
        if parsed.bozo:
            failures.append(f"{relative}: feedparser: {parsed.get('bozo_exception')}")
        if path.name == "rss.xml":
            counts[kind_of(relative)]["rss"] += 1
            continue
        counts[kind_of(relative)]["atom"] += 1
        if not rng.validate(etree.fromstring(data).getroottree()):
            failures.append(f"{relative}: RELAX NG: {rng.error_log.last_error}")
    return counts, failures


def check_w3c(out: Path, src: str, python: str) -> tuple[int, list[str]]:
    files = [
        str(p)
        for p in sorted(out.rglob("*"))
        if p.name in ("rss.xml", "atom.xml") or re.search(r"archive/\d+\.xml$", p.as_posix())
    ]
    done = subprocess.run(
        [python, str(HERE / "w3c_feeds.py"), src, SITE_URL, str(out), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the W3C validator did not run: {done.stderr.strip()[-500:]}")
    messages = []
    for line in done.stdout.splitlines():
        result = json.loads(line)
        relative = Path(result["file"]).relative_to(out).as_posix()
        messages += [f"{relative}: W3C error: {m}" for m in result["errors"]]
        messages += [f"{relative}: W3C warning: {m}" for m in result["warnings"]]
    return len(files), messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=HERE / "work" / "validate")
    parser.add_argument("--feedvalidator", help="the src folder of github.com/w3c/feedvalidator")
    parser.add_argument("--w3c-python", default=sys.executable, help="a Python with html5lib and rdflib")
    options = parser.parse_args(argv)
    root = options.work / str(options.entries)
    shutil.rmtree(root, ignore_errors=True)
    print(f"generating {options.entries} entries in {root}", file=sys.stderr)
    prepare(root, options.entries)
    started = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(root), "build"],
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"built in {time.perf_counter() - started:.1f} s: {built.stdout.strip()}", file=sys.stderr)
    warnings = [line for line in built.stderr.splitlines() if ": warning: " in line]
    if built.returncode != 0:
        print(built.stderr, file=sys.stderr)
        return 1
    out = root / "out"
    counts, failures = check_locally(out)
    w3c_files, w3c = (
        check_w3c(out, options.feedvalidator, options.w3c_python) if options.feedvalidator else (0, [])
    )
    print(
        f"{options.entries} generated entries + {len(HOSTILE)} hostile ones; build warnings: {len(warnings)}"
    )
    print(f"{'feeds':<18}{'RSS':>6}{'Atom':>6}{'JSON':>6}")
    for kind in ("root", "language", "tag", "root archive", "language archive", "tag archive"):
        found = counts.get(kind, Counter())
        print(f"{kind:<18}{found['rss']:>6}{found['atom']:>6}{found['json']:>6}")
    total = sum(sum(c.values()) for c in counts.values())
    print(
        f"feedparser (bozo 0), RELAX NG (Atom), JSON Feed 1.1 schema: {total} files, {len(failures)} failures"
    )
    if options.feedvalidator:
        errors = sum(": W3C error: " in m for m in w3c)
        warned = len(w3c) - errors
        print(f"W3C Feed Validation Service code: {w3c_files} files, {errors} errors, {warned} warnings")
    else:
        print("W3C Feed Validation Service code: not run (give --feedvalidator SRC)")
    for line in [*failures, *w3c][:50]:
        print("  " + line)
    return 1 if failures or w3c else 0


if __name__ == "__main__":
    sys.exit(main())
