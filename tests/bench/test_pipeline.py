"""bench.pipeline: the pipeline figures (`dvc repro` of one stage in a copy, then a no-op rerun)."""

from __future__ import annotations

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


@pytest.mark.slow
@pytest.mark.dvc  # `dvc repro` in a copy of the repository
def test_pipeline_ingest_and_noop(ctx: Context) -> None:
    from bench import pipeline

    rows = pipeline.measure(ctx, stages=["ingest"], signers=("hirak214",), clips=("yes/yes_04.mp4",))
    stages, noop = (check_row(row) for row in rows)
    assert set(stages["raw"]["stages"]) == {"ingest"}
    assert stages["project"] == pytest.approx(stages["raw"]["total_s"])
    assert stages["raw"]["noop_ran_nothing"] is True
    assert noop["project"] == pytest.approx(stages["raw"]["noop_median_s"])
    assert noop["met"] == (noop["project"] < pipeline.NOOP_TARGET_S)
