"""bench.extraction: CPU time of joined children, and the extraction figures on a tiny real clip."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


def test_process_cpu_counts_joined_children() -> None:
    import subprocess

    from bench.extraction import measured

    def child_burns_cpu() -> int:
        burn = "import time\nwhile time.process_time() < 0.4:\n    pass"
        subprocess.run([sys.executable, "-c", burn], check=True)
        return 4

    run = measured(child_burns_cpu)
    assert run.frames == 4
    assert run.cpu_seconds >= 0.4  # spent in the child, read once it was joined
    assert run.cpu_ms_per_frame == pytest.approx(1000 * run.cpu_seconds / 4)


@pytest.mark.slow
def test_extraction_on_a_tiny_clip(ctx: Context, tiny_clip: Path) -> None:
    from bench import extraction

    cpu_row, fps_row, workers_row = extraction.measure(ctx, clips=[tiny_clip])
    record, raw = check_row(cpu_row), cpu_row.raw
    runs = ("holistic_alone", "stage_all_cores", "tutorial", "stage_1_worker")
    assert [raw[name]["frames"] for name in runs] == [8, 8, 8, 8]
    assert all(raw[name]["cpu_seconds"] > 0 for name in runs)
    stage, alone = raw["stage_all_cores"], raw["holistic_alone"]
    assert record["project"] == pytest.approx(1000 * stage["cpu_seconds"] / 8)
    assert record["baseline"] == pytest.approx(1000 * alone["cpu_seconds"] / 8)
    assert record["unit"] == "ms/frame"
    assert record["ratio"] == pytest.approx(record["baseline"] / record["project"])
    assert record["met"] == (record["project"] <= extraction.TARGET * record["baseline"])
    assert record["target"].startswith(">= 0.91x")
    fps = check_row(fps_row)
    assert fps["figure"].startswith("1b.") and fps["target"] == "" and fps["met"] is None
    assert fps["project"] == pytest.approx(8 / stage["seconds"])
    assert fps["baseline"] == pytest.approx(8 / raw["tutorial"]["seconds"])
    assert fps["ratio"] == pytest.approx(fps["project"] / fps["baseline"])
    ceiling = raw["cores"] * 1000 / record["baseline"]
    assert f"at most {ceiling:.0f} frames/s" in fps["note"]
    assert workers_row.figure.startswith("1c.")
    assert workers_row.ratio == pytest.approx(workers_row.project / workers_row.baseline)
