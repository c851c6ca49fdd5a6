"""Stage: models/model.keras + data/dataset.npz + data/split.csv -> reports/metrics.json,
reports/per_class.csv, reports/signer_blocks.csv (accuracy of each subset's signer x class
blocks), reports/confused_pairs.csv (the pairs of classes most taken for each other), reports/plots/confusion_<subset>.csv, reports/figures/*.png."""

from stages._entry import quiet_console, run_stage


def evaluate(params) -> dict:
    from signlang import paths
    from signlang.io import require_inputs

    require_inputs("evaluate", {paths.DATASET: "extract", paths.SPLIT: "split", paths.KERAS_MODEL: "train",
                                paths.HISTORY: "train"})
    from signlang.metrics.evaluation import run

    return run(params)


if __name__ == "__main__":
    quiet_console()
    run_stage(evaluate)
