"""A configuration and how it trains on one fold: a train preset, or `<preset>:raw` (raw
coordinates, no augmentation, as the source projects trained), fitted by the pipeline's own
`signlang.models.train.fit` with the preprocessing of the `features` section."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from signlang.crossval.data import SignerData
from signlang.crossval.folds import validation_signers
from signlang.errors import ParamsError, SignlangError
from signlang.features.keypoints import normalise
from signlang.features.spec import FeatureParams

if TYPE_CHECKING:
    from signlang.params import Params

RAW_SUFFIX = ":raw"


def parse_config(name: str) -> tuple[str, bool]:
    """'bigru' -> ('bigru', False); 'tutorial:raw' -> ('tutorial', True)."""
    raw = name.endswith(RAW_SUFFIX)
    return (name[: -len(RAW_SUFFIX)] if raw else name), raw


def config_params(params: Params, name: str, epochs: int) -> Params:
    """The params a configuration trains with: its preset, the epochs budget and
    crossval.early_stopping_patience, and for `:raw` raw coordinates and no augmentation."""
    from signlang.models.networks import PRESETS

    preset, raw = parse_config(name)
    if preset not in PRESETS:
        raise ParamsError(f"crossval.presets: unknown preset {preset!r}; allowed: {', '.join(sorted(PRESETS))} "
                          f"(optionally with {RAW_SUFFIX})")
    train = params.train.model_copy(update={
        "preset": preset, "epochs": epochs, "early_stopping_patience": params.crossval.early_stopping_patience,
    })
    features = params.features
    if raw:
        train = train.model_copy(update={"augment": train.augment.model_copy(update={"enabled": False})})
        features = FeatureParams.raw(features.parts, sequence_length=features.sequence_length,
                                     resample=features.resample)
    return params.model_copy(update={"train": train, "features": features})


def fit_and_predict(params: Params, data: SignerData, train: np.ndarray, val: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Train on `train` (early stopping on `val`) and predict the class names of `test`."""
    import keras

    from signlang.models.train import TrainingData, fit

    spec = params.features
    index = {name: i for i, name in enumerate(data.classes)}

    def onehot(rows: np.ndarray) -> np.ndarray:
        return keras.utils.to_categorical([index[v] for v in data.labels[rows]], len(data.classes)).astype(np.float32)

    training = TrainingData(
        classes=data.classes,
        x_train=normalise(data.X[train], spec), y_train=onehot(train),
        x_val=normalise(data.X[val], spec), y_val=onehot(val),
        raw_train=data.X[train], spec=spec, signers_train=tuple(data.signers[train]),
    )
    model, _ = fit(params.train, training)
    probabilities = model.predict(normalise(data.X[test], spec), batch_size=256, verbose=0)
    return np.asarray(data.classes)[np.argmax(probabilities, axis=1)]


def fit_fold(params: Params, data: SignerData, train: np.ndarray, test: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train on `train` less `crossval.val_signers` of its signers (held out for early
    stopping, seeded draw) and predict `test`. Returns (predicted classes, held-out signers)."""
    held = validation_signers(data.labels[train], data.signers[train], params.crossval.val_signers, seed)
    val = train[np.isin(data.signers[train], held)]
    fit_rows = train[~np.isin(data.signers[train], held)]
    if set(data.signers[test]) & set(data.signers[train]):
        raise SignlangError("a signer is on both sides of a fold")
    return fit_and_predict(params, data, fit_rows, val, test), held
