"""Measure `publisher send` throughput to a local aiosmtpd (rate limit out of reach): messages per second.

Run from the repository root:  python -m benchmarks.send_throughput [COUNT] [REPEATS] [DIR]

DIR is where the project (and so the SQLite file) lives; the default is the system temp directory. Every
message costs two fsync'd commits (claim, then sent), so the disk matters: compare /dev/shm (no fsync cost).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from publisher.mail.send import send_digest
from tests.mail.fixtures import (
    HTML_BODY,
    SECRET,
    TEXT_BODY,
    add_subscribers,
    smtp_server,
    subscriber_rows,
    write_digest,
    write_project,
)

# About the size of a real rendered digest (MJML output with ten entries is 25-40 KB of HTML).
ENTRY_HTML = (
    '<tr><td style="padding:12px 0;font-family:Arial,sans-serif;color:#222">'
    "„Neues Rathaus“ eröffnet – {}</td></tr>\n"
)
BIG_HTML = HTML_BODY.replace(
    "</ul>", "</ul><table>" + "".join(ENTRY_HTML.format(i) * 1 for i in range(300)) + "</table>"
)
BIG_TEXT = TEXT_BODY + "".join(f"* Meldung {i}: Straßenbahn fährt wieder\n" for i in range(100))


def one_run(count: int, where: str | None) -> float:
    with tempfile.TemporaryDirectory(dir=where) as folder, smtp_server() as (controller, handler):
        settings = write_project(Path(folder), controller.port, rate_per_second=1_000_000)
        write_digest(settings.out_dir, text_body=BIG_TEXT, html_body=BIG_HTML)
        add_subscribers(settings, subscriber_rows(count))
        start = time.perf_counter()
        report = send_digest(settings, environ={"PUBLISHER_SECRET": SECRET})
        elapsed = time.perf_counter() - start
        assert report.sent == count == len(handler.messages)
    return count / elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    where = sys.argv[3] if len(sys.argv) > 3 else None
    rates = [one_run(count, where) for _ in range(repeats)]
    print(
        f"{count} messages ({len(BIG_HTML.encode()) // 1024} KB HTML) x {repeats} runs in {where or 'tmp'}: "
        f"median {statistics.median(rates):.0f} msg/s "
        f"(min {min(rates):.0f}, max {max(rates):.0f})"
    )


if __name__ == "__main__":
    main()
