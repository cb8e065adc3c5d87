"""Measure `publisher send` throughput to a local aiosmtpd (rate limiting off): messages per second.

Run from the repository root:  python -m benchmarks.send_throughput [COUNT] [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from publisher.send import send_digest
from tests.send_fixtures import SECRET, add_subscribers, smtp_server, subscriber_rows, write_digest, write_project


def one_run(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder, smtp_server() as (controller, handler):
        settings = write_project(Path(folder), controller.port, rate_per_second=0)
        write_digest(settings.out_dir)
        add_subscribers(settings, subscriber_rows(count))
        start = time.perf_counter()
        report = send_digest(settings, environ={"PUBLISHER_SECRET": SECRET})
        elapsed = time.perf_counter() - start
        assert report.sent == count == len(handler.messages)
    return count / elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rates = [one_run(count) for _ in range(repeats)]
    print(
        f"{count} messages x {repeats} runs: median {statistics.median(rates):.0f} msg/s "
        f"(min {min(rates):.0f}, max {max(rates):.0f})"
    )


if __name__ == "__main__":
    main()
