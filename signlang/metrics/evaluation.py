"""Scoring: metrics, metrics.json, per-class, per-signer and confused-pair tables (the pieces
`stages/evaluate.py` is made of; its pictures are `signlang.metrics.figures`).

Plain functions shared by the evaluate stage (Keras model on the dataset's
subsets), `signlang evaluate` (signlang/metrics/score_folder.py) and cross-validation. What they
write into DVC-tracked files is stable run to run: rounded floats, sorted keys, PNGs without a
software or date stamp, no timestamps or run ids.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from signlang.data.dataset import LabelledWindows, load_labelled_windows
from signlang.errors import InputFileError
from signlang.features.spec import FeatureParams
from signlang.io import atomic_path, write_json

SUMMARY_KEYS = ("accuracy", "macro_precision", "macro_recall", "macro_f1")
# Per-signer figures of a subset (`signer_scores`): how the worst-served person fares.
SIGNER_KEYS = ("signers", "worst_signer", "worst_signer_accuracy", "median_signer_accuracy", "signer_accuracy_std")
# What metrics.json keeps for the subsets other than test (with SIGNER_KEYS when scored).
OTHER_SUBSET_KEYS = ("accuracy", "macro_f1", "samples")
DIGITS = 6
# The columns of a signer x class blocks CSV (`signer_blocks`).
BLOCK_COLUMNS = ("signer", "label", "windows", "errors", "accuracy", "taken_for", "taken_for_share")
# The columns of a confused-pairs CSV (`confused_pairs`), and how many pairs it lists per subset.
PAIR_COLUMNS = ("class_a", "class_b", "errors", "a_as_b", "b_as_a", "share")
PAIRS_LISTED = 30


def round_score(value: float) -> float:
    return round(float(value), DIGITS)


# --------------------------------------------------------------------------- metrics


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]
) -> dict:
    """Accuracy, macro precision / recall / F1 and per-class scores of predicted labels.

    `per_class` lists every class in `classes` (support 0 when absent). The macro averages
    run over the classes that occur in `y_true` or `y_pred` (sklearn's default), so scoring
    a folder that holds a few of the model's classes is not dragged down by the others.
    Zero division counts as 0. Floats are rounded to 6 decimals. With no samples the
    summary scores are None. The scores are sklearn's (precision_recall_fscore_support,
    accuracy_score), computed with numpy so `signlang evaluate` runs without scikit-learn.
    """
    classes = [str(name) for name in classes]
    y_true = np.asarray(y_true, dtype=str)
    y_pred = np.asarray(y_pred, dtype=str)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be equal-length 1-D")
    unknown = sorted((set(y_true) | set(y_pred)) - set(classes))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the classes {classes}")

    precision, recall, f1, support = precision_recall_f1(y_true, y_pred, classes)
    per_class = {
        name: {
            "precision": round_score(precision[i]),
            "recall": round_score(recall[i]),
            "f1": round_score(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(classes)
    }
    metrics: dict = {"samples": int(len(y_true)), "per_class": per_class}
    if len(y_true) == 0:
        metrics.update({key: None for key in SUMMARY_KEYS})
        return metrics
    seen = set(y_true) | set(y_pred)
    present = [i for i, name in enumerate(classes) if name in seen]
    metrics.update(
        {
            "accuracy": round_score(np.mean(y_true == y_pred)),
            "macro_precision": round_score(np.mean(precision[present])),
            "macro_recall": round_score(np.mean(recall[present])),
            "macro_f1": round_score(np.mean(f1[present])),
        }
    )
    return metrics


def precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> tuple[np.ndarray, ...]:
    """Per class: precision, recall, F1 (float64; 0 where undefined, as sklearn's zero_division=0
    and its F-score formula 2tp / (true + predicted)) and support (int)."""
    truth = y_true[:, None] == np.asarray(classes, dtype=str)[None, :]
    guess = y_pred[:, None] == np.asarray(classes, dtype=str)[None, :]
    hits = (truth & guess).sum(axis=0)
    support, predicted = truth.sum(axis=0), guess.sum(axis=0)

    def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.zeros(len(classes)), where=denominator != 0)

    return divide(hits, predicted), divide(hits, support), divide(2 * hits, support + predicted), support


def signer_scores(signers: Sequence[str], truth: Sequence[str], predicted: Sequence[str], min_windows: int = 1) -> dict:
    """Accuracy per signer summarised: how many signers, the worst one and its accuracy (among
    signers with at least `min_windows` windows: on fewer, one window moves it too far to say
    who is served worst), the median signer's accuracy and the standard deviation (population)
    over signers. A model that serves most people well and one person badly shows here."""
    signers, truth, predicted = (np.asarray(values).astype(str) for values in (signers, truth, predicted))
    names = sorted(set(signers.tolist()))
    if not names:
        return {"signers": 0, "worst_signer": None, "worst_signer_accuracy": None,
                "median_signer_accuracy": None, "signer_accuracy_std": None}
    accuracy = np.array([np.mean(truth[signers == name] == predicted[signers == name]) for name in names])
    counted = np.array([np.sum(signers == name) >= min_windows for name in names])
    worst = int(np.argmin(np.where(counted, accuracy, np.inf))) if counted.any() else None
    return {"signers": len(names), "worst_signer": names[worst] if worst is not None else None,
            "worst_signer_accuracy": round_score(accuracy[worst]) if worst is not None else None,
            "median_signer_accuracy": round_score(np.median(accuracy)), "signer_accuracy_std": round_score(np.std(accuracy))}


def class_signer_support(labels: Sequence[str], signers: Sequence[str], classes: Sequence[str]) -> dict[str, int]:
    """How many distinct signers recorded each class: a class resting on few people is one
    new people will often sign differently."""
    labels, signers = np.asarray(labels).astype(str), np.asarray(signers).astype(str)
    return {str(name): int(len(set(signers[labels == str(name)].tolist()))) for name in classes}


def metrics_document(metrics_by_subset: Mapping[str, dict], extra: Mapping | None = None) -> dict:
    """What metrics.json holds: the test subset's summary scores (and its `signer_scores`
    when present) at the top level (so `dvc metrics show/diff` lists them first), its
    `per_class` scores, and `accuracy`, `macro_f1`, `samples` (and the signer scores) under
    the name of each other subset; `extra` entries are added."""
    if "test" not in metrics_by_subset:
        raise ValueError(f"metrics_by_subset needs a 'test' entry, has {sorted(metrics_by_subset)}")
    test = metrics_by_subset["test"]
    document: dict = {key: test[key] for key in (*SUMMARY_KEYS, "samples", *SIGNER_KEYS) if key in test}
    document["per_class"] = test["per_class"]
    for subset, metrics in metrics_by_subset.items():
        if subset != "test":
            document[subset] = {key: metrics[key] for key in (*OTHER_SUBSET_KEYS, *SIGNER_KEYS) if key in metrics}
    for key, value in (extra or {}).items():
        if key in document:
            raise ValueError(f"extra key {key!r} clashes with a metrics key")
        document[key] = value
    return document


def write_metrics_json(path: str | Path, metrics_by_subset: Mapping[str, dict], extra: Mapping | None = None) -> dict:
    """Write reports/metrics.json (see `metrics_document`); returns what was written."""
    document = metrics_document(metrics_by_subset, extra)
    write_json(path, document)
    return document


def read_metric(path: str | Path, metric: str, required: bool = True) -> float | None:
    """A top-level (test subset) score from a metrics.json written by `write_metrics_json`;
    with `required=False`, None when the file has no such number (an older metrics.json)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "not found (run `dvc repro evaluate` first)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputFileError(path, f"is not valid JSON: {exc}") from None
    value = document.get(metric) if isinstance(document, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise InputFileError(path, f"has no numeric top-level {metric!r} (got {value!r}); rerun `dvc repro evaluate`")
    return float(value)


def per_class_csv(path: str | Path, metrics: dict, train_signers: Mapping[str, int] | None = None) -> Path:
    """reports/per_class.csv: class, precision, recall, f1, support (one subset's metrics),
    then, when known, `signers` (that subset's signers of the class) and `train_signers`
    (how many people the model learnt the class from)."""
    path = Path(path)
    with_signers = all("signers" in scores for scores in metrics["per_class"].values())
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["class", "precision", "recall", "f1", "support"]
                        + (["signers"] if with_signers else []) + (["train_signers"] if train_signers else []))
        for name, scores in metrics["per_class"].items():
            writer.writerow([name, scores["precision"], scores["recall"], scores["f1"], scores["support"]]
                            + ([scores["signers"]] if with_signers else [])
                            + ([train_signers.get(name, 0)] if train_signers else []))
    return path


