"""bench.memory: peak memory of a process tree, children counted, and the memory figure's rows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


def test_peak_memory_counts_children() -> None:
    from bench.memory import peak_memory

    code = ("import subprocess, sys, time; block = bytearray(80 << 20); "
            "subprocess.run([sys.executable, '-c', 'import time; b = bytearray(80 << 20); time.sleep(0.6)'])")
    result = peak_memory([sys.executable, "-c", code])
    assert result["processes"] >= 2
    assert result["max_process_mib"] >= 80
    assert result["tree_peak_mib"] >= 160  # both blocks resident at once


@pytest.mark.slow
def test_memory_in_child_processes(ctx: Context, tiny_clip: Path, tiny_model) -> None:
    from bench import memory

    extraction_row, live_row = memory.measure(ctx, clips=[tiny_clip])
    for row, ours, theirs in ((extraction_row, "stage", "tutorial"), (live_row, "live", "tutorial_live")):
        record = check_row(row)
        assert record["project"] == record["raw"][ours]["tree_peak_mib"] > 0
        assert record["baseline"] == record["raw"][theirs]["tree_peak_mib"] > 0
        assert record["ratio"] == pytest.approx(record["baseline"] / record["project"])
    assert extraction_row.raw["stage"]["processes"] >= 2  # the child and its loky worker(s)
