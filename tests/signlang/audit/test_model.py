"""The audit's reader: every signer of a class weighs the same, and a signer's windows are read
by a model that never saw them."""

from __future__ import annotations

import numpy as np

from signlang.audit.features import standardise, window_features
from signlang.audit.model import equal_block_weights, leave_groups_out
from signlang.audit.views import body_views


def test_every_block_of_a_class_weighs_the_same() -> None:
    labels = np.array(["a", "a", "a", "a", "b", "b"])
    signers = np.array(["x", "x", "x", "y", "x", "z"])
    weights = equal_block_weights(labels, signers)
    np.testing.assert_allclose(weights, [1 / 6, 1 / 6, 1 / 6, 1 / 2, 1 / 2, 1 / 2])


def test_a_signers_own_labels_never_reach_their_reading(real, params) -> None:
    Z = standardise(window_features(body_views(real.X)))
    classes = sorted(set(real.labels))
    trusted = np.ones(len(Z), bool)
    readings = leave_groups_out(Z, real.labels, real.signers, real.signers, trusted, classes, params.audit.shrinkage)
    scrambled = real.labels.copy()
    own = real.signers == "hirak214"
    scrambled[own] = np.roll(scrambled[own], 7)
    again = leave_groups_out(Z, scrambled, real.signers, real.signers, trusted, classes, params.audit.shrinkage)
    np.testing.assert_array_equal(again[own], readings[own])
    assert (readings >= 0).all() and (readings == np.searchsorted(classes, real.labels)).mean() > 0.7
