"""The champion rule: whether a newly registered model takes the champion alias, and why.

The champion's score stored in the registry came from its own test windows, classes and
machine; comparing it with a candidate's is comparing different things. So the track stage
challenges the champion on the candidate's own test windows (signlang/metrics/comparison.py:
both bundles on the same windows, on this machine, the difference with a paired interval over
signer resamples) and this module decides on that comparison:

- no champion yet: promoted;
- not comparable (the classes differ, the champion cannot read the windows): not promoted;
- the lower bound of the interval of the difference in `export.promotion_metric` must clear
  `export.min_gain` (a gain beyond what resampling the test signers explains, by a margin);
- and the candidate's worst test signer may be at most `export.max_worst_signer_drop` below the
  champion's worst on the same windows.

The reason, one sentence, says which, with the numbers; notes (test signers seen in training,
a champion trained on another dataset) are appended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WORST = "worst_signer_accuracy"
NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1", WORST: "worst-signer accuracy"}


@dataclass(frozen=True)
class Promotion:
    """The decision, its reason, and what reports/promotion.json shows of the comparison."""

    promoted: bool
    reason: str
    comparison: Mapping[str, Any] = field(default_factory=dict)


def seen_note(seen_in_training: int, test_signers: int) -> str | None:
    """The note for a test split whose signers were also trained on (split by sequence)."""
    if seen_in_training <= 0:
        return None
    of = f" of the {test_signers}" if test_signers else ""
    return (f"{seen_in_training}{of} test signers were also in training (metrics.json "
            f"test_signers_seen_in_training): these scores say how the models do on people they have seen, "
            f"not on new people")


def _with_notes(reason: str, notes: Sequence[str | None]) -> str:
    kept = [note for note in notes if note]
    return reason + "".join(f"; note: {note}" for note in kept)


def decide(comparison: Mapping[str, Any] | None, metric: str, min_gain: float,
           max_worst_signer_drop: float | None, notes: Sequence[str | None] = ()) -> Promotion:
    """The champion rule on `comparison` (`BundleComparison.as_dict("candidate", "champion")`,
    None when there is no champion)."""
    if comparison is None:
        return Promotion(True, _with_notes("no champion yet", notes))
    if not comparison.get("comparable"):
        return Promotion(False, _with_notes(f"not compared with the champion: {comparison.get('why')}", notes),
                         comparison)
    candidate, champion = comparison["candidate"], comparison["champion"]
    low, high = comparison["difference_ci"][metric]
    confidence = float(comparison.get("confidence", 0.95))
    where = f"on the same {comparison['test_windows']} test windows of {comparison['test_signers']} signers"
    figures = (f"test {NAMES.get(metric, metric)} {candidate[metric]:.4f} against the champion's {champion[metric]:.4f} "
               f"{where}: difference {comparison['difference'][metric]:+.4f}, {confidence:.0%} interval "
               f"[{low:+.4f}, {high:+.4f}]")
    if not low > min_gain:
        noise = ", within noise" if low <= 0.0 <= high else ""
        return Promotion(False, _with_notes(f"{figures}{noise}; its lower bound does not clear export.min_gain "
                                            f"{min_gain:g}", notes), comparison)
    reason = f"{figures}; its lower bound clears export.min_gain {min_gain:g}"
    worst, champion_worst = candidate.get(WORST), champion.get(WORST)
    if max_worst_signer_drop is not None and worst is not None and champion_worst is not None:
        drop = champion_worst - worst
        if drop > max_worst_signer_drop:
            return Promotion(False, _with_notes(
                f"{reason}, but its worst signer's accuracy {worst:.4f} is {drop:.4f} below the champion's "
                f"{champion_worst:.4f} on the same windows (export.max_worst_signer_drop {max_worst_signer_drop:g})",
                notes), comparison)
        reason += (f", and its worst signer's accuracy {worst:.4f} (champion {champion_worst:.4f}) drops by at most "
                   f"{max_worst_signer_drop:g}")
    return Promotion(True, _with_notes(reason, notes), comparison)
