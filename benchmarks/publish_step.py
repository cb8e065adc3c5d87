"""The digest step inside ``publisher publish --no-send``, timed in process: what the digest adds to a build.

Usage::

    python benchmarks/publish_step.py PROJECT --now ISO --result r.json

Runs ``publisher.publish.publish`` (build, then the digest of what is new, on the build's scan; no
send) once, exactly as ``publisher -C PROJECT publish --no-send --now ISO`` does, with the digest step
(``publisher.digest.run.run_digest`` as publish calls it) timed: wall, CPU and system seconds. The
build's own time is in ``build_s``. The result is one JSON object (``mean_s`` etc., as run.py's
per-call rows read it) on stdout and in ``--result``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--now", required=True, help="the run's --now")
    parser.add_argument("--result", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    import publisher.publish as publish_module
    from publisher.config import load_settings
    from publisher.digest.selection import parse_moment

    settings = load_settings(cwd=args.project)
    now = parse_moment(args.now, settings.tz)
    timed: dict[str, float] = {}
    real = publish_module.run_digest

    def run_digest(*call: Any, **options: Any) -> Any:
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        try:
            return real(*call, **options)
        finally:
            after = resource.getrusage(resource.RUSAGE_SELF)
            timed["wall"] = timed.get("wall", 0.0) + time.perf_counter() - started
            timed["user"] = timed.get("user", 0.0) + after.ru_utime - before.ru_utime
            timed["sys"] = timed.get("sys", 0.0) + after.ru_stime - before.ru_stime

    publish_module.run_digest = run_digest  # type: ignore[assignment]
    report = publish_module.publish(settings, publish_module.PublishOptions(now=now, send=False))
    if report.exit_code or "wall" not in timed:
        print(json.dumps(report.as_json(), ensure_ascii=False)[:2000], file=sys.stderr)
        return 1
    rendered = [run.rendered for run in report.digests if run.rendered is not None]
    result = {
        "repeat": 1,
        "first_s": timed["wall"],
        "mean_s": timed["wall"],
        "cpu_s": timed["user"] + timed["sys"],
        "sys_s": timed["sys"],
        "build_s": report.seconds["build"],
        "entries": len(rendered[0].entry_ids) if rendered else 0,
        "built_entries": report.build.entries,
    }
    text = json.dumps(result)
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
