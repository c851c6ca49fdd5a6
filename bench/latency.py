"""Figure 2: classification latency per 30-frame live window, p50 and p95.

The same trained model, run four ways on the same real window:
- project: `Bundle.predict_window` (TFLite via LiteRT; includes the window's preprocessing:
  parts, resampling, normalisation), and the bare interpreter call (`Bundle.predict_proba`);
- baseline: the tutorial's `model.predict(np.expand_dims(sequence, axis=0))` in Keras, and
  `model.predict_on_batch`, `model(x, training=False)` on the same (already preprocessed) window.
"""

from __future__ import annotations

import numpy as np

from bench.common import MULTISIGNER, Context, Row, percentiles, ratio, sample_frames, time_calls
from bench.models import ModelFiles, shared_model

TARGET = 50.0
# Issue 13: the default preset's exported bundle classifies one window in under 2 ms (p95,
# TFLite at batch size 1, preprocessing included) on a 2-core machine.
ABSOLUTE_TARGET_MS = 2.0


def measure_latencies(ctx: Context, model: ModelFiles, repeats: int, warmup: int) -> dict[str, dict[str, float]]:
    """Per-call latency statistics (ms) of each way of classifying one window."""
    from signlang.features.keypoints import frames_to_window
    from signlang.models.networks import load_model
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(model.bundle_dir)
    frames = sample_frames(ctx)[-bundle.spec.sequence_length:]
    window = np.ascontiguousarray(frames_to_window(frames, bundle.spec), dtype=np.float32)
    net = load_model(model.keras_path)
    ways = {
        "bundle_predict_window": lambda: bundle.predict_window(frames),
        "tflite_invoke": lambda: bundle.predict_proba(window),
        "keras_predict": lambda: net.predict(window, verbose=0),
        "keras_predict_on_batch": lambda: net.predict_on_batch(window),
        "keras_call": lambda: net(window, training=False),
    }
    return {name: percentiles(time_calls(call, repeats, warmup)) for name, call in ways.items()}


def preset_latencies(ctx: Context, runs: int) -> list[dict] | str:
    """Full mode: every preset's bundle latency (untrained weights, params.yaml's features),
    through bench/latency_presets.py when it is there; else why not."""
    try:
        from bench.latency_presets import time_preset
        from signlang.models.networks import PRESETS
    except ImportError as exc:
        return f"not available ({exc})"
    with np.load(ctx.shared_data / MULTISIGNER / "hirak214.npz", allow_pickle=False) as data:
        frames = np.asarray(data["X"][0], dtype=np.float32)
    rows = []
    for preset in PRESETS:
        try:
            rows.append(time_preset(preset, ctx.params(), frames, runs))
        except Exception as exc:  # noqa: BLE001 - one preset that does not convert must not lose the rest
            rows.append({"preset": preset, "error": f"{type(exc).__name__}: {str(exc)[:200]}"})
    return rows


def measure(ctx: Context) -> list[Row]:
    model = shared_model(ctx)
    repeats, warmup = (30, 5) if ctx.quick else (300, 20)
    ctx.log(f"bench: latency, {repeats} calls per way ({model.origin}) ...")
    stats = measure_latencies(ctx, model, repeats, warmup)
    project = stats["bundle_predict_window"]
    raw = {"model": model.origin, "repeats": repeats, "warmup": warmup, "ways": stats,
           "presets": "full mode only" if ctx.quick else preset_latencies(ctx, 200)}
    rows = []
    for baseline, label, stat, target in (("keras_predict", "model.predict", "p50_ms", TARGET),
                                          ("keras_predict", "model.predict", "p95_ms", TARGET),
                                          ("keras_predict_on_batch", "predict_on_batch", "p50_ms", None),
                                          ("keras_call", "model(x)", "p50_ms", None)):
        speedup = ratio(stats[baseline][stat], project[stat])
        first = not rows
        rows.append(Row(
            f"2. window latency {stat[:3]}: bundle vs Keras {label}", project[stat], stats[baseline][stat], "ms",
            speedup, f"{label} time / bundle time",
            f">= {target:g}x" if target else "", (speedup is not None and speedup >= target) if target else None,
            note=model.origin if first else "", raw=raw if first else {},
        ))
    rows.append(Row(
        "2c. window latency p95 of the bundle, absolute (preprocessing + TFLite, batch 1)", project["p95_ms"], None,
        "ms", None, "", f"< {ABSOLUTE_TARGET_MS:g} ms", project["p95_ms"] < ABSOLUTE_TARGET_MS, note=model.origin,
    ))
    return rows
