"""Track stage on copies of the session's small real project (tests/conftest.py `small_project`),
with a real SQLite MLflow store: one complete run per result, found again without importing
MLflow; a retrain with another seed challenges the champion on its own test windows (the
champion's bundle fetched from the registry); a model of another vocabulary (the Peruvian PSL
keypoints, through the project's own stages) is registered and refused with its reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from tests.projects import SmallProject, copy_project, project_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tracked(small_project: SmallProject, tmp_path_factory) -> dict:
    """A copy of the small project, tracked once into its own store (the first version: the
    champion); the champion's bundle kept aside to score it independently."""
    from stages.track import track

    root = copy_project(small_project, tmp_path_factory.mktemp("tracked") / "project")
    champion_bundle = root.parent / "champion_bundle"
    shutil.copytree(root / paths.BUNDLE_DIR, champion_bundle)
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        first = track(small_project.params)
    return {"root": root, "uri": uri, "first": first, "params": small_project.params,
            "champion_bundle": champion_bundle, "metrics": small_project.metrics}


@pytest.fixture()
def in_project(tracked: dict, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tracked["root"])
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracked["uri"])
    return tracked["root"]


def test_the_first_run_logs_everything_and_takes_the_alias(tracked: dict, in_project: Path) -> None:
    from mlflow.tracking import MlflowClient

    from signlang.io import file_sha256
    from signlang.serving import tracking

    params, metrics, first = tracked["params"], tracked["metrics"], tracked["first"]
    assert first["logged"] is True
    assert first["registration"]["version"] == "1" and first["registration"]["promoted"] is True
    assert first["registration"]["reason"] == "no champion yet"
    client = MlflowClient()
    run = client.get_run(first["run_id"])
    assert run.data.metrics["test_macro_f1"] == pytest.approx(metrics["macro_f1"])
    assert run.data.metrics["test_macro_f1_ci_low"] == pytest.approx(metrics["macro_f1_ci"][0])
    assert run.data.metrics["test_accuracy_ci_high"] == pytest.approx(metrics["accuracy_ci"][1])
    assert run.data.metrics["test_worst_signer_accuracy"] == pytest.approx(metrics["worst_signer_accuracy"])
    assert run.data.metrics["train_accuracy"] == pytest.approx(metrics["train"]["accuracy"])
    assert "export_max_abs_diff" in run.data.metrics
    history = (in_project / paths.HISTORY).read_text(encoding="utf-8").splitlines()
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")] == list(range(1, len(history)))
    assert run.data.params["train.preset"] == params.train.preset
    assert run.data.params["evaluate.bootstrap_resamples"] == str(params.evaluate.bootstrap_resamples)
    assert {key.split(".")[0] for key in run.data.params} <= {*tracking.PIPELINE_SECTIONS, "data", "model"}
    assert run.data.tags[tracking.MODEL_HASH_TAG] == file_sha256(in_project / paths.KERAS_MODEL)
    logged = {item.path for item in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/metrics.json", "evaluation/confusion_test.png", "evaluation/curves.png"} <= logged
    version = client.get_model_version(params.export.registered_model, "1")
    assert version.run_id == run.info.run_id
    assert version.tags[tracking.DATA_TAGS["split"]] == file_sha256(in_project / paths.SPLIT)
    promotion = json.loads((in_project / paths.PROMOTION_REPORT).read_text(encoding="utf-8"))
    assert promotion["promoted"] is True and promotion["champion_version"] is None
    assert promotion["min_gain"] == params.export.min_gain and promotion["run_id"] == run.info.run_id
    for tracked_file in (paths.METRICS, paths.EXPORT_REPORT, paths.HISTORY):
        assert run.info.run_id not in (in_project / tracked_file).read_text(encoding="utf-8")


def test_the_same_results_are_already_logged_without_importing_mlflow(tracked: dict, in_project: Path) -> None:
    """What a no-op `dvc repro` runs: the fingerprint is found in the store's file itself."""
    probe = ("import sys\nfrom signlang.params import load_params\nfrom stages.track import track\n"
             "result = track(load_params())\nprint('mlflow imported:', 'mlflow' in sys.modules, result['logged'])\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "MLFLOW_TRACKING_URI": tracked["uri"]}
    # The copy's params are the small project's; the probe must fingerprint those.
    (in_project / "params.yaml").write_text(_params_yaml(tracked["params"]), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", probe], cwd=in_project, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"track: already logged: MLflow run {tracked['first']['run_id']}" in result.stdout
    assert "mlflow imported: False False" in result.stdout


def _params_yaml(params) -> str:
    import yaml

    return yaml.safe_dump(params.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _bundle_scores(bundle_dir: Path, root: Path) -> dict:
    """A bundle's test scores on the project's test windows, computed here independently."""
    from signlang.data.dataset import load_labelled_windows
    from signlang.features.keypoints import normalise
    from signlang.metrics.evaluation import classification_metrics, signer_scores
    from signlang.serving.bundle import Bundle

    data = load_labelled_windows(root / paths.DATASET, root / paths.SPLIT)
    test = data.subset("test")
    bundle = Bundle.load(bundle_dir)
    predicted = np.asarray(bundle.classes)[bundle.predict_proba(normalise(data.X[test], bundle.spec)).argmax(1)]
    metrics = classification_metrics(data.labels[test], predicted, data.classes)
    worst = signer_scores(data.signers[test], data.labels[test], predicted)["worst_signer_accuracy"]
    return {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"], "worst_signer_accuracy": worst}


def test_a_retrain_challenges_the_champion_on_its_own_windows(tracked: dict, in_project: Path) -> None:
    from mlflow.tracking import MlflowClient

    from stages.evaluate import evaluate
    from stages.export import export
    from stages.track import track
    from stages.train import train

    params = tracked["params"]
    retrain = params.model_copy(update={"train": params.train.model_copy(update={"seed": params.train.seed + 1,
                                                                                   "epochs": 6})})
    train(retrain)
    evaluate(retrain)
    export(retrain)
    result = track(retrain)
    assert result["logged"] is True
    promotion = json.loads((in_project / paths.PROMOTION_REPORT).read_text(encoding="utf-8"))
    assert promotion["champion_version"] == "1" and promotion["version"] == "2"
    test_windows = (in_project / paths.SPLIT).read_text(encoding="utf-8").count(",test\n")
    assert promotion["comparable"] is True and promotion["test_windows"] == test_windows > 0
    assert promotion["test_signers"] == 1
    # The champion, fetched from the registry, scored on these windows: what its own bundle gives here.
    assert promotion["champion"] == _bundle_scores(tracked["champion_bundle"], in_project)
    assert promotion["candidate"] == _bundle_scores(in_project / paths.BUNDLE_DIR, in_project)
    metric = params.export.promotion_metric
    difference = promotion["difference"][metric]
    assert difference == pytest.approx(promotion["candidate"][metric] - promotion["champion"][metric], abs=1e-6)
    low, high = promotion["difference_ci"][metric]
    assert low <= difference <= high
    assert promotion["promoted"] is (low > params.export.min_gain and promotion["champion"]["worst_signer_accuracy"]
                                     - promotion["candidate"]["worst_signer_accuracy"]
                                     <= params.export.max_worst_signer_drop)
    assert f"difference {difference:+.4f}" in promotion["reason"]
    assert f"interval [{low:+.4f}, {high:+.4f}]" in promotion["reason"]
    client = MlflowClient()
    champion = client.get_model_version_by_alias(params.export.registered_model, params.export.champion_alias)
    assert str(champion.version) == ("2" if promotion["promoted"] else "1")
    logged = client.get_run(result["run_id"]).data.metrics
    assert logged[f"champion_{metric}"] == pytest.approx(promotion["champion"][metric])
    assert logged[f"vs_champion_{metric}_difference_ci_low"] == pytest.approx(low)


def test_a_model_of_another_vocabulary_is_registered_and_never_promoted(
    tracked: dict, shared_data: Path, project_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PSL keypoints (Peruvian signs, one signer) through the project's own stages, tracked
    into the same store: a new version, the alias stays, and the reason says the classes differ."""
    from mlflow.tracking import MlflowClient

    from stages.evaluate import evaluate
    from stages.export import export
    from stages.extract import extract
    from stages.ingest import ingest
    from stages.split import split
    from stages.track import track
    from stages.train import train

    params = project_params(project_root, extract={"workers": 1}, split={"by": "sequence"},  # one signer
                            ingest={"sources": [{"path": str(shared_data / "keypoints" / "psl-h5"), "signer": "ronvidev"}]})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracked["uri"])
    monkeypatch.setenv("PYTHONHASHSEED", str(params.train.seed))
    client = MlflowClient(tracking_uri=tracked["uri"])
    name, alias = params.export.registered_model, params.export.champion_alias
    before = client.get_model_version_by_alias(name, alias).version
    for stage in (ingest, extract, split, train, evaluate, export):
        stage(params)
    result = track(params)
    assert result["logged"] is True and result["registration"]["promoted"] is False
    promotion = json.loads((tmp_path / paths.PROMOTION_REPORT).read_text(encoding="utf-8"))
    assert promotion["comparable"] is False and promotion["promoted"] is False
    assert promotion["reason"].startswith("not compared with the champion: the classes differ (the candidate has 4 "
                                          "classes, the champion 8; only the candidate: adios, buenos_dias, "
                                          "como_estas, hola-izq; only the champion: hello, help, iloveyou")
    assert client.get_model_version_by_alias(name, alias).version == before
    registered = client.get_model_version(name, promotion["version"])
    assert registered.description.startswith("not promoted: not compared with the champion: the classes differ")
