"""A fresh clone's `dvc repro` reproduces what is committed: a copy of the repository's tracked
files (dvc.lock and reports included, no data/, models/ or DVC cache), with the real
../shared/data beside it, runs the whole pipeline from scratch (Holistic on every clip,
training, evaluation, export, tracking) and leaves `git status` clean: every tracked output
comes out byte for byte as committed. The MLflow run it logs lands in the copy's mlartifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.dvc]


def _git(args: list[str], cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def fresh_copy(project_root: Path, shared_data: Path, root: Path) -> Path:
    """root/main: the tracked (and not ignored) files as a new repository; root/shared: the real
    shared folder, as ../shared is beside a real clone."""
    project = root / "main"
    for name in _git(["ls-files", "--cached", "--others", "--exclude-standard"], project_root).split("\n"):
        source = project_root / name
        if name and source.is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    (root / "shared").symlink_to(shared_data.parent)
    _git(["init", "-q"], project)
    _git(["add", "-A"], project)
    _git(["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "fresh clone"], project)
    return project


def test_fresh_clone_repro_leaves_git_clean(tmp_path: Path, project_root: Path, shared_data: Path) -> None:
    project = fresh_copy(project_root, shared_data, tmp_path)
    assert not (project / "data" / "dataset.npz").exists() and not (project / "models" / "bundle").exists()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(["dvc", "repro"], cwd=project, env=env, capture_output=True, text=True, timeout=2400)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    changed = _git(["status", "--porcelain"], project)
    assert changed == "", f"dvc repro on a fresh copy changed tracked files:\n{changed}\n{_git(['diff', '--stat'], project)}"
    assert "extracted 30 clips (0 from cache)" in result.stdout
    assert "track: logged MLflow run" in result.stdout and "promoted it to @champion: no champion yet" in result.stdout
    assert (project / "mlartifacts").is_dir() and not (project / "mlruns").exists()
    assert "inference_feedback_manager" not in result.stdout + result.stderr, "native log chatter reached the console"
