"""Evaluate stage on a small real dataset: a tutorial network trained for two epochs on
sequences of four real signers (one signer per subset), scored, plotted and logged."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from signlang.params import Params, load_params

# Signer -> subset: no signer in two subsets, as the by_signer split does.
# Version 2 data: SoyaChunkz and ToxicShot09 are one person (one file), so val is electronicaddict.
SIGNERS = {"SoyaChunkz+ToxicShot09": "train", "F1zzy": "train", "electronicaddict": "val", "shreebandal": "test"}
PER_CLASS = 6  # sequences per class per signer
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def project_params(project_root: Path, **sections) -> Params:
    """params.yaml with the tutorial preset, 2 epochs, and any section values replaced."""
    raw = load_params(project_root / "params.yaml").model_dump()
    raw["train"].update(preset="tutorial", epochs=2, batch_size=32)
    for section, values in sections.items():
        raw[section].update(values)
    return Params.model_validate(raw)


def build_project(root: Path, shared_data: Path, params: Params) -> dict:
    """Write data/dataset.npz, data/split.csv, models/model.keras and reports/plots/history.csv
    under `root` (the current directory for the stages) from real multi-signer sequences."""
    import keras

    from signlang.keypoints import PreprocessSpec, normalise, resample
    from signlang.model import build_model, compile_model

    windows, ids, labels, signers = [], [], [], []
    for signer in SIGNERS:
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            X, y = data["X"], data["label"].astype(str)
        for label in sorted(set(y)):
            for index in np.flatnonzero(y == label)[:PER_CLASS]:
                windows.append(resample(X[index].astype(np.float32), params.features.sequence_length))
                ids.append(f"multisigner-258/{signer}.npz#{index}")
                labels.append(label)
                signers.append(signer)
    X = np.stack(windows)
    ids, labels, signers = np.array(ids), np.array(labels), np.array(signers)
    classes = np.array(sorted(set(labels)))
    order = np.argsort(ids)
    X, ids, labels, signers = X[order], ids[order], labels[order], signers[order]

    (root / paths.DATA_DIR).mkdir(parents=True, exist_ok=True)
    np.savez(root / paths.DATASET, X=X, ids=ids, labels=labels, signers=signers, classes=classes)
    subsets = np.array([SIGNERS[s] for s in signers])
    with open(root / paths.SPLIT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "signer", "subset"])
        writer.writerows(zip(ids, labels, signers, subsets))

    keras.utils.set_random_seed(0)
    index = {name: i for i, name in enumerate(classes)}
    targets = keras.utils.to_categorical([index[label] for label in labels], len(classes))
    # The dataset keeps raw coordinates; the model sees them normalised as the features say.
    Z = normalise(X, PreprocessSpec.from_params(params))
    model = build_model(params.train, Z.shape[1], Z.shape[2], len(classes))
    compile_model(model, params.train, steps_per_epoch=2)
    train, val = subsets == "train", subsets == "val"
    history = model.fit(Z[train], targets[train], validation_data=(Z[val], targets[val]),
                        epochs=params.train.epochs, batch_size=params.train.batch_size, verbose=0)
    (root / paths.MODELS_DIR).mkdir(parents=True, exist_ok=True)
    model.save(root / paths.KERAS_MODEL)
    (root / paths.PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    with open(root / paths.HISTORY, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"])
        for epoch in range(len(history.history["loss"])):
            writer.writerow([epoch + 1] + [repr(float(history.history[k][epoch]))
                                           for k in ("loss", "accuracy", "val_loss", "val_accuracy")] + [0.001])
    # "X": the model's (normalised) input windows; "raw_X": the dataset's raw windows.
    return {"model": model, "X": Z, "raw_X": X, "ids": ids, "labels": labels, "classes": classes, "subsets": subsets}


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, shared_data: Path, project_root: Path):
    """A project evaluated once by `python -m stages.evaluate`'s function, in a temp folder
    with its own SQLite MLflow store."""
    from signlang.evaluation import run

    root = tmp_path_factory.mktemp("project")
    params = project_params(project_root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        project = build_project(root, shared_data, params)
        document = run(params)
        outputs = _outputs(root)
        first_bytes = {path: (root / path).read_bytes() for path in outputs}
        yield {"root": root, "params": params, "document": document, "first_bytes": first_bytes, **project}


def _outputs(root: Path) -> list[Path]:
    names = [paths.METRICS, paths.PER_CLASS, paths.SIGNER_BLOCKS, paths.CURVES_PNG]
    for subset in ("train", "val", "test"):
        names += [paths.confusion_csv(subset), paths.confusion_png(subset)]
    return names


@pytest.mark.slow
def test_writes_every_report(evaluated) -> None:
    root = evaluated["root"]
    for path in _outputs(root):
        assert (root / path).is_file(), path
    for subset in ("train", "val", "test"):
        assert (root / paths.confusion_png(subset)).read_bytes().startswith(PNG_SIGNATURE)
    assert (root / paths.CURVES_PNG).read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.slow
def test_metrics_json_scores_the_test_subset_at_the_top(evaluated) -> None:
    from signlang.evaluation import classification_metrics

    root, model = evaluated["root"], evaluated["model"]
    document = json.loads((root / paths.METRICS).read_text(encoding="utf-8"))
    assert document == evaluated["document"]
    test = evaluated["subsets"] == "test"
    assert document["samples"] == int(test.sum())
    predicted = evaluated["classes"][np.argmax(model.predict(evaluated["X"][test], verbose=0), axis=1)]
    expected = classification_metrics(evaluated["labels"][test], predicted, evaluated["classes"])
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        assert document[key] == pytest.approx(expected[key], abs=1e-6)
    assert set(document["per_class"]) == set(evaluated["classes"])
    signer_keys = {"signers", "worst_signer", "worst_signer_accuracy", "median_signer_accuracy", "signer_accuracy_std"}
    for subset in ("train", "val"):
        assert set(document[subset]) == {"accuracy", "macro_f1", "samples"} | signer_keys
        assert document[subset]["samples"] == int((evaluated["subsets"] == subset).sum())
        assert document[subset]["signers"] == sum(1 for s in SIGNERS.values() if s == subset)
    # The test subset's people, at the top level: its one signer is also its worst.
    assert document["signers"] == 1 and document["worst_signer"] == "shreebandal"
    assert document["worst_signer_accuracy"] == document["median_signer_accuracy"] == document["accuracy"]
    assert all(document["per_class"][name]["signers"] == 1 for name in set(evaluated["labels"][test]))
    for value in (document["accuracy"], document["train"]["accuracy"]):
        assert 0.0 <= value <= 1.0


@pytest.mark.slow
def test_confusion_csv_and_per_class_csv(evaluated) -> None:
    root = evaluated["root"]
    with open(root / paths.confusion_csv("test"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    test = evaluated["subsets"] == "test"
    assert [row["id"] for row in rows] == sorted(evaluated["ids"][test])
    assert [row["actual"] for row in rows] == list(evaluated["labels"][test])
    assert {row["predicted"] for row in rows} <= set(evaluated["classes"])
    accuracy = np.mean([row["actual"] == row["predicted"] for row in rows])
    assert accuracy == pytest.approx(evaluated["document"]["accuracy"], abs=1e-6)
    with open(root / paths.PER_CLASS, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [row["class"] for row in table] == list(evaluated["classes"])
    assert sum(int(row["support"]) for row in table) == int(test.sum())
    # How many people each class was learnt from: the train subset's signers of that class.
    train = evaluated["subsets"] == "train"
    train_signers = np.array([i.split("/")[-1].split(".npz")[0] for i in evaluated["ids"]])
    for row in table:
        assert int(row["train_signers"]) == len(set(train_signers[train & (evaluated["labels"] == row["class"])]))


@pytest.mark.slow
def test_signer_blocks_csv_matches_the_confusion_rows(evaluated) -> None:
    root = evaluated["root"]
    with open(root / paths.SIGNER_BLOCKS, newline="", encoding="utf-8") as handle:
        blocks = list(csv.DictReader(handle))
    # One block per subset, signer and class, from split.csv's signer column.
    assert {(row["subset"], row["signer"]) for row in blocks} == {(subset, signer) for signer, subset in SIGNERS.items()}
    for subset in ("train", "val", "test"):
        rows = [row for row in blocks if row["subset"] == subset]
        with open(root / paths.confusion_csv(subset), newline="", encoding="utf-8") as handle:
            confusion = list(csv.DictReader(handle))
        assert sum(int(row["windows"]) for row in rows) == len(confusion)
        assert sum(int(row["errors"]) for row in rows) == sum(r["actual"] != r["predicted"] for r in confusion)
        for row in rows:
            assert int(row["errors"]) == round(int(row["windows"]) * (1 - float(row["accuracy"])))


@pytest.mark.slow
def test_evaluate_writes_files_only(evaluated) -> None:
    """Evaluate does not log to MLflow (the track stage logs every result, whether evaluate ran
    or DVC skipped it): no store is created even with MLFLOW_TRACKING_URI pointing at one."""
    assert not (evaluated["root"] / "mlflow.db").exists()


@pytest.mark.slow
def test_second_run_writes_identical_bytes(evaluated) -> None:
    from signlang.evaluation import run

    root = evaluated["root"]
    run(evaluated["params"])
    for path, data in evaluated["first_bytes"].items():
        assert (root / path).read_bytes() == data, f"{path} changed between two runs"


def test_missing_inputs_are_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_root: Path, capsys) -> None:
    import shutil

    from stages._entry import run_stage
    from stages.evaluate import evaluate

    shutil.copy(project_root / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNLANG_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        run_stage(evaluate, argv=[])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: data/dataset.npz: not found")
    assert "Traceback" not in error
