"""MediaPipe Holistic's keypoint layout (signlang/data/layout.py): the two frame widths and where
each part sits in them."""

from __future__ import annotations

from signlang.features import keypoints


def test_layout_sizes() -> None:
    assert keypoints.FULL_SIZE == 1662 and keypoints.NO_FACE_SIZE == 258
    full, no_face = keypoints.LAYOUTS[1662], keypoints.LAYOUTS[258]
    assert (full["pose"], full["face"], full["left_hand"], full["right_hand"]) == (
        slice(0, 132), slice(132, 1536), slice(1536, 1599), slice(1599, 1662)
    )
    assert (no_face["pose"], no_face["left_hand"], no_face["right_hand"]) == (
        slice(0, 132), slice(132, 195), slice(195, 258)
    )
    assert "face" not in no_face
    assert keypoints.feature_size(["pose", "left_hand", "right_hand"]) == 258
    assert keypoints.feature_size(["left_hand"]) == 63
