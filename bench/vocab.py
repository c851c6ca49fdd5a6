"""Figure 8: vocabulary size: training time per epoch, bundle size and window latency at 8,
~35 and 100 classes, on real recordings (../shared/data/keypoints/vocab/, one recorder per set).

The class sets: the 8 and 35 classes of one set (dylan-ngjj: 26 letters + 9 words), and 100
classes from four sets (dylan-ngjj, F1zzy, hirak214, jackfai1993), each label kept apart by its
set's name (their letters are different alphabets). Each size goes through the project's own
code: split by sequence (one recorder per set), `signlang.models.train.fit` with params.yaml's preset
for a fixed number of epochs (no early stopping), `export_bundle` to TFLite, and
`Bundle.predict_window` timed on a real window. The baseline column is the 8-class figure, so
the ratio says how much a larger vocabulary costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.common import Context, Row, percentiles, ratio

FIGURE = "8. vocabulary size"
VOCAB = "keypoints/vocab"
ONE_SET = "dylan-ngjj"
MANY_SETS = ("dylan-ngjj", "F1zzy", "hirak214", "jackfai1993")
SIZES = (8, 35, 100)


def read_sets(shared_data: Path, names: tuple[str, ...], prefix: bool) -> tuple[np.ndarray, np.ndarray]:
    """Windows (n, T, 258) float32 and labels of the named vocab sets (labels `set/label` when
    `prefix`), in file order."""
    windows, labels = [], []
    for name in names:
        with np.load(shared_data / VOCAB / f"{name}.npz", allow_pickle=False) as data:
            windows.append(np.asarray(data["X"], dtype=np.float32))
            labels.extend(f"{name}/{label}" if prefix else str(label) for label in data["label"].astype(str))
    return np.concatenate(windows), np.asarray(labels)


def class_subset(windows: np.ndarray, labels: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The samples of the first `size` classes in sorted order."""
    keep = np.isin(labels, sorted(set(labels))[:size])
    return windows[keep], labels[keep]


def vocabulary(shared_data: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    if size <= 35:
        return class_subset(*read_sets(shared_data, (ONE_SET,), prefix=False), size)
    return class_subset(*read_sets(shared_data, MANY_SETS, prefix=True), size)


def training_data(windows: np.ndarray, labels: np.ndarray, params, spec):
    """TrainingData for `train.fit`: a split by sequence (the sets have one recorder each)."""
    import keras

    from signlang.data.split import assign_subsets
    from signlang.features.keypoints import normalise
    from signlang.models.train import TrainingData

    subsets, _ = assign_subsets(labels, np.full(len(labels), ""), params.split.model_copy(update={"by": "sequence"}))
    classes = tuple(sorted(set(labels)))
    index = {name: i for i, name in enumerate(classes)}
    targets = keras.utils.to_categorical([index[label] for label in labels], len(classes)).astype(np.float32)
    normalised = normalise(windows, spec)
    train, val = subsets == "train", subsets == "val"
    return TrainingData(classes=classes, x_train=normalised[train], y_train=targets[train],
                        x_val=normalised[val], y_val=targets[val], raw_train=windows[train], spec=spec)


def interleaved_latency(calls: dict[int, Callable[[], object]], repeats: int, warmup: int) -> dict[int, dict[str, float]]:
    """Per-call latency of each call, timed in turn (one call of each per round), so that the
    machine's load falls on all of them alike."""
    for call in calls.values():
        for _ in range(warmup):
            call()
    seconds: dict[int, list[float]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            seconds[key].append(time.perf_counter() - started)
    return {key: percentiles(values) for key, values in seconds.items()}


def train_and_export(ctx: Context, size: int, epochs: int) -> tuple[dict, object, np.ndarray]:
    """One vocabulary size through fit and export: its figures, its bundle and a real window."""
    from signlang.features.keypoints import resample
    from signlang.models.train import fit
    from signlang.serving.bundle import Bundle
    from signlang.serving.export import export_bundle

    base = ctx.params()
    params = base.model_copy(update={"train": base.train.model_copy(
        update={"epochs": epochs, "early_stopping_patience": 0, "ensemble": 1, "balance_signers": False})})
    spec = params.features
    windows, labels = vocabulary(ctx.shared_data, size)
    windows = np.stack([resample(window, spec.sequence_length) for window in windows])
    data = training_data(windows, labels, params, spec)
    started = time.perf_counter()
    model, rows = fit(params.train, data)
    seconds = time.perf_counter() - started
    bundle_dir = ctx.temp_dir(f"vocab{size}-") / "bundle"
    content = export_bundle(model, params.train, spec, list(data.classes), params.ingest.label_aliases, bundle_dir)
    figures = {"classes": len(data.classes), "windows": int(len(labels)), "train_windows": int(len(data.x_train)),
               "epochs": len(rows), "train_seconds": seconds, "seconds_per_epoch": seconds / max(1, len(rows)),
               "tflite_bytes": len(content)}
    return figures, Bundle.load(bundle_dir), windows[0]


def measure(ctx: Context) -> list[Row]:
    epochs, repeats = (1, 30) if ctx.quick else (5, 300)
    ctx.log(f"bench: vocabulary size {SIZES}, {epochs} epoch(s) each ...")
    trained = {size: train_and_export(ctx, size, epochs) for size in SIZES}
    calls = {size: (lambda bundle=bundle, window=window: bundle.predict_window(window))
             for size, (_, bundle, window) in trained.items()}
    latency = interleaved_latency(calls, repeats, max(5, repeats // 10))
    results = {size: {**figures, **latency[size]} for size, (figures, _, _) in trained.items()}
    small = results[SIZES[0]]
    raw = {"preset": ctx.params().train.preset, "sets": {"35": ONE_SET, "100": list(MANY_SETS)}, "sizes": results}
    rows = []
    for size in SIZES[1:]:
        big = results[size]
        for label, key, unit in (("training s/epoch", "seconds_per_epoch", "s"), ("bundle size", "tflite_bytes", "bytes"),
                                 ("window latency p95", "p95_ms", "ms")):
            rows.append(Row(f"{FIGURE}: {label}, {big['classes']} vs {small['classes']} classes", big[key], small[key],
                            unit, ratio(small[key], big[key]), f"{small['classes']}-class / {big['classes']}-class",
                            note=f"{big['train_windows']} vs {small['train_windows']} training windows",
                            raw=raw if not rows else {}))
    return rows