def signer_blocks(signers: Sequence[str], truth: Sequence[str], predicted: Sequence[str]) -> list[dict]:
    """One row per (signer, true class): its windows, errors, accuracy, and the class most of
    its windows were taken for with that class's share.

    A block the model gets (almost) all wrong while it gets the same class right for other
    signers is how a recording labelled with one word but showing another (or a regional
    variant of the sign) shows up: whole signer x class blocks, not scattered windows."""
    signers, truth, predicted = (np.asarray(values).astype(str) for values in (signers, truth, predicted))
    rows = []
    for signer in sorted(set(signers.tolist())):
        for label in sorted(set(truth[signers == signer].tolist())):
            guesses = predicted[(signers == signer) & (truth == label)]
            names, counts = np.unique(guesses, return_counts=True)
            top = int(np.argmax(counts))
            rows.append({"signer": signer, "label": label, "windows": int(len(guesses)),
                         "errors": int(np.sum(guesses != label)),
                         "accuracy": round(float(np.mean(guesses == label)), 6),
                         "taken_for": str(names[top]), "taken_for_share": round(float(counts[top] / len(guesses)), 6)})
    return rows


def write_blocks_csv(path: str | Path, blocks: Sequence[Mapping], columns: Sequence[str] = BLOCK_COLUMNS) -> Path:
    """Rows of dicts (`signer_blocks`, `confused_pairs`) as CSV, columns in `columns` order."""
    path = Path(path)
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(blocks)
    return path


