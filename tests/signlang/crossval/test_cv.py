"""signlang.crossval.cv on the real multi-signer keypoints: folds by signer, validation signers
taken from the training side, and a tiny end-to-end run writing the documented files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from signlang.cli import main
from signlang.crossval import cv as crossval
from signlang.errors import ParamsError
from signlang.params import Params, load_params, parse_params

SIGNERS = ("AD-Codex", "AdrLfv", "JefferyJiang-YF", "hirak214")


def make_params(project_root: Path, **crossval_changes) -> Params:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["train"].update({"batch_size": 32, "early_stopping_patience": 0})
    raw["crossval"].update({"val_signers": 1, "nested_folds": 0, "extra_training": [], **crossval_changes})
    return parse_params(raw)


@pytest.fixture(scope="module")
def few_signers(tmp_path_factory, shared_data: Path) -> Path:
    """A folder linking (not copying) four real signers' files."""
    folder = tmp_path_factory.mktemp("signers")
    for signer in SIGNERS:
        (folder / f"{signer}.npz").symlink_to(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz")
    return folder


def test_load_signer_data_reads_through_ingest(project_root: Path, few_signers: Path) -> None:
    data = crossval.load_signer_data(make_params(project_root), few_signers)
    assert set(data.signers) == set(SIGNERS)
    assert data.X.shape[1:] == (30, 258) and data.X.dtype == np.float32
    assert len(data.X) == len(data.labels) == len(data.ids) == 60 + 90 + 90 + 60  # version 2: AD-Codex's `no` removed
    assert set(data.labels) <= set(data.classes)


def test_folds_never_share_a_signer(shared_data: Path, project_root: Path) -> None:
    data = crossval.load_signer_data(make_params(project_root), shared_data / "keypoints" / "multisigner-258")
    assert len(set(data.signers)) == 33  # version 3: 8 signers added to version 2's 25
    folds = crossval.signer_folds(data.labels, data.signers, 5, seed=42)
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(data.labels)))  # every sample tested exactly once
    for number, (train, test) in enumerate(folds):
        assert not set(data.signers[train]) & set(data.signers[test])
        held = crossval.validation_signers(data.labels[train], data.signers[train], 3, seed=number)
        assert len(held) == 3 and set(held) <= set(data.signers[train])
    # Seeded: the same folds again (what lets two configs be compared on the same folds).
    again = crossval.signer_folds(data.labels, data.signers, 5, seed=42)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    with pytest.raises(ParamsError, match="crossval.folds: 36 folds need at least 36 signers"):
        crossval.signer_folds(data.labels, data.signers, 36, seed=42)


def test_nested_folds_must_be_off_or_at_least_two(project_root: Path) -> None:
    assert make_params(project_root, nested_folds=2).crossval.nested_folds == 2
    with pytest.raises(ParamsError, match="nested_folds must be 0 \\(off\\) or at least 2"):
        make_params(project_root, nested_folds=1)
    with pytest.raises(ParamsError, match="select_metric"):
        make_params(project_root, select_metric="loss")


def test_config_params() -> None:
    assert crossval.parse_config("tutorial:raw") == ("tutorial", True)
    assert crossval.parse_config("conv") == ("conv", False)


def test_raw_config_is_the_source_preprocessing(project_root: Path) -> None:
    params = make_params(project_root)
    raw = crossval.config_params(params, "tutorial:raw", epochs=3)
    assert raw.train.preset == "tutorial" and raw.train.epochs == 3 and not raw.train.augment.enabled
    assert raw.features.normalisation == "none" and not raw.features.hand_shape and raw.features.mirror == "none"
    tuned = crossval.config_params(params, "conv", epochs=3)
    assert tuned.features == params.features and tuned.train.augment == params.train.augment
    with pytest.raises(ParamsError, match="unknown preset 'resnet'"):
        crossval.config_params(params, "resnet", epochs=3)


