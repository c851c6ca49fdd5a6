"""Assign every sample to train, val or test.

split.by: signer (the default) keeps every signer in one subset, so test scores mean "people the
model never saw"; it needs signer ids, and without enough of them it stops and says how to name
them instead of quietly splitting otherwise. Samples without a signer id then train only.
split.by: sequence is the stated choice of a team with one or two recorders: stratified by
class, ignoring signers, and the report says plainly that the test scores are on people the
model saw in training. Seeded, and written to a file.
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

BY_SIGNER = "by_signer"
BY_SEQUENCE = "stratified by sequence (split.by: sequence)"
HOW_TO_NAME_SIGNERS = (
    "name who signed each sample in params.yaml ingest.sources (`signer: NAME` for a one-person source, "
    "`signer_folder: 1` for <signer>/<label>/... folders, `signer_pattern` or `signer_path_pattern` for names such "
    "as <label>/<signer>_<n>, or a `metadata:` CSV with columns file,signer; `signlang import` writes a template), "
    "or set split.by: sequence to split by sequence and accept test scores on people seen in training"
)


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


def check_signers(signers: np.ndarray, params: SplitParams) -> None:
    """Refuse a split by signer that cannot hold people out: no signer ids, or fewer than one
    person per subset."""
    known = sorted(set(np.asarray(signers, dtype=str)) - {""})
    needed = 3 if params.val > 0 else 2
    if not known:
        raise SignlangError(f"split: no sample has a signer id, so the test set cannot hold out people (split.by: "
                            f"signer); {HOW_TO_NAME_SIGNERS}")
    if len(known) < needed:
        raise SignlangError(f"split: {len(known)} signer id(s) ({', '.join(known)}), fewer than the {needed} a split by "
                            f"signer needs (one person per subset at least): record more people (or, if the samples "
                            f"of several people share one id, {HOW_TO_NAME_SIGNERS})")


def assign_subsets(labels: np.ndarray, signers: np.ndarray, params: SplitParams) -> tuple[np.ndarray, str]:
    """Subset name per sample, and the strategy used (BY_SIGNER or BY_SEQUENCE). By signer,
    samples without a signer id are kept in train (they cannot be shown to be new people)."""
    labels = np.asarray(labels, dtype=str)
    signers = np.asarray(signers, dtype=str)
    subsets = np.full(len(labels), "train", dtype=object)
    if params.by == "sequence":
        groups, placed, strategy = None, np.arange(len(labels)), BY_SEQUENCE
    else:
        check_signers(signers, params)
        placed = np.flatnonzero(signers != "")
        groups, strategy = signers[placed], BY_SIGNER

    test = _take_one_fold(labels[placed], groups, params.test, params.seed)
    subsets[placed[test]] = "test"
    if params.val > 0:
        rest = np.setdiff1d(np.arange(len(placed)), test)
        val_fraction = params.val / (params.train + params.val)
        rest_groups = groups[rest] if groups is not None else None
        val = _take_one_fold(labels[placed][rest], rest_groups, val_fraction, params.seed + 1)
        subsets[placed[rest[val]]] = "val"
    return subsets.astype(str), strategy


def seen_signers_notice(strategy: str, seen: list[str]) -> str | None:
    """The plain statement a report makes when the test scores are not on unseen people."""
    if not seen:
        return None
    return (f"test scores are on signers the model saw in training ({', '.join(seen)}): the split is "
            f"{strategy}, so they say how well it knows these people, not how it does on new ones")


def summarise(table: pd.DataFrame, strategy: str) -> dict:
    seen = seen_test_signers(table.signer.values, table.subset.values)
    summary: dict = {"strategy": strategy, "by": "sequence" if strategy == BY_SEQUENCE else "signer",
                     "seen_test_signers": seen}
    if notice := seen_signers_notice(strategy, seen):
        summary["notice"] = notice
    if strategy == BY_SIGNER and (table.signer == "").any():
        summary["train_only_without_signer"] = int((table.signer == "").sum())
    trained = set(table.label[table.subset == "train"])
    summary["classes_without_training_samples"] = sorted(set(table.label) - trained)
    summary["subsets"] = {}
    for subset in SUBSETS:
        part = table[table.subset == subset]
        summary["subsets"][subset] = {
            "samples": int(len(part)),
            "signers": sorted(set(part.signer) - {""}),
            "per_class": {label: int(n) for label, n in sorted(part.label.value_counts().items())},
        }
    return summary


def warnings_for(summary: dict) -> list[str]:
    """What the stage says before training starts (each also in reports/split.json)."""
    lines = []
    if "notice" in summary:
        lines.append(summary["notice"])
    if summary.get("train_only_without_signer"):
        lines.append(f"{summary['train_only_without_signer']} samples have no signer id: they are kept in train, so "
                     "val and test hold only named people (ingest's warnings name their sources)")
    if summary["classes_without_training_samples"]:
        lines.append(f"classes {', '.join(summary['classes_without_training_samples'])} have no training samples "
                     "(every person who recorded them is in val or test): the model cannot learn them; have more "
                     "people record them, leave them out (ingest.include_labels), or set split.by: sequence")
    return lines


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
