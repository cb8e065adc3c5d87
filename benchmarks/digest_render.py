"""The digest's MJML source and per-call render times in process: what the MJML comparison rows run.

Usage::

    python benchmarks/digest_render.py source PROJECT --now ISO --out digest.mjml
    python benchmarks/digest_render.py time-digest PROJECT --now ISO --repeat 50 --result r.json
    python benchmarks/digest_render.py time-mjml digest.mjml --repeat 50 --result r.json

``source`` writes the MJML text that mjml-python compiles for the digest's ``email.html`` when
``publisher -C PROJECT digest --days 36500 --now ISO`` runs (the newest ``[digest] max_entries``
entries), and checks that compiling it the way publisher does gives that very ``email.html``.
``time-digest`` times ``publisher.digest.render.render_digest`` as the CLI calls it; ``time-mjml`` times
``mjml.mjml2html`` (mjml-python) on a source file. Both call once untimed (imports, caches), then
``--repeat`` times, and write the mean wall and CPU seconds per call as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DAYS = 36500  # the benchmark's `publisher digest --days`: every entry is in the window


def load_digest(project: Path, now_text: str, days: int = DAYS) -> tuple[Any, Any, Any]:
    """Settings, selection and time of ``publisher -C PROJECT digest --days DAYS --now NOW``."""
    from publisher.config import load_settings
    from publisher.digest import folder
    from publisher.digest import selection as choose

    settings = load_settings(cwd=project)
    now = choose.parse_moment(now_text, settings.tz)
    state = folder.load_digest_state(settings)
    window = choose.digest_window(state, now, window_days=settings.digest.window_days, days=days)
    selection, problems = choose.load_selection(settings, state, window)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise SystemExit(f"{project}: {len(errors)} error(s) in the entries, e.g. {errors[0]}")
    if not selection.entries:
        raise SystemExit(f"{project}: no entries in the digest window")
    return settings, selection, now


def digest_mjml(settings: Any, selection: Any, now: Any) -> str:
    """The MJML of the digest's email.html, checked against what ``render_digest`` makes of it.

    ``render_digest`` renders the template to MJML and compiles it in one go; this repeats its first
    step (same context, same template) and then proves the result: compiled and inlined the way
    publisher does it, the text must give exactly the ``email.html`` that ``render_digest`` writes.
    """
    from publisher.digest.emailhtml import compile_mjml, inline_css, render_template
    from publisher.digest.render import HTML_TEMPLATE, email_context, render_digest
    from publisher.render.templating import make_environment

    env = make_environment(settings)
    context = email_context(settings, selection, now)
    mjml = render_template(env, HTML_TEMPLATE, context.as_dict(), settings.root)
    compiled = inline_css(compile_mjml(mjml, env, HTML_TEMPLATE, settings.root), HTML_TEMPLATE)
    expected = render_digest(settings, selection, now).files["email.html"].decode("utf-8")
    if compiled != expected:
        raise SystemExit(
            "the MJML source does not compile to the digest's email.html: render_digest builds its "
            "email.html differently now -> update digest_mjml() in benchmarks/digest_render.py"
        )
    return mjml


def time_calls(call: Callable[[], object], repeat: int) -> dict[str, float]:
    """Wall and CPU seconds per call: one untimed call first (``first_s``), then the mean of ``repeat``."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    return {
        "repeat": repeat,
        "first_s": first,
        "mean_s": wall / repeat,
        "cpu_s": (user + system) / repeat,
        "sys_s": system / repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=("source", "time-digest", "time-mjml"))
    parser.add_argument(
        "path", type=Path, help="the project (source, time-digest) or an MJML file (time-mjml)"
    )
    parser.add_argument("--now", help="the digest's --now (source, time-digest)")
    parser.add_argument("--out", type=Path, help="where `source` writes the MJML")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls after the warm-up (default 50)")
    parser.add_argument("--result", type=Path, help="where `time-*` writes its JSON (default: stdout)")
    args = parser.parse_args(argv)
    if args.mode != "time-mjml" and not args.now:
        parser.error(f"{args.mode} needs --now")
    if args.mode == "source" and not args.out:
        parser.error("source needs --out")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.mode == "source":
        mjml = digest_mjml(*load_digest(args.path, args.now))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(mjml, encoding="utf-8")
        return 0
    if args.mode == "time-digest":
        from publisher.digest.render import render_digest

        settings, selection, now = load_digest(args.path, args.now)
        result: dict[str, Any] = time_calls(lambda: render_digest(settings, selection, now), args.repeat)
        result["entries"] = len(selection.entries)
    else:
        from importlib.metadata import version

        from mjml import mjml2html

        source = args.path.read_text(encoding="utf-8")
        result = time_calls(lambda: mjml2html(source), args.repeat)
        result |= {"html_bytes": len(mjml2html(source).encode("utf-8")), "version": version("mjml-python")}
    text = json.dumps(result, indent=2) + "\n"
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
