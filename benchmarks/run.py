"""Benchmark publisher against a feedgen floor (and Pelican) on generated projects; print a table, write JSON.

Usage::

    python benchmarks/run.py                                   # 1,000 and 10,000 entries, 3 runs each
    python benchmarks/run.py --entries 1000,10000,100000 --json results.json
    python benchmarks/run.py --entries 50 --runs 1 --skip-pelican --only floor

Every measurement is a whole process, the way a user runs it. benchmarks/README.md explains each row.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import generate
import measure
import report
from measure import Row

BENCH = Path(__file__).resolve().parent
PUBLISH_NOW = "2025-01-02T10:00:00+01:00"  # an hour after the last digest (generate.DIGEST_NOW)
REPO = BENCH.parent
MEASUREMENTS = (
    "floor",
    "cold",
    "noop",
    "edit",
    "add",
    "digest",
    "publish",
    "render",
    "mjml",
    "import",
    "pelican",
)
LABELS = {
    "floor": "floor ({renderer}, feedgen, 2 feeds)",
    "cold": "publisher build, cold",
    "noop": "rebuild, nothing changed",
    "edit": "rebuild, newest entry edited",
    "add": "rebuild, one entry added",
    "digest": "publisher digest, newest 20",
    "publish": "digest step in publish, 1 new entry",
    "render": "digest render in process, per call",
    "mjml-python": "mjml-python {mjml_python}, per render",
    "mjml-node": "node MJML{node_mjml} CLI, whole process",
    "mjml-node-render": "node MJML{node_mjml}, per render in node",
    "import": "publisher import, {raw:,} raw texts",
    "pelican": "Pelican{pelican}, full + tag feeds",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """One benchmark run: options, environment, and the rows measured so far."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work.resolve()
        # Bytecode caching on, as on a user's machine (some sandboxes set PYTHONDONTWRITEBYTECODE).
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["PYTHONPATH"] = str(REPO)
        self.load: dict[str, list[float]] = {}
        self.only = set(args.only)
        self.pelican_python = None if args.skip_pelican else find_pelican(args.pelican_python)
        self.node_mjml = None if args.skip_node_mjml else find_node_mjml(args.node_mjml)
        self.available: dict[str, bool] = {}
        self.trash: Path = self.work / "trash"

    def publisher(self, project: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "publisher", "-C", str(project), *args]

    def has_command(self, name: str) -> bool:
        if name not in self.available:
            probe = subprocess.run(
                [sys.executable, "-m", "publisher", name, "--help"],
                cwd=REPO,
                env=self.env,
                capture_output=True,
            )
            self.available[name] = probe.returncode == 0
        return self.available[name]

    def publisher_version(self) -> str:
        probe = subprocess.run(
            [sys.executable, "-m", "publisher", "--version"],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
        )
        return probe.stdout.strip() or "publisher (version unknown)"

    def label(self, name: str) -> str:
        node_mjml = node_mjml_version(self.args.node_mjml)
        return LABELS[name].format(
            renderer=self.args.floor_renderer,
            raw=self.args.raw,
            pelican=f" {version}" if (version := pelican_version(self.pelican_python)) else "",
            mjml_python=package_version("mjml-python"),
            node_mjml=f" {node_mjml}" if node_mjml else "",
        )

    def repeat(
        self,
        row: Row,
        command: list[str],
        cwd: Path,
        logs: Path,
        before: Callable[[int], None] | None = None,
        after: Callable[[int], None] | None = None,
        per_call: Path | None = None,
    ) -> Row:
        """Run ``command`` ``--runs`` times; ``before``/``after`` prepare and undo each run (not timed).

        With ``per_call``, the command times calls inside itself and writes them there as JSON
        (``digest_render.py``, ``mjml_render.js``): the row then holds the time per call.
        """
        for run in range(1, self.args.runs + 1):
            if before:
                before(run)
            if per_call is not None:
                per_call.unlink(missing_ok=True)
            sample = measure.run(command, cwd, self.env, logs / f"{row.name}-{run}.log")
            if per_call is not None and not sample.returncode:
                if per_call.exists():
                    data = json.loads(per_call.read_text(encoding="utf-8"))
                    sample, row.note = measure.per_call(sample, data), per_call_note(data)
                else:
                    row.status, row.note = "error", f"no result in {per_call}"
            row.samples.append(sample)
            failed = f", exit {sample.returncode}" if sample.returncode else ""
            took = f"{report.format_seconds(sample.seconds)}, {sample.max_rss_mb:.0f} MB{failed}"
            log(f"    {row.label} run {run}/{self.args.runs}: {took}")
            if sample.returncode:
                tail = (logs / f"{row.name}-{run}.log").read_text(errors="replace").strip().splitlines()[-1:]
                row.status, row.note = "error", f"exit {sample.returncode}: {' '.join(tail)[:120]}"
            if after:
                after(run)
        return row

    def discard(self, path: Path) -> None:
        """Move a tree out of the way now; delete it after the size is measured.

        Deleting 100,000s of files right before a timed run would bill the run for it: the file
        system (ext4 mounted with ``discard`` here) trims the freed blocks in the journal commits
        that follow, which made file creation in a cold build three times slower.
        """
        if path.exists():
            self.trash.mkdir(parents=True, exist_ok=True)
            path.rename(self.trash / f"{len(list(self.trash.iterdir()))}-{path.name}")

    def empty_trash(self) -> None:
        shutil.rmtree(self.trash, ignore_errors=True)
        os.sync()

    def untimed(self, command: list[str], cwd: Path) -> None:
        subprocess.run(command, cwd=cwd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # --- one project size -------------------------------------------------------------------------

    def size(self, count: int) -> dict[str, Row]:
        base = self.work / str(count)
        project, pelican, logs = base / "project", base / "pelican", base / "logs"
        use_pelican = (
            "pelican" in self.only
            and self.pelican_python is not None
            and count <= self.args.pelican_max_entries
        )
        # The previous project of this size goes now, and os.sync() makes the file system finish
        # with it (journal commits, trims) before anything is timed; see ``discard``.
        shutil.rmtree(base, ignore_errors=True)
        os.sync()
        self.trash = base / "trash"
        logs.mkdir(parents=True)
        self.load[str(count)] = [round(x, 2) for x in os.getloadavg()]
        log(f"[{count:,}] generating project{' and Pelican copy' if use_pelican else ''} in {base}")
        started = time.perf_counter()
        written = generate.write_project(
            project, count, self.args.seed, pelican if use_pelican else None, migrated=self.args.migrated
        )
        os.sync()  # the generated files reach the disk now, not during the first timed run
        log(f"[{count:,}] generated {written / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        rows: dict[str, Row] = {}
        build = self.publisher(project, "build")

        def reset(_: int = 0) -> None:
            for name in ("out", ".publisher"):
                self.discard(project / name)

        if "floor" in self.only:
            floor = [
                sys.executable,
                str(BENCH / "floor.py"),
                str(project),
                "--out",
                str(base / "floor-out"),
                "--renderer",
                self.args.floor_renderer,
            ]
            rows["floor"] = self.repeat(Row("floor", self.label("floor")), floor, project, logs)
        needs_build = self.only & {"cold", "noop", "edit", "add"}
        if needs_build and not self.has_command("build"):
            for name in sorted(needs_build, key=MEASUREMENTS.index):
                rows[name] = Row(name, self.label(name), "n/a", "no `publisher build` yet")
        elif needs_build:
            if "cold" in self.only:
                rows["cold"] = self.repeat(
                    Row("cold", self.label("cold")), build, project, logs, before=reset
                )
            else:
                reset()
            self.untimed(build, project)  # the state every incremental run starts from
            if "noop" in self.only:
                rows["noop"] = self.repeat(Row("noop", self.label("noop")), build, project, logs)
            for name, change in (("edit", generate.edit_entry), ("add", generate.add_entry)):
                if name in self.only:
                    rows[name] = self.incremental(name, change, project, logs)
        if "digest" in self.only:
            if self.has_command("digest"):
                if self.has_command("build"):
                    self.untimed(build, project)  # digests run after a build (warm cache), as in CI
                digest = self.publisher(project, "digest", "--days", "36500", "--now", generate.DIGEST_NOW)
                rows["digest"] = self.repeat(Row("digest", self.label("digest")), digest, project, logs)
            else:
                rows["digest"] = Row("digest", self.label("digest"), "n/a", "no `publisher digest` yet")
        if "publish" in self.only:
            rows["publish"] = self.publish_row(project, base / "publish", logs)
        if self.only & {"render", "mjml"}:
            rows |= self.mjml_rows(project, base / "mjml", logs)
        if "pelican" in self.only:
            rows["pelican"] = self.pelican(count, pelican, logs, use_pelican)
        self.empty_trash()
        return rows

    def incremental(
        self, name: str, change: Callable[..., Callable[[], None]], project: Path, logs: Path
    ) -> Row:
        """Edit or add one entry, time the rebuild, undo it and rebuild (untimed) before the next run."""
        row = Row(name, self.label(name))
        build = self.publisher(project, "build")
        undo: list[Callable[[], None]] = []

        def before(run: int) -> None:
            undo.append(change(project, run, self.args.seed))

        def after(run: int) -> None:
            if self.args.verify and run == 1:
                row.note = self.verify(project)
            undo.pop()()
            self.untimed(build, project)

        return self.repeat(row, build, project, logs, before=before, after=after)

    def publish_row(self, project: Path, folder: Path, logs: Path) -> Row:
        """What the digest step adds to a build inside ``publisher publish``: each run adds one
        entry (dated before the last digest, new on the site) and times the digest step of
        ``publish --no-send`` in process (``publish_step.py``); the entry goes again afterwards."""
        row = Row("publish", self.label("publish"))
        if not self.has_command("publish"):
            row.status, row.note = "n/a", "no `publisher publish` yet"
            return row
        folder.mkdir(parents=True, exist_ok=True)
        build = self.publisher(project, "build")
        # Where a weekly run starts: the site built, its entries recorded as appeared by then, the last
        # digest sent. From nothing: earlier rows' builds recorded the entries at today's date.
        for name in ("out", ".publisher"):
            self.discard(project / name)
        self.untimed(self.publisher(project, "publish", "--no-send", "--now", generate.DIGEST_NOW), project)
        self.untimed(self.publisher(project, "digest", "--now", generate.DIGEST_NOW, "--mark-sent"), project)
        result = folder / "result.json"
        command = [sys.executable, str(BENCH / "publish_step.py"), str(project), "--now", PUBLISH_NOW]
        command += ["--result", str(result)]
        undo: list[Callable[[], None]] = []

        def before(run: int) -> None:
            undo.append(generate.add_entry(project, 100 + run, self.args.seed))

        def after(run: int) -> None:
            undo.pop()()
            self.untimed(build, project)

        self.repeat(row, command, project, logs, before=before, after=after, per_call=result)
        if row.status == "ok" and result.exists():
            data = json.loads(result.read_text(encoding="utf-8"))
            row.note = (
                f"the build around it {report.format_seconds(data['build_s'])} "
                f"({data['built_entries']:,} entries); the digest holds {data['entries']} entr"
                + ("y" if data["entries"] == 1 else "ies")
            )
        return row

    def verify(self, project: Path) -> str:
        """Compare out/ after the incremental build with a cold build of the same input and the same
        address record (out/.publisher-urls.json: the one piece of history a build keeps, which keeps an
        entry whose title the edit changed at its address)."""
        incremental = snapshot(project / "out")
        record = (
            (project / "out" / URL_RECORD).read_bytes() if (project / "out" / URL_RECORD).exists() else None
        )
        for name in ("out", ".publisher"):
            self.discard(project / name)
        if record is not None:
            (project / "out").mkdir()
            (project / "out" / URL_RECORD).write_bytes(record)
        self.untimed(self.publisher(project, "build"), project)
        cold = snapshot(project / "out")
        differ = sorted(
            path for path in incremental.keys() | cold.keys() if incremental.get(path) != cold.get(path)
        )
        if not differ:
            return "verify: identical to a cold build"
        return f"verify: {len(differ)} files differ from a cold build, e.g. {', '.join(differ[:3])}"

    def pelican(self, count: int, site: Path, logs: Path, enabled: bool) -> Row:
        row = Row("pelican", self.label("pelican"))
        if self.pelican_python is None:
            row.status, row.note = "n/a", "Pelican not installed (see benchmarks/README.md) or --skip-pelican"
            return row
        if not enabled:
            row.status, row.note = (
                "n/a",
                f"only up to --pelican-max-entries {self.args.pelican_max_entries:,}",
            )
            return row
        command = [
            self.pelican_python,
            "-m",
            "pelican",
            "content",
            "-s",
            "pelicanconf.py",
            "-o",
            "output",
            "--ignore-cache",
        ]

        def reset(_: int) -> None:
            for name in ("output", "cache", "__pycache__"):
                self.discard(site / name)

        env, self.env = self.env, {k: v for k, v in self.env.items() if k != "PYTHONPATH"}
        try:
            return self.repeat(row, command, site, logs, before=reset)
        finally:
            self.env = env

    # --- the digest's MJML: publisher in process, mjml-python, node MJML ----------------------------

    def mjml_rows(self, project: Path, folder: Path, logs: Path) -> dict[str, Row]:
        """Rows of one MJML source: the digest's email.html, as ``publisher digest`` renders it.

        ``render``: publisher's whole digest render (``render_digest``) per call; ``mjml``:
        mjml-python and node MJML per render, and the node MJML command line as a whole process.
        """
        names = (["render"] if "render" in self.only else []) + (
            ["mjml-python", "mjml-node", "mjml-node-render"] if "mjml" in self.only else []
        )
        if not self.has_command("digest"):
            return {name: Row(name, self.label(name), "n/a", "no `publisher digest` yet") for name in names}
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "digest.mjml"
        script = str(BENCH / "digest_render.py")
        prepared = subprocess.run(
            [
                sys.executable,
                script,
                "source",
                str(project),
                "--now",
                generate.DIGEST_NOW,
                "--out",
                str(source),
            ],
            cwd=folder,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if prepared.returncode:
            tail = " ".join((prepared.stderr or prepared.stdout).strip().splitlines()[-1:])[:120]
            note = f"could not write the digest's MJML: {tail}"
            return {name: Row(name, self.label(name), "error", note) for name in names}
        renders = str(self.args.renders)
        rows: dict[str, Row] = {}
        if "render" in names:
            result = folder / "render.json"
            command = [sys.executable, script, "time-digest", str(project), "--now", generate.DIGEST_NOW]
            command += ["--repeat", renders, "--result", str(result)]
            rows["render"] = self.repeat(
                Row("render", self.label("render")), command, folder, logs, per_call=result
            )
        if "mjml-python" in names:
            result = folder / "mjml-python.json"
            command = [
                sys.executable,
                script,
                "time-mjml",
                str(source),
                "--repeat",
                renders,
                "--result",
                str(result),
            ]
            row = Row("mjml-python", self.label("mjml-python"))
            rows["mjml-python"] = self.repeat(row, command, folder, logs, per_call=result)
        if "mjml-node" in names:
            rows |= self.node_mjml_rows(source, folder, logs)
        return rows

    def node_mjml_rows(self, source: Path, folder: Path, logs: Path) -> dict[str, Row]:
        names = ("mjml-node", "mjml-node-render")
        if self.node_mjml is None:
            why = (
                "--skip-node-mjml"
                if self.args.skip_node_mjml
                else "node MJML not installed, see benchmarks/README"
            )
            return {name: Row(name, self.label(name), "n/a", why) for name in names}
        cli = Row("mjml-node", self.label("mjml-node"))

        def said(run: int) -> None:  # with validation "soft", node MJML reports problems and exits 0
            text = (logs / f"{cli.name}-{run}.log").read_text(errors="replace").strip()
            if text and cli.status == "ok":
                cli.note = f"node MJML says: {' '.join(text.splitlines()[:2])[:120]}"

        command = [str(node_mjml_cli(self.node_mjml)), source.name, "-o", "digest.html"]
        rows = {"mjml-node": self.repeat(cli, command, folder, logs, after=said)}
        result = folder / "mjml-node.json"
        command = [
            node_binary(),
            str(BENCH / "mjml_render.js"),
            str(self.node_mjml),
            str(source),
            self.args.renders,
        ]
        row = Row("mjml-node-render", self.label("mjml-node-render"))
        rows["mjml-node-render"] = self.repeat(
            row, [*map(str, command), str(result)], folder, logs, per_call=result
        )
        return rows

    # --- size-independent: import ------------------------------------------------------------------

    def importing(self) -> Row:
        row = Row("import", self.label("import"))
        if not self.has_command("import"):
            row.status, row.note = "n/a", "no `publisher import` yet"
            return row
        base = self.work / "import"
        shutil.rmtree(base, ignore_errors=True)
        (base / "logs").mkdir(parents=True)
        raw = generate.write_raw(base / "raw", self.args.raw, self.args.seed)
        scratch = base / "project"

        def fresh(_: int) -> None:
            shutil.rmtree(scratch, ignore_errors=True)
            generate.write_project(scratch, 0, self.args.seed)

        command = self.publisher(scratch, "import", *map(str, raw))
        return self.repeat(row, command, base, base / "logs", before=fresh)


URL_RECORD = ".publisher-urls.json"  # publisher.content.urls.RECORD


def snapshot(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def find_pelican(given: Path | None) -> str | None:
    """A Python that can import pelican: --pelican-python, this one, or benchmarks/work/pelican-venv."""
    if given is not None:
        return str(given)
    if importlib.util.find_spec("pelican") is not None:
        return sys.executable
    venv = BENCH / "work" / "pelican-venv" / "bin" / "python"
    return str(venv) if venv.exists() else None


def find_node_mjml(prefix: Path) -> Path | None:
    """The npm prefix holding node MJML (``npm install --prefix PREFIX mjml@5``), if it and node exist."""
    if node_mjml_cli(prefix).exists() and shutil.which("node"):
        return prefix.resolve()
    return None


def node_mjml_cli(prefix: Path) -> Path:
    return prefix / "node_modules" / ".bin" / "mjml"


def node_binary() -> str:
    return shutil.which("node") or "node"


def node_mjml_version(prefix: Path | None) -> str:
    if prefix is None:
        return ""
    try:
        data = json.loads((prefix / "node_modules" / "mjml" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("version", ""))


def node_version() -> str:
    probe = subprocess.run([node_binary(), "--version"], capture_output=True, text=True)
    return probe.stdout.strip()


def per_call_note(data: dict[str, Any]) -> str:
    """The note of a per-call row: calls per run, the first (untimed) call, HTML size, validation messages."""
    parts = [f"{data['repeat']} calls per run, first call {report.format_seconds(data['first_s'])}"]
    if "entries" in data:
        parts.append(f"{data['entries']} entries")
    if "html_bytes" in data:
        parts.append(f"HTML {data['html_bytes'] / 1024:.0f} KB")
    errors = data.get("errors") or []
    if errors:
        parts.append(f"{len(errors)} validation message(s), e.g. {' '.join(str(errors[0]).split())[:100]}")
    return "; ".join(parts)


def pelican_version(python: str | None) -> str:
    if python is None:
        return ""
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('pelican'))"],
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip()


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", default="1000,10000", help="comma-separated sizes (default 1000,10000)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per measurement (default 3; median is shown)"
    )
    parser.add_argument("--json", type=Path, help="write results here (default benchmarks/work/results.json)")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help=f"subset of {','.join(MEASUREMENTS)}")
    parser.add_argument("--skip-pelican", action="store_true", help="do not measure Pelican")
    parser.add_argument("--pelican-python", type=Path, help="a Python with pelican[markdown] installed")
    parser.add_argument(
        "--pelican-max-entries", type=int, default=10_000, help="largest size Pelican runs at"
    )
    parser.add_argument("--skip-node-mjml", action="store_true", help="do not measure node MJML")
    parser.add_argument(
        "--node-mjml",
        type=Path,
        default=BENCH / "work" / "node-mjml",
        help="npm prefix with node MJML installed (default benchmarks/work/node-mjml)",
    )
    parser.add_argument(
        "--renders", type=int, default=50, help="timed calls per run of the per-render rows (default 50)"
    )
    parser.add_argument("--floor-renderer", choices=("markdown-it-py", "cmarkgfm"), default="markdown-it-py")
    parser.add_argument("--raw", type=int, default=1000, help="raw press releases for the import row")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--verify", action="store_true", help="check edit/add output equals a cold build")
    parser.add_argument(
        "--migrated",
        action="store_true",
        help="entries as a site migrated from Jekyll has them: no ids, Jekyll keys, a third sharing titles",
    )
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="scratch directory (gitignored)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(part.replace("_", "")) for part in args.entries.split(",") if part.strip()})
    except ValueError:
        parser.error(f"--entries: expected comma-separated numbers, got {args.entries!r}")
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(MEASUREMENTS))
    if unknown:
        parser.error(
            f"--only: unknown measurement(s) {', '.join(unknown)}; choose from {', '.join(MEASUREMENTS)}"
        )
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.renders < 1:
        parser.error("--renders must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    info = measure.machine()
    sizes = {count: bench.size(count) for count in args.sizes}
    extra = {"import": bench.importing()} if "import" in args.only else {}
    found = report.targets(sizes)
    versions = {
        name: package_version(name) for name in ("markdown-it-py", "feedgen", "cmarkgfm", "mjml-python")
    }
    node_mjml = (
        f"{node_mjml_version(bench.node_mjml)} on node {node_version()}"
        if bench.node_mjml
        else "not measured"
    )
    header = [
        report.machine_line(info),
        f"{bench.publisher_version()}, runs per row: {args.runs}; "
        f"floor renders with {args.floor_renderer} {versions.get(args.floor_renderer, '')}, "
        f"feedgen {versions['feedgen']}; Pelican: {pelican_version(bench.pelican_python) or 'not measured'}",
    ]
    if args.migrated:
        header.append(
            "corpus: migrated from Jekyll (no ids, author/categories/permalink, a third sharing titles)"
        )
    if {"render", "mjml"} & set(args.only):
        header.append(f"mjml-python {versions['mjml-python']}; node MJML: {node_mjml}")
    busy = {size: load[0] for size, load in bench.load.items() if load[0] > 0.5}
    if busy:
        header.append(
            "WARNING: other processes were running (1-minute load average before each size: "
            + ", ".join(f"{int(size):,}: {load:.1f}" for size, load in busy.items())
            + f" on {info['usable_cores']} cores); wall times are noisy, compare the CPU column too"
        )
    print(report.table(sizes, extra, found, header))
    result: dict[str, Any] = {
        "machine": info,
        "options": {
            "entries": args.sizes,
            "runs": args.runs,
            "seed": args.seed,
            "only": args.only,
            "floor_renderer": args.floor_renderer,
            "raw": args.raw,
            "renders": args.renders,
        },
        "versions": {
            **versions,
            "pelican": pelican_version(bench.pelican_python),
            "node-mjml": node_mjml,
            "publisher": bench.publisher_version(),
        },
        "sizes": {str(k): {name: row.as_json() for name, row in rows.items()} for k, rows in sizes.items()},
        "extra": {name: row.as_json() for name, row in extra.items()},
        "targets": [t.as_json() for t in found],
        "load_average_before": bench.load,
        "header": header,
    }
    path = args.json or args.work / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
