"""Time one command as a whole process: wall time, CPU time, peak memory (wait4 rusage, /proc sampler)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.1  # seconds between /proc samples of the process tree (one scan costs ~1 ms)
PSS_EVERY = 0.5  # seconds between the (dearer) PSS readings


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command."""

    seconds: float
    cpu_seconds: float  # user + system of the process and its waited-for children
    system_seconds: float  # the kernel's share of cpu_seconds (file creation, page faults, ...)
    max_rss_mb: float  # ru_maxrss from wait4: the largest single process of the tree
    tree_rss_mb: float  # sampled peak of the summed RSS of the process tree (counts shared pages repeatedly)
    tree_pss_mb: float  # sampled peak of the summed PSS, for trees of several processes only (else 0)
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
        """Peak memory over all runs: the larger of the biggest single process (wait4) and the tree's PSS."""
        if not self.samples:
            return None
        return max(max(s.max_rss_mb, s.tree_pss_mb) for s in self.samples)

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


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _sum_fields(pids: list[int], path: str, read: Callable[[bytes], int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/{path}", "rb") as handle:
                total += read(handle.read())
        except (OSError, IndexError, ValueError):
            pass  # the process ended between listing and reading
    return total


def _rss(data: bytes) -> int:
    return int(data.split()[1]) * PAGE


def _pss(data: bytes) -> int:
    start = data.index(b"\nPss:") + 5
    return int(data[start : data.index(b"kB", start)]) * 1024


class TreeSampler(threading.Thread):
    """Peak memory of a process tree, sampled from /proc while it runs.

    The RSS sum is cheap but counts pages that forked workers share once per process. The PSS sum (from
    ``smaps_rollup``) splits shared pages fairly; it costs ~10 ms per GB, so it is read only for trees of
    several processes, at most every ``PSS_EVERY`` seconds, and only when the RSS sum could set a new peak.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.peak_rss = 0
        self.peak_pss = 0

    def run(self) -> None:
        last_pss = 0.0
        while not self.stop.wait(SAMPLE_EVERY):
            pids = _tree(self.pid)
            rss = _sum_fields(pids, "statm", _rss)
            self.peak_rss = max(self.peak_rss, rss)
            now = time.monotonic()
            if len(pids) > 1 and rss > self.peak_pss and now - last_pss >= PSS_EVERY:
                self.peak_pss = max(self.peak_pss, _sum_fields(pids, "smaps_rollup", _pss))
                last_pss = now


def run(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Sample:
    """Run ``command`` to completion, stdout+stderr to ``log``; measure it with wait4 and a /proc sampler.

    Dirty pages of earlier runs are flushed first (``sync``): one run's writeback is not billed to the next.
    """
    os.sync()
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        system_seconds=usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=sampler.peak_rss / 2**20,
        tree_pss_mb=sampler.peak_pss / 2**20,
        returncode=proc.returncode,
    )


def per_call(process: Sample, result: Mapping[str, Any]) -> Sample:
    """A row's sample for a command that times calls inside itself and reports them as JSON.

    ``result`` has ``mean_s``, ``cpu_s`` and ``sys_s`` per call; the memory is the whole process's.
    """
    return replace(
        process,
        seconds=float(result["mean_s"]),
        cpu_seconds=float(result["cpu_s"]),
        system_seconds=float(result["sys_s"]),
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
