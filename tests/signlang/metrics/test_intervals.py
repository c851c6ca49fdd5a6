"""Intervals by resampling signers, on real predictions: a nearest-centroid reader of real
recordings (multisigner-258, preprocessed as params.yaml's features say) trained on some signers
and scored on the others."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.metrics import intervals
from signlang.metrics.evaluation import classification_metrics, signer_scores
from tests.projects import centroid_reader

TRAIN_SIGNERS = ("AdrLfv", "F1zzy", "FahmidaJuthi", "G4CiO", "Jeet10", "JefferyJiang-YF", "NadimintiSujan",
                 "SoyaChunkz+ToxicShot09", "avanishgarg", "daita-sur", "enamilkovicc", "himadrir", "hirak214",
                 "jackfai1993", "poojanvig", "shreebandal", "tamtridung", "techgeekshinobi")
TEST_SIGNERS = ("AD-Codex", "ArnavPundir22", "Chrille91", "Murugan-mady", "Quisha16", "ShivaNagalla",
                "dylan-ngjj", "electronicaddict", "traduttore", "zunaidansari")


@pytest.fixture(scope="module")
def predictions(shared_data: Path, project_root: Path) -> dict:
    """Real windows of the test signers read by class centroids of the training signers."""
    return centroid_reader(shared_data, project_root, TRAIN_SIGNERS, TEST_SIGNERS)


def test_point_scores_are_the_scores_evaluate_reports(predictions: dict) -> None:
    truth, predicted, signers, classes = (predictions[k] for k in ("truth", "predicted", "signers", "classes"))
    point = intervals.point_scores(truth, predicted, signers, classes)
    metrics = classification_metrics(truth, predicted, classes)
    assert point == {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"],
                     "worst_signer_accuracy": signer_scores(signers, truth, predicted)["worst_signer_accuracy"]}
    assert 0.2 < point["accuracy"] < 0.95  # a real, imperfect reader: the intervals below are about something


def test_the_interval_is_seeded_and_holds_the_observed_scores(predictions: dict) -> None:
    args = [predictions[k] for k in ("truth", "predicted", "signers", "classes")]
    first = intervals.signer_bootstrap(*args, n_resamples=500, confidence=0.95, seed=7)
    assert first == intervals.signer_bootstrap(*args, n_resamples=500, confidence=0.95, seed=7)
    assert first != intervals.signer_bootstrap(*args, n_resamples=500, confidence=0.95, seed=8)
    point = intervals.point_scores(*args)
    for name in intervals.METRICS:
        low, high = first[name]
        assert 0.0 <= low < high <= 1.0
        assert intervals.contains(first[name], point[name]), (name, first[name], point[name])
    # The worst signer's own windows are resampled too: the interval reaches below the observed worst.
    assert first["worst_signer_accuracy"][0] < point["worst_signer_accuracy"]
    narrow = intervals.signer_bootstrap(*args, n_resamples=500, confidence=0.5, seed=7)
    assert first["accuracy"][0] < narrow["accuracy"][0] < narrow["accuracy"][1] < first["accuracy"][1]
    assert intervals.interval_fields(first)["macro_f1_ci"] == list(first["macro_f1"])


def test_resampling_signers_is_wider_than_resampling_windows(predictions: dict) -> None:
    """Windows of one person are not independent: a window bootstrap (no signer ids) is too sure."""
    truth, predicted, signers, classes = (predictions[k] for k in ("truth", "predicted", "signers", "classes"))
    by_signer = intervals.signer_bootstrap(truth, predicted, signers, classes, n_resamples=500, seed=0)
    by_window = intervals.signer_bootstrap(truth, predicted, np.full(len(truth), ""), classes, n_resamples=500, seed=0)
    width = {name: value[1] - value[0] for name, value in by_signer.items()}
    assert width["accuracy"] > 2 * (by_window["accuracy"][1] - by_window["accuracy"][0])
    assert width["macro_f1"] > 2 * (by_window["macro_f1"][1] - by_window["macro_f1"][0])
    assert by_window["worst_signer_accuracy"] is None


def test_paired_intervals_are_those_of_the_difference(predictions: dict) -> None:
    truth, predicted, signers, classes = (predictions[k] for k in ("truth", "predicted", "signers", "classes"))
    same = intervals.paired_signer_bootstrap(truth, predicted, predicted, signers, classes, n_resamples=200)
    assert same == {name: (0.0, 0.0) for name in intervals.METRICS}
    # b: the same reader, except that it gets one signer's windows all right.
    fixed = np.where(signers == "ArnavPundir22", truth, predicted)
    better = intervals.paired_signer_bootstrap(truth, predicted, fixed, signers, classes, n_resamples=500, seed=3)
    worse = intervals.paired_signer_bootstrap(truth, fixed, predicted, signers, classes, n_resamples=500, seed=3)
    assert better["accuracy"] == (-worse["accuracy"][1], -worse["accuracy"][0])
    assert 0.0 <= better["accuracy"][0] < better["accuracy"][1]
    gain = (intervals.point_scores(truth, fixed, signers, classes)["accuracy"]
            - intervals.point_scores(truth, predicted, signers, classes)["accuracy"])
    assert intervals.contains(better["accuracy"], gain)
    # Unpaired intervals of the two overlap; the paired one still sees the difference.
    a = intervals.signer_bootstrap(truth, predicted, signers, classes, n_resamples=500, seed=3)["accuracy"]
    b = intervals.signer_bootstrap(truth, fixed, signers, classes, n_resamples=500, seed=3)["accuracy"]
    assert a[1] > b[0]


def test_bad_input_is_refused(predictions: dict) -> None:
    truth, predicted, signers, classes = (predictions[k] for k in ("truth", "predicted", "signers", "classes"))
    with pytest.raises(ValueError, match="not among the classes"):
        intervals.signer_bootstrap(truth, np.full(len(truth), "wave"), signers, classes)
    with pytest.raises(ValueError, match="equal length"):
        intervals.signer_bootstrap(truth, predicted[:-1], signers, classes)
    with pytest.raises(ValueError, match="confidence"):
        intervals.signer_bootstrap(truth, predicted, signers, classes, n_resamples=10, confidence=95)
    with pytest.raises(ValueError, match="no windows"):
        intervals.signer_bootstrap([], [], [], classes)


def test_the_worst_signer_counts_only_signers_with_enough_windows(predictions: dict) -> None:
    """Three windows of AD-Codex's, all read wrong, would be the worst signer at 0: with
    min_signer_windows they count for accuracy and macro-F1 but not for the worst signer."""
    truth, predicted, signers, classes = (predictions[k] for k in ("truth", "predicted", "signers", "classes"))
    keep = (signers != "AD-Codex") | (np.cumsum(signers == "AD-Codex") <= 3)
    truth, predicted, signers = truth[keep], predicted[keep].copy(), signers[keep]
    wrong = signers == "AD-Codex"
    predicted[wrong] = np.where(truth[wrong] == "hello", "thanks", "hello")
    assert intervals.point_scores(truth, predicted, signers, classes)["worst_signer_accuracy"] == 0.0
    counted = intervals.point_scores(truth, predicted, signers, classes, min_signer_windows=10)
    assert counted["worst_signer_accuracy"] == round(min(np.mean(truth[signers == name] == predicted[signers == name])
                                                         for name in set(signers.tolist()) - {"AD-Codex"}), 6)
    found = intervals.signer_bootstrap(truth, predicted, signers, classes, n_resamples=300, min_signer_windows=10)
    assert found["worst_signer_accuracy"][0] > 0.0 and intervals.contains(found["worst_signer_accuracy"],
                                                                           counted["worst_signer_accuracy"])
    assert intervals.signer_bootstrap(truth, predicted, signers, classes, n_resamples=50,
                                      min_signer_windows=10_000)["worst_signer_accuracy"] is None
