"""One model resolution (signlang/serving/resolve.py) for `signlang live`, `serve` and `evaluate`:
models/bundle by default, a folder, or models:/NAME@ALIAS from a real MLflow store; on a checkout
with nothing exported yet, every command says in one line what to run, and creates no MLflow store."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from signlang import paths
from signlang.errors import InputFileError, SignlangError
from signlang.serving.resolve import load_bundle, resolve_bundle
from tests.signlang.cli.helpers import COMMANDS, SIGNLANG


def checkout_without_model(root: Path, project_root: Path) -> Path:
    """A checkout's files as a fresh clone has them: dvc.yaml and params.yaml, no models/."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(project_root / name, root / name)
    return root


def test_the_default_on_a_checkout_without_a_model_names_the_next_step(tmp_path: Path, project_root: Path) -> None:
    checkout = checkout_without_model(tmp_path / "clone", project_root)
    with pytest.raises(SignlangError) as error:
        resolve_bundle(None, checkout)
    message = str(error.value)
    assert message.startswith("no model: models/bundle does not exist yet; run `dvc repro` here to build it (about ")
    assert "--model FOLDER" in message and "--model models:/signlang@champion" in message and "\n" not in message


def test_the_default_outside_a_checkout_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(SignlangError, match=r"run `dvc repro` in a signlang checkout to export one, or pass --model"):
        resolve_bundle(None, tmp_path)


def test_a_named_folder_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="bundle folder not found") as error:
        resolve_bundle(str(tmp_path / "nope"))
    assert error.value.path == str(tmp_path / "nope")


def test_a_registry_uri_without_an_alias_is_refused_before_mlflow(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for uri in ("models:/signlang", "models:/signlang/3", "models:/@champion"):
        with pytest.raises(SignlangError, match=r"expected models:/NAME@ALIAS \(e.g. models:/signlang@champion\)"):
            resolve_bundle(uri)
    assert not (tmp_path / paths.MLFLOW_DB).exists()


@pytest.mark.slow
def test_the_default_and_a_folder_resolve_to_the_same_bundle(small_bundle: Path, tmp_path: Path) -> None:
    shutil.copytree(small_bundle, tmp_path / paths.BUNDLE_DIR)
    default = resolve_bundle(None, tmp_path)
    assert default.path == tmp_path / paths.BUNDLE_DIR and default.description == "models/bundle"
    bundle, description = load_bundle(str(small_bundle))
    assert description == str(small_bundle) and bundle.source == small_bundle
    assert load_bundle(None, tmp_path)[0].classes == bundle.classes


@pytest.mark.slow
def test_the_champion_is_fetched_from_a_real_mlflow_store(small_bundle: Path, tmp_path: Path, monkeypatch) -> None:
    import mlflow

    from signlang.serving import tracking

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.configure()
    with mlflow.start_run():
        tracking.register_bundle(small_bundle, "signlang", "champion", "macro_f1", 0.5)
    resolved = resolve_bundle("models:/signlang@champion")
    assert resolved.description == "models:/signlang@champion"
    assert (resolved.path / "model.tflite").read_bytes() == (small_bundle / "model.tflite").read_bytes()
    assert not resolved.path.is_relative_to(tmp_path), "downloaded into a temporary folder, not the project"
    with pytest.raises(SignlangError, match="models:/signlang@nobody"):
        resolve_bundle("models:/signlang@nobody")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_on_a_fresh_clone_says_what_to_run_in_one_line(command: str, tmp_path: Path, project_root: Path,
                                                                     shared_data: Path) -> None:
    checkout = checkout_without_model(tmp_path / "clone", project_root)
    clip = shared_data / "videos" / "asl-starter" / "hello" / "hello_04.mp4"
    args = [arg.format(clip=clip, clip_folder=clip.parent.parent) for arg in COMMANDS[command]]
    headless = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    completed = subprocess.run([SIGNLANG, *args], cwd=checkout, capture_output=True, text=True, timeout=120,
                               env=headless)
    assert completed.returncode == 1
    assert completed.stdout == ""  # no MLflow INFO lines, no progress
    (line,) = completed.stderr.splitlines()
    assert line.startswith("error: no model: models/bundle does not exist yet; run `dvc repro` here"), line
    assert sorted(path.name for path in checkout.iterdir()) == ["dvc.yaml", "params.yaml"]  # no mlruns.db
