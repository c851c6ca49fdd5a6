"""Helpers for the data tests: the real signers' labels. Not a test module."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def multisigner_labels(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """The class and the signer of every sequence of keypoints/multisigner-258 (the real 33 signers)."""
    labels, signers = [], []
    for path in sorted((shared_data / "keypoints" / "multisigner-258").glob("*.npz")):
        with np.load(path) as data:
            labels.extend(data["label"].astype(str))
            signers.extend([path.stem] * len(data["label"]))
    return np.array(labels), np.array(signers)
