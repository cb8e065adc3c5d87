"""Time one command as a whole process: wall time, CPU time, peak memory (wait4 rusage, /proc sampler)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.1  # seconds between /proc samples of the process tree (one scan costs ~1 ms)


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command."""

    seconds: float
    cpu_seconds: float  # user + system of the process and its waited-for children
    system_seconds: float  # the kernel's share of cpu_seconds (file creation, page faults, ...)
    max_rss_mb: float  # ru_maxrss from wait4: the largest single process of the tree
    tree_rss_mb: float  # sampled peak of the summed RSS of the whole process tree (0 if never sampled)
    returncode: int


@dataclass(slots=True)
class Row:
    """All runs of one measurement (e.g. "cold build at 10,000 entries")."""

    name: str
    label: str
    status: str = "ok"  # ok | n/a | error
    note: str = ""
    samples: list[Sample] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [s.seconds for s in self.samples]

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.samples else None

    @property
    def peak_mb(self) -> float | None:
        """Peak memory: the larger of wait4's max RSS and the sampled tree RSS, over all runs."""
        if not self.samples:
            return None
        return max(max(s.max_rss_mb, s.tree_rss_mb) for s in self.samples)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "status": self.status, "note": self.note}
        if self.samples:
            data |= {
                "median_s": round(self.median or 0, 4),
                "min_s": round(min(self.times), 4),
                "max_s": round(max(self.times), 4),
                "peak_rss_mb": round(self.peak_mb or 0, 1),
                "runs": [asdict(s) for s in self.samples],
            }
        return data


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _tree_rss(pid: int) -> int:
    """Summed resident bytes of ``pid`` and all its descendants (shared pages counted once per process)."""
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo += tree.get(current, [])
    return total


def run(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Sample:
    """Run ``command`` to completion, stdout+stderr to ``log``; measure it with wait4 and a /proc sampler.

    Dirty pages of earlier runs are flushed first (``sync``): one run's writeback is not billed to the next.
    """
    os.sync()
    peak = [0]
    stop = threading.Event()
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not stop.wait(SAMPLE_EVERY):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        system_seconds=usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=peak[0] / 2**20,
        returncode=proc.returncode,
    )


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory and Python version: the line printed above every table."""
    model = "unknown CPU"
    memory = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_mb": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