def test_summary_lists_the_failed_signer_blocks() -> None:
    signers = np.array(["ann"] * 6 + ["bob"] * 6)
    truth = np.array(["hello", "hello", "hello", "no", "no", "no"] * 2)
    predicted = np.array(["hello", "hello", "hello", "no", "no", "hello",
                          "hello", "hello", "no", "yes", "yes", "yes"])
    rows = [{"accuracy": 0.5, "macro_f1": 0.5}]
    tested = crossval.SignerData(np.zeros((12, 1, 1), np.float32), truth, signers,
                                 np.array([str(i) for i in range(12)]), ("hello", "no", "yes"))
    summary = crossval.summarise_config(rows, tested, predicted, failed_block_accuracy=0.2)
    failed = summary["failed_blocks"]
    # bob's "no" (all taken for "yes") is the one failed block and holds 3 of the 5 errors.
    assert failed["blocks"] == 1 and failed["of_blocks"] == 4 and failed["windows"] == 3
    assert failed["share_of_errors"] == 0.6 and failed["list"][0]["signer"] == "bob"
    assert summary["per_signer_accuracy"] == {"ann": pytest.approx(5 / 6), "bob": pytest.approx(2 / 6)}
    assert summary["worst_signer"] == "bob" and summary["worst_signer_accuracy"] == pytest.approx(2 / 6, abs=1e-6)
    assert summary["median_signer_accuracy"] == pytest.approx(7 / 12, abs=1e-6)
    assert summary["signer_accuracy_std"] == pytest.approx(0.25, abs=1e-6)
    assert summary["pooled_accuracy"] == pytest.approx(7 / 12, abs=1e-6)
    assert 0 < summary["pooled_macro_f1"] < 1
    assert "bob | no | 3 | 0.00 | yes (1.00)" in "\n".join(crossval.failed_blocks_markdown({"conv": summary}))
    assert "blocks" not in crossval._without_predictions(summary)


@pytest.mark.slow
def test_tiny_cross_validation_writes_the_documented_files(project_root: Path, few_signers: Path, tmp_path: Path) -> None:
    out = tmp_path / "cv"
    params = make_params(project_root)
    result = crossval.run(params, ["tutorial:raw", "conv"], folds=2, epochs=1, out=out, data=few_signers)
    expected = {"cv.json", "cv.md", "confusion_tutorial_raw.png", "confusion_tutorial_raw.csv",
                "confusion_conv.png", "confusion_conv.csv", "blocks_tutorial_raw.csv", "blocks_conv.csv",
                "params.yaml"}
    assert {path.name for path in out.iterdir()} == expected
    scores = json.loads((out / "cv.json").read_text())
    assert scores["folds"] == 2 and scores["epochs"] == 1 and scores["signers"] == 4
    fold_signers = [set(names) for names in scores["fold_signers"]]
    assert not fold_signers[0] & fold_signers[1] and fold_signers[0] | fold_signers[1] == set(SIGNERS)
    for name in ("tutorial:raw", "conv"):
        config = scores["configs"][name]
        assert 0.0 <= config["accuracy_mean"] <= 1.0 and config["accuracy_std"] >= 0.0
        assert len(config["folds"]) == 2
        for fold, test_signers in zip(config["folds"], fold_signers):
            # Early stopping's signers come from the training side, never the test fold.
            assert fold["val_signers"] and not set(fold["val_signers"]) & test_signers
        assert set(config["per_class_accuracy"]) == set(scores["classes"])
        assert "y_pred" not in config
        # The pooled confusion CSV lists every sample exactly once.
        rows = (out / f"confusion_{name.replace(':raw', '_raw')}.csv").read_text().splitlines()
        assert rows[0] == "id,actual,predicted" and len(rows) - 1 == 300 == len(result["configs"][name]["ids"])
        # Every window sits in exactly one signer x class block.
        blocks = pd.read_csv(out / f"blocks_{name.replace(':raw', '_raw')}.csv")
        assert blocks.windows.sum() == 300 and set(blocks.signer) == set(SIGNERS)
        assert set(config["per_signer_accuracy"]) == set(SIGNERS)
        failed = config["failed_blocks"]
        assert failed["blocks"] == int((blocks.accuracy <= 0.2).sum()) and failed["of_blocks"] == len(blocks)
    table = (out / "cv.md").read_text()
    assert "| tutorial:raw |" in table and "| conv |" in table
    # The folder's params.yaml holds the command line's choices: alone, it reruns the same scores.
    ran_with = load_params(out / "params.yaml")
    assert ran_with.crossval.presets == ["tutorial:raw", "conv"] and ran_with.crossval.folds == 2
    assert ran_with.crossval.epochs == 1 and ran_with.crossval.data == str(few_signers)
    assert ran_with.train == params.train and ran_with.features == params.features
    crossval.run(ran_with, out=tmp_path / "rerun")
    assert json.loads((tmp_path / "rerun" / "cv.json").read_text()) == scores


