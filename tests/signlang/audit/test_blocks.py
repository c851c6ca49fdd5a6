"""One row per signer x class block, with how the model that never saw its signer reads it."""

from __future__ import annotations

import numpy as np

from signlang.audit.blocks import class_medians, readable
from signlang.audit.rules import UNTRUSTED


def test_one_row_per_block_with_its_reading(found, real) -> None:
    blocks = found.blocks
    assert len(blocks) == len(set(zip(found.data.signers, found.data.labels)))
    assert blocks.windows.sum() == len(found.data.ids)
    for row in blocks.itertuples():
        assert row.read_counts.sum() == row.windows
        assert np.isclose(row.read_as_fraction, row.read_counts.max() / row.windows)
    teachers = blocks[(blocks.label == "hello") & ~blocks["issues"].map(lambda f: bool(set(f) & set(UNTRUSTED)))]
    hirak = blocks[(blocks.signer == "hirak214") & (blocks.label == "hello")].iloc[0]
    # The signer's alias (flagged as the same person) is not another signer of its class.
    assert hirak.other_signers == len(set(teachers.signer) - {"hirak214", "hirak-alias"}) >= 5
    assert hirak.folders == "hello"


def test_class_medians_leave_the_block_out(found) -> None:
    medians = class_medians(found.blocks, "windows")
    row = found.blocks[(found.blocks.signer == "daita-sur") & (found.blocks.label == "hello")].index[0]
    others = found.blocks[(found.blocks.label == "hello") & (found.blocks.signer != "daita-sur")].windows
    assert medians[row] == others.median()
    assert readable(found.blocks, found.params).sum() >= len(found.blocks) - 2
