"""Stage train: data/dataset.npz + data/split.csv -> models/model.keras, reports/plots/history.csv
(one row per epoch) and reports/train.json (what was trained, its best epoch). The track stage
logs them to MLflow."""

from __future__ import annotations

import time
from pathlib import Path

from signlang import paths
from stages._entry import quiet_console, run_stage


def train(
    params,
    dataset_path: str | Path = paths.DATASET,
    split_path: str | Path = paths.SPLIT,
    model_path: str | Path = paths.KERAS_MODEL,
    history_path: str | Path = paths.HISTORY,
    report_path: str | Path = paths.TRAIN_REPORT,
) -> dict:
    """Run the stage; returns the train report (the content of `report_path`)."""
    from signlang.io import require_inputs

    require_inputs("train", {dataset_path: "extract", split_path: "split"})  # before TensorFlow loads
    from signlang.errors import SignlangError
    from signlang.io import file_sha256, write_json
    from signlang.models.networks import save_model
    from signlang.models.train import (
        best_epoch_line,
        fit,
        load_training_data,
        non_finite_epoch,
        summarise,
        write_history,
    )

    started = time.perf_counter()
    data = load_training_data(dataset_path, split_path, params.features)
    print(f"train: {len(data.x_train)} train / {len(data.x_val)} val windows of {data.sequence_length} x "
          f"{data.feature_size}, {data.n_classes} classes, preset {params.train.preset} "
          f"(loaded in {time.perf_counter() - started:.1f} s)", flush=True)

    fit_started = time.perf_counter()
    model, rows = fit(params.train, data)
    fit_seconds = time.perf_counter() - fit_started
    if (epoch := non_finite_epoch(rows)) is not None:
        raise SignlangError(f"train: the loss became NaN or infinite (epoch {epoch}); {model_path} was not written: "
                            f"lower train.learning_rate or check the dataset")

    save_model(model, model_path)
    write_history(rows, history_path)
    report = summarise(params.train, data, model, rows)
    write_json(report_path, report, sort_keys=False)
    print(f"train: {report['epochs_run']} epochs in {fit_seconds:.1f} s, {best_epoch_line(report)}; saved {model_path} "
          f"(sha256 {file_sha256(model_path)[:12]}), total {time.perf_counter() - started:.1f} s", flush=True)
    return report


def stage_params():
    """The params.yaml sections this stage reads, validated (no others)."""
    from signlang.features.spec import FeatureParams
    from signlang.models.settings import TrainParams
    from signlang.settings import load_sections

    return load_sections(train=TrainParams, features=FeatureParams)


def main() -> None:
    run_stage(train, stage_params)


if __name__ == "__main__":
    quiet_console()
    main()
