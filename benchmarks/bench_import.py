"""Measure ``publisher import``: each sample, and 1,000 generated press releases in one process.

Run from the repository root:  python benchmarks/bench_import.py [COUNT]
Prints numbers only; nothing here is a test assertion.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.importing.files import EntryIndex, write_entry  # noqa: E402
from publisher.importing.importer import ImportOptions, import_bytes  # noqa: E402
from tests.importing.fixtures import SAMPLES, Chooser, make_release  # noqa: E402


def per_sample(repeat: int = 200) -> None:
    for sample in SAMPLES:
        data = sample.read_bytes()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            import_bytes(data, sample.name)
            times.append(time.perf_counter() - start)
        print(f"{sample.name}: {len(data)} bytes, median {statistics.median(times) * 1000:.2f} ms per import")


def generated(count: int) -> None:
    rng = random.Random(1000)
    releases = [make_release(Chooser(rng.choice, lambda: rng.random() < 0.5)) for _ in range(count)]
    payloads = [r.text.encode(r.encoding) for r in releases]
    total_bytes = sum(map(len, payloads))
    start = time.perf_counter()
    entries = [import_bytes(data, f"gen-{n}.txt") for n, data in enumerate(payloads)]
    parsed = time.perf_counter() - start
    print(f"{count} generated releases ({total_bytes / 1024:.0f} KB): import {parsed:.2f} s, "
          f"{parsed / count * 1000:.2f} ms each")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        options = ImportOptions(date=date(2024, 5, 14))
        start = time.perf_counter()
        index = EntryIndex.scan(Path(folder))
        statuses: Counter[str] = Counter()
        for n, data in enumerate(payloads):
            entry = import_bytes(data, f"gen-{n}.txt", options)
            # the generator reuses a few titles; a number makes every file name distinct
            statuses[write_entry(replace(entry, title=f"{entry.title} {n}"), index).status] += 1
        both = time.perf_counter() - start
        print(f"{count} generated releases, import + atomic write: {both:.2f} s ({dict(statuses)})")
        start = time.perf_counter()
        index = EntryIndex.scan(Path(folder))
        again: Counter[str] = Counter()
        for n, data in enumerate(payloads):
            again[write_entry(import_bytes(data, f"gen-{n}.txt", options), index).status] += 1
        seconds = time.perf_counter() - start
        print(f"the same {count} again (index scan + import, found by id): {seconds:.2f} s "
              f"({dict(again)})")  # fmt: skip
    assert len(entries) == count


if __name__ == "__main__":
    per_sample()
    generated(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
