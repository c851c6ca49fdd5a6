"""The audit's window features: the sign's features do not move with the camera, the setup's
do; standardised columns have zero mean and unit spread, undefined values 0."""

from __future__ import annotations

import numpy as np

from signlang.audit.features import setup_features, standardise, window_features
from signlang.audit.views import body_views
from tests.signlang.audit.helpers import block


def shifted(X: np.ndarray, dx: float) -> np.ndarray:
    """The windows with every seen point (pose, hands) moved right by `dx` of the image width."""
    moved = X.copy()
    pose = moved[..., :132].reshape(*X.shape[:2], 33, 4)
    hands = moved[..., 132:].reshape(*X.shape[:2], 42, 3)
    for points in (pose, hands):
        seen = np.any(points[..., :2] != 0, axis=-1)
        points[..., 0] += np.where(seen, dx, 0.0)
    return np.concatenate([pose.reshape(*X.shape[:2], -1), hands.reshape(*X.shape[:2], -1)], axis=-1)


def test_the_sign_is_read_the_same_wherever_the_camera_frames_it(real) -> None:
    X = real.X[block(real, "AdrLfv", "thanks")]
    still, moved = body_views(X), body_views(shifted(X, 0.1))
    np.testing.assert_allclose(np.nan_to_num(window_features(moved)), np.nan_to_num(window_features(still)), atol=1e-4)
    setup_still, setup_moved = setup_features(still), setup_features(moved)
    assert np.nanmean(np.abs(setup_moved - setup_still)) > 0.01


def test_standardised_columns() -> None:
    F = np.array([[1.0, np.nan, 5.0], [3.0, np.nan, 5.0], [5.0, np.nan, 5.0], [np.nan, np.nan, 5.0]])
    Z = standardise(F)
    np.testing.assert_allclose(Z[:3, 0], [-1.2247449, 0.0, 1.2247449], atol=1e-6)
    assert Z[3, 0] == 0.0 and not Z[:, 1].any() and not Z[:, 2].any()


def test_features_of_real_windows_are_finite_once_standardised(real) -> None:
    F = window_features(body_views(real.X))
    Z = standardise(F)
    assert Z.shape == F.shape and np.isfinite(Z).all()
    defined = ~np.isnan(F)
    for column in range(F.shape[1]):
        values = Z[defined[:, column], column]
        assert abs(values.mean()) < 1e-3 and (abs(values.std() - 1) < 1e-3 or values.std() == 0), column
