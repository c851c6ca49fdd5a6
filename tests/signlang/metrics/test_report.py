"""The PR report's Markdown pieces (the end-to-end runs on real commits are in
tests/test_workflows.py)."""

from __future__ import annotations

import json
from pathlib import Path

from signlang.metrics.report import bench_table, comparison_table, diff_table, figure_links, scores_section, verdict


def test_diff_table_rows_values_and_change() -> None:
    diff = {"reports/metrics.json": {"accuracy": {"old": 0.5, "new": 0.625, "diff": 0.125},
                                     "preset": {"old": "tutorial", "new": "lstm"}},
            "reports/train.json": {"classes": {"old": None, "new": 8}}}
    table = diff_table(diff, "main", "HEAD").splitlines()
    assert table[0] == "| file | key | main | HEAD | change |"
    assert "| reports/metrics.json | accuracy | 0.5 | 0.625 | +0.125 |" in table
    assert "| reports/metrics.json | preset | tutorial | lstm | changed |" in table
    assert "| reports/train.json | classes | — | 8 | added |" in table
    assert diff_table({}, "a", "b") == ""


def test_a_difference_is_noise_while_its_interval_spans_zero() -> None:
    assert verdict([-0.01, 0.03]) == "within noise" and verdict([0.0, 0.03]) == "within noise"
    assert verdict([0.005, 0.03]) == "better" and verdict([-0.2, -0.01]) == "worse" and verdict(None) == ""


def test_comparison_table_rows() -> None:
    comparison = {"confidence": 0.95, "base": {"accuracy": 0.8, "macro_f1": 0.7, "worst_signer_accuracy": 0.5},
                  "head": {"accuracy": 0.85, "macro_f1": 0.69, "worst_signer_accuracy": None},
                  "difference": {"accuracy": 0.05, "macro_f1": -0.01, "worst_signer_accuracy": None},
                  "difference_ci": {"accuracy": [0.01, 0.09], "macro_f1": [-0.05, 0.03], "worst_signer_accuracy": None}}
    table = comparison_table(comparison, "base", "this change").splitlines()
    assert table[0] == "| metric | base | this change | difference [95% interval] | |"
    assert table[2] == "| accuracy | 0.8000 | 0.8500 | +0.0500 [+0.0100, +0.0900] | better |"
    assert table[3] == "| macro-F1 | 0.7000 | 0.6900 | −0.0100 [−0.0500, +0.0300] | within noise |"
    assert len(table) == 4  # no worst signer without signer ids


def test_scores_section_shows_each_interval_and_the_seen_signers(tmp_path: Path) -> None:
    metrics = {"accuracy": 0.89, "accuracy_ci": [0.79, 0.99], "macro_f1": 0.87, "macro_f1_ci": [0.61, 0.99],
               "worst_signer_accuracy": 0.74, "worst_signer_accuracy_ci": [0.66, 0.99], "samples": 880,
               "signers": 8, "intervals": {"confidence": 0.95}, "test_signers_seen_in_training": 2}
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics), encoding="utf-8")
    text = "\n".join(scores_section(path))
    assert "| metric | value | 95% interval |" in text
    assert "| macro-F1 | 0.8700 | [0.6100, 0.9900] |" in text and "| worst-signer accuracy | 0.7400 |" in text
    assert "880 test windows of 8 signers" in text and "2 test signer(s) also have windows in training" in text
    assert "No " in "\n".join(scores_section(tmp_path / "absent.json"))


def test_bench_table_shapes() -> None:
    records = bench_table([{"backend": "loky", "fps": 12.5}, {"backend": "dask", "fps": 11.0, "note": "x"}])
    assert records.splitlines()[0] == "| backend | fps | note |"
    assert "| dask | 11 | x |" in records
    assert "| name | fps |" in bench_table({"loky": {"fps": 1.0}})
    assert "| fps | 3 |" in bench_table({"fps": 3})
    bench = bench_table({"figures": [{"figure": "extract fps", "project": 9.5}], "mode": "quick"})
    assert bench.startswith("| figure | project |\n") and "| extract fps | 9.5 |" in bench and "mode: quick" in bench


def test_figure_links_only_existing_files(tmp_path: Path) -> None:
    (tmp_path / "curves.png").write_bytes(b"png")
    assert figure_links(tmp_path, "https://x/figs") == ["![Training curves](https://x/figs/curves.png)"]
