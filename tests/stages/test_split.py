"""The split stage on the real signers of multisigner-258: no signer in two subsets, seeded,
stratified when signers are unknown, and the assignment written to a file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data.settings import SplitParams
from signlang.data.split import assign_subsets
from signlang.errors import SignlangError
from stages.split import split as split_stage


@pytest.fixture(scope="module")
def real_labels(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    labels, signers = [], []
    for path in sorted((shared_data / "keypoints" / "multisigner-258").glob("*.npz")):
        with np.load(path) as data:
            labels.extend(data["label"].astype(str))
            signers.extend([path.stem] * len(data["label"]))
    return np.array(labels), np.array(signers)


def _params(**changes) -> SplitParams:
    return SplitParams(**{"train": 0.7, "val": 0.15, "test": 0.15, "strategy": "by_signer", "seed": 42, **changes})


def test_by_signer_keeps_every_signer_in_one_subset(real_labels) -> None:
    labels, signers = real_labels
    subsets, strategy = assign_subsets(labels, signers, _params())
    assert strategy == "by_signer"
    table = pd.DataFrame({"signer": signers, "subset": subsets})
    assert (table.groupby("signer").subset.nunique() == 1).all()
    assert set(subsets) == {"train", "val", "test"}
    # The test subset holds every class, so its scores cover the whole vocabulary.
    assert set(labels[subsets == "test"]) == set(labels)


def test_same_seed_same_split_other_seed_other_split(real_labels) -> None:
    labels, signers = real_labels
    first, _ = assign_subsets(labels, signers, _params())
    again, _ = assign_subsets(labels, signers, _params())
    other, _ = assign_subsets(labels, signers, _params(seed=7))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_without_signer_ids_it_stratifies_by_class(real_labels) -> None:
    labels, _ = real_labels
    subsets, strategy = assign_subsets(labels, np.full(len(labels), ""), _params())
    assert strategy.startswith("stratified")
    for label in set(labels):
        share = np.mean(subsets[labels == label] == "test")
        assert 0.08 < share < 0.25, (label, share)


def test_a_class_with_one_sample_cannot_be_stratified() -> None:
    labels = np.array(["a"] * 10 + ["b"] * 10 + ["c"])
    with pytest.raises(SignlangError, match="'c'|single sample"):
        assign_subsets(labels, np.full(len(labels), ""), _params(strategy="stratified"))


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


def test_a_one_signer_set_is_split_by_sequence_and_says_so(tmp_path: Path, shared_data: Path, project_root: Path,
                                                           capsys) -> None:
    """A team's own set with one recorder (the real Turkish vocab set): no signer can be held
    out, so the split is by sequence and the report and console say the test people were seen."""
    from signlang.params import load_params

    with np.load(shared_data / "keypoints" / "vocab" / "fatih150.npz") as data:
        labels = data["label"].astype(str)
    dataset = tmp_path / "dataset.npz"
    ids = np.array([f"vocab/fatih150.npz#{i:03d}" for i in range(len(labels))])
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=ids, labels=labels,
             signers=np.full(len(labels), "fatih150"))
    table = split_stage(load_params(project_root / "params.yaml"), dataset, tmp_path / "split.csv", tmp_path / "split.json")
    report = json.loads((tmp_path / "split.json").read_text(encoding="utf-8"))
    assert report["strategy"] == "stratified by sequence (1 signer ids, fewer than 3)"
    assert report["seen_test_signers"] == ["fatih150"]
    assert "test scores are on signers the model saw in training (fatih150)" in report["notice"]
    assert "split: warning: test scores are on signers the model saw in training" in capsys.readouterr().out
    assert set(table.subset) == {"train", "val", "test"}
    assert set(table.label[table.subset == "test"]) == {"evet", "merhaba", "teşekkürederim"}


def test_a_split_by_signer_reports_no_seen_test_signer(tmp_path: Path, real_labels, project_root: Path) -> None:
    from signlang.params import load_params

    labels, signers = real_labels
    dataset = tmp_path / "dataset.npz"
    np.savez(dataset, X=np.zeros((len(labels), 2, 258), np.float32), ids=np.array([f"s{i:05d}" for i in range(len(labels))]),
             labels=labels, signers=signers)
    split_stage(load_params(project_root / "params.yaml"), dataset, tmp_path / "split.csv", tmp_path / "split.json")
    report = json.loads((tmp_path / "split.json").read_text(encoding="utf-8"))
    assert report["seen_test_signers"] == [] and "notice" not in report
