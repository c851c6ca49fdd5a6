"""bench.latency: the per-window latency figures with the tiny model."""

from __future__ import annotations

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


@pytest.mark.slow
def test_latency_with_the_tiny_model(ctx: Context, tiny_model) -> None:
    from bench import latency

    stats = latency.measure_latencies(ctx, tiny_model, repeats=5, warmup=1)
    assert set(stats) == {"bundle_predict_window", "tflite_invoke", "keras_predict", "keras_predict_on_batch", "keras_call"}
    assert all(s["calls"] == 5 and s["p95_ms"] >= s["p50_ms"] > 0 for s in stats.values())
    rows = latency.measure(ctx)
    first = check_row(rows[0])
    ways = first["raw"]["ways"]
    assert first["project"] == ways["bundle_predict_window"]["p50_ms"]
    assert first["ratio"] == pytest.approx(ways["keras_predict"]["p50_ms"] / ways["bundle_predict_window"]["p50_ms"])
    assert "tiny" in first["note"]
    absolute = check_row(rows[-1])
    assert absolute["figure"].startswith("2c.") and absolute["target"] == "< 2 ms"
    assert absolute["project"] == ways["bundle_predict_window"]["p95_ms"]
    assert absolute["met"] == (absolute["project"] < 2.0)
