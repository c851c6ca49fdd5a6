"""signlang.crossval.runs: a tiny real cross-validation writes the documented files, logs itself to
MLflow, and its params.yaml alone reruns it to the same scores."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from signlang.crossval.runs import run
from signlang.params import load_params
from tests.signlang.crossval.helpers import SIGNERS, make_params


@pytest.mark.slow
def test_tiny_cross_validation_writes_the_documented_files(project_root: Path, few_signers: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cv"
    params = make_params(project_root)
    result = run(params, ["tutorial:raw", "conv"], folds=2, epochs=1, out=out, data=few_signers)
    expected = {"cv.json", "cv.md", "params.yaml"} | {f"{kind}_{name}.{ext}" for name in ("tutorial_raw", "conv")
                                                       for kind, ext in (("confusion", "png"), ("predictions", "csv"),
                                                                         ("blocks", "csv"))}
    assert {path.name for path in out.iterdir()} == expected
    scores = json.loads((out / "cv.json").read_text())
    assert scores["folds"] == 2 and scores["epochs"] == 1 and scores["signers"] == 4
    fold_signers = [set(names) for names in scores["fold_signers"]]
    assert not fold_signers[0] & fold_signers[1] and fold_signers[0] | fold_signers[1] == set(SIGNERS)
    for name in ("tutorial:raw", "conv"):
        config = scores["configs"][name]
        assert 0.0 <= config["accuracy_mean"] <= 1.0 and config["accuracy_std"] >= 0.0
        assert len(config["folds"]) == 2 and "y_pred" not in config
        # Signer-resampled intervals around the pooled scores (every signer tested once).
        for key, value in (("accuracy", config["pooled_accuracy"]), ("macro_f1", config["pooled_macro_f1"]),
                           ("worst_signer_accuracy", config["worst_signer_accuracy"])):
            low, high = config["intervals"][key]
            assert low <= value <= high, (name, key)
        for fold, test_signers in zip(config["folds"], fold_signers):
            # Early stopping's signers come from the training side, never the test fold.
            assert fold["val_signers"] and not set(fold["val_signers"]) & test_signers
        # Every tested window's prediction once, with its signer and fold.
        predictions = pd.read_csv(out / f"predictions_{name.replace(':raw', '_raw')}.csv")
        assert list(predictions.columns) == ["id", "signer", "fold", "actual", "predicted"]
        assert len(predictions) == 300 == len(result["configs"][name]["ids"]) and predictions.id.is_unique
        assert all(set(predictions[predictions.fold == number + 1].signer) == signers
                   for number, signers in enumerate(fold_signers))
        blocks = pd.read_csv(out / f"blocks_{name.replace(':raw', '_raw')}.csv")
        assert blocks.windows.sum() == 300 and set(blocks.signer) == set(SIGNERS)
    assert "| tutorial:raw |" in (out / "cv.md").read_text() and "| conv |" in (out / "cv.md").read_text()
    # The folder's params.yaml holds the command line's choices: alone, it reruns the same scores.
    ran_with = load_params(out / "params.yaml")
    assert ran_with.crossval.presets == ["tutorial:raw", "conv"] and ran_with.crossval.folds == 2
    assert [source.path for source in ran_with.crossval.sources] == [str(few_signers)]
    assert ran_with.train == params.train and ran_with.features == params.features
    run(ran_with, out=tmp_path / "rerun", track=False)
    assert json.loads((tmp_path / "rerun" / "cv.json").read_text()) == scores
    # Logged: one parent run for the first run, its four fold runs under it.
    from mlflow.tracking import MlflowClient

    experiment = MlflowClient().get_experiment_by_name(params.crossval.experiment)
    runs = MlflowClient().search_runs([experiment.experiment_id])
    assert sorted(run.data.tags.get("signlang.kind") for run in runs) == ["crossval"] + ["crossval-fold"] * 4
