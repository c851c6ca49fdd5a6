"""Folds over the signers: no person on both sides of a fold, the same folds for every
configuration (seeded), and the training signers held out for early stopping."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from signlang.errors import ParamsError


def signer_folds(labels: np.ndarray, signers: np.ndarray, folds: int, seed: int,
                 knob: str = "crossval.folds", train_only: np.ndarray | None = None,
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) per fold; no signer on both sides of a fold. `knob`
    names the setting that asked for `folds` in the error when there are too few signers.
    Samples marked `train_only` are in no test fold and on every fold's training side."""
    testable = np.flatnonzero(np.ones(len(labels), bool) if train_only is None else ~train_only)
    always = np.setdiff1d(np.arange(len(labels)), testable)
    count = len(np.unique(signers[testable]))
    if count < folds:
        raise ParamsError(f"{knob}: {folds} folds need at least {folds} signers, the data has {count}")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" on small classes
        splits = splitter.split(np.zeros(len(testable)), labels[testable], signers[testable])
        return [(np.concatenate([testable[train], always]), testable[test]) for train, test in splits]


def validation_signers(labels: np.ndarray, signers: np.ndarray, count: int, seed: int, tries: int = 20) -> np.ndarray:
    """`count` signers for early stopping, drawn (seeded) among `signers`, preferring the draw
    that covers the most classes; always leaves at least one signer to train on."""
    names = np.unique(signers)
    count = min(count, len(names) - 1)
    if count < 1:
        return np.array([], dtype=names.dtype)
    rng = np.random.default_rng(seed)
    best, best_cover = None, -1
    for _ in range(tries):
        pick = np.sort(rng.choice(names, size=count, replace=False))
        cover = len(np.unique(labels[np.isin(signers, pick)]))
        if cover > best_cover:
            best, best_cover = pick, cover
    return best
