"""Latency of one live window per preset, through the exported TFLite model.

For each preset: build it at batch size 1 with params.yaml's train settings and the model
input width of params.yaml's features (keypoints.output_size), convert it with
signlang.serving.export.to_tflite (builtin ops only), load it as a signlang.serving.bundle.Bundle and time
`Bundle.predict_window` on real frames (resample + normalise + interpreter), then the
interpreter alone. Prints p50 / p95 milliseconds per window; nothing is asserted.

    .venv/bin/python bench/latency_presets.py [--presets tutorial,conv] [--runs 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from signlang import paths
from signlang.features.keypoints import normalise, output_size
from signlang.models.networks import PRESETS, build_model
from signlang.params import load_params
from signlang.serving.bundle import Bundle, write_bundle
from signlang.serving.export import to_tflite

FRAMES = Path("../shared/data/keypoints/multisigner-258/hirak214.npz")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    values = np.asarray(seconds) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def time_preset(preset: str, params, frames: np.ndarray, runs: int) -> dict:
    spec = params.features
    train = params.train.model_copy(update={"preset": preset})
    model = build_model(train, spec.sequence_length, output_size(spec), 8, batch_size=1)
    content = to_tflite(model)
    with tempfile.TemporaryDirectory() as folder:
        write_bundle(Path(folder) / "bundle", content, [f"c{i}" for i in range(8)], {}, spec)
        bundle = Bundle.load(Path(folder) / "bundle")
    window = normalise(frames[None], spec)
    for _ in range(10):
        bundle.predict_window(frames)
    whole, model_only = [], []
    for _ in range(runs):
        started = time.perf_counter()
        bundle.predict_window(frames)
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        bundle.predict_proba(window)
        model_only.append(time.perf_counter() - started)
    return {"preset": preset, "parameters": model.count_params(), "tflite_kb": len(content) / 1024,
            "window": percentiles(whole), "model": percentiles(model_only)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    params = load_params(paths.PARAMS_FILE)
    with np.load(FRAMES) as data:
        frames = data["X"][0].astype(np.float32)
    spec = params.features
    print(f"window {spec.sequence_length} x {output_size(spec)} (features: normalisation {spec.normalisation}); "
          f"{args.runs} runs each; ms per window")
    print(f"{'preset':<12} {'params':>8} {'tflite KB':>9} {'window p50':>10} {'p95':>7} {'model p50':>9} {'p95':>7}")
    for preset in args.presets.split(","):
        row = time_preset(preset.strip(), params, frames, args.runs)
        print(f"{row['preset']:<12} {row['parameters']:>8} {row['tflite_kb']:>9.0f} {row['window'][0]:>10.2f} "
              f"{row['window'][1]:>7.2f} {row['model'][0]:>9.2f} {row['model'][1]:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
