"""Leave-signers-out cross-validation: how well a configuration recognises people it never saw.

The signers are split into `crossval.folds` groups (StratifiedGroupKFold, seeded). For each fold,
a configuration is trained on the other signers (optionally with early stopping watching
`crossval.val_signers` of them, never the test fold's) and scored on the fold's signers. Epochs
and configurations are fixed before any test fold is seen; the folds depend only on the signers
and the seed, so two runs with the same params compare configurations on the same folds.

Choosing the best of several configurations by these scores and quoting its score would be
choosing on the test folds: `crossval.nested_folds` runs the choice inside each outer fold, on that
fold's training signers only (`nested_selection`), which gives the honest figure for "the config
this procedure picks, on new signers".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from signlang.crossval.configs import config_params, fit_fold
from signlang.crossval.data import SignerData, load_signer_data
from signlang.crossval.folds import signer_folds
from signlang.errors import ParamsError

if TYPE_CHECKING:
    from signlang.params import Params

NESTED = "nested"  # the row and file names of the nested selection's scores


def cross_validate(
    params: Params,
    configs: Sequence[str] | None = None,
    folds: int | None = None,
    epochs: int | None = None,
    data: SignerData | None = None,
    log: Callable[[str], None] = print,
    nested_folds: int | None = None,
) -> dict:
    """Leave-signers-out scores of each configuration on the same folds.

    Defaults come from `params.crossval`. Returns {"folds", "epochs", "seed", "classes",
    "signers", "fold_signers", "configs": {name: {"accuracy_mean", ..., "folds": [...],
    "per_class_accuracy", "y_true", "y_pred", "ids"}}}, and with `nested_folds` >= 2 (and
    two or more configs) "nested": the same scores for choosing a config on each outer
    fold's training signers only (`nested_selection`).
    """
    from signlang.metrics.evaluation import class_signer_support

    settings = params.crossval
    configs = list(configs or settings.presets)
    folds, epochs = folds or settings.folds, epochs or settings.epochs
    nested_folds = settings.nested_folds if nested_folds is None else nested_folds
    data = data if data is not None else load_signer_data(params)
    splits = signer_folds(data.labels, data.signers, folds, settings.seed, train_only=data.train_only)
    tested = data.subset(np.flatnonzero(data.testable))
    result = {
        "folds": folds, "epochs": epochs, "seed": settings.seed, "classes": list(data.classes),
        "signers": int(len(np.unique(tested.signers))), "samples": int(len(tested.labels)),
        "fold_signers": [sorted(np.unique(data.signers[test]).tolist()) for _, test in splits],
        "class_signers": class_signer_support(tested.labels, tested.signers, data.classes),
        "configs": {},
    }
    if not data.testable.all():
        only = data.subset(np.flatnonzero(~data.testable))
        result["training_only"] = {
            "min_signer_windows": settings.min_signer_windows,
            "samples": int(len(only.labels)), "signers": int(len(np.unique(only.signers))),
            "class_signers": class_signer_support(only.labels, only.signers, data.classes),
            "class_samples": {name: int(np.sum(only.labels == name)) for name in data.classes},
        }
    nested = nested_folds >= 2 and len(configs) >= 2
    if nested:  # refuse before any training, not after the outer folds' work
        fewest = min(len(np.unique(data.signers[train[data.testable[train]]])) for train, _ in splits)
        if fewest < nested_folds:
            raise ParamsError(f"crossval.nested_folds (inner folds): {nested_folds} folds need at least "
                              f"{nested_folds} signers, the smallest outer training side has {fewest}")
    for name in configs:
        result["configs"][name] = score_config(params, name, epochs, data, splits, log)
    if nested:
        result["nested"] = nested_selection(params, configs, epochs, data, splits, result["configs"],
                                            nested_folds, log)
    return result


def score_config(params: Params, name: str, epochs: int, data: SignerData,
                 splits: list[tuple[np.ndarray, np.ndarray]], log: Callable[[str], None]) -> dict:
    """One configuration trained and scored on every fold (`summarise_config`'s result)."""
    from signlang.metrics.evaluation import classification_metrics

    fold_params = config_params(params, name, epochs)
    rows, tested, predicted, fold_of_window = [], [], [], []
    for number, (train, test) in enumerate(splits, start=1):
        started = time.perf_counter()
        guess, held = fit_fold(fold_params, data, train, test, params.crossval.seed + number)
        metrics = classification_metrics(data.labels[test], guess, data.classes)
        rows.append({"fold": number, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                     "test_samples": int(len(test)), "val_signers": held.tolist()})
        tested.extend(test), predicted.extend(guess), fold_of_window.extend([number] * len(test))
        log(f"cv: {name} fold {number}/{len(splits)}: accuracy {metrics['accuracy']:.3f}, macro_f1 "
            f"{metrics['macro_f1']:.3f} ({len(test)} test windows, {time.perf_counter() - started:.0f} s)")
    summary = summarise_config(rows, data.subset(np.asarray(tested, dtype=int)), predicted,
                               params.crossval.failed_block_accuracy, fold_of_window)
    return with_intervals(summary, data.classes, params)


def inner_scores(params: Params, configs: Sequence[str], epochs: int, data: SignerData, inner_folds: int,
                 seed: int) -> dict[str, float]:
    """Mean `crossval.select_metric` of each config over a leave-signers-out CV of `data`."""
    from signlang.metrics.evaluation import classification_metrics

    splits = signer_folds(data.labels, data.signers, inner_folds, seed, knob="crossval.nested_folds (inner folds)",
                          train_only=data.train_only)
    scores = {}
    for name in configs:
        fold_params = config_params(params, name, epochs)
        values = []
        for number, (train, test) in enumerate(splits, start=1):
            guess, _ = fit_fold(fold_params, data, train, test, seed + number)
            values.append(classification_metrics(data.labels[test], guess, data.classes)[params.crossval.select_metric])
        scores[name] = round(float(np.mean(values)), 6)
    return scores


def nested_selection(params: Params, configs: Sequence[str], epochs: int, data: SignerData,
                     splits: list[tuple[np.ndarray, np.ndarray]], scored: dict[str, dict], inner_folds: int,
                     log: Callable[[str], None]) -> dict:
    """Nested cross-validation of "pick the best config": for each outer fold, every config is
    cross-validated over that fold's training signers only (`inner_folds` folds by signer),
    the one with the best mean `crossval.select_metric` is taken (the first listed on a tie),
    and its outer-fold predictions (already in `scored`, trained on the same training signers)
    are the procedure's. The test fold plays no part in the choice, so the result is an
    unbiased estimate of the accuracy of the chosen preset on new signers."""
    from signlang.metrics.evaluation import classification_metrics

    rows, tested, predicted, fold_of_window = [], [], [], []
    for number, (train, test) in enumerate(splits, start=1):
        started = time.perf_counter()
        scores = inner_scores(params, configs, epochs, data.subset(train), inner_folds,
                              params.crossval.seed + 1000 * number)
        chosen = max(configs, key=lambda name: scores[name])
        start = sum(len(t) for _, t in splits[: number - 1])
        guess = np.asarray(scored[chosen]["y_pred"][start : start + len(test)])
        metrics = classification_metrics(data.labels[test], guess, data.classes)
        rows.append({"fold": number, "accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                     "test_samples": int(len(test)), "selected": chosen, "inner_scores": scores})
        tested.extend(test), predicted.extend(guess), fold_of_window.extend([number] * len(test))
        log(f"cv: nested fold {number}/{len(splits)}: inner {params.crossval.select_metric} "
            + ", ".join(f"{name} {value:.3f}" for name, value in scores.items())
            + f" -> {chosen}: accuracy {metrics['accuracy']:.3f} ({time.perf_counter() - started:.0f} s)")
    summary = summarise_config(rows, data.subset(np.asarray(tested, dtype=int)), predicted,
                               params.crossval.failed_block_accuracy, fold_of_window)
    summary.update(inner_folds=inner_folds, metric=params.crossval.select_metric, candidates=list(configs))
    return with_intervals(summary, data.classes, params)


def summarise_config(rows: list[dict], tested: SignerData, predicted: Sequence[str],
                     failed_block_accuracy: float, fold_of_window: Sequence[int] | None = None) -> dict:
    """Mean and std (population) over folds, pooled per-class and per-signer accuracy, the
    failed signer x class blocks (`evaluation.signer_blocks`), and the predictions.
    `tested`: the samples of the test folds in fold order, `predicted` their predictions."""
    from signlang.metrics.evaluation import classification_metrics, signer_blocks, signer_scores

    truth, predicted, signers, classes = tested.labels, np.asarray(predicted), tested.signers, tested.classes
    summary: dict = {}
    for key in ("accuracy", "macro_f1"):
        values = np.array([row[key] for row in rows], dtype=float)
        summary[f"{key}_mean"] = round(float(values.mean()), 6)
        summary[f"{key}_std"] = round(float(values.std()), 6)
    # Over all folds' predictions at once: every class is in the truth, so a fold's stray
    # prediction of a class it does not hold (an F1 of 0 in that fold's macro average) weighs
    # as the errors it is.
    pooled = classification_metrics(truth, predicted, classes)
    summary["pooled_accuracy"], summary["pooled_macro_f1"] = pooled["accuracy"], pooled["macro_f1"]
    summary["per_class_accuracy"] = {
        name: (round(float(np.mean(predicted[truth == name] == name)), 6) if np.any(truth == name) else None)
        for name in classes
    }
    blocks = signer_blocks(signers, truth, predicted)
    per_signer: dict[str, list[int]] = {}
    for block in blocks:  # [windows, errors] summed over the signer's classes
        totals = per_signer.setdefault(block["signer"], [0, 0])
        totals[0], totals[1] = totals[0] + block["windows"], totals[1] + block["errors"]
    summary["per_signer_accuracy"] = {name: round((windows - errors) / windows, 6)
                                      for name, (windows, errors) in per_signer.items()}
    summary.update({key: value for key, value in signer_scores(signers, truth, predicted).items() if key != "signers"})
    failed = [block for block in blocks if block["accuracy"] <= failed_block_accuracy]
    errors = int(np.sum(truth != predicted))
    summary["failed_blocks"] = {
        "max_accuracy": failed_block_accuracy,
        "blocks": len(failed),
        "of_blocks": len(blocks),
        "windows": int(sum(block["windows"] for block in failed)),
        "share_of_errors": round(sum(block["errors"] for block in failed) / errors, 6) if errors else 0.0,
        "list": failed,
    }
    summary["folds"] = rows
    summary.update(y_true=truth.tolist(), y_pred=predicted.tolist(), ids=tested.ids.tolist(), signers=signers.tolist(),
                   fold_of_window=list(fold_of_window or []), blocks=blocks)
    return summary


def with_intervals(summary: dict, classes: Sequence[str], params: Params) -> dict:
    """The summary with `intervals`: the evaluate section's signer-resampled intervals of the
    pooled accuracy, pooled macro-F1 and worst signer over every tested signer's windows (the
    folds' predictions together: each signer tested once)."""
    from signlang.metrics.intervals import signer_bootstrap

    settings = params.evaluate
    found = signer_bootstrap(summary["y_true"], summary["y_pred"], summary["signers"], classes,
                             settings.bootstrap_resamples, settings.confidence, settings.bootstrap_seed,
                             settings.min_signer_windows)
    summary["intervals"] = {name: (None if interval is None else [round(float(end), 6) for end in interval])
                            for name, interval in found.items()}
    return summary
