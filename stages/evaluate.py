"""Stage evaluate: models/model.keras + data/dataset.npz + data/split.csv -> reports/metrics.json
(accuracy, macro scores and per-signer figures of train, val and test; the test accuracy, macro-F1
and worst-signer accuracy with their intervals over signer resamples, `<metric>_ci`), reports/per_class.csv,
reports/signer_blocks.csv (each subset's signer x class blocks: where one person's recordings of
a word are read as another), reports/confused_pairs.csv (the pairs of classes most taken for each
other), reports/plots/confusion_<subset>.csv and reports/figures/*.png."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def evaluate(
    params,
    model_path: str | Path = paths.KERAS_MODEL,
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    history_path: str | Path = paths.HISTORY,
    metrics_path: str | Path = paths.METRICS,
    per_class_path: str | Path = paths.PER_CLASS,
    signer_blocks_path: str | Path = paths.SIGNER_BLOCKS,
    confused_pairs_path: str | Path = paths.CONFUSED_PAIRS,
    curves_path: str | Path = paths.CURVES_PNG,
    confusion_csv: Callable[[str], Path] = paths.confusion_csv,
    confusion_png_path: Callable[[str], Path] = paths.confusion_png,
) -> dict:
    """Run the stage; returns the metrics document written to `metrics_path`."""
    from signlang.io import require_inputs

    require_inputs("evaluate", {dataset_path: "extract", split_path: "split", model_path: "train",
                                history_path: "train"})
    import numpy as np

    from signlang.data.dataset import SUBSETS, seen_test_signers
    from signlang.errors import SignlangError
    from signlang.metrics.evaluation import (
        BLOCK_COLUMNS,
        PAIR_COLUMNS,
        class_signer_support,
        load_keras_model,
        load_scoring_data,
        per_class_csv,
        score_subset,
        summary_line,
        write_blocks_csv,
        write_confusion_csv,
        write_metrics_json,
    )
    from signlang.metrics.figures import confusion_png, curves_png
    from signlang.metrics.intervals import interval_fields, interval_line, interval_settings, signer_bootstrap

    started = time.perf_counter()
    data = load_scoring_data(dataset_path, split_path, params.features)
    if not data.subset("test").any():
        raise SignlangError(f"{split_path}: the test subset is empty; nothing to score")
    model = load_keras_model(model_path, params.features, len(data.classes))
    probabilities = model.predict(data.X, batch_size=params.evaluate.batch_size, verbose=0)
    predicted = np.asarray(data.classes)[np.argmax(probabilities, axis=1)]

    # Score each subset; its confusion matrix as a CSV (for `dvc plots`) and a picture.
    by_subset, blocks, pairs = {}, [], []
    for subset in SUBSETS:
        by_subset[subset], subset_blocks, subset_pairs = score_subset(data, predicted, subset,
                                                                      params.evaluate.min_signer_windows)
        blocks += subset_blocks
        pairs += subset_pairs
        mask = data.subset(subset)
        write_confusion_csv(confusion_csv(subset), data.ids[mask], data.labels[mask], predicted[mask])
        confusion_png(confusion_png_path(subset), data.labels[mask], predicted[mask], data.classes,
                      f"Confusion matrix ({subset})")

    # How sure the test scores are: intervals by resampling the test signers (and their windows).
    test, settings = data.subset("test"), params.evaluate
    test_intervals = signer_bootstrap(data.labels[test], predicted[test], data.signers[test], data.classes,
                                      settings.bootstrap_resamples, settings.confidence, settings.bootstrap_seed,
                                      settings.min_signer_windows)

    # The reports DVC tracks, and the training curves.
    seen = seen_test_signers(data.signers, data.subsets)
    extra = {"test_signers_seen_in_training": len(seen), **interval_fields(test_intervals),
             "intervals": interval_settings(settings.confidence, settings.bootstrap_resamples, settings.bootstrap_seed,
                                            settings.min_signer_windows)}
    document = write_metrics_json(metrics_path, by_subset, extra)
    train = data.subset("train")
    per_class_csv(per_class_path, by_subset["test"],
                  class_signer_support(data.labels[train], data.signers[train], data.classes))
    write_blocks_csv(signer_blocks_path, blocks, ("subset", *BLOCK_COLUMNS))
    write_blocks_csv(confused_pairs_path, pairs, ("subset", *PAIR_COLUMNS))
    curves_png(history_path, curves_path)

    print(f"evaluate: {summary_line(by_subset)}; {time.perf_counter() - started:.1f} s", flush=True)
    print(f"evaluate: test {interval_line(document, test_intervals, settings.confidence)}", flush=True)
    if seen:
        print(f"evaluate: warning: {len(seen)} of the {by_subset['test']['signers']} test signers were seen in "
              f"training ({', '.join(seen)}): the test scores do not say how the model does on new people", flush=True)
    return document


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.features.spec import FeatureParams
    from signlang.metrics.settings import EvaluateParams
    from signlang.settings import load_sections

    return load_sections(evaluate=EvaluateParams, features=FeatureParams)


def main() -> None:
    run_stage(evaluate, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
