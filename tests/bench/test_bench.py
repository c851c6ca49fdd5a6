"""`signlang bench` pieces on tiny real inputs: the JSON structure, and ratios computed from
the numbers measured. No timing is asserted anywhere."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from bench import cli
from bench.common import Context, Row, percentiles, ratio, resized_clip

ROW_KEYS = {"figure", "project", "baseline", "unit", "ratio", "ratio_means", "target", "met", "available", "note", "raw"}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory, shared_data: Path, project_root: Path) -> Context:
    return Context(quick=True, shared_data=shared_data, params_path=project_root / "params.yaml",
                   scratch=tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="module")
def tiny_clip(ctx: Context) -> Path:
    """The first 8 frames of a real starter clip, at 320x240."""
    source = ctx.shared_data / "videos" / "asl-starter" / "yes" / "yes_04.mp4"
    clip, frames = resized_clip(source, ctx.temp_dir("clip-") / "tiny.mp4", (320, 240), max_frames=8)
    assert frames == 8
    return clip


@pytest.fixture(scope="module")
def tiny_model(ctx: Context):
    """Always the fallback: a tiny tutorial model trained and exported in scratch."""
    from bench.models import tiny_model

    model = tiny_model(ctx, epochs=1, signers=("hirak214", "daita-sur"))
    ctx.cache["model"] = model
    return model


def _check(row: Row) -> dict:
    record = row.to_dict()
    assert set(record) == ROW_KEYS
    json.dumps(record)  # serialisable as it is
    return record


# --------------------------------------------------------------------------- fast


def test_ratio_and_percentiles() -> None:
    assert ratio(6.0, 2.0) == 3.0
    assert ratio(1.0, 0.0) is None and ratio(None, 1.0) is None
    stats = percentiles([0.001, 0.002, 0.003, 0.004])
    assert stats["p50_ms"] == pytest.approx(2.5) and stats["calls"] == 4
    assert stats["min_ms"] == pytest.approx(1.0)


def test_run_all_table_and_broken_figure(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    good = types.ModuleType("fake_good_figure")
    good.measure = lambda c: [Row("1. fake", 4.0, 2.0, "frames/s", ratio(4.0, 2.0), "a / b", ">= 1.8x", True)]
    bad = types.ModuleType("fake_bad_figure")

    def broken(c):
        raise RuntimeError("no such thing")

    bad.measure = broken
    monkeypatch.setitem(sys.modules, "fake_good_figure", good)
    monkeypatch.setitem(sys.modules, "fake_bad_figure", bad)
    monkeypatch.setattr(cli, "FIGURES", {"extraction": "fake_good_figure", "latency": "fake_bad_figure"})
    report = cli.run_all(ctx, ["latency", "extraction"])
    assert report["mode"] == "quick"
    assert report["machine"]["cpu_count"] >= 1 and report["machine"]["python"]
    assert [f["figure"] for f in report["figures"]] == ["1. fake", "2. latency"]
    fake, broken_row = report["figures"]
    assert fake["ratio"] == 2.0 and fake["met"] is True
    assert broken_row["available"] is False and "no such thing" in broken_row["note"]
    text = cli.table(report)
    assert "2.00x" in text and "not available" in text and "cores" in text
    json.dumps(report)


def test_unknown_figure_is_an_error(tmp_path: Path) -> None:
    import argparse

    from signlang.errors import ParamsError

    parser = argparse.ArgumentParser()
    cli.configure(parser)
    args = parser.parse_args(["--only", "extraction,nonsense", "--out", str(tmp_path / "bench.json")])
    with pytest.raises(ParamsError, match="unknown figure"):
        cli.run(args)
    assert not (tmp_path / "bench.json").exists()


def test_peak_memory_counts_children() -> None:
    from bench.memory import peak_memory

    code = ("import subprocess, sys, time; block = bytearray(80 << 20); "
            "subprocess.run([sys.executable, '-c', 'import time; b = bytearray(80 << 20); time.sleep(0.6)'])")
    result = peak_memory([sys.executable, "-c", code])
    assert result["processes"] >= 2
    assert result["max_process_mib"] >= 80
    assert result["tree_peak_mib"] >= 160  # both blocks resident at once


# --------------------------------------------------------------------------- slow: real inputs


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
    record, raw = _check(cpu_row), cpu_row.raw
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
    fps = _check(fps_row)
    assert fps["figure"].startswith("1b.") and fps["target"] == "" and fps["met"] is None
    assert fps["project"] == pytest.approx(8 / stage["seconds"])
    assert fps["baseline"] == pytest.approx(8 / raw["tutorial"]["seconds"])
    assert fps["ratio"] == pytest.approx(fps["project"] / fps["baseline"])
    ceiling = raw["cores"] * 1000 / record["baseline"]
    assert f"at most {ceiling:.0f} frames/s" in fps["note"]
    assert workers_row.figure.startswith("1c.")
    assert workers_row.ratio == pytest.approx(workers_row.project / workers_row.baseline)


@pytest.mark.slow
def test_latency_with_the_tiny_model(ctx: Context, tiny_model) -> None:
    from bench import latency

    stats = latency.measure_latencies(ctx, tiny_model, repeats=5, warmup=1)
    assert set(stats) == {"bundle_predict_window", "tflite_invoke", "keras_predict", "keras_predict_on_batch", "keras_call"}
    assert all(s["calls"] == 5 and s["p95_ms"] >= s["p50_ms"] > 0 for s in stats.values())
    rows = latency.measure(ctx)
    first = _check(rows[0])
    ways = first["raw"]["ways"]
    assert first["project"] == ways["bundle_predict_window"]["p50_ms"]
    assert first["ratio"] == pytest.approx(ways["keras_predict"]["p50_ms"] / ways["bundle_predict_window"]["p50_ms"])
    assert "tiny" in first["note"]
    absolute = _check(rows[-1])
    assert absolute["figure"].startswith("2c.") and absolute["target"] == "< 2 ms"
    assert absolute["project"] == ways["bundle_predict_window"]["p95_ms"]
    assert absolute["met"] == (absolute["project"] < 2.0)


@pytest.mark.slow
def test_live_throughput(ctx: Context, tiny_model) -> None:
    from bench import live

    rows = live.measure(ctx)
    record = _check(rows[0])
    if not record["available"]:
        pytest.skip(record["note"])
    assert record["project"] == pytest.approx(np.median(record["raw"]["live_fps"]))
    assert record["baseline"] == pytest.approx(np.median(record["raw"]["holistic_alone_fps"]))
    assert record["ratio"] == pytest.approx(record["project"] / record["baseline"])
    assert record["met"] == (record["ratio"] >= live.TARGET)
    bare = _check(rows[1])
    assert bare["project"] == record["raw"]["live_not_drawn_fps"]
    assert bare["ratio"] == pytest.approx(bare["project"] / bare["baseline"])


@pytest.mark.slow
@pytest.mark.dvc  # `dvc repro` in a copy of the repository
def test_pipeline_ingest_and_noop(ctx: Context) -> None:
    from bench import pipeline

    rows = pipeline.measure(ctx, stages=["ingest"], signers=("hirak214",), clips=("yes/yes_04.mp4",))
    stages, noop = (_check(row) for row in rows)
    assert set(stages["raw"]["stages"]) == {"ingest"}
    assert stages["project"] == pytest.approx(stages["raw"]["total_s"])
    assert stages["raw"]["noop_ran_nothing"] is True
    assert noop["project"] == pytest.approx(stages["raw"]["noop_median_s"])
    assert noop["met"] == (noop["project"] < pipeline.NOOP_TARGET_S)


@pytest.mark.slow
def test_accuracy_two_folds(ctx: Context) -> None:
    from bench import accuracy

    rows = accuracy.measure(ctx, folds=2, epochs=1, signers=4)
    record = _check(rows[0])
    if not record["available"]:
        pytest.skip(record["note"])
    configs = record["raw"]["configs"]
    assert set(configs) == {accuracy.BASELINE, ctx.params().train.preset}
    assert all(len(c["folds"]) == 2 for c in configs.values())
    assert record["baseline"] == configs[accuracy.BASELINE]["macro_f1_mean"]
    assert record["ratio"] == pytest.approx(record["project"] / record["baseline"])


@pytest.mark.slow
def test_memory_in_child_processes(ctx: Context, tiny_clip: Path, tiny_model) -> None:
    from bench import memory

    extraction_row, live_row = memory.measure(ctx, clips=[tiny_clip])
    for row, ours, theirs in ((extraction_row, "stage", "tutorial"), (live_row, "live", "tutorial_live")):
        record = _check(row)
        assert record["project"] == record["raw"][ours]["tree_peak_mib"] > 0
        assert record["baseline"] == record["raw"][theirs]["tree_peak_mib"] > 0
        assert record["ratio"] == pytest.approx(record["baseline"] / record["project"])
    assert extraction_row.raw["stage"]["processes"] >= 2  # the child and its loky worker(s)


@pytest.mark.slow
def test_audit_figure_times_the_audit_and_names_the_cases(ctx: Context) -> None:
    from bench import audit

    (row,) = audit.measure(ctx)
    record = _check(row)
    assert record["figure"].startswith("7.") and record["unit"] == "s" and record["project"] > 0
    assert record["met"] == (record["project"] < audit.TARGET_S)
    raw = record["raw"]
    assert raw["windows"] == 339 + 900 + 330  # --quick: 4 version 2 signers, the audit cases, the leak
    assert set(raw["cases"]) >= {"yunlisa96 no", "ShivaNagalla please", "Murugan-mady sorry", "SoyaChunkz + ToxicShot09"}
    assert f"found: {sum(bool(v) for v in raw['cases'].values())}/{len(raw['cases'])}" in record["note"]


def test_vocabulary_sizes_come_from_the_real_sets(shared_data: Path) -> None:
    from bench.vocab import SIZES, interleaved_latency, vocabulary

    for size in SIZES:
        windows, labels = vocabulary(shared_data, size)
        assert len(set(labels)) == size and windows.shape == (len(labels), 30, 258)
    _, labels = vocabulary(shared_data, 100)
    assert {label.split("/")[0] for label in labels} == {"dylan-ngjj", "F1zzy", "hirak214", "jackfai1993"}
    timed = interleaved_latency({1: lambda: None, 2: lambda: sum(range(1000))}, repeats=20, warmup=2)
    assert timed[1]["calls"] == timed[2]["calls"] == 20 and timed[2]["p50_ms"] > 0
