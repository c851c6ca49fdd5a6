"""Evaluate stage on a small real project (tests/conftest.py `small_project`): the tutorial
network trained for two epochs by the train stage on sequences of four real signers (one signer
per subset), then scored and plotted by the evaluate stage."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from tests.projects import SIGNERS, SmallProject, copy_project, project_windows

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def evaluated(small_project: SmallProject) -> dict:
    """The session's small project (tests/conftest.py), evaluated by the evaluate stage with
    MLFLOW_TRACKING_URI pointing at a SQLite store in it, and its dataset, split and trained
    model read back (read only: a test that writes works on a copy)."""
    root = small_project.root
    return {"root": root, "params": small_project.params, "document": small_project.metrics,
            "first_bytes": {path: (root / path).read_bytes() for path in _outputs(root)},
            **vars(project_windows(small_project))}


def _outputs(root: Path) -> list[Path]:
    names = [paths.METRICS, paths.PER_CLASS, paths.SIGNER_BLOCKS, paths.CONFUSED_PAIRS, paths.CURVES_PNG]
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
    from signlang.metrics.evaluation import classification_metrics

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
def test_confused_pairs_csv_counts_the_confusion_rows(evaluated) -> None:
    from collections import Counter

    root = evaluated["root"]
    with open(root / paths.CONFUSED_PAIRS, newline="", encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))
    for subset in ("train", "val", "test"):
        with open(root / paths.confusion_csv(subset), newline="", encoding="utf-8") as handle:
            errors = Counter(tuple(sorted((r["actual"], r["predicted"]))) for r in csv.DictReader(handle)
                             if r["actual"] != r["predicted"])
        listed = {tuple(sorted((row["class_a"], row["class_b"]))): int(row["errors"])
                  for row in pairs if row["subset"] == subset}
        assert listed == dict(errors), subset  # 8 classes: at most 28 pairs, all listed
        assert all(int(row["a_as_b"]) >= int(row["b_as_a"]) for row in pairs)


@pytest.mark.slow
def test_evaluate_writes_files_only(small_project: SmallProject) -> None:
    """Evaluate does not log to MLflow (the track stage logs every result, whether evaluate ran
    or DVC skipped it): no store is created even with MLFLOW_TRACKING_URI pointing at one."""
    assert small_project.mlflow_store_after_stages is False
    assert not (small_project.root / "mlflow.db").exists()


@pytest.mark.slow
def test_second_run_writes_identical_bytes(evaluated, small_project: SmallProject, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The evaluate stage run again, on a copy of the project with its reports removed, writes
    every report again byte for byte."""
    from stages.evaluate import evaluate

    root = copy_project(small_project, tmp_path / "project")
    for path in evaluated["first_bytes"]:
        (root / path).unlink()
    monkeypatch.chdir(root)
    evaluate(evaluated["params"])
    for path, data in evaluated["first_bytes"].items():
        assert (root / path).read_bytes() == data, f"{path} changed between two runs"


