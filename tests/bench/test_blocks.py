"""bench.blocks: the keypoint descriptors of real signers' blocks say what the signs are (one- or
two-handed, where, how open the hand is)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.blocks import failing_blocks, window_descriptors


def windows_of(shared_data: Path, signer: str, label: str) -> np.ndarray:
    with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz", allow_pickle=False) as data:
        return data["X"][data["label"] == label].astype(np.float32)


def test_descriptors_tell_one_hand_from_two_and_a_fist_from_an_open_hand(shared_data: Path) -> None:
    hello = window_descriptors(windows_of(shared_data, "AdrLfv", "hello")).median()
    iloveyou = window_descriptors(windows_of(shared_data, "AdrLfv", "iloveyou")).median()
    help_ = window_descriptors(windows_of(shared_data, "zunaidansari", "help")).median()
    assert hello.hands_seen > 0.5 and hello.two_hands < 0.2 and help_.two_hands > 0.5
    assert hello.height < 0 < help_.height  # hello by the head, help at the chest
    assert hello.openness > iloveyou.openness  # an open hand against two folded fingers


def test_failing_blocks_sit_beside_their_class_and_the_class_taken_for() -> None:
    import pandas as pd

    table = pd.DataFrame({
        "label": ["please", "please", "please", "sorry", "sorry"], "signer": ["a", "b", "c", "a", "b"],
        "windows": [30] * 5, "hands_seen": [1.0] * 5, "two_hands": [0.0] * 5, "height": [0.5] * 5,
        "motion": [0.05] * 5, "openness": [2.0, 2.2, 0.9, 1.0, 1.1], "accuracy": [1.0, 0.9, 0.0, 1.0, 1.0],
        "taken_for": ["please", "please", "sorry", "sorry", "sorry"]})
    (row,) = failing_blocks(table, 0.5).to_dict("records")
    assert row["signer"] == "c" and row["openness"] == "0.90 (2.10 / 1.05)"
