"""How sure a test score is: intervals by resampling signers.

A test set of a handful of signers says little about the next signer: windows of one person
are not independent (same body, camera, habits), so a window-level interval would be far too
narrow. Each resample here draws as many signers as the test set has, with replacement, and
then, within each drawn signer, as many of that signer's windows as they have, with
replacement (a two-stage cluster bootstrap). The second stage matters for the worst signer:
resampling whole signers alone can never give a worst signer below the observed one, while a
signer's own accuracy rests on a few dozen windows and is uncertain too.

Scores per resample are the ones `signlang.metrics.evaluation` reports: accuracy, macro-F1
over the classes present in the resample's truth or predictions (sklearn's default, zero
division as 0) and the lowest accuracy of a drawn signer. The interval is the percentile
interval of the resampled scores. Everything is seeded (numpy's PCG64, the same stream on
every platform), so the same predictions give the same interval anywhere.

`paired_signer_bootstrap` compares two prediction sets on the same windows (a candidate and a
champion, a pull request's head and base): each resample is applied to both, so what the two
share (the same hard signers and windows) cancels and the interval is that of the difference.

The worst signer counts only signers with at least `min_signer_windows` windows: a signer
with 1 to 3 windows (a few video clips) is read right or wrong almost by chance, and two seeds
of one model put such a signer at 1.0 and 0.33. Windows without a signer id ("" for every
window) are resampled one by one (a plain bootstrap) and have no worst signer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

METRICS = ("accuracy", "macro_f1", "worst_signer_accuracy")
DIGITS = 6
Interval = tuple[float, float]


@dataclass(frozen=True)
class _Windows:
    """Labels as class indices, and the windows grouped by signer (groups laid end to end)."""

    truth: np.ndarray  # (n,) int
    n_classes: int
    order: np.ndarray  # window indices sorted by signer (stable: data order within a signer)
    starts: np.ndarray  # (k,) first position in `order` of each signer
    sizes: np.ndarray  # (k,) windows per signer
    by_signer: bool  # False: no signer ids, every window is its own group
    counted: np.ndarray  # (k,) bool: signers with enough windows to count for the worst signer


def _encode_labels(labels: Sequence[str], index: Mapping[str, int], what: str) -> np.ndarray:
    labels = np.asarray(labels).astype(str)
    unknown = sorted(set(labels.tolist()) - set(index))
    if unknown:
        raise ValueError(f"{what} holds labels {unknown[:5]} that are not among the classes")
    return np.array([index[label] for label in labels], dtype=np.int64)


def _prepare(y_true: Sequence[str], predictions: Sequence[Sequence[str]], signers: Sequence[str],
             classes: Sequence[str], min_signer_windows: int = 1) -> tuple[_Windows, list[np.ndarray]]:
    index = {str(name): position for position, name in enumerate(classes)}
    truth = _encode_labels(y_true, index, "y_true")
    encoded = [_encode_labels(predicted, index, "a prediction set") for predicted in predictions]
    signers = np.asarray(signers).astype(str)
    if any(len(values) != len(truth) for values in (*encoded, signers)) or truth.ndim != 1:
        raise ValueError(f"y_true ({len(truth)}), the predictions ({[len(p) for p in encoded]}) and signers "
                         f"({len(signers)}) must be 1-D and of equal length")
    if not len(truth):
        raise ValueError("no windows to resample")
    by_signer = bool(np.any(signers != ""))
    if by_signer:
        names, group = np.unique(signers, return_inverse=True)
        order = np.argsort(group, kind="stable")
        sizes = np.bincount(group, minlength=len(names))
    else:
        order = np.arange(len(truth))
        sizes = np.ones(len(truth), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counted = (sizes >= min_signer_windows) & by_signer
    return _Windows(truth, len(index), order, starts, sizes, by_signer, counted), encoded


def _scores(truth: np.ndarray, predicted: np.ndarray, slots: np.ndarray, sizes: np.ndarray, n_classes: int,
            counted: np.ndarray) -> np.ndarray:
    """accuracy, macro-F1 and worst slot accuracy of one (re)sample: `slots` numbers each window's
    drawn signer (0..len(sizes)-1), `sizes` the windows of each slot, `counted` the slots whose
    signer counts for the worst signer (NaN when none does)."""
    correct = truth == predicted
    true_count = np.bincount(truth, minlength=n_classes)
    predicted_count = np.bincount(predicted, minlength=n_classes)
    hits = np.bincount(truth[correct], minlength=n_classes)
    present = (true_count + predicted_count) > 0
    f1 = 2.0 * hits[present] / (true_count[present] + predicted_count[present])
    worst = np.nan
    if counted.any():
        worst = float(np.min((np.bincount(slots, weights=correct, minlength=len(sizes)) / sizes)[counted]))
    return np.array([correct.mean(), f1.mean(), worst])


def _resampled_scores(windows: _Windows, predictions: list[np.ndarray], n_resamples: int,
                      seed: int) -> np.ndarray:
    """(n_resamples, len(predictions), 3) scores; every prediction set sees the same resamples."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    k = len(windows.sizes)
    out = np.empty((n_resamples, len(predictions), len(METRICS)))
    for resample in range(n_resamples):
        drawn = rng.integers(0, k, size=k)
        sizes = windows.sizes[drawn]
        total = int(sizes.sum())
        slot_sizes = np.repeat(sizes, sizes)
        local = np.minimum((rng.random(total) * slot_sizes).astype(np.int64), slot_sizes - 1)
        picks = windows.order[np.repeat(windows.starts[drawn], sizes) + local]
        slots = np.repeat(np.arange(k), sizes)
        truth = windows.truth[picks]
        for column, predicted in enumerate(predictions):
            out[resample, column] = _scores(truth, predicted[picks], slots, sizes, windows.n_classes,
                                            windows.counted[drawn])
    return out


