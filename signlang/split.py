"""Assign every sample to train, val or test.

By signer when signer ids exist (no signer in two subsets, so test scores mean "people the
model never saw"), otherwise stratified by class. Seeded, and written to a file.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from signlang import paths
from signlang.dataset import SUBSETS
from signlang.errors import SignlangError
from signlang.io import atomic_path, atomic_write_text
from signlang.params import Params, SplitParams



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
    enough_signers = len(set(signers) - {""}) >= 3
    if params.strategy == "by_signer" and enough_signers:
        groups, strategy = signer_groups(signers), "by_signer"
    else:
        groups = None
        strategy = "stratified" if params.strategy == "stratified" else "stratified (fewer than 3 signer ids)"

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


def summarise(table: pd.DataFrame, strategy: str) -> dict:
    summary: dict = {"strategy": strategy, "subsets": {}}
    for subset in SUBSETS:
        part = table[table.subset == subset]
        summary["subsets"][subset] = {
            "samples": int(len(part)),
            "signers": sorted(set(part.signer) - {""}),
            "per_class": {label: int(n) for label, n in sorted(part.label.value_counts().items())},
        }
    return summary


def run(
    params: Params,
    dataset_path: Path = paths.DATASET,
    split_path: Path = paths.SPLIT,
    report_path: Path = paths.SPLIT_REPORT,
) -> pd.DataFrame:
    with np.load(dataset_path) as data:
        table = pd.DataFrame({"id": data["ids"], "label": data["labels"], "signer": data["signers"]})
    if table.empty:
        raise SignlangError(f"{dataset_path}: the dataset holds no samples to split")
    table["subset"], strategy = assign_subsets(table.label.values, table.signer.values, params.split)
    table = table.sort_values("id").reset_index(drop=True)
    with atomic_path(split_path) as temporary:
        table.to_csv(temporary, index=False)
    atomic_write_text(report_path, json.dumps(summarise(table, strategy), indent=2, ensure_ascii=False) + "\n")
    return table