def confusion_counts(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Counts (rows actual, columns predicted) in `classes` order; zeros when there are no samples."""
    from sklearn.metrics import confusion_matrix

    classes = [str(name) for name in classes]
    if not len(y_true):
        return np.zeros((len(classes), len(classes)), dtype=int)
    return confusion_matrix(np.asarray(y_true, dtype=str), np.asarray(y_pred, dtype=str), labels=classes)


def confused_pairs(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str],
                   limit: int = PAIRS_LISTED) -> list[dict]:
    """The `limit` pairs of classes most often taken for each other: errors both ways,
    `a_as_b` (windows of a read as b; a is the pair's larger direction), `b_as_a`, and
    `share` = errors / windows of the two classes. Most errors first, then names."""
    classes = [str(name) for name in classes]
    counts = confusion_counts(y_true, y_pred, classes)
    support = counts.sum(axis=1)
    rows = []
    for i in range(len(classes)):
        for j in range(i + 1, len(classes)):
            if counts[i, j] + counts[j, i] == 0:
                continue
            a, b = (i, j) if counts[i, j] >= counts[j, i] else (j, i)
            errors = int(counts[a, b] + counts[b, a])
            rows.append({"class_a": classes[a], "class_b": classes[b], "errors": errors,
                         "a_as_b": int(counts[a, b]), "b_as_a": int(counts[b, a]),
                         "share": round(errors / max(1, int(support[a] + support[b])), 6)})
    rows.sort(key=lambda row: (-row["errors"], -row["share"], row["class_a"], row["class_b"]))
    return rows[:limit]


def write_confusion_csv(
    path: str | Path, ids: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str]
) -> Path:
    """reports/plots/confusion_<subset>.csv for DVC's confusion template: one row per sample,
    sorted by id, columns `id, actual, predicted`."""
    if not len(ids) == len(y_true) == len(y_pred):
        raise ValueError(f"ids ({len(ids)}), y_true ({len(y_true)}) and y_pred ({len(y_pred)}) differ in length")
    path = Path(path)
    rows = sorted(zip(map(str, ids), map(str, y_true), map(str, y_pred)))
    with atomic_path(path) as temporary, open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "actual", "predicted"])
        writer.writerows(rows)
    return path


# --------------------------------------------------------------------------- figures


# --------------------------------------------------------------------------- the evaluate stage's inputs


def load_scoring_data(dataset_path: str | Path, split_path: str | Path, spec: FeatureParams) -> LabelledWindows:
    """data/dataset.npz aligned with data/split.csv by id; windows normalised as `spec` says."""
    from signlang.features.keypoints import normalise

    data = load_labelled_windows(dataset_path, split_path, spec)
    return dataclasses.replace(data, X=normalise(data.X, spec))


def load_keras_model(model_path: str | Path, spec: FeatureParams, n_classes: int):
    """The trained model, checked against the window shape and the number of classes."""
    from signlang.features.keypoints import output_size
    from signlang.models.networks import load_model

    model_path = Path(model_path)
    if not model_path.is_file():
        raise InputFileError(model_path, "not found (run `dvc repro train` first)")
    try:
        model = load_model(model_path)
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds
        raise InputFileError(model_path, f"cannot be loaded as a Keras model: {exc}") from None
    expected_in = (spec.sequence_length, output_size(spec))  # the normalised window's width
    if tuple(model.input_shape[1:]) != expected_in or model.output_shape[-1] != n_classes:
        raise InputFileError(
            model_path,
            f"takes {tuple(model.input_shape[1:])} -> {model.output_shape[-1]} classes, but the dataset has "
            f"{expected_in} windows and {n_classes} classes; rerun `dvc repro train`",
        )
    return model


def score_subset(data: LabelledWindows, predicted: np.ndarray, subset: str,
                 min_signer_windows: int = 1) -> tuple[dict, list[dict], list[dict]]:
    """One subset's scores: its metrics (per class with how many signers support each class, per
    signer), its signer x class blocks and its most confused pairs of classes."""
    mask = data.subset(subset)
    truth, guess, signers = data.labels[mask], predicted[mask], data.signers[mask]
    metrics = {**classification_metrics(truth, guess, data.classes),
               **signer_scores(signers, truth, guess, min_signer_windows)}
    support = class_signer_support(truth, signers, data.classes)
    for name, scores in metrics["per_class"].items():
        scores["signers"] = support[name]
    blocks = [{"subset": subset, **block} for block in signer_blocks(signers, truth, guess)]
    pairs = [{"subset": subset, **pair} for pair in confused_pairs(truth, guess, data.classes)]
    return metrics, blocks, pairs


def summary_line(by_subset: Mapping[str, dict]) -> str:
    """Each scored subset's accuracy, macro-F1 and worst signer (none: no signer has enough windows
    to be scored as a person), for the terminal."""
    return ", ".join(
        f"{subset} accuracy {m['accuracy']:.3f} macro_f1 {m['macro_f1']:.3f} worst signer "
        f"{'none' if m['worst_signer_accuracy'] is None else format(m['worst_signer_accuracy'], '.3f')} "
        f"({m['samples']} samples, {m['signers']} signers)"
        for subset, m in by_subset.items()
        if m["samples"]
    )
