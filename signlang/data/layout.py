"""MediaPipe Holistic's keypoint layout: the parts of one frame's vector and their widths.

Full layout, 1662 values per frame: pose 33 x (x, y, z, visibility) [0:132], face 468 x
(x, y, z) [132:1536], left hand 21 x (x, y, z) [1536:1599], right hand 21 x (x, y, z)
[1599:1662]. The 258 layout is the same without the face. Constants only (no imports), so the
data readers, the settings schemas and the preprocessing can all use them.
"""

PART_SIZES = {"pose": 33 * 4, "face": 468 * 3, "left_hand": 21 * 3, "right_hand": 21 * 3}
FULL_PARTS = ("pose", "face", "left_hand", "right_hand")
NO_FACE_PARTS = ("pose", "left_hand", "right_hand")
HAND_PARTS = ("left_hand", "right_hand")
FULL_SIZE = sum(PART_SIZES.values())  # 1662
NO_FACE_SIZE = FULL_SIZE - PART_SIZES["face"]  # 258


def part_offsets(parts: tuple[str, ...]) -> dict[str, slice]:
    """Where each part sits in a vector of `parts` in this order."""
    offsets, start = {}, 0
    for part in parts:
        offsets[part] = slice(start, start + PART_SIZES[part])
        start += PART_SIZES[part]
    return offsets


# The two layouts a frame vector can have, told apart by their width.
LAYOUTS = {FULL_SIZE: part_offsets(FULL_PARTS), NO_FACE_SIZE: part_offsets(NO_FACE_PARTS)}
