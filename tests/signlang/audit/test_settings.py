"""The params.yaml `audit` section: the code's defaults are the file's values, bad values are
refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from signlang.audit.settings import AuditParams
from signlang.errors import SignlangError
from signlang.params import parse_params


def test_audit_params_in_code_equal_params_yaml(project_root: Path) -> None:
    raw = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    assert AuditParams(**raw["audit"]) == AuditParams()
    assert raw["ingest"]["exclude"] == [] and raw["ingest"]["relabel"] == []
    with pytest.raises(SignlangError, match="audit.no_hands_fraction"):
        parse_params({**raw, "audit": {**raw["audit"], "no_hands_fraction": 0}})
