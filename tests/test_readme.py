"""The README is for users and stays true: short, its results table from the committed metrics (and
the cross-validation rows the same as docs/results.md's), every `signlang` command it shows
accepted by the real command line, and every file it links to present."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RESULTS = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
MAX_LINES = 250


def table_rows(text: str, header_start: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header line starts with `header_start`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def numbers(cell: str) -> list[float]:
    return [float(value) for value in re.findall(r"\d+\.\d+", cell)]


def code_lines(text: str) -> list[str]:
    """Every command line of the text's ```bash blocks, comments and continuations joined."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= MAX_LINES


def test_results_table_matches_reports_metrics_json() -> None:
    import json

    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text(encoding="utf-8"))
    rows = [row for row in table_rows(README, "| the default") if "reports/metrics.json" in row[0]]
    assert len(rows) == 1, "one row of the results table cites reports/metrics.json"
    shown = [numbers(cell) for cell in rows[0][1:4]]
    for cell, key in zip(shown, ("accuracy", "macro_f1", "worst_signer_accuracy")):
        low, high = metrics[f"{key}_ci"]
        assert cell == [round(metrics[key], 3), round(low, 3), round(high, 3)], (key, rows[0])
    assert f"({metrics['worst_signer']})" in rows[0][3]


def test_cross_validation_rows_are_the_ones_docs_results_gives() -> None:
    readme = [row for row in table_rows(README, "| the default") if "reports/metrics.json" not in row[0]]
    assert readme, "the results table has cross-validation rows"
    results = {row[0]: row for row in table_rows(RESULTS, "| the default")}
    for row in readme:
        assert row == results.get(row[0]), f"README row not in docs/results.md: {row}"


def test_every_signlang_command_shown_is_accepted() -> None:
    from signlang.cli import build_parser

    commands = [line for text in (README, RESULTS) for line in code_lines(text) if line.startswith("signlang ")]
    assert len(commands) >= 8
    for line in commands:
        argv = shlex.split(line)[1:]
        try:
            build_parser(argv).parse_args(argv)
        except SystemExit as exc:
            pytest.fail(f"`{line}` is refused by the command line (exit {exc.code})")


def test_every_linked_file_exists() -> None:
    for text, base in ((README, ROOT), (RESULTS, ROOT / "docs")):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (base / target).exists(), target
