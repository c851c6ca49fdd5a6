"""`signlang bench [--quick] [--only ...]`: run the figures, print the table, write
reports/bench.json (not a DVC output)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.common import SHARED_DATA, Context, Row, machine, unavailable

DEFAULT_OUT = Path("reports/bench.json")
# name -> module with measure(ctx); run in this order (TensorFlow-free figures first),
# reported in figure order.
FIGURES = {
    "extraction": "bench.extraction",
    "live": "bench.live",
    "memory": "bench.memory",
    "latency": "bench.latency",
    "pipeline": "bench.pipeline",
    "accuracy": "bench.accuracy",
    "audit": "bench.audit",
    "vocab": "bench.vocab",
    "continuous": "bench.continuous",
}
NUMBERS = {"extraction": "1", "latency": "2", "live": "3", "pipeline": "4", "accuracy": "5", "memory": "6",
           "audit": "7", "vocab": "8", "continuous": "9"}
# Rows are reported by figure number (their names start with it); sort is stable.
REPORT_ORDER = "123456789"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a few short clips, few calls, a small pipeline slice, 2 folds x 1 epoch (minutes)")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated figures to run (default all): {', '.join(FIGURES)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON report (default {DEFAULT_OUT})")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params.yaml (default ./params.yaml)")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help=f"the shared data folder (default {SHARED_DATA})")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="the bundle figure 9 (continuous) decodes with (default models/bundle); give one "
                             "trained without the stream clips to measure on people and clips it never saw")


def run_figure(name: str, ctx: Context) -> tuple[list[Row], float]:
    """The figure's rows; an error becomes one 'not available' row (the others still run)."""
    from importlib import import_module

    started = time.perf_counter()
    try:
        rows = import_module(FIGURES[name]).measure(ctx)
    except Exception as exc:  # noqa: BLE001 - one broken figure must not lose the others
        ctx.log(traceback.format_exc())
        rows = [unavailable(f"{NUMBERS[name]}. {name}", f"{type(exc).__name__}: {str(exc).strip()[-300:]}")]
    return rows, time.perf_counter() - started


def run_all(ctx: Context, names: list[str], log: Callable[[str], None] = print) -> dict:
    """Run `names` (in FIGURES order); the report document."""
    started = time.perf_counter()
    rows: list[Row] = []
    seconds: dict[str, float] = {}
    for name in [n for n in FIGURES if n in names]:
        figure_rows, seconds[name] = run_figure(name, ctx)
        rows.extend(figure_rows)
    rows.sort(key=lambda row: REPORT_ORDER.index(row.figure[0]) if row.figure[:1] in REPORT_ORDER else len(REPORT_ORDER))
    return {
        "mode": ctx.mode,
        "machine": machine(),
        "seconds": {**{k: round(v, 1) for k, v in seconds.items()}, "total": round(time.perf_counter() - started, 1)},
        "figures": [row.to_dict() for row in rows],
    }


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".strip()


def _met(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[value]


def table(report: dict) -> str:
    """The printed table: figure, project, baseline, ratio, target, met?"""
    header = ("figure", "project", "baseline", "ratio", "target", "met?")
    lines = [[f["figure"], _number(f["project"], f["unit"]), _number(f["baseline"], f["unit"]),
              "-" if f["ratio"] is None else f"{f['ratio']:.2f}x", f["target"] or "-", _met(f["met"])]
             for f in report["figures"]]
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *lines]]
    out.insert(1, "  ".join("-" * w for w in widths))
    info = report["machine"]
    out.append(f"\nmode {report['mode']}; {info['cpu_count']} cores, load average {info['load_average']}; "
               f"python {info['python']}; ratios: higher is better for the project")
    notes = [f"  {f['figure'].split(':')[0]}: {f['note']}" for f in report["figures"] if f["note"]]
    return "\n".join(out + (["notes:", *notes] if notes else []))


def run(args: argparse.Namespace) -> int:
    from signlang.errors import ParamsError

    names = [n.strip() for n in args.only.split(",")] if args.only else list(FIGURES)
    unknown = sorted(set(names) - set(FIGURES))
    if unknown:
        raise ParamsError(f"--only: unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter, not errors
    scratch = Path(tempfile.mkdtemp(prefix="signlang-bench-"))
    ctx = Context(quick=args.quick, shared_data=args.data, params_path=args.params.resolve(), scratch=scratch,
                  log=lambda line: print(line, flush=True),
                  **({"bundle_dir": args.bundle.resolve()} if args.bundle else {}))
    print(f"bench: {ctx.mode} mode on {os.cpu_count()} cores; scratch {scratch}", flush=True)
    try:
        report = run_all(ctx, names)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    print(f"bench: wrote {args.out} in {report['seconds']['total']:.0f} s")
    return 0
