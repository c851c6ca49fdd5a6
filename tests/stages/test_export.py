"""Export stage on the session's small real project (tests/conftest.py `small_project`): TFLite
with builtin ops only, parity with Keras on every test window, no MLflow logging (the track
stage's, tests/stages/test_track.py), and `signlang evaluate` scoring the exported bundle on a
folder of real samples."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from tests.projects import SmallProject, project_windows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(small_project: SmallProject) -> dict:
    """The session's small project (tests/conftest.py): trained (2 epochs, tutorial preset),
    evaluated and exported by the stages with MLFLOW_TRACKING_URI pointing at a SQLite store in
    it, and its dataset, split and trained model read back (read only: a test that writes works
    on a copy)."""
    return {"root": small_project.root, "params": small_project.params, "metrics": small_project.metrics,
            "result": small_project.export_report, "store_after_stages": small_project.mlflow_store_after_stages,
            **vars(project_windows(small_project))}


def test_bundle_holds_exactly_its_four_files(exported) -> None:
    bundle = exported["root"] / paths.BUNDLE_DIR
    assert sorted(os.listdir(bundle)) == sorted([paths.BUNDLE_MODEL, paths.BUNDLE_LABELS, paths.BUNDLE_PREPROCESS,
                                                 paths.BUNDLE_SEGMENTER])
    segmenter = json.loads((bundle / paths.BUNDLE_SEGMENTER).read_text(encoding="utf-8"))
    assert segmenter["rest_height"] > 0 and segmenter["change_threshold"] > 0  # derived from the training windows
    labels = json.loads((bundle / paths.BUNDLE_LABELS).read_text(encoding="utf-8"))
    assert labels["classes"] == list(exported["classes"])
    assert labels["aliases"] == exported["params"].ingest.label_aliases
    spec = json.loads((bundle / paths.BUNDLE_PREPROCESS).read_text(encoding="utf-8"))
    assert spec["parts"] == ["pose", "left_hand", "right_hand"] and spec["sequence_length"] == 30
    # Written atomically: no temporary folder left beside it.
    assert set(os.listdir(exported["root"] / paths.MODELS_DIR)) == {"bundle", "model.keras"}


def test_tflite_matches_keras_on_every_test_window(exported) -> None:
    from signlang.serving.bundle import Bundle

    report = json.loads((exported["root"] / paths.EXPORT_REPORT).read_text(encoding="utf-8"))
    test = exported["subsets"] == "test"
    assert report["test_samples"] == int(test.sum()) > 0
    assert report["max_abs_diff"] < 1e-4
    assert report["argmax_agreement"] == 1.0
    assert report["builtin_ops_only"] is True
    assert report["tflite_bytes"] == (exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_MODEL).stat().st_size
    assert set(report) == {"max_abs_diff", "argmax_agreement", "test_samples", "tflite_bytes", "builtin_ops_only",
                           "segmenter"}
    assert report["segmenter"] == json.loads((exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_SEGMENTER).read_text())

    # Checked again here, independently of the stage's own numbers.
    bundle = Bundle.load(exported["root"] / paths.BUNDLE_DIR)
    keras_probabilities = exported["model"].predict(exported["X"][test], verbose=0)
    tflite_probabilities = bundle.predict_proba(exported["X"][test])
    assert np.max(np.abs(keras_probabilities - tflite_probabilities)) < 1e-4
    assert (keras_probabilities.argmax(1) == tflite_probabilities.argmax(1)).all()


def test_tflite_needs_no_flex_ops(exported) -> None:
    import warnings

    import tensorflow as tf

    from signlang.serving.export import flex_ops, model_ops

    content = (exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_MODEL).read_bytes()
    assert b"Flex" not in content
    ops = model_ops(content)
    assert "FULLY_CONNECTED" in ops and "SOFTMAX" in ops
    assert not [op for op in ops if op.startswith("CUSTOM")], ops
    assert flex_ops(content) == []
    # Builtin ops only, no default (XNNPACK) or Flex delegate: still loads and runs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        interpreter = tf.lite.Interpreter(
            model_content=content,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    interpreter.allocate_tensors()
    window = exported["X"][:1].astype(np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], window)
    interpreter.invoke()
    probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(probabilities, exported["model"].predict(window, verbose=0), atol=1e-4)


def test_a_free_batch_network_fails_loudly_instead_of_using_flex(exported) -> None:
    from signlang.serving.export import ExportError, to_tflite

    with pytest.raises(ExportError, match="builtin ops only.*batch size is not fixed"):
        to_tflite(exported["model"])


def test_export_and_evaluate_do_not_talk_to_mlflow(exported) -> None:
    """Only the track stage logs: a stage DVC skips must not be the one that would have logged."""
    assert exported["store_after_stages"] is False


def _sample_folder(folder: Path, shared_data: Path) -> None:
    """Real samples in three of the layouts ingest reads: an npz of a signer the model never
    saw, MP_Data sequences (one of a class the model does not know) and one video clip."""
    with np.load(shared_data / "keypoints" / "multisigner-258" / "Jeet10.npz") as data:
        X, labels = data["X"], data["label"].astype(str)
    rows = [int(np.flatnonzero(labels == label)[0]) for label in ("hello", "iloveyou", "yes")]
    np.savez(folder / "jeet10.npz", X=X[rows], label=labels[rows])
    mp_data = shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data"
    shutil.copytree(mp_data / "hello" / "0", folder / "MP_Data" / "hello" / "0")
    shutil.copytree(mp_data / "thankYou" / "1", folder / "MP_Data" / "thankYou" / "1")
    (folder / "MP_Data" / "wave" / "0").mkdir(parents=True)  # a class the bundle lacks
    for frame in range(12):
        shutil.copy(mp_data / "no" / "0" / f"{frame}.npy", folder / "MP_Data" / "wave" / "0" / f"{frame}.npy")
    (folder / "hello").mkdir()
    shutil.copy(shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4", folder / "hello" / "hello_02.mp4")


def test_signlang_evaluate_scores_the_bundle_on_a_folder(
    exported, shared_data: Path, project_root: Path, tmp_path: Path, capsys
) -> None:
    from signlang.cli import main

    folder = tmp_path / "samples"
    folder.mkdir()
    _sample_folder(folder, shared_data)
    out = tmp_path / "scores" / "bundle.json"
    code = main(["evaluate", "--bundle", str(exported["root"] / paths.BUNDLE_DIR), "--data", str(folder),
                 "--out", str(out), "--params", str(project_root / "params.yaml")])
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    # 3 npz rows + 2 MP_Data sequences (thankYou -> thanks by alias) + 1 video; wave is unknown.
    assert document["samples"] == 6
    assert document["unknown_label_samples"] == {"wave": 1}
    assert document["skipped"] == {}
    supports = {name: scores["support"] for name, scores in document["per_class"].items() if scores["support"]}
    assert supports == {"hello": 3, "iloveyou": 1, "thanks": 1, "yes": 1}
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        assert 0.0 <= document[key] <= 1.0
    assert list(document) == sorted(document)
    assert "6 samples" in capsys.readouterr().out


def test_signlang_evaluate_with_no_known_label_is_an_error(exported, shared_data: Path, tmp_path: Path, capsys) -> None:
    from signlang.cli import main

    folder = tmp_path / "samples" / "wave" / "0"
    folder.mkdir(parents=True)
    for frame in range(5):
        shutil.copy(shared_data / "keypoints" / "mp_data-sample" / "AD-Codex" / "MP_Data" / "no" / "0" / f"{frame}.npy",
                    folder / f"{frame}.npy")
    code = main(["evaluate", "--bundle", str(exported["root"] / paths.BUNDLE_DIR),
                 "--data", str(tmp_path / "samples"), "--out", str(tmp_path / "out.json")])
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "no sample to score" in error and "wave" in error
    assert not (tmp_path / "out.json").exists()