def _interval(values: np.ndarray, confidence: float) -> Interval | None:
    """The percentile interval; resamples without a value (NaN: no signer counted for the worst
    signer) are left out, and None when no resample has one."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return round(float(low), DIGITS), round(float(high), DIGITS)


def point_scores(y_true: Sequence[str], y_pred: Sequence[str], signers: Sequence[str],
                 classes: Sequence[str], min_signer_windows: int = 1) -> dict[str, float | None]:
    """Accuracy, macro-F1 and worst-signer accuracy of the windows as they are (the values the
    intervals are about; they equal `evaluation.classification_metrics` and `signer_scores`).
    worst_signer_accuracy: among signers with at least `min_signer_windows` windows; None
    without signer ids or without such a signer."""
    windows, (predicted,) = _prepare(y_true, [y_pred], signers, classes, min_signer_windows)
    slots = np.empty(len(windows.truth), dtype=np.int64)
    slots[windows.order] = np.repeat(np.arange(len(windows.sizes)), windows.sizes)
    values = _scores(windows.truth, predicted, slots, windows.sizes, windows.n_classes, windows.counted)
    return {name: (None if np.isnan(value) else round(float(value), DIGITS)) for name, value in zip(METRICS, values)}


def signer_bootstrap(y_true: Sequence[str], y_pred: Sequence[str], signers: Sequence[str],
                     classes: Sequence[str], n_resamples: int = 2000, confidence: float = 0.95,
                     seed: int = 0, min_signer_windows: int = 1) -> dict[str, Interval | None]:
    """{metric: (low, high)}: the `confidence` percentile interval of accuracy, macro-F1 and
    worst-signer accuracy (among signers with at least `min_signer_windows` windows) over
    `n_resamples` signer resamples (module docstring). Deterministic for a given seed.
    worst_signer_accuracy is None without signer ids."""
    windows, predictions = _prepare(y_true, [y_pred], signers, classes, min_signer_windows)
    resampled = _resampled_scores(windows, predictions, n_resamples, seed)[:, 0]
    return {name: _interval(resampled[:, column], confidence) for column, name in enumerate(METRICS)}


def paired_signer_bootstrap(y_true: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str],
                            signers: Sequence[str], classes: Sequence[str], n_resamples: int = 2000,
                            confidence: float = 0.95, seed: int = 0,
                            min_signer_windows: int = 1) -> dict[str, Interval | None]:
    """{metric: (low, high)}: the interval of score(pred_b) - score(pred_a) on the same windows,
    each signer resample applied to both (positive: b is better). The point difference is
    `point_scores(.., pred_b, ..)[m] - point_scores(.., pred_a, ..)[m]`."""
    windows, predictions = _prepare(y_true, [pred_a, pred_b], signers, classes, min_signer_windows)
    resampled = _resampled_scores(windows, predictions, n_resamples, seed)
    difference = resampled[:, 1] - resampled[:, 0]
    return {name: _interval(difference[:, column], confidence) for column, name in enumerate(METRICS)}


def interval_fields(intervals: Mapping[str, Interval | None]) -> dict[str, list[float] | None]:
    """{"accuracy_ci": [low, high], ...}: how metrics.json and MLflow name the intervals."""
    return {f"{name}_ci": (list(value) if value is not None else None) for name, value in intervals.items()}


def contains(interval: Interval | Sequence[float] | None, value: float | None) -> bool:
    """Whether `value` lies inside the closed interval (False when either is unknown)."""
    if interval is None or value is None:
        return False
    return float(interval[0]) <= float(value) <= float(interval[1])


def interval_settings(confidence: float, n_resamples: int, seed: int, min_signer_windows: int = 1) -> dict:
    """How the intervals of a document were made (metrics.json's `intervals`)."""
    return {"confidence": confidence, "resamples": n_resamples, "seed": seed,
            "resampled": "test signers with replacement, then each drawn signer's windows",
            "worst_signer_min_windows": min_signer_windows}


def interval_line(scores: Mapping[str, float | None], found: Mapping[str, Interval | None],
                  confidence: float) -> str:
    """`accuracy 0.890 [0.795, 0.995], macro_f1 ...` for the terminal."""
    shown = [f"{name} {scores[name]:.3f} [{found[name][0]:.3f}, {found[name][1]:.3f}]" for name in METRICS
             if found.get(name) is not None and scores.get(name) is not None]
    return ", ".join(shown) + f" ({confidence:.0%} intervals over signer resamples)"
