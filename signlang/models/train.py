"""Training: the labelled windows -> a fitted Keras model (the pieces `stages/train.py` is made of).

Plain functions, each with its random state explicit: `set_determinism` seeds everything, so
the same data and params on the same machine give the same weights. Every epoch's metrics go
to MLflow (when a run is active), to stdout as one line, and to reports/plots/history.csv.
The DVC-tracked reports hold no timestamps, run ids or timings; timings go to stdout.
"""

from __future__ import annotations

import csv
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.utils.class_weight import compute_class_weight

from signlang import paths
from signlang.data.dataset import load_labelled_windows
from signlang.errors import SignlangError
from signlang.features.keypoints import normalise
from signlang.features.spec import FeatureParams
from signlang.models.networks import (
    AdversarialWeightTraining,
    LateDropoutSwitch,
    build_model,
    compile_model,
    ensemble_of,
)
from signlang.models.settings import TrainParams

HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")


def set_determinism(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow ops deterministic.

    Op determinism is process-wide and cannot be turned off again; it is the price of
    getting identical weights from identical inputs.
    """
    # Only affects processes started from here (hash randomisation of this one is fixed).
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


@dataclass(frozen=True)
class TrainingData:
    """Normalised windows and one-hot targets for the train and val subsets."""

    classes: tuple[str, ...]
    x_train: np.ndarray  # (n, T, F) float32
    y_train: np.ndarray  # (n, n_classes) float32 one-hot; class index = position in classes
    x_val: np.ndarray
    y_val: np.ndarray
    ids_train: tuple[str, ...] = ()
    ids_val: tuple[str, ...] = ()
    # The training windows before normalisation, for augmentation (None: not kept).
    raw_train: np.ndarray | None = None
    spec: FeatureParams | None = None
    # Who signed each training window (for train.balance_signers; empty: unknown).
    signers_train: tuple[str, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def sequence_length(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def feature_size(self) -> int:
        return int(self.x_train.shape[2])

    @property
    def has_validation(self) -> bool:
        return len(self.x_val) > 0


def load_training_data(
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    spec: FeatureParams | None = None,
) -> TrainingData:
    """Train and val arrays, aligned by id between the dataset and the split.

    Windows are normalised as `spec` says (when given, its sequence length and feature size
    must match the dataset's windows). Targets are one-hot over the dataset's `classes`.
    """
    split_path = Path(split_path)
    data = load_labelled_windows(dataset_path, split_path, spec)
    X, ids, labels, classes, subsets = data.X, data.ids, data.labels, data.classes, data.subsets

    windows = normalise(X, spec) if spec is not None else X.astype(np.float32, copy=False)
    class_index = {name: index for index, name in enumerate(classes)}
    targets = keras.utils.to_categorical([class_index[label] for label in labels], len(classes)).astype(np.float32)
    train, val = subsets == "train", subsets == "val"
    if not train.any():
        raise SignlangError(f"{split_path}: the train subset is empty; nothing to train on")
    return TrainingData(
        classes=classes,
        x_train=np.ascontiguousarray(windows[train]),
        y_train=targets[train],
        x_val=np.ascontiguousarray(windows[val]),
        y_val=targets[val],
        ids_train=tuple(ids[train]),
        ids_val=tuple(ids[val]),
        raw_train=np.ascontiguousarray(X[train], dtype=np.float32) if spec is not None else None,
        spec=spec,
        signers_train=tuple(data.signers[train]),
    )


def _metric(value) -> float:
    """A float32 metric as the shortest Python float that reads back to the same float32,
    so files and MLflow show 0.001, not 0.0010000000474974513."""
    return float(str(np.float32(value)))


def class_weights(y_train: np.ndarray) -> dict[int, float]:
    """'balanced' weights over the classes present in the one-hot training targets;
    a class absent from training gets weight 1 (it has no samples to weigh anyway)."""
    labels = np.argmax(y_train, axis=1)
    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    table = {index: 1.0 for index in range(y_train.shape[1])}
    table.update({int(index): float(weight) for index, weight in zip(present, weights)})
    return table


def signer_balanced_weights(y_train: np.ndarray, signers: Sequence[str], by_class: bool,
                            cap: str = "median") -> np.ndarray:
    """Per-sample weights under which every signer who recorded a class weighs the same in
    that class, however many windows they recorded (one person's 330 windows of a word do
    not make the model learn that person's way of signing it), down to the class's median
    block: a signer with fewer windows than that weighs in proportion, each window as much as
    a window of a median block (one clip of a person does not weigh as much as another's 30
    windows, which made single training windows weigh 30 times the others and training
    unstable). `cap` "none": every block the same whatever its size. With `by_class` every
    class also weighs the same in total. Mean weight 1."""
    labels = np.argmax(y_train, axis=1)
    signers = np.asarray(signers).astype(str)
    weights = np.ones(len(labels), np.float64)
    classes = np.unique(labels)
    for label in classes:
        in_class = labels == label
        names, counts = np.unique(signers[in_class], return_counts=True)
        block_weight = np.minimum(counts, np.median(counts)) if cap == "median" else np.ones(len(counts))
        per_window = dict(zip(names, block_weight / counts))
        relative = np.array([per_window[name] for name in signers[in_class]])
        total = len(labels) / len(classes) if by_class else in_class.sum()
        weights[in_class] = total * relative / relative.sum()
    return (weights / weights.mean()).astype(np.float32)


class EpochLog(keras.callbacks.Callback):
    """One row per epoch (1-based): metrics and the learning rate the epoch started with.

    Logs each row to the active MLflow run (step = epoch) and prints it as one line.
    """

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.epochs = epochs
        self.rows: list[dict[str, float | int | None]] = []
        self._learning_rate = math.nan
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._learning_rate = _metric(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        row: dict[str, float | int | None] = {"epoch": epoch + 1}
        for name in HISTORY_COLUMNS[1:-1]:
            row[name] = _metric(logs[name]) if name in logs else None
        row["learning_rate"] = self._learning_rate
        logs["learning_rate"] = self._learning_rate  # for the callbacks that follow
        self.rows.append(row)
        metrics = {name: value for name, value in row.items() if name != "epoch" and value is not None}
        shown = "  ".join(f"{name} {value:.4g}" for name, value in metrics.items())
        print(f"epoch {epoch + 1}/{self.epochs}  {shown}  ({time.perf_counter() - self._started:.1f} s)", flush=True)


def fit(
    train: TrainParams, data: TrainingData, callbacks: Sequence[keras.callbacks.Callback] = ()
) -> tuple[keras.Model, list[dict[str, float | int | None]]]:
    """Build, compile and train the `train.preset` network, seeded by `train.seed`.

    Early stopping (patience > 0) watches val_loss, or the training loss when there is no
    validation subset, and restores the best epoch's weights. With `train.ensemble` N > 1, N
    networks are trained alone (seeds seed .. seed + N - 1) and returned as one model that
    averages their probabilities. Returns the model and one history row per epoch run (for
    an ensemble, each value averaged over the members that ran that epoch).
    """
    if train.ensemble == 1:
        return _fit_one(train, data, callbacks)
    members, histories = [], []
    for index in range(train.ensemble):
        print(f"train: ensemble member {index + 1}/{train.ensemble}", flush=True)
        member = train.model_copy(update={"seed": train.seed + index, "ensemble": 1})
        model, rows = _fit_one(member, data, callbacks)
        members.append(model)
        histories.append(rows)
    return ensemble_of(members, train), mean_history(histories)


def mean_history(histories: Sequence[Sequence[dict]]) -> list[dict[str, float | int | None]]:
    """Per epoch, each column averaged over the runs that reached that epoch."""
    rows = []
    for epoch in range(max(len(history) for history in histories)):
        ran = [history[epoch] for history in histories if len(history) > epoch]
        row: dict[str, float | int | None] = {"epoch": epoch + 1}
        for name in HISTORY_COLUMNS[1:]:
            values = [r[name] for r in ran if r.get(name) is not None]
            row[name] = _metric(np.mean(values)) if values else None
        rows.append(row)
    return rows


def _fit_one(
    train: TrainParams, data: TrainingData, callbacks: Sequence[keras.callbacks.Callback] = ()
) -> tuple[keras.Model, list[dict[str, float | int | None]]]:
    keras.backend.clear_session()
    set_determinism(train.seed)
    network = build_model(train, data.sequence_length, data.feature_size, data.n_classes)
    steps_per_epoch = math.ceil(len(data.x_train) / train.batch_size)
    model = network
    if train.awp > 0:
        model = AdversarialWeightTraining(network, train.awp, (train.awp_epoch - 1) * steps_per_epoch)
    compile_model(model, train, steps_per_epoch)

    epoch_log = EpochLog(train.epochs)
    all_callbacks: list[keras.callbacks.Callback] = [epoch_log]
    if train.ema_momentum > 0:
        # The averaged weights are the ones validated, kept by early stopping and returned.
        all_callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if train.early_stopping_patience > 0:
        monitor = "val_loss" if data.has_validation else "loss"
        all_callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=train.early_stopping_patience, restore_best_weights=True
            )
        )
    if train.late_dropout > 0:
        all_callbacks.append(LateDropoutSwitch(train.late_dropout_epoch))
    all_callbacks.extend(callbacks)
    if not data.has_validation:
        watches = " (early stopping watches the training loss)" if train.early_stopping_patience else ""
        print(f"train: the val subset is empty; training without validation{watches}", flush=True)

    validation = (data.x_val, data.y_val) if data.has_validation else None
    weights = class_weights(data.y_train) if train.class_weights else None
    per_sample = None
    if train.balance_signers and data.signers_train:
        per_sample = signer_balanced_weights(data.y_train, data.signers_train, train.class_weights,
                                             train.signer_block_cap)
    if augmenting(train, data):
        windows = augmented_training_windows(train, data, weights, per_sample)
        try:
            model.fit(windows, epochs=train.epochs, validation_data=validation, callbacks=all_callbacks, verbose=0)
        finally:
            windows.close()
    else:
        model.fit(
            data.x_train,
            data.y_train,
            batch_size=train.batch_size,
            epochs=train.epochs,
            validation_data=validation,
            class_weight=None if per_sample is not None else weights,
            sample_weight=per_sample,
            shuffle=True,
            callbacks=all_callbacks,
            verbose=0,
        )
    return network, epoch_log.rows


def augmenting(train: TrainParams, data: TrainingData) -> bool:
    """Augment when `train.augment.enabled` and the raw training windows are at hand."""
    return train.augment.enabled and data.raw_train is not None and data.spec is not None


def augmented_training_windows(train: TrainParams, data: TrainingData, weights: dict[int, float] | None,
                               per_sample: np.ndarray | None = None):
    """A PyDataset re-augmenting the raw training windows every epoch (seeded by train.seed),
    weighted per sample (`per_sample`) or else per class (`weights`)."""
    from signlang.models.augment import AugmentedWindows

    labels = np.argmax(data.y_train, axis=1)
    sample_weights = per_sample
    if sample_weights is None and weights:
        sample_weights = np.array([weights[int(k)] for k in labels], np.float32)
    return AugmentedWindows(
        data.raw_train, data.y_train, data.spec, train.augment, train.batch_size, train.seed, sample_weights,
    )


def _format(value: float | int | None) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def write_history(rows: Sequence[dict[str, float | int | None]], path: str | Path) -> None:
    """reports/plots/history.csv: one row per epoch, floats at full (repr) precision."""
    from signlang.io import atomic_path

    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HISTORY_COLUMNS)
        for row in rows:
            writer.writerow([_format(row.get(column)) for column in HISTORY_COLUMNS])


def summarise(
    train: TrainParams, data: TrainingData, model: keras.Model, rows: Sequence[dict[str, float | int | None]]
) -> dict:
    """reports/train.json: what was trained and its best epoch; no times or run ids."""
    monitor = "val_loss" if data.has_validation else "loss"
    values = [row[monitor] for row in rows]
    finite = [i for i, value in enumerate(values) if value is not None and math.isfinite(value)]
    best = min(finite, key=lambda i: values[i]) if finite else len(rows) - 1
    restored = train.early_stopping_patience > 0 and bool(finite)

    def at_best(name: str) -> float | None:
        value = rows[best][name] if rows else None
        return value if value is not None and math.isfinite(value) else None

    return {
        "preset": train.preset,
        "epochs_run": len(rows),
        "monitor": monitor,
        "best_epoch": rows[best]["epoch"] if rows else None,
        "best_val_loss": at_best("val_loss"),
        "best_val_accuracy": at_best("val_accuracy"),
        "best_loss": at_best("loss"),
        "best_accuracy": at_best("accuracy"),
        # The epoch whose weights were saved: the best one when early stopping restored it.
        "model_epoch": rows[best]["epoch"] if restored else len(rows),
        "train_samples": int(len(data.x_train)),
        "val_samples": int(len(data.x_val)),
        "classes": data.n_classes,
        "parameters": int(model.count_params()),
    }


def non_finite_epoch(rows: Sequence[dict[str, float | int | None]]) -> int | None:
    """The first epoch whose training loss is NaN or infinite, or None."""
    return next((row["epoch"] for row in rows if not math.isfinite(row.get("loss") or 0.0)), None)


def best_epoch_line(report: dict) -> str:
    """The best epoch and its monitored value, as the terminal shows it."""
    best_value = report["best_" + report["monitor"]]
    shown = best_value if best_value is None else format(best_value, ".4g")
    return f"best epoch {report['best_epoch']} ({report['monitor']} {shown})"
