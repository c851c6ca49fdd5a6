"""The pull-request report: what a change did, as Markdown, with no figure compared across machines.

    signlang report --base origin/main --base-bundle ../base/models/bundle --out reports/pr.md

A model's scores depend on the CPU that trained and evaluated it (float kernels differ between
instruction sets) and, on a test split of a few signers, move by several points with the seed.
So the report never sets a committed figure (from whichever machine committed it) beside one
computed here. Its sections:

- the base's bundle and this change's bundle, both run here on the same test windows (this
  change's data/dataset.npz + data/split.csv), their accuracy, macro-F1 and worst-signer
  accuracy, and the difference with its paired interval over signer resamples: "within noise"
  when the interval spans 0 (signlang/metrics/comparison.py);
- this change's test scores with their intervals (reports/metrics.json);
- `dvc params diff` (what the change set), the confusion-matrix and curve images from
  reports/figures/, and the bench table when reports/bench.json exists.

Run from the project root after `dvc repro`; the CI workflow builds the base's bundle in the same
job and posts the file as a PR comment (docs/workflows.md).
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


# --- the comparison on the same windows ----------------------------------------------------

METRIC_NAMES = (("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("worst_signer_accuracy", "worst-signer accuracy"))


def verdict(interval: Any) -> str:
    """'within noise' when the interval spans 0, else 'better' or 'worse'."""
    if not interval:
        return ""
    low, high = interval
    if low <= 0.0 <= high:
        return "within noise"
    return "better" if low > 0 else "worse"


def _signed(value: float) -> str:
    return f"{value:+.4f}".replace("-", "−")


def comparison_table(comparison: dict, base_label: str, head_label: str) -> str:
    """Markdown table of `BundleComparison.as_dict("head", "base")`: each metric's two scores,
    the difference with its interval and the verdict."""
    level = f"{comparison['confidence']:.0%}"
    lines = [f"| metric | {_cell(base_label)} | {_cell(head_label)} | difference [{level} interval] | |",
             "|---|---:|---:|---:|---|"]
    for key, name in METRIC_NAMES:
        old, new = comparison["base"].get(key), comparison["head"].get(key)
        interval = comparison["difference_ci"].get(key)
        if old is None or new is None or not interval:
            continue
        lines.append(f"| {name} | {old:.4f} | {new:.4f} | {_signed(comparison['difference'][key])} "
                     f"[{_signed(interval[0])}, {_signed(interval[1])}] | {verdict(interval)} |")
    return "\n".join(lines)


def seen_in_training_note(count: int) -> str:
    return (f"Note: {count} test signer(s) also have windows in training (`test_signers_seen_in_training` in "
            "reports/metrics.json): these scores say how the models do on people they have seen, not on new people.")


def comparison_section(base_bundle: Path | None, head_bundle: Path, base_label: str, head_label: str,
                       params_path: Path = paths.PARAMS_FILE) -> list[str]:
    """The report's first section: both bundles on this change's test windows, in this job."""
    title = "### This change against the base, on the same test windows"
    if base_bundle is None:
        return [title, "", "No base bundle was given (`--base-bundle`): nothing compared. Scores committed on "
                "another machine are not compared with this one's.", ""]
    from signlang.metrics.comparison import compare_bundles, load_test_windows
    from signlang.metrics.settings import EvaluateParams
    from signlang.settings import load_section

    evaluate = load_section("evaluate", EvaluateParams, params_path)
    windows = load_test_windows(paths.DATASET, paths.SPLIT)
    comparison = compare_bundles(head_bundle, base_bundle, windows, evaluate, "this change", "the base").as_dict(
        "head", "base")
    intro = (f"Both bundles (`{base_bundle}`, built from `{base_label}` in this job, and `{head_bundle}`) "
             f"classified the same {comparison['test_windows']} test windows of {comparison['test_signers']} "
             f"signers ({paths.DATASET} + {paths.SPLIT} of this change) on this machine.")
    if not comparison["comparable"]:
        return [title, "", intro, "", f"Not comparable: {comparison['why']}.", ""]
    how = (f"Differences are {head_label} − base; intervals from {comparison['bootstrap_resamples']} paired "
           "resamples of the test signers and their windows (the same resample for both bundles).")
    adapted = comparison.get("base_inputs_adapted") or []
    lines = [title, "", intro, how, "", comparison_table(comparison, "base", head_label), ""]
    if adapted:
        lines += [f"The base's inputs were adapted: {'; '.join(adapted)}.", ""]
    return lines


def scores_section(metrics_path: Path = paths.METRICS) -> list[str]:
    """This change's test scores and their intervals, from reports/metrics.json."""
    title = "### This change's test scores"
    if not metrics_path.is_file():
        return [title, "", f"No {metrics_path} (run `dvc repro`).", ""]
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SignlangError(f"{metrics_path}: not valid JSON: {exc}") from None
    settings = metrics.get("intervals") or {}
    level = f"{settings['confidence']:.0%} interval" if "confidence" in settings else "interval"
    lines = [title, "", f"| metric | value | {level} |", "|---|---:|---:|"]
    for key, name in METRIC_NAMES:
        value, interval = metrics.get(key), metrics.get(f"{key}_ci")
        if isinstance(value, (int, float)):
            shown = f"[{interval[0]:.4f}, {interval[1]:.4f}]" if interval else "—"
            lines.append(f"| {name} | {value:.4f} | {shown} |")
    lines += ["", f"{metrics.get('samples', '?')} test windows of {metrics.get('signers', '?')} signers; "
              "intervals over resamples of the signers and their windows. Trained and scored on this machine: "
              "another CPU or training seed gives other figures; the intervals say how far they may move.", ""]
    seen = int(metrics.get("test_signers_seen_in_training") or 0)
    if seen:
        lines += [seen_in_training_note(seen), ""]
    return lines


def build_report(base: str, head: str | None = None, image_base: str | None = None,
                 title: str = "Pipeline report", base_bundle: Path | None = None,
                 head_bundle: Path = paths.BUNDLE_DIR) -> str:
    """The whole Markdown report for the change from `base` to `head` (the workspace when None);
    `base_bundle`: the base's bundle folder, built on this machine (the comparison needs it)."""
    head_label = head or "this change"
    parts = [f"## {title}", "", f"Compared with `{base}`; this change is `{head or 'the workspace'}`. Every score "
             "below was computed here, in this job: none is compared with a figure from another machine.", ""]
    parts += comparison_section(base_bundle, head_bundle, base, head_label)
    parts += scores_section()
    params = diff_table(dvc_diff("params", base, head), base, head or "workspace")
    parts += ["<details><summary>Parameters (<code>dvc params diff</code>)</summary>", "",
              params or "No parameters changed.", "", "</details>", ""]
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
