"""The champion rule on comparisons made on real windows: a nearest-centroid reader of real
recordings (multisigner-258, preprocessed as params.yaml's features say) on ten signers it never
saw, against prediction sets that differ from it in known ways."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.metrics.comparison import ScoringWindows, compare_predictions
from signlang.metrics.settings import EvaluateParams
from signlang.serving.promotion import decide, seen_note
from tests.projects import centroid_reader

EVALUATE = EvaluateParams(bootstrap_resamples=500)
TRAIN_SIGNERS = ("AdrLfv", "FahmidaJuthi", "Jeet10", "JefferyJiang-YF", "NadimintiSujan", "SoyaChunkz+ToxicShot09",
                 "avanishgarg", "daita-sur", "enamilkovicc", "hirak214", "jackfai1993", "tamtridung")
TEST_SIGNERS = ("AD-Codex", "ArnavPundir22", "Chrille91", "Murugan-mady", "Quisha16", "ShivaNagalla",
                "dylan-ngjj", "electronicaddict", "traduttore", "zunaidansari")


@pytest.fixture(scope="module")
def real(shared_data: Path, project_root: Path) -> dict:
    reader = centroid_reader(shared_data, project_root, TRAIN_SIGNERS, TEST_SIGNERS)
    windows = ScoringWindows(np.zeros((len(reader["truth"]), 1, 1), np.float32), reader["truth"], reader["signers"],
                             tuple(reader["classes"]))
    return {"windows": windows, "predicted": reader["predicted"]}


def _compare(real: dict, candidate: np.ndarray, champion: np.ndarray) -> dict:
    return compare_predictions(real["windows"], candidate, champion, EVALUATE).as_dict("candidate", "champion")


def test_no_champion_yet_is_promoted() -> None:
    assert decide(None, "macro_f1", 0.0, 0.05).promoted is True
    assert decide(None, "macro_f1", 0.0, 0.05).reason == "no champion yet"


def test_the_same_model_again_is_within_noise(real: dict) -> None:
    comparison = _compare(real, real["predicted"], real["predicted"])
    promotion = decide(comparison, "macro_f1", 0.0, 0.05)
    assert promotion.promoted is False and promotion.comparison == comparison
    assert ("difference +0.0000, 95% interval [+0.0000, +0.0000], within noise; its lower bound does not clear "
            "export.min_gain 0") in promotion.reason
    assert f"on the same {len(real['windows'].labels)} test windows of 10 signers" in promotion.reason


def test_a_clear_gain_is_promoted_unless_min_gain_asks_for_more(real: dict) -> None:
    """The candidate reads five more signers' windows right: a gain beyond the resampling."""
    windows, predicted = real["windows"], real["predicted"]
    corrected = np.where(np.isin(windows.signers, ["ArnavPundir22", "Chrille91", "Murugan-mady", "ShivaNagalla", "zunaidansari"]),
                         windows.labels, predicted)
    comparison = _compare(real, corrected, predicted)
    low, high = comparison["difference_ci"]["accuracy"]
    assert 0.0 < low <= comparison["difference"]["accuracy"] <= high
    promoted = decide(comparison, "accuracy", 0.0, 0.05)
    assert promoted.promoted is True and "its lower bound clears export.min_gain 0" in promoted.reason
    assert "worst signer's accuracy" in promoted.reason
    demanding = decide(comparison, "accuracy", round(low + 0.01, 4), 0.05)
    assert demanding.promoted is False and "does not clear export.min_gain" in demanding.reason
    assert "within noise" not in demanding.reason


def test_a_gain_that_costs_the_worst_signer_is_refused(real: dict) -> None:
    """Better on average, bought with one person: the champion's worst signer is read better."""
    windows, predicted = real["windows"], real["predicted"]
    others = ~np.isin(windows.signers, ["ShivaNagalla"])
    # The candidate reads every window of nine signers right and all of ShivaNagalla's as one class.
    candidate = np.where(others, windows.labels, "hello")
    comparison = _compare(real, candidate, predicted)
    assert comparison["difference_ci"]["accuracy"][0] > 0.0
    assert comparison["champion"]["worst_signer_accuracy"] - comparison["candidate"]["worst_signer_accuracy"] > 0.05
    refused = decide(comparison, "accuracy", 0.0, 0.05)
    assert refused.promoted is False and "worst signer's accuracy" in refused.reason
    assert "export.max_worst_signer_drop 0.05" in refused.reason
    assert decide(comparison, "accuracy", 0.0, None).promoted is True  # the rule off


def test_other_classes_are_never_promoted_and_notes_are_kept() -> None:
    comparison = {"comparable": False, "why": "the classes differ (the candidate has 4 classes, the champion 8)"}
    promotion = decide(comparison, "macro_f1", 0.0, 0.05, [seen_note(3, 8)])
    assert promotion.promoted is False
    assert promotion.reason.startswith("not compared with the champion: the classes differ")
    assert "note: 3 of the 8 test signers were also in training" in promotion.reason
    assert seen_note(0, 8) is None
