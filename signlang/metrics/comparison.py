"""Two bundles on the same windows: the comparison behind the champion rule and the pull-request
report.

Scores stored on a model (its own test split, its own classes, the machine it was evaluated on)
are not comparable with another model's. Here both bundles classify the same test windows, on
this machine, each through its own preprocessing (`preprocess.json`) and TFLite model, and the
difference of their accuracy, macro-F1 and worst-signer accuracy comes with a paired interval
(signlang/metrics/intervals.py): each signer resample is applied to both, so only what differs
between the two models is measured.

The windows are the raw test windows of data/dataset.npz + data/split.csv (made by the features
spec of the model they were made for, `window_spec`). A bundle whose spec asks for fewer parts
gets those parts; another window length is resampled to its own. A bundle of other classes,
or one needing parts the windows lack, is not comparable: `BundleComparison.comparable` is False
and `why` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signlang.errors import SignlangError
from signlang.metrics import intervals

if TYPE_CHECKING:
    from signlang.features.spec import FeatureParams
    from signlang.metrics.settings import EvaluateParams
    from signlang.serving.bundle import Bundle


@dataclass(frozen=True)
class ScoringWindows:
    """The raw test windows of a dataset and split, with who signed them."""

    X: np.ndarray  # (n, T, F) raw coordinates
    labels: np.ndarray
    signers: np.ndarray
    classes: tuple[str, ...]  # the dataset's classes
    seen_in_training: tuple[str, ...] = ()  # test signers who also have train/val windows

    @property
    def n_signers(self) -> int:
        return len(set(self.signers.tolist()))


def load_test_windows(dataset_path: str | Path, split_path: str | Path) -> ScoringWindows:
    """The test subset of data/dataset.npz + data/split.csv (checked like the evaluate stage's)."""
    from signlang.data.dataset import load_labelled_windows, seen_test_signers

    data = load_labelled_windows(dataset_path, split_path)
    test = data.subset("test")
    if not test.any():
        raise SignlangError(f"{split_path}: the test subset is empty; nothing to compare on")
    return ScoringWindows(data.X[test], data.labels[test], data.signers[test], data.classes,
                       tuple(seen_test_signers(data.signers, data.subsets)))


class NotComparable(ValueError):
    """A bundle cannot read these windows, or reads other classes."""


def bundle_inputs(bundle: Bundle, X: np.ndarray, window_spec: FeatureParams) -> tuple[np.ndarray, list[str]]:
    """Raw windows made by `window_spec` -> the bundle's normalised inputs, and what had to be
    adapted (parts kept, length resampled) in words."""
    from signlang.features.keypoints import join_parts, normalise, resample, split_parts

    spec, adapted = bundle.spec, []
    wanted, held = tuple(spec.parts), tuple(window_spec.parts)
    if X.shape[2] != window_spec.feature_size:
        raise NotComparable(f"the windows hold {X.shape[2]} values per frame, not the {window_spec.feature_size} "
                            f"of {', '.join(held)}")
    if wanted != held:
        if not set(wanted) <= set(held):
            raise NotComparable(f"the bundle reads {', '.join(wanted)}; the windows hold {', '.join(held)}")
        X = join_parts(split_parts(X, held), wanted)
        adapted.append(f"parts {', '.join(wanted)} of {', '.join(held)}")
    if X.shape[1] != spec.sequence_length:
        adapted.append(f"windows resampled from {X.shape[1]} to {spec.sequence_length} frames")
        X = np.stack([resample(window, spec.sequence_length, spec.resample) for window in X])
    return normalise(X, spec), adapted


def bundle_predictions(bundle: Bundle, windows: ScoringWindows, window_spec: FeatureParams) -> tuple[np.ndarray, list[str]]:
    """The class the bundle gives each test window, and what had to be adapted."""
    inputs, adapted = bundle_inputs(bundle, windows.X, window_spec)
    return np.asarray(bundle.classes)[np.argmax(bundle.predict_proba(inputs), axis=1)], adapted


def class_difference(first: Sequence[str], second: Sequence[str], first_name: str, second_name: str) -> str | None:
    """None when the two class sets are the same; else what differs, in words."""
    a, b = set(map(str, first)), set(map(str, second))
    if a == b:
        return None
    only_a, only_b = sorted(a - b), sorted(b - a)

    def listed(names: list[str]) -> str:
        return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")

    parts = [f"{first_name} has {len(a)} classes, {second_name} {len(b)}"]
    if only_a:
        parts.append(f"only {first_name}: {listed(only_a)}")
    if only_b:
        parts.append(f"only {second_name}: {listed(only_b)}")
    return "the classes differ (" + "; ".join(parts) + ")"


@dataclass(frozen=True)
class BundleComparison:
    """`new` against `old` on the same windows: scores of each, difference new - old and its
    interval per metric (intervals.METRICS). When not comparable only `why` is set."""

    comparable: bool
    why: str = ""
    windows: int = 0
    signers: int = 0
    seen_in_training: tuple[str, ...] = ()
    new: dict = field(default_factory=dict)
    old: dict = field(default_factory=dict)
    difference: dict = field(default_factory=dict)
    difference_ci: dict = field(default_factory=dict)
    adapted: tuple[str, ...] = ()  # how the old bundle's inputs were made from the windows
    confidence: float = 0.0
    resamples: int = 0

    def as_dict(self, new_name: str = "new", old_name: str = "old") -> dict:
        document = {"comparable": self.comparable, "test_windows": self.windows, "test_signers": self.signers,
                    "test_signers_seen_in_training": len(self.seen_in_training)}
        if not self.comparable:
            return {**document, "why": self.why}
        return {**document, new_name: self.new, old_name: self.old, "difference": self.difference,
                "difference_ci": {name: (list(value) if value else None) for name, value in self.difference_ci.items()},
                "confidence": self.confidence, "bootstrap_resamples": self.resamples,
                f"{old_name}_inputs_adapted": list(self.adapted)}


def compare_predictions(windows: ScoringWindows, new: np.ndarray, old: np.ndarray, evaluate: EvaluateParams,
                        adapted: Sequence[str] = ()) -> BundleComparison:
    """Scores of two prediction sets on `windows`, their difference and its paired interval."""
    classes = sorted(set(windows.classes) | set(windows.labels.tolist()) | set(np.asarray(new).tolist())
                     | set(np.asarray(old).tolist()))
    least = evaluate.min_signer_windows
    scores_new = intervals.point_scores(windows.labels, new, windows.signers, classes, least)
    scores_old = intervals.point_scores(windows.labels, old, windows.signers, classes, least)
    difference = {name: (None if scores_new[name] is None or scores_old[name] is None
                         else round(scores_new[name] - scores_old[name], intervals.DIGITS))
                  for name in intervals.METRICS}
    ci = intervals.paired_signer_bootstrap(windows.labels, old, new, windows.signers, classes,
                                           evaluate.bootstrap_resamples, evaluate.confidence, evaluate.bootstrap_seed,
                                           least)
    return BundleComparison(True, windows=len(windows.labels), signers=windows.n_signers,
                            seen_in_training=windows.seen_in_training, new=scores_new, old=scores_old,
                            difference=difference, difference_ci=ci, adapted=tuple(adapted),
                            confidence=evaluate.confidence, resamples=evaluate.bootstrap_resamples)


def compare_bundles(new_dir: str | Path, old_dir: str | Path, windows: ScoringWindows, evaluate: EvaluateParams,
                    new_name: str = "the candidate", old_name: str = "the champion") -> BundleComparison:
    """`new_dir`'s bundle against `old_dir`'s on `windows` (made by the new bundle's spec).

    Not comparable when the class sets differ (from each other or from the windows' labels)
    or the old bundle needs parts the windows lack."""
    from signlang.serving.bundle import Bundle

    new, old = Bundle.load(new_dir), Bundle.load(old_dir)
    base = {"windows": len(windows.labels), "signers": windows.n_signers, "seen_in_training": windows.seen_in_training}
    why = class_difference(new.classes, old.classes, new_name, old_name)
    unknown = sorted(set(windows.labels.tolist()) - set(new.classes))
    if why is None and unknown:
        why = f"the test windows hold labels {unknown[:5]} that {new_name} does not know"
    if why is not None:
        return BundleComparison(False, why, **base)
    new_predicted, _ = bundle_predictions(new, windows, new.spec)
    try:
        old_predicted, adapted = bundle_predictions(old, windows, new.spec)
    except NotComparable as exc:
        return BundleComparison(False, f"{old_name} cannot read these windows: {exc}", **base)
    return compare_predictions(windows, new_predicted, old_predicted, evaluate, adapted)
