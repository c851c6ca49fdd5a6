"""Model-free statistics of each window (frames without hands, hand motion, hand slots against
the pose's wrists, implausible poses): what the no_hands, static, hand_slots and layout rules
read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signlang.audit.views import BodyViews, masked_mean
from signlang.features import keypoints as kp

LEFT_WRIST, RIGHT_WRIST = 15, 16


def hand_motion(views: BodyViews) -> np.ndarray:
    """(n,): per window, the larger over both hands of the mean distance a hand landmark moves
    between consecutive frames where the hand is seen (shoulder widths per frame)."""
    motion = []
    for hand in ("left_hand", "right_hand"):
        steps = np.linalg.norm(np.diff(views.hands[hand], axis=1), axis=-1).mean(axis=-1)
        both = views.present[hand][:, 1:] & views.present[hand][:, :-1]
        motion.append(np.nan_to_num(masked_mean(steps, both)))
    return np.maximum(*motion)


def slot_mismatch(views: BodyViews) -> tuple[np.ndarray, np.ndarray]:
    """Per window (frames counted, frames where a hand slot's wrist sits at the other arm's
    pose wrist): Holistic fills the left-hand slot with the hand at the pose's left wrist.
    Counted where the pose is plausible and its wrists are at least half a shoulder width
    apart; a wrist at less than half the distance to its own arm's counts as the other's."""
    pose = views.raw["pose"]
    usable = kp.pose_plausible(pose) & kp.part_present(pose)
    _, width = kp.body_frame(pose, "frame")
    apart = np.linalg.norm(pose[:, :, LEFT_WRIST, :2] - pose[:, :, RIGHT_WRIST, :2], axis=-1) > 0.5 * width[..., 0]
    counted = np.zeros(len(pose), np.int64)
    wrong = np.zeros(len(pose), np.int64)
    for hand, own, other in (("left_hand", LEFT_WRIST, RIGHT_WRIST), ("right_hand", RIGHT_WRIST, LEFT_WRIST)):
        seen = kp.part_present(views.raw[hand]) & usable & apart
        wrist = views.raw[hand][:, :, 0, :2]
        to_own = np.linalg.norm(wrist - pose[:, :, own, :2], axis=-1)
        to_other = np.linalg.norm(wrist - pose[:, :, other, :2], axis=-1)
        counted += seen.sum(axis=1)
        wrong += (seen & (to_other < 0.5 * to_own)).sum(axis=1)
    return counted, wrong


def window_statistics(views: BodyViews) -> pd.DataFrame:
    """Per window: frames without any hand, hand motion, slot checks, implausible poses."""
    no_hand = ~(views.present["left_hand"] | views.present["right_hand"])
    pose = views.raw["pose"]
    implausible = kp.part_present(pose) & ~kp.pose_plausible(pose)
    counted, wrong = slot_mismatch(views)
    return pd.DataFrame({"no_hand": no_hand.mean(axis=1), "motion": hand_motion(views), "slot_frames": counted,
                         "slot_wrong": wrong, "implausible": implausible.mean(axis=1)})