@pytest.mark.slow
def test_nested_selection_chooses_on_training_signers_only(project_root: Path, few_signers: Path, tmp_path: Path) -> None:
    out = tmp_path / "cv"
    params = make_params(project_root, val_signers=0, nested_folds=2)
    configs = ["tutorial:raw", "stats"]
    result = crossval.run(params, configs, folds=2, epochs=1, out=out, data=few_signers)
    nested = result["nested"]
    assert nested["candidates"] == configs and nested["inner_folds"] == 2 and nested["metric"] == "macro_f1"
    assert load_params(out / "params.yaml").crossval.nested_folds == 2  # the rerun runs the selection too
    start = 0
    for row in nested["folds"]:
        scores = row["inner_scores"]
        assert set(scores) == set(configs) and all(0.0 <= value <= 1.0 for value in scores.values())
        assert row["selected"] == max(configs, key=lambda name: scores[name])
        # The pick's outer-fold predictions are the selected config's own on that fold.
        chosen = result["configs"][row["selected"]]
        end = start + row["test_samples"]
        assert nested["y_pred"][start:end] == chosen["y_pred"][start:end]
        assert row["accuracy"] == chosen["folds"][row["fold"] - 1]["accuracy"]
        start = end
    assert start == len(nested["ids"]) == 300
    scores = json.loads((out / "cv.json").read_text())
    assert scores["nested"]["folds"][0]["selected"] in configs and "y_pred" not in scores["nested"]
    assert {"confusion_nested.png", "confusion_nested.csv"} <= {path.name for path in out.iterdir()}
    assert "| nested |" in (out / "cv.md").read_text()
    # Too few training signers for the inner folds: named as the nested setting.
    with pytest.raises(ParamsError, match=r"crossval.nested_folds \(inner folds\): 3 folds need at least 3 signers"):
        crossval.cross_validate(params, configs, folds=2, epochs=1, nested_folds=3,
                                data=crossval.load_signer_data(params, few_signers))


def link_signers(folder: Path, shared_data: Path, names: dict[str, str]) -> Path:
    """`folder` with links to real signers' files, {file stem: signer file in multisigner-258}."""
    folder.mkdir()
    for stem, signer in names.items():
        (folder / f"{stem}.npz").symlink_to(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz")
    return folder


def test_extra_training_joins_every_training_side_and_is_never_tested(
        project_root: Path, few_signers: Path, shared_data: Path, tmp_path: Path) -> None:
    extra = link_signers(tmp_path / "extra", shared_data, {"Jeet10": "Jeet10", "poojanvig": "poojanvig"})
    params = make_params(project_root, extra_training=[{"path": str(extra)}], val_signers=0)
    data = crossval.load_signer_data(params, few_signers)
    only = data.train_only
    assert set(data.signers[only]) == {"Jeet10", "poojanvig"} and set(data.signers[~only]) == set(SIGNERS)
    assert set(data.labels[only]) <= set(data.classes)  # classes the tested signers lack are dropped
    folds = crossval.signer_folds(data.labels, data.signers, 2, seed=42, train_only=only)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == sorted(np.flatnonzero(~only))  # every tested sample once, none training-only
    for train, test in folds:
        assert set(np.flatnonzero(only)) <= set(train) and not set(data.signers[train]) & set(data.signers[test])
    # Without training-only samples the folds are the ones cross-validation always made.
    plain = crossval.load_signer_data(make_params(project_root), few_signers)
    before = crossval.signer_folds(plain.labels, plain.signers, 2, seed=42)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(before, folds))
    out = tmp_path / "cv"
    result = crossval.run(params, ["stats"], folds=2, epochs=1, out=out, data=few_signers)
    assert result["signers"] == 4 and result["samples"] == int((~only).sum()) == 300
    assert result["extra_training"]["samples"] == int(only.sum()) and result["extra_training"]["signers"] == 2
    assert len(result["configs"]["stats"]["ids"]) == 300
    assert "Every fold also trains on" in (out / "cv.md").read_text()


