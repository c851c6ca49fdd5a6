"""`signlang audit` (signlang/cli/audit.py): listed in --help without importing the audit,
writes the reports, a missing folder is one error line and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.signlang.audit.helpers import MULTISIGNER, link


def test_help_lists_audit_without_importing_it() -> None:
    script = ("import sys\nfrom signlang.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('signlang.audit.folders')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stderr.strip() == "[]"
    assert "audit" in result.stdout


def test_command_writes_the_reports(tmp_path: Path, shared_data: Path, capsys, monkeypatch, project_root) -> None:
    from signlang.cli import main

    monkeypatch.chdir(project_root)  # --params defaults to ./params.yaml
    folder = link(tmp_path / "data", [shared_data / MULTISIGNER / f"{s}.npz" for s in ("hirak214", "daita-sur",
                                                                                        "poojanvig")])
    assert main(["audit", "--data", str(folder), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "audit: 269 windows, 3 signers, 6 blocks; 0 flagged" in printed
    assert "0 signer pair(s) like one person" in printed  # 3 signers: too few to tell
    assert (tmp_path / "out" / "blocks.csv").is_file() and (tmp_path / "out" / "audit.html").is_file()
    assert main(["audit", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nope'}: not found")
    assert not (tmp_path / "x").exists()
