"""`signlang cv` from start to end: the samples, the scores on the same folds, the report folder
and the MLflow runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from signlang.crossval.data import load_signer_data
from signlang.crossval.report import markdown_table, write_reports, write_run_params
from signlang.crossval.scoring import cross_validate

if TYPE_CHECKING:
    from signlang.params import Params


def run(params: Params, configs: Sequence[str] | None = None, folds: int | None = None,
        epochs: int | None = None, out: str | Path | None = None, data: str | Path | None = None,
        nested_folds: int | None = None, track: bool = True) -> dict:
    """Load, cross-validate, write the reports (and the params that rerun them), log them to
    MLflow (`track`); returns the result."""
    started = time.perf_counter()
    signer_data = load_signer_data(params, data)
    result = cross_validate(params, configs, folds, epochs, signer_data, nested_folds=nested_folds)
    out = Path(out or params.crossval.out)
    write_reports(result, out)
    write_run_params(params, result, out, data)
    print(markdown_table(result), flush=True)
    print(f"cv: wrote {out} in {time.perf_counter() - started:.0f} s", flush=True)
    if track:
        from signlang.crossval.tracking import log_cross_validation
        from signlang.serving.tracking import tracking_uri

        run_id = log_cross_validation(result, out, params)
        print(f"cv: logged MLflow run {run_id} with a child run per configuration and fold "
              f"(experiment {params.crossval.experiment}, {tracking_uri()})", flush=True)
    return result
