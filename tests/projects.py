"""Projects for tests: a small real project trained, evaluated and exported by the project's own
stage code (built once per session by the `small_project` fixture in tests/conftest.py), and a
copy of the repository's tracked files for the tests that run `dvc` in a copy.

Not a test module: tests import from here, never from each other."""

from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signlang import paths
from signlang.params import Params, load_params

# Signer -> subset: no signer in two subsets, as the by_signer split does.
# Version 2 data: SoyaChunkz and ToxicShot09 are one person (one file), so val is electronicaddict.
SIGNERS = {"SoyaChunkz+ToxicShot09": "train", "F1zzy": "train", "electronicaddict": "val", "shreebandal": "test"}
PER_CLASS = 6  # sequences per class per signer


def project_params(project_root: Path, **sections) -> Params:
    """params.yaml with the tutorial preset, 2 epochs, and any section values replaced."""
    raw = load_params(project_root / "params.yaml").model_dump()
    raw["train"].update(preset="tutorial", epochs=2, batch_size=32)
    for section, values in sections.items():
        raw[section].update(values)
    return Params.model_validate(raw)


def write_dataset(root: Path, shared_data: Path, sequence_length: int) -> None:
    """data/dataset.npz and data/split.csv under `root`, as the extract and split stages write
    them, from the first PER_CLASS sequences of each class of each of SIGNERS (real recordings)."""
    from signlang.features.keypoints import resample

    windows, ids, labels, signers = [], [], [], []
    for signer in SIGNERS:
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            X, y = data["X"], data["label"].astype(str)
        for label in sorted(set(y)):
            for index in np.flatnonzero(y == label)[:PER_CLASS]:
                windows.append(resample(X[index].astype(np.float32), sequence_length))
                ids.append(f"multisigner-258/{signer}.npz#{index}")
                labels.append(label)
                signers.append(signer)
    X = np.stack(windows)
    ids, labels, signers = np.array(ids), np.array(labels), np.array(signers)
    order = np.argsort(ids)
    X, ids, labels, signers = X[order], ids[order], labels[order], signers[order]

    (root / paths.DATA_DIR).mkdir(parents=True, exist_ok=True)
    np.savez(root / paths.DATASET, X=X, ids=ids, labels=labels, signers=signers, classes=np.array(sorted(set(labels))))
    with open(root / paths.SPLIT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "signer", "subset"])
        writer.writerows((i, label, signer, SIGNERS[signer]) for i, label, signer in zip(ids, labels, signers))


@dataclass(frozen=True)
class SmallProject:
    """A project folder after the train, evaluate and export stages (`root`: read it, never
    write into it; a test that changes files works on `copy_project`'s copy)."""

    root: Path
    params: Params
    metrics: dict  # what the evaluate stage returned (reports/metrics.json)
    export_report: dict  # what the export stage returned (reports/export.json)
    # Whether an MLflow store existed after the stages ran with MLFLOW_TRACKING_URI pointing
    # at root/mlflow.db (only the track stage logs).
    mlflow_store_after_stages: bool

    @property
    def bundle(self) -> Path:
        return self.root / paths.BUNDLE_DIR


def build_project(root: Path, shared_data: Path, params: Params) -> SmallProject:
    """Write the dataset and split under `root`, then run the train, evaluate and export stages'
    own functions there (the working directory is `root` while they run)."""
    import pytest

    from stages.evaluate import evaluate
    from stages.export import export
    from stages.train import train

    write_dataset(root, shared_data, params.features.sequence_length)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        # The train stage sets PYTHONHASHSEED for its child processes: restored afterwards, so it
        # does not reach the session's other tests' children.
        patch.setenv("PYTHONHASHSEED", str(params.train.seed))
        train(params)
        metrics = evaluate(params)
        export_report = export(params)
    return SmallProject(root=root, params=params, metrics=metrics, export_report=export_report,
                        mlflow_store_after_stages=(root / "mlflow.db").exists())


def copy_project(project: SmallProject, target: Path) -> Path:
    """A private copy of the project folder, for a test that rewrites or adds files."""
    shutil.copytree(project.root, target)
    return target


@dataclass(frozen=True)
class ProjectWindows:
    """The project's dataset aligned with its split, and the trained Keras model."""

    model: object  # keras.Model, read from models/model.keras
    X: np.ndarray  # the model's (normalised) input windows
    raw_X: np.ndarray  # the dataset's raw windows
    ids: np.ndarray
    labels: np.ndarray
    classes: np.ndarray
    subsets: np.ndarray


def project_windows(project: SmallProject) -> ProjectWindows:
    """Read data/dataset.npz, data/split.csv and models/model.keras back from the project."""
    from signlang.features.keypoints import normalise
    from signlang.models.networks import load_model

    with np.load(project.root / paths.DATASET) as data:
        raw_X, ids, labels, classes = data["X"], data["ids"], data["labels"], data["classes"]
    with open(project.root / paths.SPLIT, newline="", encoding="utf-8") as handle:
        subset_of = {row["id"]: row["subset"] for row in csv.DictReader(handle)}
    subsets = np.array([subset_of[i] for i in ids])
    X = normalise(raw_X, project.params.features)
    return ProjectWindows(model=load_model(project.root / paths.KERAS_MODEL), X=X, raw_X=raw_X, ids=ids,
                          labels=labels, classes=classes, subsets=subsets)


def exported_view(project: SmallProject) -> dict:
    """The project's stage results and its dataset, split and trained model read back, as one dict
    (the export tests' `exported` fixture)."""
    return {"root": project.root, "params": project.params, "metrics": project.metrics,
            "result": project.export_report, "store_after_stages": project.mlflow_store_after_stages,
            **vars(project_windows(project))}


def copy_tracked_files(project_root: Path, project: Path) -> None:
    """The repository's tracked (and not ignored) files, without pipeline outputs or dvc.lock."""
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=project_root, capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        source = project_root / name
        if source.is_file() and not name.startswith(("data/", "models/", "reports/")) and name != "dvc.lock":
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, project / name)


def centroid_reader(shared_data: Path, project_root: Path, train_signers, test_signers) -> dict:
    """Real predictions of an imperfect reader, cheap to make: each window of multisigner-258
    (preprocessed as params.yaml's features say) summarised by the mean and spread over time of its
    features, standardised, and read as the nearest class centroid of the training signers.
    {"truth", "predicted", "signers", "classes"} for the test signers' windows."""
    from signlang.features.keypoints import normalise, resample
    from signlang.features.spec import FeatureParams
    from signlang.settings import load_section

    spec = load_section("features", FeatureParams, project_root / "params.yaml")

    def read(signers):
        features, labels, who = [], [], []
        for signer in signers:
            with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
                windows = normalise(np.stack([resample(x.astype(np.float32), spec.sequence_length)
                                              for x in data["X"]]), spec)
                features.append(np.concatenate([windows.mean(axis=1), windows.std(axis=1)], axis=1))
                labels += data["label"].astype(str).tolist()
                who += [signer] * len(data["X"])
        return np.concatenate(features), np.array(labels), np.array(who)

    x_train, y_train, _ = read(train_signers)
    x_test, y_test, signers = read(test_signers)
    centre, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    x_train, x_test = (x_train - centre) / scale, (x_test - centre) / scale
    trained = sorted(set(y_train))
    centroids = np.stack([x_train[y_train == name].mean(axis=0) for name in trained])
    distances = ((x_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return {"truth": y_test, "predicted": np.array(trained)[np.argmin(distances, axis=1)], "signers": signers,
            "classes": sorted(set(trained) | set(y_test))}
