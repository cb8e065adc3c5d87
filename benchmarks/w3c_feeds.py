"""Run the W3C Feed Validation Service's code (github.com/w3c/feedvalidator, not part of this
repository) on feed files, as the online service does: errors and warnings, without the infos.

Usage (with a Python that has html5lib and rdflib, the validator's dependencies)::

    python benchmarks/w3c_feeds.py VALIDATOR_SRC BASE_URL OUT_DIR FILE...

``VALIDATOR_SRC`` is the validator's ``src`` folder (it holds the ``feedvalidator`` package);
``BASE_URL`` is the site's base URL, which the files in ``OUT_DIR`` are published under (the
validator checks self links against it). Prints one JSON object per file on stdout:
``{"file": ..., "errors": [...], "warnings": [...]}``, each message as the service words it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def validate(src: str, base_url: str, out_dir: Path, files: list[str]) -> list[dict[str, object]]:
    sys.path.insert(0, src)
    import feedvalidator  # type: ignore[import-not-found]
    from feedvalidator import compatibility  # type: ignore[import-not-found]
    from feedvalidator.formatter.text_plain import Formatter  # type: ignore[import-not-found]
    from feedvalidator.logging import Error, ValidationFailure  # type: ignore[import-not-found]

    results = []
    for name in files:
        path = Path(name)
        url = base_url + path.resolve().relative_to(out_dir.resolve()).as_posix()
        with path.open("rb") as handle:
            try:
                events = feedvalidator.validateStream(handle, firstOccurrenceOnly=1, base=url)["loggedEvents"]
            except ValidationFailure as failure:
                events = [failure.event]
        shown = compatibility.AA(events)
        errors = [e for e in shown if isinstance(e, Error)]
        warnings = [e for e in shown if not isinstance(e, Error)]
        results.append(
            {"file": name, "errors": list(Formatter(errors)), "warnings": list(Formatter(warnings))}
        )
    return results


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, base_url, out_dir, *files = argv
    for result in validate(src, base_url, Path(out_dir), files):
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
