"""bench.common: the ratio and percentile helpers every figure uses."""

from __future__ import annotations

import pytest

from bench.common import percentiles, ratio


def test_ratio_and_percentiles() -> None:
    assert ratio(6.0, 2.0) == 3.0
    assert ratio(1.0, 0.0) is None and ratio(None, 1.0) is None
    stats = percentiles([0.001, 0.002, 0.003, 0.004])
    assert stats["p50_ms"] == pytest.approx(2.5) and stats["calls"] == 4
    assert stats["min_ms"] == pytest.approx(1.0)
