"""The pull-request report: what a change did to the metrics, as Markdown.

    signlang report --base origin/main --out reports/pr.md

Sections: `dvc metrics diff <base> [<head>]` as a table (every metric of every metrics
file, old, new and change), `dvc params diff` the same way, the confusion-matrix and curve
images from reports/figures/, and the bench table when reports/bench.json exists. Run from
the project root; the CI workflow posts the file as a PR comment (docs/workflows.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from signlang import paths
from signlang.errors import SignlangError

FIGURES_DIR = paths.FIGURES_DIR
BENCH_FILE = Path("reports/bench.json")
FIGURES = (
    ("Confusion matrix (test)", "confusion_test.png"),
    ("Confusion matrix (val)", "confusion_val.png"),
    ("Training curves", "curves.png"),
)


# --- dvc -----------------------------------------------------------------------------------


def dvc_diff(kind: str, base: str, head: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """`dvc <kind> diff base [head] --json --all` parsed: {file: {key: {old, new, diff?}}}."""
    dvc = Path(sys.executable).with_name("dvc")
    command = [str(dvc) if dvc.is_file() else "dvc", kind, "diff", base, *([head] if head else []), "--json", "--all"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SignlangError(f"`{' '.join(command[1:])}` failed: {result.stderr.strip()[-2000:]}")
    text = result.stdout.strip()
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        raise SignlangError(f"`{' '.join(command[1:])}` printed no JSON: {text[:500]!r}") from None


# --- markdown ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _change(entry: dict[str, Any]) -> str:
    old, new = entry.get("old"), entry.get("new")
    if old is None or new is None:
        return "" if old == new else ("added" if old is None else "removed")
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
    if numeric:
        delta = new - old
        return "0" if delta == 0 else f"{delta:+.4g}"
    return "" if old == new else "changed"


def diff_table(diff: dict[str, dict[str, dict[str, Any]]], base_label: str, head_label: str) -> str:
    """Markdown table: file, key, base value, head value, change. Empty string when no rows."""
    rows = [
        f"| {_cell(path)} | {_cell(key)} | {_cell(entry.get('old'))} | {_cell(entry.get('new'))} | {_change(entry)} |"
        for path, entries in sorted(diff.items())
        for key, entry in sorted(entries.items())
    ]
    if not rows:
        return ""
    header = f"| file | key | {_cell(base_label)} | {_cell(head_label)} | change |\n|---|---|---:|---:|---:|"
    return "\n".join([header, *rows])


def bench_table(bench: Any) -> str:
    """A table of reports/bench.json, whatever its shape: a list of records, a mapping of
    records, or a flat mapping of values; `signlang bench`'s {"figures": [...], ...} shows its figures."""
    if isinstance(bench, dict) and isinstance(bench.get("figures"), list):
        notes = [f"{key}: {_cell(bench[key])}" for key in ("mode", "machine") if key in bench]
        return bench_table(bench["figures"]) + ("\n\n" + "; ".join(notes) if notes else "")
    if isinstance(bench, dict) and all(isinstance(v, dict) for v in bench.values()) and bench:
        bench = [{"name": name, **record} for name, record in bench.items()]
    if isinstance(bench, list) and bench and all(isinstance(r, dict) for r in bench):
        columns: list[str] = []
        for record in bench:
            columns += [key for key in record if key not in columns]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(record.get(c)) for c in columns) + " |" for record in bench]
        return "\n".join(lines)
    if isinstance(bench, dict):
        return "\n".join(["| key | value |", "|---|---:|", *(f"| {_cell(k)} | {_cell(v)} |" for k, v in bench.items())])
    return f"```\n{json.dumps(bench, indent=2)}\n```"


def figure_links(figures_dir: Path, image_base: str) -> list[str]:
    """Markdown image references for the figures that exist; `image_base` prefixes the file
    name (a URL where CI published them, or a relative folder)."""
    prefix = image_base if image_base.endswith("/") else image_base + "/"
    return [f"![{title}]({prefix}{name})" for title, name in FIGURES if (figures_dir / name).is_file()]


def build_report(base: str, head: str | None = None, image_base: str | None = None,
                 title: str = "Pipeline report") -> str:
    """The whole Markdown report for the change from `base` to `head` (the workspace when None)."""
    head_label = head or "workspace"
    parts = [f"## {title}", "", f"Compared with `{base}`; this change is `{head_label}`.", ""]
    metrics = diff_table(dvc_diff("metrics", base, head), base, head_label)
    parts += ["### Metrics (`dvc metrics diff`)", "", metrics or "No metrics found.", ""]
    params = diff_table(dvc_diff("params", base, head), base, head_label)
    parts += ["<details><summary>Parameters (<code>dvc params diff</code>)</summary>", "",
              params or "No parameters found.", "", "</details>", ""]
    links = figure_links(FIGURES_DIR, image_base or FIGURES_DIR.as_posix())
    parts += ["### Figures", "", *(links or [f"No figures in {FIGURES_DIR}."]), ""]
    if BENCH_FILE.is_file():
        try:
            bench = json.loads(BENCH_FILE.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SignlangError(f"{BENCH_FILE}: not valid JSON: {exc}") from None
        parts += ["### Benchmark (`signlang bench --quick`)", "", bench_table(bench), ""]
    return "\n".join(parts)


# --- command -------------------------------------------------------------------------------
