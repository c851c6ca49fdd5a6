"""The `signlang` console command (signlang/cli/__init__.py, and `python -m signlang.cli` through
__main__.py): errors in one line, a help that imports no subcommand's module, a subcommand
required."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "signlang.cli", "evaluate", "--bundle", str(tmp_path / "nope"),
         "--data", str(tmp_path), "--out", str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope'}: bundle folder not found"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_cli_help_imports_no_subcommand_module() -> None:
    """`signlang --help` declares every subcommand but imports none of their modules (nor
    TensorFlow, MediaPipe, OpenCV, MLflow): the help answers at once."""
    import subprocess
    import sys

    script = ("import sys\nfrom signlang.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('tensorflow', 'keras', 'mediapipe', 'cv2', 'mlflow', 'matplotlib', 'fastapi', 'realtime', 'bench')"
              " or m in ('signlang.crossval.scoring', 'signlang.crossval.runs', 'signlang.metrics.report', 'signlang.data.versions', 'signlang.metrics.evaluation')), "
              "file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stderr.strip() == "[]"
    for name in ("evaluate", "serve", "live", "capture", "cv", "bench", "report", "import"):
        assert name in result.stdout


def test_cli_requires_a_subcommand() -> None:
    from signlang.cli import SUBCOMMANDS, main

    assert "evaluate" in SUBCOMMANDS
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
