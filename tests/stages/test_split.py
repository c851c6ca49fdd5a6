"""The split stage on the real signers of multisigner-258: no signer in two subsets, seeded, and
the assignment written to a file; without signer ids it stops and says how to name them unless
split.by: sequence says to split by sequence, and then every report says the test signers were
seen in training."""

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
    return SplitParams(**{"train": 0.7, "val": 0.15, "test": 0.15, "by": "signer", "seed": 42, **changes})


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


def test_by_sequence_stratifies_by_class_ignoring_signers(real_labels) -> None:
    labels, signers = real_labels
    for given in (signers, np.full(len(labels), "")):
        subsets, strategy = assign_subsets(labels, given, _params(by="sequence"))
        assert strategy == "stratified by sequence (split.by: sequence)"
        for label in set(labels):
            share = np.mean(subsets[labels == label] == "test")
            assert 0.08 < share < 0.25, (label, share)
    # The 33 signers each land on several sides: the test people were seen in training.
    table = pd.DataFrame({"signer": signers, "subset": subsets})
    assert (table.groupby("signer").subset.nunique() > 1).sum() > 25


def test_without_signer_ids_a_split_by_signer_stops_and_says_how_to_name_them(real_labels) -> None:
    labels, signers = real_labels
    with pytest.raises(SignlangError, match=r"split: no sample has a signer id.*signer: NAME.*signer_folder: 1.*"
                                            r"metadata:.*split.by: sequence"):
        assign_subsets(labels, np.full(len(labels), ""), _params())
    two = np.where(signers == signers[0], signers[0], "daita-sur")
    with pytest.raises(SignlangError, match=r"split: 2 signer id\(s\) \(.*\), fewer than the 3 a split by signer needs"):
        assign_subsets(labels, two, _params())
    assign_subsets(labels, two, _params(val=0.0, train=0.85))  # no val subset: two people are enough


def test_samples_without_a_signer_id_train_only(real_labels) -> None:
    labels, signers = real_labels
    unnamed = signers.copy()
    unnamed[::7] = ""  # every 7th sample of the real set loses its signer id
    subsets, strategy = assign_subsets(labels, unnamed, _params())
    assert strategy == "by_signer"
    assert set(subsets[unnamed == ""]) == {"train"}
    table = pd.DataFrame({"signer": unnamed, "subset": subsets})
    assert (table[table.signer != ""].groupby("signer").subset.nunique() == 1).all()
    assert {"val", "test"} <= set(subsets)


def test_a_class_with_one_sample_cannot_be_stratified() -> None:
    labels = np.array(["a"] * 10 + ["b"] * 10 + ["c"])
    with pytest.raises(SignlangError, match="'c'|single sample"):
        assign_subsets(labels, np.full(len(labels), ""), _params(by="sequence"))


def test_the_old_strategy_key_reads_as_what_it_meant() -> None:
    from signlang.errors import ParamsError
    from signlang.settings import parse_section

    def parsed(**split) -> SplitParams:
        return parse_section({"split": {"train": 0.7, "val": 0.15, "test": 0.15, **split}}, "split", SplitParams)

    assert parsed(strategy="by_signer").by == "signer" and parsed(strategy="stratified").by == "sequence"
    with pytest.raises(ParamsError, match=r"split: Value error, strategy: renamed `by`.*by: signer.*by: sequence"):
        parsed(strategy="stratified", by="signer")


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
