"""The split stage on the real signers of multisigner-258: the assignment and its summary written;
a one-signer set stops unless split.by: sequence says to split by sequence, and then every report
says the test signers were seen in training; classes no training sample reaches are named. How
the subsets are drawn: tests/signlang/data/test_split.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.errors import SignlangError
from stages.split import split as split_stage
from tests.signlang.data.helpers import multisigner_labels


@pytest.fixture(scope="module")
def real_labels(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    return multisigner_labels(shared_data)


def test_run_writes_the_assignment_and_summary(tmp_path: Path, real_labels, project_root: Path) -> None:
    from signlang.params import load_params

    labels, signers = real_labels
    dataset = tmp_path / "dataset.npz"
    ids = np.array([f"s{i:05d}" for i in range(len(labels))])
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=ids, labels=labels, signers=signers)
    params = load_params(project_root / "params.yaml")
    table = split_stage(params, dataset, tmp_path / "split.csv", tmp_path / "split.json")
    written = pd.read_csv(tmp_path / "split.csv", dtype=str, keep_default_na=False)
    assert list(written.columns) == ["id", "label", "signer", "subset"]
    assert written.id.tolist() == sorted(ids.tolist()) and len(table) == len(ids)
    assert '"strategy": "by_signer"' in (tmp_path / "split.json").read_text()


def _one_recorder_dataset(shared_data: Path, tmp_path: Path) -> Path:
    """The real Turkish vocab set (one recorder) as the extract stage would write its dataset."""
    with np.load(shared_data / "keypoints" / "vocab" / "fatih150.npz") as data:
        labels = data["label"].astype(str)
    dataset = tmp_path / "dataset.npz"
    ids = np.array([f"vocab/fatih150.npz#{i:03d}" for i in range(len(labels))])
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=ids, labels=labels,
             signers=np.full(len(labels), "fatih150"))
    return dataset


def test_a_one_signer_set_stops_unless_split_by_sequence_is_stated(tmp_path: Path, shared_data: Path,
                                                                   project_root: Path, capsys) -> None:
    """A team's own set with one recorder (the real Turkish vocab set): no signer can be held
    out, so the stage stops; with split.by: sequence it splits by sequence and the report and
    console say the test people were seen."""
    from signlang.params import load_params

    dataset = _one_recorder_dataset(shared_data, tmp_path)
    params = load_params(project_root / "params.yaml")
    with pytest.raises(SignlangError, match=r"1 signer id\(s\) \(fatih150\).*split.by: sequence"):
        split_stage(params, dataset, tmp_path / "split.csv", tmp_path / "split.json")
    assert not (tmp_path / "split.csv").exists()

    params = params.model_copy(update={"split": params.split.model_copy(update={"by": "sequence"})})
    table = split_stage(params, dataset, tmp_path / "split.csv", tmp_path / "split.json")
    report = json.loads((tmp_path / "split.json").read_text(encoding="utf-8"))
    assert report["strategy"] == "stratified by sequence (split.by: sequence)" and report["by"] == "sequence"
    assert report["seen_test_signers"] == ["fatih150"]
    assert "test scores are on signers the model saw in training (fatih150)" in report["notice"]
    assert "split: warning: test scores are on signers the model saw in training" in capsys.readouterr().out
    assert set(table.subset) == {"train", "val", "test"}
    assert set(table.label[table.subset == "test"]) == {"evet", "merhaba", "teşekkürederim"}


def test_classes_no_training_sample_reaches_are_named(tmp_path: Path, shared_data: Path, project_root: Path,
                                                      capsys) -> None:
    """Four real recorders of the vocab sets, each with words of their own: a split by signer puts
    some recorders' words in val and test only, and the stage says so before training."""
    from signlang.params import load_params

    labels, signers = [], []
    for name in ("fatih150", "emsicuong", "quangdm1702", "tungooxx"):
        with np.load(shared_data / "keypoints" / "vocab" / f"{name}.npz") as data:
            labels += [f"{name}:{label}" for label in data["label"].astype(str)]
            signers += [name] * len(data["label"])
    dataset = tmp_path / "dataset.npz"
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=np.array([f"s{i:04d}" for i in range(len(labels))]),
             labels=np.array(labels), signers=np.array(signers))
    split_stage(load_params(project_root / "params.yaml"), dataset, tmp_path / "split.csv", tmp_path / "split.json")
    report = json.loads((tmp_path / "split.json").read_text(encoding="utf-8"))
    held_out = set(report["subsets"]["val"]["signers"]) | set(report["subsets"]["test"]["signers"])
    assert report["classes_without_training_samples"] == sorted(label for label in set(labels)
                                                                 if label.split(":")[0] in held_out)
    assert report["classes_without_training_samples"]
    assert "have no training samples (every person who recorded them is in val or test)" in capsys.readouterr().out


def test_a_split_by_signer_reports_no_seen_test_signer(tmp_path: Path, real_labels, project_root: Path) -> None:
    from signlang.params import load_params

    labels, signers = real_labels
    dataset = tmp_path / "dataset.npz"
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=np.array([f"s{i:05d}" for i in range(len(labels))]),
             labels=labels, signers=signers)
    split_stage(load_params(project_root / "params.yaml"), dataset, tmp_path / "split.csv", tmp_path / "split.json")
    report = json.loads((tmp_path / "split.json").read_text(encoding="utf-8"))
    assert report["seen_test_signers"] == [] and "notice" not in report
