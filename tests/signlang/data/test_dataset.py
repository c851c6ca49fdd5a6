"""Which test signers the model saw in training (the plain statement of a few-signer split)."""

from __future__ import annotations

import numpy as np

from signlang.data.dataset import seen_test_signers


def test_seen_test_signers() -> None:
    signers = np.array(["A", "A", "B", "C", "C", ""])
    assert seen_test_signers(signers, np.array(["train", "test", "val", "test", "test", "train"])) == ["A"]
    assert seen_test_signers(signers, np.array(["train", "train", "val", "test", "test", "train"])) == []
    assert seen_test_signers(signers, np.array(["train", "train", "val", "test", "test", "test"])) == ["(no signer id)"]