def test_missing_inputs_are_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_root: Path, capsys) -> None:
    import shutil

    from stages import evaluate
    from stages._entry import run_stage

    shutil.copy(project_root / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNLANG_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        run_stage(evaluate.evaluate, evaluate.stage_params, argv=[])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: data/dataset.npz: not found")
    assert "Traceback" not in error


@pytest.mark.slow
def test_metrics_json_holds_the_test_intervals(evaluated) -> None:
    """Test accuracy, macro-F1 and worst-signer accuracy each get an interval over signer
    resamples, made as evaluate.bootstrap_resamples / confidence / bootstrap_seed say."""
    from signlang.metrics.intervals import signer_bootstrap

    document, params, model = evaluated["document"], evaluated["params"], evaluated["model"]
    test = evaluated["subsets"] == "test"
    predicted = evaluated["classes"][np.argmax(model.predict(evaluated["X"][test], verbose=0), axis=1)]
    settings = params.evaluate
    expected = signer_bootstrap(evaluated["labels"][test], predicted, np.array(["shreebandal"] * int(test.sum())),
                                evaluated["classes"], settings.bootstrap_resamples, settings.confidence,
                                settings.bootstrap_seed, settings.min_signer_windows)
    for name in ("accuracy", "macro_f1", "worst_signer_accuracy"):
        low, high = document[f"{name}_ci"]
        assert [low, high] == list(expected[name])
        assert low <= document[name] <= high
    assert document["intervals"]["confidence"] == settings.confidence
    assert document["intervals"]["resamples"] == settings.bootstrap_resamples
    assert document["intervals"]["worst_signer_min_windows"] == settings.min_signer_windows


# Real signers of multisigner-258 for the two-seed test: several test signers, so the interval
# is one over people, not over one person's windows.
SEED_TRAIN = ("AdrLfv", "FahmidaJuthi", "Jeet10", "JefferyJiang-YF", "NadimintiSujan", "Quisha16",
              "avanishgarg", "daita-sur", "enamilkovicc", "hirak214", "jackfai1993", "tamtridung", "zunaidansari")
SEED_VAL = ("techgeekshinobi", "poojanvig")
SEED_TEST = ("AD-Codex", "ArnavPundir22", "Chrille91", "ShivaNagalla", "dylan-ngjj", "electronicaddict")
PER_BLOCK = 12  # windows per signer and class


def _write_signer_split(root: Path, shared_data: Path, sequence_length: int) -> None:
    """data/dataset.npz and data/split.csv as extract and a by-signer split write them."""
    from signlang.features.keypoints import resample

    subset_of = {**dict.fromkeys(SEED_TRAIN, "train"), **dict.fromkeys(SEED_VAL, "val"),
                 **dict.fromkeys(SEED_TEST, "test")}
    rows, windows = [], []
    for signer in sorted(subset_of):
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            X, labels = data["X"], data["label"].astype(str)
        for label in sorted(set(labels)):
            for index in np.flatnonzero(labels == label)[:PER_BLOCK]:
                rows.append((f"multisigner-258/{signer}.npz#{index:03d}", label, signer))
                windows.append(resample(X[index].astype(np.float32), sequence_length))
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    rows, X = [rows[i] for i in order], np.stack([windows[i] for i in order])
    ids, labels, signers = (np.array(column) for column in zip(*rows))
    (root / paths.DATA_DIR).mkdir(parents=True)
    np.savez(root / paths.DATASET, X=X, ids=ids, labels=labels, signers=signers, classes=np.array(sorted(set(labels))))
    with open(root / paths.SPLIT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "signer", "subset"])
        writer.writerows((i, label, signer, subset_of[signer]) for i, label, signer in rows)


@pytest.mark.slow
def test_the_intervals_cover_what_a_second_seed_gives(shared_data: Path, project_root: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The same data, params and code with another train.seed: its test scores fall inside the
    first seed's intervals, and the other way round (the run-to-run spread a reader sees between
    two machines or seeds is what the interval is for)."""
    from stages.evaluate import evaluate
    from stages.train import train
    from tests.projects import project_params

    documents = []
    for seed in (1, 2):
        root = tmp_path / f"seed{seed}"
        root.mkdir()
        params = project_params(project_root, train={"preset": "stats", "epochs": 20, "seed": seed,
                                                     "early_stopping_patience": 0, "ema_momentum": 0.0})
        _write_signer_split(root, shared_data, params.features.sequence_length)
        monkeypatch.chdir(root)
        monkeypatch.setenv("PYTHONHASHSEED", str(seed))
        train(params)
        documents.append(evaluate(params))
    first, second = documents
    assert first["signers"] == len(SEED_TEST)
    assert (first["accuracy"], first["macro_f1"]) != (second["accuracy"], second["macro_f1"])  # the seed matters
    for name in ("accuracy", "macro_f1", "worst_signer_accuracy"):
        for this, other in ((first, second), (second, first)):
            low, high = this[f"{name}_ci"]
            assert low <= other[name] <= high, (name, this[f"{name}_ci"], other[name])
