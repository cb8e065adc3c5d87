"""Turn measured rows into the target ratios (PASS/FAIL) and a plain-text table.

``python benchmarks/report.py results.json`` prints the table of a saved run again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from measure import Row, Sample

JUDGED_FROM = 10_000  # below this size, process start-up dominates: ratios are shown as "info"
GB = 1024.0
DIGEST_PROCESS = 0.5  # s: the whole `publisher digest` process
DIGEST_RENDER = 0.010  # s: publisher's digest render inside the process
NODE_MJML_FACTOR = 10.0  # node MJML / mjml-python, compiling the same MJML (per render, in process)
# Shown, not judged: node MJML's command line / the whole `publisher digest` process. 10x would need a
# Python process of 40-70 ms here, below Python's start-up plus importing click, Jinja2 and mjml-python
# (about 80 ms on the benchmark machine); "Reading the MJML target" in benchmarks/README.md explains it.


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    size: int | None
    value: float | None
    limit: float
    unit: str  # "x" (ratio), "s", "MB" or "same" (1.0 = byte-identical output)
    upper: bool  # True: value must be <= limit; False: >= limit
    result: str  # PASS | FAIL | info | n/a

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _judge(value: float | None, limit: float, upper: bool, judged: bool) -> str:
    if value is None:
        return "n/a"
    if not judged:
        return "info"
    return "PASS" if (value <= limit if upper else value >= limit) else "FAIL"


def _ok(row: Row | None) -> bool:
    return row is not None and row.status == "ok" and bool(row.samples)


def targets(sizes: Mapping[int, Mapping[str, Row]]) -> list[Target]:
    """The targets, computed from medians of rows measured in this one run."""
    found: list[Target] = []

    def ratio(
        size: int,
        name: str,
        top: str,
        bottom: str,
        limit: float,
        upper: bool = True,
        always: bool = False,
        never: bool = False,
    ) -> None:
        rows = sizes[size]
        a, b = rows.get(top), rows.get(bottom)
        if a is None or b is None:
            return
        value = a.median / b.median if _ok(a) and _ok(b) and b.median else None  # type: ignore[operator]
        judged = not never and (always or size >= JUDGED_FROM)
        found.append(Target(name, size, value, limit, "x", upper, _judge(value, limit, upper, judged)))

    def most(size: int, name: str, row_name: str, limit: float) -> None:
        row = sizes[size].get(row_name)
        if row is not None:
            value = row.median if _ok(row) else None
            found.append(Target(name, size, value, limit, "s", True, _judge(value, limit, True, True)))

    for size in sorted(sizes):
        ratio(size, "cold build / floor", "cold", "floor", 1.0)
        ratio(size, "Pelican / cold build", "pelican", "cold", 10.0, upper=False)
        ratio(size, "no-change rebuild / cold build", "noop", "cold", 0.10)
        ratio(size, "edit-one rebuild / cold build", "edit", "cold", 0.15)
        ratio(size, "add-one rebuild / cold build", "add", "cold", 0.15)
        for name in ("edit", "add"):
            row = sizes[size].get(name)
            if row is not None and row.note.startswith("verify:"):
                same = row.note == "verify: identical to a cold build"
                result = "PASS" if same else "FAIL"
                found.append(
                    Target(f"{name}: output = cold build", size, float(same), 1.0, "same", False, result)
                )
        # The digest holds the newest 20 entries at every size: its targets are judged at every size.
        most(size, "digest process (newest 20)", "digest", DIGEST_PROCESS)
        most(size, "digest render in process", "render", DIGEST_RENDER)
        ratio(
            size,
            "node MJML / mjml-python per render",
            "mjml-node-render",
            "mjml-python",
            NODE_MJML_FACTOR,
            upper=False,
            always=True,
        )
        ratio(
            size,
            "node MJML CLI / digest process",
            "mjml-node",
            "digest",
            NODE_MJML_FACTOR,
            upper=False,
            never=True,
        )
    if 10_000 in sizes and 100_000 in sizes:
        a, b = sizes[100_000].get("cold"), sizes[10_000].get("cold")
        value = a.median / b.median if _ok(a) and _ok(b) else None  # type: ignore[union-attr,operator]
        found.append(
            Target(
                "cold build 100k / 10k time", 100_000, value, 12.0, "x", True, _judge(value, 12.0, True, True)
            )
        )
    if 100_000 in sizes and "cold" in sizes[100_000]:
        cold = sizes[100_000]["cold"]
        value = cold.peak_mb if _ok(cold) else None
        found.append(
            Target(
                "cold build 100k peak memory", 100_000, value, GB, "MB", True, _judge(value, GB, True, True)
            )
        )
    return found


def format_seconds(value: float | None) -> str:
    """``1.43 ms``, ``12.3 ms``, ``456 ms``, ``7.89 s``: enough digits for per-render rows too."""
    if value is None:
        return "-"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 0.1:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def _value(target: Target) -> str:
    if target.value is None:
        return "-"
    if target.unit == "same":
        return "identical" if target.value else "differs"
    if target.unit == "s":
        return format_seconds(target.value)
    if target.unit == "MB":
        return _mb(target.value)
    return f"{target.value:.2f}x" if target.value < 100 else f"{target.value:.0f}x"


def _limit(target: Target) -> str:
    sign = "<=" if target.upper else ">="
    if target.unit == "same":
        return "identical"
    shown = {"s": format_seconds, "MB": _mb}.get(target.unit, lambda v: f"{v:.2f}x")
    return f"{sign} {shown(target.limit)}"


def machine_line(info: Mapping[str, Any]) -> str:
    return (
        f"Machine: {info['usable_cores']} of {info['cores']} cores, {info['cpu']}, "
        f"{info['memory_mb'] / 1024:.1f} GB RAM, Python {info['python']}, {info['system']}"
    )


def table(
    sizes: Mapping[int, Mapping[str, Row]],
    extra: Mapping[str, Row],
    found: list[Target],
    header: list[str],
) -> str:
    """The whole report as text: header lines, one line per measurement, then the targets."""
    lines = [*header, ""]
    widths = (9, 38, 9, 9, 9, 9, 9, 10, 8)
    columns = ("entries", "measurement", "median", "min", "max", "CPU", "sys", "max RSS", "tree PSS")
    fmt: Callable[..., str] = lambda *cells: "  ".join(  # noqa: E731
        str(c).rjust(w) if i != 1 else str(c).ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
    lines.append(fmt(*columns) + "  status")
    rows = [(f"{size:,}", row) for size in sorted(sizes) for row in sizes[size].values()]
    rows += [("-", row) for row in extra.values()]
    for size_text, row in rows:
        if row.samples:
            middle = sorted(row.samples, key=lambda s: s.seconds)[len(row.samples) // 2]
            tree = max(s.tree_pss_mb for s in row.samples)
            rss = max(s.max_rss_mb for s in row.samples)
            times = (row.median, min(row.times), max(row.times), middle.cpu_seconds, middle.system_seconds)
            cells = (size_text, row.label, *map(format_seconds, times), _mb(rss), _mb(tree) if tree else "-")
        else:
            cells = (size_text, row.label, "-", "-", "-", "-", "-", "-", "-")
        status = row.status + (f" ({row.note})" if row.note else "")
        lines.append(fmt(*cells) + "  " + status)
    lines += [
        "",
        "Targets (ratios of medians from this run; 'info' = below 10,000 entries, not judged)",
    ]
    for target in found:
        size = f"{target.size:,}" if target.size else "-"
        lines.append(
            f"  {target.name:<34} {size:>9}  {_value(target):>9}  {_limit(target):>12}  {target.result}"
        )
    return "\n".join(lines)


def rows_from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Row]:
    rows = {}
    for name, saved in data.items():
        row = Row(name, saved["label"], saved["status"], saved["note"])
        row.samples = [Sample(**run) for run in saved.get("runs", [])]
        rows[name] = row
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python benchmarks/report.py RESULTS.json", file=sys.stderr)
        return 2
    saved = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    sizes = {int(size): rows_from_json(rows) for size, rows in saved["sizes"].items()}
    print(table(sizes, rows_from_json(saved["extra"]), targets(sizes), saved.get("header", [])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
