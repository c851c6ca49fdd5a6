"""The written audit: every report, the same bytes twice, the suggested params.yaml lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from signlang.audit.report import BLOCK_COLUMNS, block_rows, suggestions, summary, write_audit


def test_reports_complete_and_identical_twice(found, tmp_path: Path) -> None:
    first, second = write_audit(found, tmp_path / "a"), write_audit(found, tmp_path / "b")
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert {"blocks.csv", "signers.csv", "audit.md", "audit.html"} <= set(names)
    assert any(name.startswith("figures/block_") for name in names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    blocks = pd.read_csv(first / "blocks.csv", keep_default_na=False)
    assert list(blocks.columns) == BLOCK_COLUMNS
    assert list(zip(blocks.signer, blocks.label)) == sorted(zip(blocks.signer, blocks.label))
    assert set(blocks.severity) <= {"high", "medium", "review", "low", ""}
    text = (first / "audit.md").read_text(encoding="utf-8")
    assert "swapped" in text and "figures/block_01.png" in text and "review, look at the block first" in text
    assert '- {signer: "electronicaddict", folder: "yes", label: "hello"}  # swapped' in text
    assert '- {signer: "electronicaddict", folder: "hello", label: "yes"}  # swapped' in text
    assert '<img src="figures/block_01.png"' in (first / "audit.html").read_text(encoding="utf-8")


def test_misread_blocks_are_suggested_only_as_comments(found) -> None:
    lines = suggestions(block_rows(found))
    assert '  #   - {signer: "Omar-AlQashlan", label: "thanks"}  # misread' in lines
    assert not any("Omar-AlQashlan" in line and not line.startswith("  #") for line in lines)
    assert '    - {signer: "daita-sur", label: "yes"}  # other_sign' in lines
    assert summary(found)["by_severity"] == {"high": 5, "medium": 2, "review": 1, "low": 0}
