"""Which model `signlang live`, `serve` and `evaluate` run: one answer, one function.

`--model` names it (`--bundle` is the same flag):
- nothing: `models/bundle`, the bundle this checkout's `dvc repro` exported. It matches the code
  and params.yaml of the checkout, needs no MLflow store, and is what the operator's install
  (no TensorFlow, no MLflow) can run;
- a folder: an exported bundle anywhere (copied from a checkout or a release);
- `models:/NAME@ALIAS` (e.g. `models:/signlang@champion`): that alias in the MLflow registry
  (MLFLOW_TRACKING_URI, or the project's mlruns.db), downloaded into a temporary folder removed
  when the process ends. Only this choice imports MLflow (the `pipeline` extra).

On a clone where nothing was exported yet the default gives one line naming the next step, and
no MLflow store is created.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from signlang import paths
from signlang.errors import InputFileError, SignlangError

if TYPE_CHECKING:
    from signlang.serving.bundle import Bundle

REGISTRY_SCHEME = "models:/"
REGISTRY_URI = re.compile(r"models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)")
# What a fresh clone runs to get models/bundle, and how long the starter data takes on a 2-core machine.
EXPORT_STEP = "run `dvc repro` here to build it (about 5 minutes for the starter data on 2 cores)"


@dataclass(frozen=True)
class ResolvedBundle:
    path: Path  # the bundle folder (model.tflite, labels.json, preprocess.json[, segmenter.json])
    description: str  # how the commands name it: the folder, or models:/NAME@ALIAS


def is_registry_uri(model: str | Path | None) -> bool:
    return isinstance(model, str) and model.startswith(REGISTRY_SCHEME)


def no_model_message(folder: Path, project: Path) -> str:
    """The one line for the default model missing: what to run in a checkout, else what to pass."""
    if (project / "dvc.yaml").is_file():
        step = EXPORT_STEP
    else:
        step = "run `dvc repro` in a signlang checkout to export one"
    return (f"no model: {folder} does not exist yet; {step}, or pass --model FOLDER (an exported bundle) "
            f"or --model models:/signlang@champion (the MLflow registry)")


def resolve_bundle(model: str | Path | None = None, project: Path | None = None) -> ResolvedBundle:
    """The bundle folder `model` names (see the module's doc; None: models/bundle under `project`,
    default the working directory). A registry model is downloaded here; a folder is only checked
    to exist (`Bundle.load` checks its files)."""
    project = Path.cwd() if project is None else Path(project)
    if model is None:
        folder = project / paths.BUNDLE_DIR
        if not folder.is_dir():
            raise SignlangError(no_model_message(paths.BUNDLE_DIR, project))
        return ResolvedBundle(folder, str(paths.BUNDLE_DIR))
    if is_registry_uri(model):
        return _download(str(model))
    folder = Path(model)
    if not folder.is_dir():
        raise InputFileError(folder, "bundle folder not found")
    return ResolvedBundle(folder, str(model))


def load_bundle(model: str | Path | None = None, project: Path | None = None) -> tuple[Bundle, str]:
    """The loaded bundle `model` names (`resolve_bundle`) and its description."""
    from signlang.serving.bundle import Bundle

    resolved = resolve_bundle(model, project)
    return Bundle.load(resolved.path), resolved.description


def _download(uri: str) -> ResolvedBundle:
    match = REGISTRY_URI.fullmatch(uri)
    if match is None:
        raise SignlangError(f"--model {uri}: expected models:/NAME@ALIAS (e.g. models:/signlang@champion)")
    try:
        from signlang.serving import tracking
    except ImportError as exc:
        raise SignlangError(f"--model {uri}: the MLflow registry needs the pipeline's packages ({exc.name} is not "
                            "installed): pip install 'signlang[pipeline]', or pass the bundle folder") from None
    destination = Path(tempfile.mkdtemp(prefix="signlang-model-"))
    atexit.register(shutil.rmtree, destination, ignore_errors=True)
    folder = tracking.download_bundle(match["name"], match["alias"], destination)
    return ResolvedBundle(folder, uri)
