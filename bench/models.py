"""The trained model the latency, live and memory figures share: the project's
(models/model.keras + models/bundle) when both exist and agree, else a tiny tutorial
model trained on a few real signers and exported into the run's scratch folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import MULTISIGNER, PROJECT_ROOT, Context

TINY_SIGNERS = ("hirak214", "techgeekshinobi", "daita-sur")


@dataclass(frozen=True)
class ModelFiles:
    keras_path: Path
    bundle_dir: Path
    origin: str  # "project" or "tiny tutorial model (...)"


def project_model(root: Path = PROJECT_ROOT) -> ModelFiles | None:
    """models/model.keras and models/bundle when both are there and take the same window."""
    from signlang import paths
    from signlang.serving.bundle import Bundle

    keras_path, bundle_dir = root / paths.KERAS_MODEL, root / paths.BUNDLE_DIR
    if not keras_path.is_file() or not (bundle_dir / paths.BUNDLE_MODEL).is_file():
        return None
    try:
        bundle = Bundle.load(bundle_dir)
    except Exception:  # noqa: BLE001 - an unusable bundle means: train a tiny one
        return None
    return ModelFiles(keras_path, bundle_dir, f"project ({keras_path.relative_to(root)}, {bundle.n_classes} classes)")


def tiny_model(ctx: Context, epochs: int = 1, signers: tuple[str, ...] = TINY_SIGNERS) -> ModelFiles:
    """The tutorial network on raw coordinates, trained `epochs` on a few real signers, saved
    as model.keras and exported as a bundle (TFLite) into a scratch folder."""
    import keras

    from signlang.crossval.configs import config_params
    from signlang.features.keypoints import clip_to_window
    from signlang.models.train import TrainingData, fit
    from signlang.serving.bundle import write_bundle
    from signlang.serving.export import inference_model, to_tflite

    params = config_params(ctx.params(), "tutorial:raw", epochs)
    params = params.model_copy(update={"train": params.train.model_copy(update={"early_stopping_patience": 0})})
    spec = params.features
    windows, labels = [], []
    for signer in signers:  # signers record different lengths: each sample resampled to one window
        with np.load(ctx.shared_data / MULTISIGNER / f"{signer}.npz", allow_pickle=False) as data:
            windows.extend(clip_to_window(sample, spec, signer) for sample in data["X"])
            labels.extend(str(v) for v in data["label"])
    x = np.stack(windows).astype(np.float32)
    classes = tuple(sorted(set(labels)))
    y = keras.utils.to_categorical([classes.index(v) for v in labels], len(classes)).astype(np.float32)
    model, _ = fit(params.train, TrainingData(classes, x, y, x[:0], y[:0]))
    folder = ctx.temp_dir("tiny-model-")
    keras_path = folder / "model.keras"
    model.save(keras_path)
    single = inference_model(model, params.train, x.shape[1], x.shape[2], len(classes))
    bundle_dir = write_bundle(folder / "bundle", to_tflite(single), classes, {}, spec)
    return ModelFiles(keras_path, bundle_dir, f"tiny tutorial model ({len(signers)} signers, {epochs} epoch(s), scratch)")


def shared_model(ctx: Context) -> ModelFiles:
    """The project's model, else a tiny one trained once per run."""
    if "model" not in ctx.cache:
        found = project_model()
        if found is None:
            ctx.log("bench: models/model.keras + models/bundle not found; training a tiny tutorial model")
            found = tiny_model(ctx)
        ctx.cache["model"] = found
    return ctx.cache["model"]
