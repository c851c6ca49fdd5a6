"""Body-normalised views of real windows: shoulders one width apart about the origin, the
dominant hand in the right-hand slot whichever hand signed, mean forms per block and class."""

from __future__ import annotations

import numpy as np

from signlang.audit.views import DOMINANT, SECOND, body_views, trajectory, typical_forms
from signlang.features import keypoints as kp
from tests.signlang.audit.helpers import LEFT, RIGHT, block

SHOULDERS = [1, 2]  # in views.pose (signlang.audit.views.POSE_POINTS)


def test_shoulders_are_one_width_apart_about_the_origin(real) -> None:
    views = body_views(real.X[:200])
    seen = np.any(views.pose != 0, axis=(2, 3))
    shoulders = views.pose[:, :, SHOULDERS][seen]
    np.testing.assert_allclose(shoulders.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(shoulders[:, 0] - shoulders[:, 1], axis=-1), 1.0, atol=1e-4)


def test_a_mirrored_signer_has_the_same_views(real) -> None:
    """The same windows signed with the other hand (mirrored, hand slots exchanged) read the same."""
    X = real.X[block(real, "hirak214", "hello")]
    mirrored = kp.mirror_windows(X, ("pose", "left_hand", "right_hand"))
    assert not np.allclose(mirrored[..., RIGHT], X[..., RIGHT]) and not np.allclose(mirrored[..., LEFT], X[..., LEFT])
    a, b = body_views(X), body_views(mirrored)
    for hand in (DOMINANT, SECOND):
        np.testing.assert_array_equal(a.present[hand], b.present[hand])
        np.testing.assert_allclose(a.hands[hand], b.hands[hand], atol=1e-4)


def test_mean_forms_of_a_block_and_a_class(real) -> None:
    views = body_views(real.X)
    rows = np.flatnonzero(block(real, "hirak214", "thanks"))
    form = trajectory(views, rows)
    T = real.X.shape[1]
    assert form["pose"].shape == (T, 7, 2) and form[DOMINANT].shape == (T, 21, 2)
    assert form[f"{DOMINANT}_seen"].shape == (T,) and 0 < form[f"{DOMINANT}_seen"].max() <= 1
    trusted = np.ones(len(real.ids), bool)
    forms = typical_forms(views, real.labels, real.signers, trusted)
    assert sorted(forms) == sorted(set(real.labels))
    assert forms["thanks"]["pose"].shape == (T, 7, 2)
