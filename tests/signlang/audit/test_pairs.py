"""Pairs of signers: one person under two names is found (and its windows are never read by a
model that saw the other name), duplicated sequences are listed."""

from __future__ import annotations

import numpy as np
import pytest

from signlang.audit.pairs import beyond_chance, person_groups


def test_one_person_under_two_names(found) -> None:
    pairs = found.pairs
    same = pairs[pairs.flag == "same_person"]
    assert same[["signer_a", "signer_b"]].values.tolist() == [["hirak-alias", "hirak214"]]
    assert same.score.iloc[0] == 1.0 and "60/60" in same.evidence.iloc[0]
    exact = pairs[pairs.kind == "exact_duplicate"]
    assert set(exact.signer_a) == {"hirak-alias"} and exact.windows.sum() == 60
    # Windows of signers flagged as one person are never read by a model that saw the other.
    assert set(found.blocks[found.blocks.signer == "hirak214"].read_as) == {"hello", "thanks"}


def test_signers_flagged_as_one_person_form_one_group() -> None:
    signers = np.array(["a", "b", "c", "d"])
    pairs = [{"signer_a": "a", "signer_b": "c", "flag": "same_person"},
             {"signer_a": "c", "signer_b": "d", "flag": "same_person"},
             {"signer_a": "a", "signer_b": "b", "flag": ""}]
    groups = person_groups(signers, pairs)
    assert groups[0] == groups[2] == groups[3] and groups[1] != groups[0]


def test_share_beyond_chance() -> None:
    assert beyond_chance(1.0, 0.2) == 1.0
    assert beyond_chance(0.2, 0.2) == 0.0
    assert beyond_chance(0.6, 0.2) == pytest.approx(0.5)
