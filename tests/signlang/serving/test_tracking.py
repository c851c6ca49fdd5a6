"""MLflow tracking against a real SQLite store: where artifacts go, the bundle registered as a
pyfunc, the champion moved only by a challenge, and fetching the champion back. The store and the
results fingerprint without MLflow: test_store.py."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from signlang.errors import SignlangError
from signlang.features.spec import FeatureParams
from signlang.serving import tracking

SPEC = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=8)
CLASSES = ["hello", "thanks", "yes"]


def test_flatten_nested_params() -> None:
    assert tracking.flatten({"train": {"epochs": 3, "rate": 0.1}, "x": [1, 2]}) == {
        "train.epochs": "3", "train.rate": "0.1", "x": "[1, 2]",
    }


def test_labels_in_any_script_reach_mlflow_params(store: str) -> None:
    aliases = {"xin chào": ["xin chao"], "cảm ơn": ["cam on"], "mühendis": [], "شكرا": ["shukran"]}
    plain = tracking.flatten({"ingest": {"label_aliases": aliases}})
    assert plain["ingest.label_aliases.xin chào"] == "['xin chao']" and plain["ingest.label_aliases.شكرا"] == "['shukran']"
    odd = {**aliases, "¿cómo estás?": ["como estas"], "My Name is: ": []}
    whole = tracking.flatten({"ingest": {"label_aliases": odd}})
    assert json.loads(whole["ingest.label_aliases"]) == odd  # MLflow refuses `¿`, `?` and `:` in names
    for flat in (plain, whole):
        with mlflow.start_run() as run:
            mlflow.log_params(flat)
        assert mlflow.get_run(run.info.run_id).data.params == flat


def test_the_project_store_keeps_artifacts_in_mlartifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow exports MLFLOW_TRACKING_URI after set_tracking_uri: the choice of artifact folder
    must not depend on that variable, or every experiment lands in mlruns/."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert tracking.configure() == f"sqlite:///{tmp_path / 'mlruns.db'}"
    experiment = mlflow.get_experiment_by_name(tracking.EXPERIMENT_NAME)
    assert experiment.artifact_location == (tmp_path / "mlartifacts").as_uri()
    with mlflow.start_run() as run:
        mlflow.log_text("logged", "note.txt")
    assert (tmp_path / "mlartifacts" / run.info.run_id / "artifacts" / "note.txt").is_file()
    assert not (tmp_path / "mlruns").exists()


def test_subset_scores_name_each_subset_and_interval() -> None:
    metrics = {"accuracy": 0.8, "macro_f1": 0.7, "worst_signer": "A", "worst_signer_accuracy": 0.5,
               "accuracy_ci": [0.7, 0.9], "worst_signer_accuracy_ci": None, "intervals": {"confidence": 0.95},
               "per_class": {"hello": {"f1": 1.0}}, "train": {"accuracy": 0.9, "worst_signer_accuracy": None}}
    assert tracking.subset_scores(metrics) == {"test_accuracy": 0.8, "test_macro_f1": 0.7,
                                               "test_worst_signer_accuracy": 0.5, "train_accuracy": 0.9,
                                               "test_accuracy_ci_low": 0.7, "test_accuracy_ci_high": 0.9}


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory, project_root: Path) -> Path:
    """A real (untrained) tutorial network as a bundle."""
    import keras

    from signlang.models.networks import build_model
    from signlang.params import load_params
    from signlang.serving.bundle import write_bundle
    from signlang.serving.export import inference_model, to_tflite

    train = load_params(project_root / "params.yaml").train.model_copy(update={"preset": "tutorial"})
    keras.utils.set_random_seed(3)
    trained = build_model(train, SPEC.sequence_length, SPEC.feature_size, len(CLASSES))
    single = inference_model(trained, train, SPEC.sequence_length, SPEC.feature_size, len(CLASSES))
    folder = tmp_path_factory.mktemp("export") / "bundle"
    write_bundle(folder, to_tflite(single), CLASSES, {"thanks": ["thank you"]}, SPEC)
    return folder


def _register(bundle_dir: Path, score: float, challenge=None) -> dict:
    with mlflow.start_run():
        return tracking.register_bundle(bundle_dir, "signlang-test", "champion", "macro_f1", score,
                                        {"worst_signer_accuracy": score / 2}, challenge, {"signlang.note": "x"})


@pytest.mark.slow
def test_the_champion_moves_only_when_its_challenge_says_so(store: str, bundle_dir: Path, tmp_path: Path) -> None:
    """The first version takes the alias; later ones are decided by the challenge, which gets the
    champion's bundle as the registry holds it and its version's tags. No stored score decides."""
    from signlang.serving.bundle import Bundle
    from signlang.serving.promotion import Promotion

    client = MlflowClient()
    first = _register(bundle_dir, 0.5)
    assert {key: first[key] for key in ("version", "promoted", "reason", "champion_version")} == {
        "version": "1", "promoted": True, "reason": "no champion yet", "champion_version": None}
    version = client.get_model_version("signlang-test", "1")
    assert version.tags[tracking.METRIC_TAG_PREFIX + "macro_f1"] == "0.5"
    assert version.tags[tracking.METRIC_TAG_PREFIX + "worst_signer_accuracy"] == "0.25"
    assert version.tags["signlang.note"] == "x"

    # A higher stored score alone moves nothing.
    unchallenged = _register(bundle_dir, 0.9)
    assert unchallenged["promoted"] is False and "not compared with the champion" in unchallenged["reason"]
    assert str(client.get_model_version_by_alias("signlang-test", "champion").version) == "1"

    seen = []
    windows = np.random.default_rng(0).random((2, SPEC.sequence_length, SPEC.feature_size), dtype=np.float32)

    def challenge(verdict: bool):
        def run(champion_dir: Path, tags: dict) -> Promotion:
            champion = Bundle.load(champion_dir)
            seen.append((tags[tracking.METRIC_TAG_PREFIX + "macro_f1"], champion.classes))
            np.testing.assert_array_equal(champion.predict_proba(windows), Bundle.load(bundle_dir).predict_proba(windows))
            return Promotion(verdict, "because", {"comparable": True})
        return run

    refused = _register(bundle_dir, 0.1, challenge(False))
    assert refused["promoted"] is False and refused["champion_version"] == "1" and refused["reason"] == "because"
    taken = _register(bundle_dir, 0.2, challenge(True))
    assert taken["promoted"] is True and taken["comparison"] == {"comparable": True}
    assert seen == [("0.5", tuple(CLASSES)), ("0.5", tuple(CLASSES))]
    champion = client.get_model_version_by_alias("signlang-test", "champion")
    assert str(champion.version) == "4" and champion.description == "promoted: because"
    run = client.get_run(champion.run_id)
    assert run.data.tags["signlang.promoted"] == "true" and run.data.tags["signlang.promotion_reason"] == "because"
    assert client.get_model_version("signlang-test", "3").description == "not promoted: because"

    # A champion whose files are gone from the store is not replaced, and the reason says so.
    import shutil

    shutil.rmtree(tmp_path / "mlruns")
    lost = _register(bundle_dir, 0.3, challenge(True))
    assert lost["promoted"] is False and lost["reason"].startswith("the champion (version 4) could not be challenged")
    assert str(client.get_model_version_by_alias("signlang-test", "champion").version) == "4"


@pytest.mark.slow
def test_the_champion_comes_back_as_bundle_and_pyfunc(store: str, bundle_dir: Path, tmp_path: Path) -> None:
    from signlang.serving.bundle import Bundle

    _register(bundle_dir, 0.9)
    fetched = tracking.download_bundle("signlang-test", "champion", tmp_path / "download")
    assert fetched.is_dir() and fetched.is_relative_to(tmp_path / "download")
    assert sorted(p.name for p in fetched.iterdir()) == ["labels.json", "model.tflite", "preprocess.json"]
    for name in ("labels.json", "model.tflite", "preprocess.json"):
        assert (fetched / name).read_bytes() == (bundle_dir / name).read_bytes()

    windows = np.random.default_rng(0).random((3, SPEC.sequence_length, SPEC.feature_size), dtype=np.float32)
    expected = Bundle.load(bundle_dir).predict_proba(windows)
    np.testing.assert_array_equal(Bundle.load(fetched).predict_proba(windows), expected)

    model = mlflow.pyfunc.load_model("models:/signlang-test@champion")
    assert model.metadata.signature.inputs.to_dict()[0]["tensor-spec"]["shape"] == (-1, 8, 126)
    np.testing.assert_array_equal(np.asarray(model.predict(windows)), expected)


@pytest.mark.slow
def test_download_of_an_unknown_alias_names_it(store: str, bundle_dir: Path, tmp_path: Path) -> None:
    _register(bundle_dir, 0.5)
    with pytest.raises(SignlangError, match="models:/signlang-test@nobody"):
        tracking.download_bundle("signlang-test", "nobody", tmp_path / "download")
    with pytest.raises(SignlangError, match="models:/absent@champion"):
        tracking.download_bundle("absent", "champion", tmp_path / "download")
