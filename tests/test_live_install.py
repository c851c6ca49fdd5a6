"""The operator's install: pyproject's base dependencies alone (`pip install .`, no extra), in a
new virtual environment, run `signlang live` on a real clip with an exported bundle, through
LiteRT, with no TensorFlow, Keras, MLflow, scikit-learn or DVC installed, and translate it exactly
as the full development environment does; what needs the pipeline says how to install it. The versions are requirements.lock's (as constraints),
installed by uv from its cache (setup.sh filled it), so this takes seconds, not a download."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import copy_tracked_files

pytestmark = pytest.mark.slow

PIPELINE_MODULES = ("tensorflow", "keras", "mlflow", "sklearn", "dvc")
CLIP = Path("videos") / "asl-starter" / "yes" / "yes_04.mp4"


def clean_environment() -> dict[str, str]:
    """This process's environment without PYTHONPATH: the new environment runs its own copy."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def live_lines(signlang: Path, bundle: Path, clip: Path, out: Path, env: dict | None = None) -> list[dict]:
    completed = subprocess.run([str(signlang), "live", "--model", str(bundle), "--source", str(clip), "--no-window",
                                "--out-json", str(out), "--max-frames", "60"],
                               cwd=out.parent, capture_output=True, text=True, timeout=300, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "stopped after --max-frames 60" in completed.stdout
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_the_operators_install_runs_live_without_the_pipeline(tmp_path: Path, project_root: Path, shared_data: Path,
                                                              small_bundle: Path) -> None:
    source, venv = tmp_path / "source", tmp_path / "venv"
    copy_tracked_files(project_root, source)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(Path(sys.executable).parent / "uv"), "pip", "install", "--python", str(python),
                                "-c", str(project_root / "requirements.lock"), str(source)],
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]

    found = subprocess.run([str(python), "-c", "import importlib.util as u; "
                            f"print([m for m in {PIPELINE_MODULES!r} if u.find_spec(m)])"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path, env=clean_environment())
    assert found.stdout.strip() == "[]", found.stderr

    clip = shared_data / CLIP
    (tmp_path / "operator").mkdir()
    (tmp_path / "developer").mkdir()
    operator = live_lines(venv / "bin" / "signlang", small_bundle, clip, tmp_path / "operator" / "out.jsonl",
                          clean_environment())
    developer = live_lines(Path(sys.executable).parent / "signlang", small_bundle, clip,
                           tmp_path / "developer" / "out.jsonl")
    assert operator == developer and any(line["top3"] for line in operator)

    for args in (["cv"], ["live", "--model", "models:/signlang@champion", "--source", str(clip), "--no-window"]):
        completed = subprocess.run([str(venv / "bin" / "signlang"), *args], cwd=tmp_path / "operator",
                                   capture_output=True, text=True, timeout=120, env=clean_environment())
        assert completed.returncode == 1, completed.stderr
        (line,) = completed.stderr.splitlines()
        assert "needs the pipeline's packages" in line and "pip install 'signlang[pipeline]'" in line, line
