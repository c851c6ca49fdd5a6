"""Body-normalised views of the audited windows (x, y in shoulder widths from the shoulders'
centre; left-dominant windows mirrored so the dominant hand is in the right-hand slot), and
their mean forms per frame (a block's trajectory, a class's typical form) for the pictures."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from signlang.audit.data import PARTS
from signlang.features import keypoints as kp

# After mirroring left-dominant windows, the dominant hand is in the right-hand slot.
DOMINANT, SECOND = "right_hand", "left_hand"
# Pose landmarks summarised and drawn: nose, shoulders, elbows, wrists.
POSE_POINTS = (0, 11, 12, 13, 14, 15, 16)


@dataclass(frozen=True)
class BodyViews:
    """Body-normalised keypoints (x, y in shoulder widths from the shoulders' centre), left-
    dominant windows mirrored; raw views kept for the model-free rules."""

    pose: np.ndarray  # (n, T, len(POSE_POINTS), 2)
    hands: dict[str, np.ndarray]  # hand -> (n, T, 21, 2)
    present: dict[str, np.ndarray]  # hand -> (n, T) bool
    distances: dict[str, np.ndarray]  # hand -> (n, T, 28), hand sizes
    raw: dict[str, np.ndarray]  # part -> (n, T, L, C), as recorded


def body_views(X: np.ndarray) -> BodyViews:
    raw = kp.split_parts(X, PARTS)
    windows = kp.drop_implausible_pose(np.asarray(X, np.float32), PARTS)
    windows = kp.mirror_windows(windows, PARTS, kp.left_dominant(windows, PARTS))
    views = kp.split_parts(windows, PARTS)
    centre, width = kp.body_frame(views["pose"], "frame")
    body = {part: kp.to_body(block, centre, width, part)[..., :2] for part, block in views.items()}
    hands = ("left_hand", "right_hand")
    return BodyViews(pose=body["pose"][:, :, list(POSE_POINTS)], hands={h: body[h] for h in hands},
                     present={h: kp.part_present(views[h]) for h in hands},
                     distances={h: kp.hand_distances(views[h]) for h in hands}, raw=raw)


def masked_mean(values: np.ndarray, mask: np.ndarray, axis: int = 1) -> np.ndarray:
    """Mean of `values` over `axis` where `mask` (values' leading shape) holds; NaN where never."""
    weight = mask.reshape(mask.shape + (1,) * (values.ndim - mask.ndim)).astype(np.float32)
    count = weight.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (values * weight).sum(axis=axis) / count, np.nan)


def trajectory(views: BodyViews, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Mean per frame over the windows `rows`: pose points (T, 7, 2), each hand (T, 21, 2)
    where seen (NaN where never), and the share of windows seeing each hand (T,)."""
    pose_seen = np.any(views.pose[rows] != 0, axis=(2, 3))
    out = {"pose": masked_mean(views.pose[rows], pose_seen, axis=0)}
    for hand in (DOMINANT, SECOND):
        present = views.present[hand][rows]
        out[hand] = masked_mean(views.hands[hand][rows], present, axis=0)
        out[f"{hand}_seen"] = present.mean(axis=0)
    return out


def typical_forms(views: BodyViews, labels: np.ndarray, signers: np.ndarray, trusted: np.ndarray) -> dict:
    """Per class, the signer-balanced mean trajectory of its trusted windows."""
    forms = {}
    for label in sorted(set(labels[trusted])):
        parts = [trajectory(views, np.flatnonzero(trusted & (labels == label) & (signers == signer)))
                 for signer in sorted(set(signers[trusted & (labels == label)]))]
        with warnings.catch_warnings():  # a hand no signer of the class shows stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            forms[label] = {key: np.nanmean(np.stack([part[key] for part in parts]), axis=0) for key in parts[0]}
    return forms
