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
REPO = BENCH.parent
MEASUREMENTS = ("floor", "cold", "noop", "edit", "add", "digest", "import", "pelican")
LABELS = {
    "floor": "floor ({renderer}, feedgen, 2 feeds)",
    "cold": "publisher build, cold",
    "noop": "rebuild, nothing changed",
    "edit": "rebuild, newest entry edited",
    "add": "rebuild, one entry added",
    "digest": "publisher digest, newest 20",
    "import": "publisher import, {raw:,} raw texts",
    "pelican": "Pelican {pelican}, full + tag feeds",
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
        return LABELS[name].format(
            renderer=self.args.floor_renderer, raw=self.args.raw, pelican=pelican_version(self.pelican_python)
        )

    def repeat(
        self,
        row: Row,
        command: list[str],
        cwd: Path,
        logs: Path,
        before: Callable[[int], None] | None = None,
        after: Callable[[int], None] | None = None,
    ) -> Row:
        """Run ``command`` ``--runs`` times; ``before``/``after`` prepare and undo each run (not timed)."""
        for run in range(1, self.args.runs + 1):
            if before:
                before(run)
            sample = measure.run(command, cwd, self.env, logs / f"{row.name}-{run}.log")
            row.samples.append(sample)
            failed = f", exit {sample.returncode}" if sample.returncode else ""
            took = f"{sample.seconds:.2f} s, {sample.max_rss_mb:.0f} MB{failed}"
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
        shutil.rmtree(base, ignore_errors=True)
        self.trash = base / "trash"
        logs.mkdir(parents=True)
        self.load[str(count)] = [round(x, 2) for x in os.getloadavg()]
        log(f"[{count:,}] generating project{' and Pelican copy' if use_pelican else ''} in {base}")
        started = time.perf_counter()
        written = generate.write_project(project, count, self.args.seed, pelican if use_pelican else None)
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

    def verify(self, project: Path) -> str:
        """Compare out/ after the incremental build with a cold build of the same input."""
        incremental = snapshot(project / "out")
        for name in ("out", ".publisher"):
            self.discard(project / name)
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
            row.status, row.note = "n/a", "Pelican not installed (see README) or --skip-pelican"
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
    parser.add_argument("--floor-renderer", choices=("markdown-it-py", "cmarkgfm"), default="markdown-it-py")
    parser.add_argument("--raw", type=int, default=1000, help="raw press releases for the import row")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--verify", action="store_true", help="check edit/add output equals a cold build")
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
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    info = measure.machine()
    sizes = {count: bench.size(count) for count in args.sizes}
    extra = {"import": bench.importing()} if "import" in args.only else {}
    found = report.targets(sizes)
    versions = {name: package_version(name) for name in ("markdown-it-py", "feedgen", "cmarkgfm")}
    header = [
        report.machine_line(info),
        f"{bench.publisher_version()}, runs per row: {args.runs}; "
        f"floor renders with {args.floor_renderer} {versions.get(args.floor_renderer, '')}, "
        f"feedgen {versions['feedgen']}; Pelican: {pelican_version(bench.pelican_python) or 'not measured'}",
    ]
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
        },
        "versions": {
            **versions,
            "pelican": pelican_version(bench.pelican_python),
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
