"""The `ingest` and `split` sections of params.yaml (signlang/data/settings.py): the old
split.strategy key read as what it meant."""

from __future__ import annotations

import pytest

from signlang.data.settings import SplitParams


def test_the_old_strategy_key_reads_as_what_it_meant() -> None:
    from signlang.errors import ParamsError
    from signlang.settings import parse_section

    def parsed(**split) -> SplitParams:
        return parse_section({"split": {"train": 0.7, "val": 0.15, "test": 0.15, **split}}, "split", SplitParams)

    assert parsed(strategy="by_signer").by == "signer" and parsed(strategy="stratified").by == "sequence"
    with pytest.raises(ParamsError, match=r"split: Value error, strategy: renamed `by`.*by: signer.*by: sequence"):
        parsed(strategy="stratified", by="signer")
