"""Read data/dataset.npz and data/split.csv together, checked, for train and evaluate alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from signlang.errors import InputFileError

if TYPE_CHECKING:
    from signlang.features.spec import FeatureParams

SUBSETS = ("train", "val", "test")
DATASET_ARRAYS = ("X", "ids", "labels", "classes")


@dataclass(frozen=True)
class LabelledWindows:
    """Raw-coordinate windows with their ids, labels and subsets, aligned by position."""

    X: np.ndarray  # (n, T, F) float32, raw coordinates
    ids: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    subsets: np.ndarray
    signers: np.ndarray  # from data/split.csv's `signer` column; "" where unknown

    def subset(self, name: str) -> np.ndarray:
        return self.subsets == name


def seen_test_signers(signers: np.ndarray, subsets: np.ndarray) -> list[str]:
    """Test signers who also have samples in train or val (with a split by signer: none); a
    test sample without a signer id counts as a person who may have been seen."""
    signers, subsets = np.asarray(signers, dtype=str), np.asarray(subsets, dtype=str)
    fitted = set(signers[subsets != "test"])
    test = set(signers[subsets == "test"])
    return sorted(signer or "(no signer id)" for signer in test if signer in fitted or not signer)


def read_dataset(dataset_path: Path, spec: FeatureParams | None = None) -> dict[str, np.ndarray]:
    """The dataset's arrays, checked for shape, labels and finite values."""
    if not dataset_path.is_file():
        raise InputFileError(dataset_path, "not found (run `dvc repro extract` first)")
    try:
        with np.load(dataset_path, allow_pickle=False) as data:
            missing = [key for key in DATASET_ARRAYS if key not in data.files]
            if missing:
                raise InputFileError(dataset_path, f"lacks the array(s) {', '.join(missing)}")
            X, ids, labels, classes = (data[key] for key in DATASET_ARRAYS)
    except (OSError, ValueError) as exc:
        raise InputFileError(dataset_path, f"cannot be read as a dataset: {exc}") from None
    ids, labels = ids.astype(str), labels.astype(str)
    if X.ndim != 3 or not len(X) == len(ids) == len(labels):
        raise InputFileError(
            dataset_path, f"X {X.shape}, ids {ids.shape}, labels {labels.shape} do not line up as (n, T, F), (n,), (n,)"
        )
    if spec is not None and X.shape[1:] != (spec.sequence_length, spec.feature_size):
        raise InputFileError(
            dataset_path,
            f"windows are {X.shape[1]} frames x {X.shape[2]} values but the features params ask for "
            f"{spec.sequence_length} x {spec.feature_size} ({', '.join(spec.parts)}); rerun `dvc repro extract`",
        )
    unknown = sorted(set(labels) - set(classes.astype(str)))
    if unknown:
        raise InputFileError(dataset_path, f"labels {unknown} are not in its classes {list(classes.astype(str))}")
    finite = np.isfinite(X).reshape(len(X), -1).all(axis=1)
    if not finite.all():
        raise InputFileError(
            dataset_path,
            f"{int((~finite).sum())} window(s) hold NaN or infinite values (first: {ids[~finite][0]!r}); "
            "rerun `dvc repro extract`",
        )
    return {"X": X.astype(np.float32, copy=False), "ids": ids, "labels": labels, "classes": classes.astype(str)}


def read_split(split_path: Path) -> pd.DataFrame:
    """data/split.csv, checked: id and subset columns, known subsets, unique ids."""
    if not split_path.is_file():
        raise InputFileError(split_path, "not found (run `dvc repro split` first)")
    table = pd.read_csv(split_path, dtype=str, keep_default_na=False)
    missing = {"id", "subset"} - set(table.columns)
    if missing:
        raise InputFileError(split_path, f"lacks the column(s) {', '.join(sorted(missing))}")
    unknown = sorted(set(table.subset) - set(SUBSETS))
    if unknown:
        raise InputFileError(split_path, f"unknown subset(s) {unknown}; allowed: {', '.join(SUBSETS)}")
    if table.id.duplicated().any():
        raise InputFileError(split_path, f"lists id {table.id[table.id.duplicated()].iloc[0]!r} twice")
    return table


def load_labelled_windows(
    dataset_path: str | Path, split_path: str | Path, spec: FeatureParams | None = None
) -> LabelledWindows:
    """The dataset aligned with the split by id (both checked)."""
    dataset_path, split_path = Path(dataset_path), Path(split_path)
    data = read_dataset(dataset_path, spec)
    split = read_split(split_path)
    subset_of = dict(zip(split.id, split.subset))
    signer_of = dict(zip(split.id, split.signer)) if "signer" in split.columns else {}
    not_in_split = [i for i in data["ids"] if i not in subset_of]
    not_in_dataset = sorted(set(subset_of) - set(data["ids"]))
    if not_in_split or not_in_dataset:
        example = (not_in_split or not_in_dataset)[0]
        raise InputFileError(
            split_path,
            f"does not match {dataset_path} ({len(not_in_split)} dataset ids missing from the split, "
            f"{len(not_in_dataset)} split ids not in the dataset, e.g. {example!r}); rerun `dvc repro split`",
        )
    subsets = np.array([subset_of[i] for i in data["ids"]])
    signers = np.array([signer_of.get(i, "") for i in data["ids"]], dtype=str)
    return LabelledWindows(data["X"], data["ids"], data["labels"], tuple(data["classes"].tolist()), subsets, signers)
