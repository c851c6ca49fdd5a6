"""What the audit's model and its signer-pair search compare: per window, a few statistics of
its body-normalised keypoints (the sign) and of its raw coordinates (the recording setup),
standardised over the audited windows."""

from __future__ import annotations

import warnings

import numpy as np

from signlang.audit.views import DOMINANT, SECOND, BodyViews, masked_mean
from signlang.features import keypoints as kp


def window_features(views: BodyViews) -> np.ndarray:
    """(n, features): per hand its presence, mean shape (landmark distances) and mean wrist
    place; for the dominant hand also its mean shape relative to the wrist, the wrist's spread
    and its place in each third of the window; the arms' mean place. NaN where undefined."""
    n, T = views.pose.shape[:2]
    columns = []
    for hand in (DOMINANT, SECOND):
        present, wrist = views.present[hand], views.hands[hand][:, :, 0]
        columns += [present.mean(axis=1)[:, None], masked_mean(views.distances[hand], present),
                    masked_mean(wrist, present)]
    present, points = views.present[DOMINANT], views.hands[DOMINANT]
    wrist = points[:, :, 0]
    size = np.linalg.norm(points[:, :, 9] - wrist, axis=-1)[..., None, None]
    shape = np.where(size > 1e-6, (points - wrist[:, :, None]) / np.maximum(size, 1e-6), 0.0)
    columns.append(masked_mean(shape.reshape(n, T, -1), present))
    centre = masked_mean(wrist, present)
    columns.append(np.sqrt(masked_mean((wrist - centre[:, None]) ** 2, present)))
    for third in np.array_split(np.arange(T), 3):
        columns.append(masked_mean(wrist[:, third], present[:, third]))
    pose_seen = np.any(views.pose != 0, axis=(2, 3))
    columns.append(masked_mean(views.pose.reshape(n, T, -1), pose_seen))
    return np.concatenate(columns, axis=1).astype(np.float32)


def setup_features(views: BodyViews) -> np.ndarray:
    """(n, features): where the body sits in the image and how big it and the hands are, from
    the raw coordinates: the camera framing, the body's proportions and the hands' size of one
    person on one recording setup (signlang.audit.pairs compares them alone, so one person
    under two names is found even when the names' classes differ). Pose values are taken as
    recorded, so a file in another layout is compared with its own kind."""
    pose = views.raw["pose"][:, :, : kp.UPPER_POSE, :2]
    seen = kp.part_present(views.raw["pose"])
    columns = [masked_mean(pose.reshape(*pose.shape[:2], -1), seen)]
    for hand in ("left_hand", "right_hand"):
        size, present = kp.hand_size(views.raw[hand])
        columns.append(masked_mean(size[..., None], present))
    return np.concatenate(columns, axis=1).astype(np.float32)


def standardise(F: np.ndarray) -> np.ndarray:
    """Each column to zero mean and unit spread over the audited windows; NaN (undefined) to 0."""
    with warnings.catch_warnings():  # a column undefined in every window (a hand never seen) stays 0
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(F, axis=0)
        spread = np.nanstd(F, axis=0)
    mean, spread = np.nan_to_num(mean), np.nan_to_num(spread)
    Z = (F - mean) / np.where(spread > 1e-6, spread, 1.0)
    return np.nan_to_num(Z).astype(np.float32)
