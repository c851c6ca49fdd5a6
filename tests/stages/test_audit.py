"""The audit stage: data/dataset.npz + data/manifest.csv (made by the ingest and extract stages
from real signers) -> reports/audit/, the same bytes on a second run; missing inputs are one
error line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

SIGNERS = ("AdrLfv", "Jeet10", "Omar-AlQashlan", "daita-sur", "hirak214", "poojanvig", "tamtridung")


def test_stage_writes_the_audit_of_the_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path,
                                               project_root: Path, capsys) -> None:
    from stages import audit, extract, ingest
    from stages._entry import run_stage

    data = tmp_path / "keypoints"
    data.mkdir()
    for signer in SIGNERS:
        (data / f"{signer}.npz").symlink_to(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz")
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    raw["ingest"]["sources"] = [{"path": "keypoints"}]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run_stage(ingest.ingest, ingest.stage_params, argv=[])
    run_stage(extract.extract, extract.stage_params, argv=[])
    run_stage(audit.audit, audit.stage_params, argv=[])
    assert "audit: 899 windows, 7 signers, 19 blocks" in capsys.readouterr().out
    out = tmp_path / "reports" / "audit"
    blocks = pd.read_csv(out / "blocks.csv", keep_default_na=False)
    assert sorted(set(blocks.signer)) == sorted(SIGNERS) and blocks.windows.sum() == 899
    assert set(blocks.folders) >= {"hello", "thanks"}
    first = {path: path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}
    assert {out / name for name in ("blocks.csv", "signers.csv", "audit.md", "audit.html")} <= set(first)
    run_stage(audit.audit, audit.stage_params, argv=[])
    assert {path: path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()} == first
