"""Every figure in the README's results tables comes from a committed report: the main table
from reports/metrics.json, the cross-validation table from the cv.json its `from` column names."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_rows(header_start: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header line starts with `header_start`."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def numbers(cell: str) -> list[float]:
    return [float(value) for value in re.findall(r"\d+\.\d+", cell)]


def test_results_table_matches_reports_metrics_json():
    (row,) = table_rows("| default | train acc.")
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert row[-1] == "`reports/metrics.json`"
    expected = [metrics["train"]["accuracy"], metrics["val"]["accuracy"], metrics["accuracy"], metrics["macro_f1"],
                metrics["worst_signer_accuracy"]]
    shown = [numbers(cell)[0] for cell in row[1:6]]
    assert shown == [round(value, 3) for value in expected], row
    assert f"({metrics['worst_signer']})" in row[5]


def test_cross_validation_table_matches_its_cv_reports():
    rows = table_rows("| config (version 2 data) | accuracy")
    assert len(rows) >= 5
    for row in rows:
        match = re.fullmatch(r"`([^`]+)` (\S+)", row[-1])
        assert match, f"row without a report in its `from` column: {row}"
        run, config = match.groups()
        report = json.loads((ROOT / "reports" / "cv" / run / "cv.json").read_text(encoding="utf-8"))
        scores = report["nested"] if config == "nested" else report["configs"][config]
        expected = [scores["accuracy_mean"], scores["accuracy_std"], scores["macro_f1_mean"], scores["macro_f1_std"],
                    scores["pooled_macro_f1"], scores["worst_signer_accuracy"], scores["median_signer_accuracy"]]
        shown = [value for cell in row[1:6] for value in numbers(cell)]
        assert shown == [round(value, 3) for value in expected], row


def test_every_cross_validation_run_reruns_with_todays_params_schema():
    """docs/accuracy.md reproduces a row with `signlang cv --params reports/cv/<run>/params.yaml`:
    each run's params must still load. A row measured with an older commit's code says so
    (`commit <sha>` in its README row) and is rerun from that commit, so its params keep that schema."""
    from signlang.params import load_params

    older = {re.fullmatch(r"`([^`]+)` \S+", row[-1]).group(1)
             for row in table_rows("| config (version 2 data) | accuracy") if re.search(r"commit [0-9a-f]{7}", row[0])}
    runs = sorted(path.parent.name for path in (ROOT / "reports" / "cv").glob("*/params.yaml"))
    assert "transformer_balanced" in runs
    for run in runs:
        if run not in older:
            load_params(ROOT / "reports" / "cv" / run / "params.yaml")