def test_extra_training_refuses_a_tested_person_or_recording(
        project_root: Path, few_signers: Path, shared_data: Path, tmp_path: Path) -> None:
    same_person = link_signers(tmp_path / "same_person", shared_data, {"hirak214": "hirak214"})
    with pytest.raises(ParamsError, match="signer.*hirak214 also in crossval.data"):
        crossval.load_signer_data(make_params(project_root, extra_training=[{"path": str(same_person)}]), few_signers)
    renamed = link_signers(tmp_path / "renamed", shared_data, {"someone_else": "AdrLfv"})
    with pytest.raises(ParamsError, match=r"someone_else\.npz#0 is the same window as .*AdrLfv\.npz#0"):
        crossval.load_signer_data(make_params(project_root, extra_training=[{"path": str(renamed)}]), few_signers)
    other_words = tmp_path / "other_words"
    other_words.mkdir()
    (other_words / "fatih150.npz").symlink_to(shared_data / "keypoints" / "vocab" / "fatih150.npz")
    # Another vocabulary (a team's own words) is no error: nothing joins and the folds stay as they were.
    alone = crossval.load_signer_data(make_params(project_root, extra_training=[{"path": str(other_words)}]),
                                      few_signers)
    assert alone.train_only is None and set(alone.signers) == set(SIGNERS)
    with pytest.raises(ParamsError, match="crossval.extra_training: .*nowhere.* does not exist"):
        crossval.load_signer_data(make_params(project_root, extra_training=[{"path": str(tmp_path / "nowhere")}]),
                                  few_signers)


@pytest.mark.slow
def test_extra_training_video_clips_run_holistic_once_then_come_from_the_cache(
        project_root: Path, few_signers: Path, shared_data: Path, tmp_path: Path) -> None:
    clips = tmp_path / "clips" / "hello"
    clips.mkdir(parents=True)
    for name in ("hello_01.mp4", "hello_02.mp4"):
        (clips / name).symlink_to(shared_data / "videos" / "asl-starter" / "hello" / name)
    params = make_params(project_root, extra_training=[{"path": str(clips.parent)}])
    tested = crossval.load_signer_data(make_params(project_root), few_signers)
    cache = tmp_path / "cache"
    extra = crossval.extra_training_data(params, tested, cache_dir=cache)
    assert list(extra.labels) == ["hello", "hello"] and extra.X.shape[1:] == tested.X.shape[1:]
    cached = sorted(cache.iterdir())
    assert len(cached) == 2
    stamps = [path.stat().st_mtime_ns for path in cached]
    again = crossval.extra_training_data(params, tested, cache_dir=cache)
    assert np.array_equal(again.X, extra.X) and [path.stat().st_mtime_ns for path in cached] == stamps


def test_cli_refuses_an_unknown_preset(capsys) -> None:
    assert main(["cv", "--presets", "tutorial,resnet"]) == 1
    assert "unknown preset 'resnet'" in capsys.readouterr().err
    assert main(["cv", "--nested-folds", "1"]) == 1
    assert "--nested-folds: needs 0 (off) or at least 2, got 1" in capsys.readouterr().err
