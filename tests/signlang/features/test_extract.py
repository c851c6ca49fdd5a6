"""signlang.features.extract, the pieces of the extract stage: the reason a clip that decodes too
few of the frames it reports is skipped. The stage as a whole: tests/stages/test_extract.py."""

from __future__ import annotations


def test_damaged_reason() -> None:
    from signlang.features.extract import damaged_reason

    assert damaged_reason(31, 70, 0.75) == (
        "only 31 of the 70 frames the file reports could be decoded (damaged or truncated; "
        "extract.min_decoded_fraction is 0.75)")
    assert damaged_reason(160, 175, 0.75) is None  # real clips decode 91 % or more of their count
    assert damaged_reason(5, 0, 0.75) is None  # no frame count stated: nothing to compare
