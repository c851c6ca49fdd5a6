"""bench.live: the live throughput figure."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common import Context
from tests.bench.helpers import check_row


@pytest.mark.slow
def test_live_throughput(ctx: Context, tiny_model) -> None:
    from bench import live

    rows = live.measure(ctx)
    record = check_row(rows[0])
    if not record["available"]:
        pytest.skip(record["note"])
    assert record["project"] == pytest.approx(np.median(record["raw"]["live_fps"]))
    assert record["baseline"] == pytest.approx(np.median(record["raw"]["holistic_alone_fps"]))
    assert record["ratio"] == pytest.approx(record["project"] / record["baseline"])
    assert record["met"] == (record["ratio"] >= live.TARGET)
    bare = check_row(rows[1])
    assert bare["project"] == record["raw"]["live_not_drawn_fps"]
    assert bare["ratio"] == pytest.approx(bare["project"] / bare["baseline"])
