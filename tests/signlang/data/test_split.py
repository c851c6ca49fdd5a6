"""signlang.data.split on the real signers of multisigner-258: no signer in two subsets, seeded; by
sequence stratified by class; without signer ids a split by signer stops and says how to name
them; samples without a signer id train only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signlang.data.settings import SplitParams
from signlang.data.split import assign_subsets
from signlang.errors import SignlangError
from tests.signlang.data.helpers import multisigner_labels


@pytest.fixture(scope="module")
def real_labels(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    return multisigner_labels(shared_data)


def _params(**changes) -> SplitParams:
    return SplitParams(**{"train": 0.7, "val": 0.15, "test": 0.15, "by": "signer", "seed": 42, **changes})


def test_by_signer_keeps_every_signer_in_one_subset(real_labels) -> None:
    labels, signers = real_labels
    subsets, strategy = assign_subsets(labels, signers, _params())
    assert strategy == "by_signer"
    table = pd.DataFrame({"signer": signers, "subset": subsets})
    assert (table.groupby("signer").subset.nunique() == 1).all()
    assert set(subsets) == {"train", "val", "test"}
    # The test subset holds every class, so its scores cover the whole vocabulary.
    assert set(labels[subsets == "test"]) == set(labels)


def test_same_seed_same_split_other_seed_other_split(real_labels) -> None:
    labels, signers = real_labels
    first, _ = assign_subsets(labels, signers, _params())
    again, _ = assign_subsets(labels, signers, _params())
    other, _ = assign_subsets(labels, signers, _params(seed=7))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_by_sequence_stratifies_by_class_ignoring_signers(real_labels) -> None:
    labels, signers = real_labels
    for given in (signers, np.full(len(labels), "")):
        subsets, strategy = assign_subsets(labels, given, _params(by="sequence"))
        assert strategy == "stratified by sequence (split.by: sequence)"
        for label in set(labels):
            share = np.mean(subsets[labels == label] == "test")
            assert 0.08 < share < 0.25, (label, share)
    # The 33 signers each land on several sides: the test people were seen in training.
    table = pd.DataFrame({"signer": signers, "subset": subsets})
    assert (table.groupby("signer").subset.nunique() > 1).sum() > 25


def test_without_signer_ids_a_split_by_signer_stops_and_says_how_to_name_them(real_labels) -> None:
    labels, signers = real_labels
    with pytest.raises(SignlangError, match=r"split: no sample has a signer id.*signer: NAME.*signer_folder: 1.*"
                                            r"metadata:.*split.by: sequence"):
        assign_subsets(labels, np.full(len(labels), ""), _params())
    two = np.where(signers == signers[0], signers[0], "daita-sur")
    with pytest.raises(SignlangError, match=r"split: 2 signer id\(s\) \(.*\), fewer than the 3 a split by signer needs"):
        assign_subsets(labels, two, _params())
    assign_subsets(labels, two, _params(val=0.0, train=0.85))  # no val subset: two people are enough


def test_samples_without_a_signer_id_train_only(real_labels) -> None:
    labels, signers = real_labels
    unnamed = signers.copy()
    unnamed[::7] = ""  # every 7th sample of the real set loses its signer id
    subsets, strategy = assign_subsets(labels, unnamed, _params())
    assert strategy == "by_signer"
    assert set(subsets[unnamed == ""]) == {"train"}
    table = pd.DataFrame({"signer": unnamed, "subset": subsets})
    assert (table[table.signer != ""].groupby("signer").subset.nunique() == 1).all()
    assert {"val", "test"} <= set(subsets)


def test_a_class_with_one_sample_cannot_be_stratified() -> None:
    labels = np.array(["a"] * 10 + ["b"] * 10 + ["c"])
    with pytest.raises(SignlangError, match="'c'|single sample"):
        assign_subsets(labels, np.full(len(labels), ""), _params(by="sequence"))
