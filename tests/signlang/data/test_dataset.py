"""Which test signers the model saw in training (the plain statement of a few-signer split)."""

from __future__ import annotations

import numpy as np

from signlang.data.dataset import seen_test_signers


def test_seen_test_signers() -> None:
    signers = np.array(["A", "A", "B", "C", "C", ""])
    assert seen_test_signers(signers, np.array(["train", "test", "val", "test", "test", "train"])) == ["A"]
    assert seen_test_signers(signers, np.array(["train", "train", "val", "test", "test", "train"])) == []
    assert seen_test_signers(signers, np.array(["train", "train", "val", "test", "test", "test"])) == ["(no signer id)"]


def test_seen_test_signers_follow_split_by(shared_data) -> None:
    """What evaluate writes as metrics.json test_signers_seen_in_training, on the real 33 signers
    and a real one-recorder set: none by signer, every test signer by sequence, and one unknown
    person where no sample has a signer id."""
    from signlang.data.settings import SplitParams
    from signlang.data.split import assign_subsets

    labels, signers = [], []
    for path in sorted((shared_data / "keypoints" / "multisigner-258").glob("*.npz")):
        with np.load(path) as data:
            labels += data["label"].astype(str).tolist()
            signers += [path.stem] * len(data["label"])
    labels, signers = np.array(labels), np.array(signers)
    split = SplitParams(train=0.7, val=0.15, test=0.15)
    by_signer, _ = assign_subsets(labels, signers, split)
    assert seen_test_signers(signers, by_signer) == []
    by_sequence, _ = assign_subsets(labels, signers, split.model_copy(update={"by": "sequence"}))
    seen = seen_test_signers(signers, by_sequence)
    assert seen == sorted(set(signers[by_sequence == "test"])) and len(seen) > 25

    with np.load(shared_data / "keypoints" / "vocab" / "fatih150.npz") as data:
        one = data["label"].astype(str)
    unknown = np.full(len(one), "")
    subsets, _ = assign_subsets(one, unknown, split.model_copy(update={"by": "sequence"}))
    assert seen_test_signers(unknown, subsets) == ["(no signer id)"]
