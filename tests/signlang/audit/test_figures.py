"""The audit's pictures: one per flagged block up to audit.figures, redrawn each time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from signlang.audit.figures import write_figures
from signlang.audit.report import block_rows, findings, write_audit


def test_figures_are_redrawn_not_left_over(found, tmp_path: Path) -> None:
    stale = tmp_path / "figures" / "block_99.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    write_audit(found, tmp_path)
    assert not stale.exists()


def test_one_picture_per_flagged_block_up_to_the_limit(found, tmp_path: Path) -> None:
    rows = findings(block_rows(found))
    limited = found.params.model_copy(update={"figures": 2})
    written = write_figures(replace(found, params=limited), rows, tmp_path)
    assert written == {1: "figures/block_01.png", 2: "figures/block_02.png"} and len(rows) > 2
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["block_01.png", "block_02.png"]
    assert (tmp_path / "figures" / "block_01.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
