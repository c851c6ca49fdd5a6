"""signlang.crossval.scoring: the summary of a configuration's folds, and the nested selection
choosing on training signers only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.crossval.data import SignerData, load_signer_data
from signlang.crossval.report import failed_blocks_markdown, scores_without_windows
from signlang.crossval.scoring import cross_validate, summarise_config
from signlang.errors import ParamsError
from tests.signlang.crossval.helpers import make_params


def test_summary_lists_the_failed_signer_blocks() -> None:
    signers = np.array(["ann"] * 6 + ["bob"] * 6)
    truth = np.array(["hello", "hello", "hello", "no", "no", "no"] * 2)
    predicted = np.array(["hello", "hello", "hello", "no", "no", "hello",
                          "hello", "hello", "no", "yes", "yes", "yes"])
    rows = [{"accuracy": 0.5, "macro_f1": 0.5}]
    tested = SignerData(np.zeros((12, 1, 1), np.float32), truth, signers, np.array([str(i) for i in range(12)]),
                        ("hello", "no", "yes"))
    summary = summarise_config(rows, tested, predicted, failed_block_accuracy=0.2, fold_of_window=[1] * 12)
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
    assert summary["signers"] == list(signers) and summary["fold_of_window"] == [1] * 12
    assert "bob | no | 3 | 0.00 | yes (1.00)" in "\n".join(failed_blocks_markdown({"conv": summary}))
    assert not {"blocks", "y_pred", "signers"} & set(scores_without_windows(summary))


@pytest.mark.slow
def test_nested_selection_chooses_on_training_signers_only(project_root: Path, few_signers: Path,
                                                           tmp_path: Path) -> None:
    params = make_params(project_root, val_signers=0, nested_folds=2)
    configs = ["tutorial:raw", "stats"]
    data = load_signer_data(params, few_signers, cache_dir=tmp_path / "cache")
    result = cross_validate(params, configs, folds=2, epochs=1, data=data, log=lambda line: None)
    nested = result["nested"]
    assert nested["candidates"] == configs and nested["inner_folds"] == 2 and nested["metric"] == "macro_f1"
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
    # Too few training signers for the inner folds: named as the nested setting.
    with pytest.raises(ParamsError, match=r"crossval.nested_folds \(inner folds\): 3 folds need at least 3 signers"):
        cross_validate(params, configs, folds=2, epochs=1, nested_folds=3, data=data)
