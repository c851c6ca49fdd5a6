"""signlang.crossval.folds on the real multi-signer keypoints: no signer on both sides of a fold,
the same folds for every configuration, early-stopping signers from the training side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.crossval.data import load_signer_data
from signlang.crossval.folds import signer_folds, validation_signers
from signlang.errors import ParamsError
from tests.signlang.crossval.helpers import make_params


def test_folds_never_share_a_signer(shared_data: Path, project_root: Path, tmp_path: Path) -> None:
    data = load_signer_data(make_params(project_root), shared_data / "keypoints" / "multisigner-258",
                            cache_dir=tmp_path / "cache")
    assert len(set(data.signers)) == 33  # version 3: 8 signers added to version 2's 25
    folds = signer_folds(data.labels, data.signers, 5, seed=42)
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(data.labels)))  # every sample tested exactly once
    for number, (train, test) in enumerate(folds):
        assert not set(data.signers[train]) & set(data.signers[test])
        held = validation_signers(data.labels[train], data.signers[train], 3, seed=number)
        assert len(held) == 3 and set(held) <= set(data.signers[train])
    # Seeded: the same folds again (what lets two configs be compared on the same folds).
    again = signer_folds(data.labels, data.signers, 5, seed=42)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    with pytest.raises(ParamsError, match="crossval.folds: 36 folds need at least 36 signers"):
        signer_folds(data.labels, data.signers, 36, seed=42)


def test_training_only_samples_are_on_every_training_side_and_never_tested() -> None:
    labels = np.array(["a", "b"] * 6 + ["a", "b"])
    signers = np.repeat(["p1", "p2", "p3", "p4", "p5", "p6", "clip"], 2)
    only = signers == "clip"
    folds = signer_folds(labels, signers, 3, seed=0, train_only=only)
    assert sorted(np.concatenate([test for _, test in folds])) == list(np.flatnonzero(~only))
    assert all(set(np.flatnonzero(only)) <= set(train) for train, _ in folds)
    # Without training-only samples the tested samples fall into the same folds.
    plain = signer_folds(labels[~only], signers[~only], 3, seed=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(plain, folds))
