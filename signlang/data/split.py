"""Assign every sample to train, val or test.

By signer when at least MIN_SIGNERS signer ids exist (no signer in two subsets, so test scores
mean "people the model never saw"); otherwise by sequence, stratified by class, and the report
says plainly that the test scores are on people the model saw in training (a team's own set
often has one to three signers). Seeded, and written to a file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from signlang.data.dataset import SUBSETS, seen_test_signers
from signlang.data.settings import SplitParams
from signlang.errors import SignlangError
from signlang.io import atomic_path

# Fewer signer ids than this cannot give train, val and test a person each.
MIN_SIGNERS = 3


def _folds_for(fraction: float) -> int:
    """Number of folds whose one fold holds about `fraction` of the data."""
    return max(2, int(round(1.0 / fraction)))


def _best_fold(folds: list[np.ndarray], labels: np.ndarray, fraction: float) -> np.ndarray:
    """The held-out fold covering the most classes, then closest to the wanted size."""
    target = fraction * len(labels)

    def score(fold: np.ndarray) -> tuple[int, float]:
        return (-len(np.unique(labels[fold])), abs(len(fold) - target))

    return min(folds, key=score)


def _take_one_fold(labels: np.ndarray, groups: np.ndarray | None, fraction: float, seed: int) -> np.ndarray:
    """Indices of one stratified (grouped when groups are given) fold of about `fraction`.

    Signers contribute very unequal numbers of samples, so every fold of the seeded
    splitter is considered and the one that best represents the classes is kept.
    """
    n_splits = _folds_for(fraction)
    dummy = np.zeros(len(labels))
    with warnings.catch_warnings():
        # Tiny classes trigger sklearn's "least populated class" warning; they are
        # reported in reports/split.json instead.
        warnings.simplefilter("ignore", UserWarning)
        if groups is not None:
            n_splits = min(n_splits, len(np.unique(groups)))
            splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
            folds = [held_out for _, held_out in splitter.split(dummy, labels, groups)]
        else:
            counts = pd.Series(labels).value_counts()
            smallest = int(counts.min())
            if smallest < 2:
                raise SignlangError(
                    f"split: class {counts.idxmin()!r} has a single sample, too few to split; raise "
                    "ingest.min_samples_per_class (such classes are then dropped) or add samples"
                )
            splitter = StratifiedKFold(n_splits=min(n_splits, smallest), shuffle=True, random_state=seed)
            folds = [held_out for _, held_out in splitter.split(dummy, labels)]
    return _best_fold(folds, labels, fraction)


def signer_groups(signers: np.ndarray) -> np.ndarray:
    """Group id per sample: its signer, or the sample alone when the signer is unknown."""
    return np.array([s if s else f"\0sample{i}" for i, s in enumerate(signers)], dtype=object)


def assign_subsets(labels: np.ndarray, signers: np.ndarray, params: SplitParams) -> tuple[np.ndarray, str]:
    """Subset name per sample, and the strategy actually used."""
    labels = np.asarray(labels, dtype=str)
    signers = np.asarray(signers, dtype=str)
    known = len(set(signers) - {""})
    if params.strategy == "by_signer" and known >= MIN_SIGNERS:
        groups, strategy = signer_groups(signers), "by_signer"
    else:
        groups = None
        strategy = ("stratified" if params.strategy == "stratified"
                    else f"stratified by sequence ({known} signer ids, fewer than {MIN_SIGNERS})")

    subsets = np.full(len(labels), "train", dtype=object)
    test = _take_one_fold(labels, groups, params.test, params.seed)
    subsets[test] = "test"
    if params.val > 0:
        rest = np.flatnonzero(subsets == "train")
        val_fraction = params.val / (params.train + params.val)
        rest_groups = groups[rest] if groups is not None else None
        val = _take_one_fold(labels[rest], rest_groups, val_fraction, params.seed + 1)
        subsets[rest[val]] = "val"
    return subsets.astype(str), strategy


def seen_signers_notice(strategy: str, seen: list[str]) -> str | None:
    """The plain statement a report makes when the test scores are not on unseen people."""
    if not seen:
        return None
    return (f"test scores are on signers the model saw in training ({', '.join(seen)}): the split is "
            f"{strategy}, so they say how well it knows these people, not how it does on new ones")


def summarise(table: pd.DataFrame, strategy: str) -> dict:
    seen = seen_test_signers(table.signer.values, table.subset.values)
    summary: dict = {"strategy": strategy, "seen_test_signers": seen}
    if notice := seen_signers_notice(strategy, seen):
        summary["notice"] = notice
    summary["subsets"] = {}
    for subset in SUBSETS:
        part = table[table.subset == subset]
        summary["subsets"][subset] = {
            "samples": int(len(part)),
            "signers": sorted(set(part.signer) - {""}),
            "per_class": {label: int(n) for label, n in sorted(part.label.value_counts().items())},
        }
    return summary


def read_samples(dataset_path: str | Path) -> pd.DataFrame:
    """The dataset's samples (id, label, signer), without their windows."""
    with np.load(dataset_path) as data:
        table = pd.DataFrame({"id": data["ids"], "label": data["labels"], "signer": data["signers"]})
    if table.empty:
        raise SignlangError(f"{dataset_path}: the dataset holds no samples to split")
    return table


def write_split(table: pd.DataFrame, path: str | Path) -> None:
    """data/split.csv: id, label, signer, subset, sorted by id."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)


def summary_line(table: pd.DataFrame) -> str:
    """One line for the terminal: samples and signers per subset."""
    counts = table.subset.value_counts()
    signers = table[table.signer != ""].groupby("subset").signer.nunique()
    return "split: " + ", ".join(f"{subset} {counts.get(subset, 0)} samples / {signers.get(subset, 0)} signers"
                                 for subset in SUBSETS)
