"""The `extract` section of params.yaml (signlang/features/settings.py): the Dask backend and a
scheduler address accepted, loky the shipped backend."""

from __future__ import annotations

from pathlib import Path

from signlang.params import load_params, parse_params


def test_params_accept_dask_backend_and_scheduler_address(project_root: Path) -> None:
    raw = load_params(project_root / "params.yaml").model_dump()
    raw["extract"].update(backend="dask", scheduler_address="tcp://127.0.0.1:8786")
    params = parse_params(raw)
    assert params.extract.backend == "dask"
    assert params.extract.scheduler_address == "tcp://127.0.0.1:8786"
    assert load_params(project_root / "params.yaml").extract.backend == "loky"
