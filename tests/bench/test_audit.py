"""bench.audit: the audit figure times the audit and names the cases it finds."""

from __future__ import annotations

import pytest

from bench.common import Context
from tests.bench.helpers import check_row


@pytest.mark.slow
def test_audit_figure_times_the_audit_and_names_the_cases(ctx: Context) -> None:
    from bench import audit

    (row,) = audit.measure(ctx)
    record = check_row(row)
    assert record["figure"].startswith("7.") and record["unit"] == "s" and record["project"] > 0
    assert record["met"] == (record["project"] < audit.TARGET_S)
    raw = record["raw"]
    assert raw["windows"] == 339 + 900 + 330  # --quick: 4 version 2 signers, the audit cases, the leak
    assert set(raw["cases"]) >= {"yunlisa96 no", "ShivaNagalla please", "Murugan-mady sorry", "SoyaChunkz + ToxicShot09"}
    assert f"found: {sum(bool(v) for v in raw['cases'].values())}/{len(raw['cases'])}" in record["note"]
