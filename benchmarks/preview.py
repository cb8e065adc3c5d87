"""Time the live preview from saving an entry to the reloaded page showing it, in headless Chromium.

Usage::

    python benchmarks/preview.py                          # 1,000 and 10,000 entries, 5 saves each
    python benchmarks/preview.py --entries 1000 --runs 10

For each size a project is generated (benchmarks/work/preview-<size>/, as generate.py writes it) and
``publisher preview`` started on it as its own process. Chromium shows the front page. Each run saves
the newest entry with a new title (the file is rewritten in place, as an editor saves it) and waits
until the page has reloaded and shows the new title; the time from just before the file is written
to the end of that page load is the run's time. The file is then put back and that reload and the
end of both builds awaited, untimed (so that each timed save starts on an idle preview).
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from generate import entry_files, write_project

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGETS = {1000: 0.3, 10000: 1.0}  # seconds from save to the reloaded page, by project size
QUIET = 0.5  # seconds without a new build before the next timed save


def start_preview(project: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(project), "preview", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"Preview on (http://\S+)", line)
        if found:
            threading.Thread(target=_collect, args=(process.stderr,), daemon=True).start()
            return process, found.group(1)
    raise SystemExit(f"publisher preview ended before serving (exit {process.wait()})")


BUILDS: list[float] = []  # seconds of each build the preview reported ("built N entries in S s: ...")


def _collect(stream: Any) -> None:
    """Read the preview's stderr (a full pipe would block it) and note how long each build took."""
    for line in stream:
        found = re.match(r"built \d+ entries in ([\d.]+) s", line)
        if found:
            BUILDS.append(float(found.group(1)))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled(count: int, timeout: float) -> None:
    """Wait until the preview has finished ``count`` builds and started no other for ``QUIET``
    seconds: the page reloads once the pages are written, before the feeds, so the next timed save
    would otherwise wait for the end of the last build."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = len(BUILDS), time.monotonic()
    while len(BUILDS) < count or time.monotonic() - quiet_since < QUIET:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the preview did not finish its build within {timeout:.0f} s")
        if len(BUILDS) != seen:  # a save can be seen as two changes: wait until no build follows
            seen, quiet_since = len(BUILDS), time.monotonic()
        time.sleep(0.01)


def title_of(path: Path) -> str:
    head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
    return str(yaml.safe_load(head)["title"])


def reloaded(page: Any, title: str, timeout: float) -> None:
    """Wait for page loads until one shows ``title`` (an earlier save may reload it once more)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the page did not show {title!r} within {timeout:.0f} s")
        page.wait_for_event("load", timeout=left * 1000)
        if title in page.inner_text("main"):
            return


def measure(size: int, runs: int, work: Path) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    project = work / f"preview-{size}"
    shutil.rmtree(project, ignore_errors=True)
    print(f"{size:,} entries: generating the project", file=sys.stderr)
    write_project(project, size)
    print(f"{size:,} entries: starting the preview (a cold build)", file=sys.stderr)
    process, url = start_preview(project)
    times: list[float] = []
    cpu: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            newest = entry_files(project)[-1]
            original = newest.read_bytes()
            title = title_of(newest)
            for run in range(1, runs + 1):
                changed = f"Bearbeitet {run}: {title}"
                edited = re.sub(
                    rb"(?m)^title: .*$",
                    f"title: {json.dumps(changed, ensure_ascii=False)}".encode(),
                    original,
                    count=1,
                )
                builds = len(BUILDS)
                before = cpu_seconds(process.pid)
                started = time.perf_counter()
                newest.write_bytes(edited)
                reloaded(page, changed, timeout=60)
                times.append(time.perf_counter() - started)
                cpu.append(cpu_seconds(process.pid) - before)
                build = f"; the whole build took {BUILDS[-1] * 1000:.0f} ms" if BUILDS else ""
                print(
                    f"  save {run}: {times[-1] * 1000:.0f} ms (preview CPU {cpu[-1] * 1000:.0f} ms){build}",
                    file=sys.stderr,
                )
                newest.write_bytes(original)
                reloaded(page, title, timeout=60)
                settled(builds + 2, timeout=60)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", default="1000,10000", help="project sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="saves per size")
    parser.add_argument("--work", type=Path, default=HERE / "work", help="scratch directory")
    args = parser.parse_args(argv)
    results = {size: measure(size, args.runs, args.work) for size in map(int, args.entries.split(","))}
    load = os.getloadavg()[0]
    print(
        f"{'entries':>8}  {'save -> reloaded page':<22} {'median':>8} {'min':>8} {'max':>8}"
        f"  {'CPU':>8}  target"
    )
    for size, (times, cpu) in results.items():
        median = statistics.median(times)
        target = TARGETS.get(size)
        verdict = (
            "" if target is None else f"<= {target * 1000:.0f} ms " + ("PASS" if median <= target else "MISS")
        )
        low, high = min(times) * 1000, max(times) * 1000
        print(
            f"{size:>8,}  {'preview, entry edited':<22} {median * 1000:>5.0f} ms {low:>5.0f} ms "
            f"{high:>5.0f} ms  {statistics.median(cpu) * 1000:>5.0f} ms  {verdict}"
        )
    print(
        f"(load average at the end: {load:.1f} on {os.cpu_count()} cores; CPU: the preview process's median)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
