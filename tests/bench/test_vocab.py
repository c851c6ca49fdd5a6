"""bench.vocab: vocabularies of each size from the real sets, and interleaved timing."""

from __future__ import annotations

from pathlib import Path


def test_vocabulary_sizes_come_from_the_real_sets(shared_data: Path) -> None:
    from bench.vocab import SIZES, interleaved_latency, vocabulary

    for size in SIZES:
        windows, labels = vocabulary(shared_data, size)
        assert len(set(labels)) == size and windows.shape == (len(labels), 30, 258)
    _, labels = vocabulary(shared_data, 100)
    assert {label.split("/")[0] for label in labels} == {"dylan-ngjj", "F1zzy", "hirak214", "jackfai1993"}
    timed = interleaved_latency({1: lambda: None, 2: lambda: sum(range(1000))}, repeats=20, warmup=2)
    assert timed[1]["calls"] == timed[2]["calls"] == 20 and timed[2]["p50_ms"] > 0
