"""bench.accuracy: the accuracy figure on two folds."""

from __future__ import annotations

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


@pytest.mark.slow
def test_accuracy_two_folds(ctx: Context) -> None:
    from bench import accuracy

    rows = accuracy.measure(ctx, folds=2, epochs=1, signers=4)
    record = check_row(rows[0])
    if not record["available"]:
        pytest.skip(record["note"])
    configs = record["raw"]["configs"]
    assert set(configs) == {accuracy.BASELINE, ctx.params().train.preset}
    assert all(len(c["folds"]) == 2 for c in configs.values())
    assert record["baseline"] == configs[accuracy.BASELINE]["macro_f1_mean"]
    assert record["ratio"] == pytest.approx(record["project"] / record["baseline"])
