"""The audit tests' shared real windows: ten version 2 signers as `signlang audit` reads them,
and the audit of them with one problem of each kind planted (tests.signlang.audit.helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signlang.audit.data import AuditData
from signlang.audit.folders import load_folders
from signlang.audit.scoring import AuditResult, audit
from signlang.params import Params, load_params
from tests.signlang.audit.helpers import MULTISIGNER, SIGNERS, link, planted


@pytest.fixture(scope="session")
def params(project_root: Path) -> Params:
    return load_params(project_root / "params.yaml")


@pytest.fixture(scope="session")
def real(tmp_path_factory, shared_data: Path, params: Params) -> AuditData:
    folder = link(tmp_path_factory.mktemp("audit") / "multisigner-258",
                  [shared_data / MULTISIGNER / f"{signer}.npz" for signer in SIGNERS])
    return load_folders([folder], params.ingest, params.features, params.extract, log=lambda line: None)


@pytest.fixture(scope="session")
def found(real: AuditData, params: Params) -> AuditResult:
    return audit(planted(real), params.audit)
