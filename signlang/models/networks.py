"""The networks: one builder function per preset, and how they are compiled.

A preset turns a `(sequence_length, feature_size)` window into class probabilities. Every
builder has the same shape, `builder(inputs, n_classes, params) -> outputs`, and is listed
in `PRESETS`, so adding a network is one function and one line.

`build_model` takes a fixed `batch_size` so that export can rebuild the same network with
batch size 1 (a Keras 3 LSTM converts to TFLite builtin ops only then) and copy the weights.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import keras
from keras import layers

from signlang.errors import ParamsError
from signlang.models.settings import TrainParams

PresetBuilder = Callable[[keras.KerasTensor, int, TrainParams], keras.KerasTensor]


def tutorial(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """The source projects' network, exactly: three relu LSTMs, two dense layers.

    Ignores `params.dropout` and `params.layer_norm`.
    """
    x = layers.LSTM(64, return_sequences=True, activation="relu", name="lstm_1")(inputs)
    x = layers.LSTM(128, return_sequences=True, activation="relu", name="lstm_2")(x)
    x = layers.LSTM(64, return_sequences=False, activation="relu", name="lstm_3")(x)
    x = layers.Dense(64, activation="relu", name="dense_1")(x)
    x = layers.Dense(32, activation="relu", name="dense_2")(x)
    return layers.Dense(n_classes, activation="softmax", name="probabilities")(x)


def lstm(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """The tutorial's shape with tanh LSTMs (more stable than relu), layer normalisation
    after each recurrent layer when `params.layer_norm`, and `params.dropout` after each
    recurrent and hidden dense layer."""

    def regularise(x: keras.KerasTensor, name: str, recurrent: bool) -> keras.KerasTensor:
        if recurrent and params.layer_norm:
            x = layers.LayerNormalization(name=f"{name}_norm")(x)
        if params.dropout > 0:
            x = layers.Dropout(params.dropout, name=f"{name}_dropout")(x)
        return x

    x = inputs
    for index, (units, sequences) in enumerate(((64, True), (128, True), (64, False)), start=1):
        x = layers.LSTM(units, return_sequences=sequences, name=f"lstm_{index}")(x)
        x = regularise(x, f"lstm_{index}", recurrent=True)
    for index, units in enumerate((64, 32), start=1):
        x = layers.Dense(units, activation="relu", name=f"dense_{index}")(x)
        x = regularise(x, f"dense_{index}", recurrent=False)
    return layers.Dense(n_classes, activation="softmax", name="probabilities")(x)


def _kernel_regulariser(params: TrainParams) -> keras.regularizers.Regularizer | None:
    """L2 on a dense kernel, `params.l2` strong; None when it is 0."""
    return keras.regularizers.L2(params.l2) if params.l2 > 0 else None


@keras.saving.register_keras_serializable(package="signlang")
class LateDropout(layers.Layer):
    """Dropout that passes its input through until switched on (`LateDropoutSwitch`, at
    `train.late_dropout_epoch`): the network first fits, then is regularised hard (one of the
    Kaggle ISLR 2023 winners' ingredients). Inert at inference, like any dropout."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.active = self.add_weight(shape=(), initializer="zeros", trainable=False, name="active")

    def call(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        dropped = keras.random.dropout(x, self.rate, seed=self.seed_generator)
        return self.active * dropped + (1.0 - self.active) * x

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class LateDropoutSwitch(keras.callbacks.Callback):
    """Switches every `LateDropout` layer of the model on from epoch `start` (1-based)."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start

    def on_epoch_begin(self, epoch, logs=None):
        if epoch + 1 == self.start:
            for layer in _all_layers(self.model):
                if isinstance(layer, LateDropout):
                    layer.active.assign(1.0)


class AdversarialWeightTraining(keras.Model):
    """Trains `network` with adversarial weight perturbation (AWP, one of the Kaggle ISLR 2023
    winners' ingredients; Wu et al. 2020): from optimizer step `start_step` on, each step first
    moves every trainable weight tensor along its own loss gradient (the direction that hurts
    most) by `size` times the tensor's norm, takes the gradient there, and applies it to the
    unperturbed weights, so the network settles where a small change of weights does not cost much (a flat
    minimum, said to carry over better to unseen data). A training-time wrapper only: its
    weights are `network`'s, and `network` is what is saved and exported."""

    def __init__(self, network: keras.Model, size: float, start_step: int, **kwargs) -> None:
        super().__init__(name=f"{network.name}_awp", **kwargs)
        self.network, self.size, self.start_step = network, float(size), int(start_step)

    def call(self, x, training=False):
        return self.network(x, training=training)

    def train_step(self, data):
        import tensorflow as tf

        weights = self.trainable_weights

        def perturbation():
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True), sample_weight=sample_weight)
            gradients = tape.gradient(loss, weights)
            return [tf.zeros_like(w) if g is None else self.size * tf.norm(w) * g / (tf.norm(g) + 1e-12)
                    for w, g in zip(weights, gradients)]

        deltas = tf.cond(self.optimizer.iterations >= self.start_step, perturbation,
                         lambda: [tf.zeros_like(w) for w in weights])
        for weight, delta in zip(weights, deltas):
            weight.assign_add(delta)
        logs = super().train_step(data)  # the gradient at the perturbed weights, applied
        # The optimizer's step does not depend on the weights' values (Adam, SGD; L2 is in the
        # loss), so taking the perturbation back after it equals applying it to the unperturbed ones.
        for weight, delta in zip(weights, deltas):
            weight.assign_sub(delta)
        return logs


def _all_layers(model: keras.Model) -> list[layers.Layer]:
    """The layers of a model and of the models nested in it (ensemble members)."""
    found = []
    for layer in model.layers:
        found += _all_layers(layer) if isinstance(layer, keras.Model) else [layer]
    return found


@keras.saving.register_keras_serializable(package="signlang")
class DropPath(layers.Layer):
    """Stochastic depth: in training, a residual branch is dropped for a whole sample with
    probability `rate` (kept ones scaled by 1 / (1 - rate)); identity at inference."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        from keras import ops

        shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        keep = ops.cast(keras.random.uniform(shape, seed=self.seed_generator) >= self.rate, x.dtype)
        return x * keep / (1.0 - self.rate)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def _head(x: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """Dropout, one hidden dense layer, dropout, softmax: the classifier every new preset
    ends with (its kernels L2-penalised by `params.l2`). With `params.late_dropout` > 0 the
    hidden layer's output also goes through a `LateDropout` of that rate."""
    regulariser = _kernel_regulariser(params)
    x = layers.Dropout(params.dropout, name="head_dropout_1")(x)
    x = layers.Dense(64, activation="relu", kernel_regularizer=regulariser, name="head_dense")(x)
    x = layers.Dropout(params.dropout, name="head_dropout_2")(x)
    if params.late_dropout > 0:
        x = LateDropout(params.late_dropout, name="head_late_dropout")(x)
    return layers.Dense(n_classes, activation="softmax", kernel_regularizer=regulariser, name="probabilities")(x)


def gru(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """Two GRUs (96 units) over frames, all-zero frames masked out."""
    x = layers.Masking(mask_value=0.0, name="mask_empty_frames")(inputs)
    x = layers.GRU(96, return_sequences=True, name="gru_1")(x)
    x = layers.GRU(96, name="gru_2")(x)
    return _head(x, n_classes, params)


def bigru(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """Two bidirectional GRUs (64 units each way) over frames, all-zero frames masked out."""
    x = layers.Masking(mask_value=0.0, name="mask_empty_frames")(inputs)
    x = layers.Bidirectional(layers.GRU(64, return_sequences=True), name="bigru_1")(x)
    x = layers.Bidirectional(layers.GRU(64), name="bigru_2")(x)
    return _head(x, n_classes, params)


def conv_lstm(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """Two 1D convolutions over time (local motion, kernel 5), then one LSTM over the sequence."""
    x = inputs
    for index in (1, 2):
        x = layers.Conv1D(96, 5, padding="same", name=f"conv_{index}")(x)
        x = layers.BatchNormalization(name=f"conv_{index}_norm")(x)
        x = layers.Activation("relu", name=f"conv_{index}_relu")(x)
    x = layers.LSTM(96, name="lstm")(x)
    return _head(x, n_classes, params)


def conv(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """A temporal CNN: three 1D convolutions (kernel 5) with batch normalisation, the second
    and third over frames pooled by 2, then average and max pooling over time. The fastest
    preset to train on a CPU."""
    x = inputs
    for index, pool in ((1, False), (2, True), (3, True)):
        x = layers.Conv1D(96, 5, padding="same", name=f"conv_{index}")(x)
        x = layers.BatchNormalization(name=f"conv_{index}_norm")(x)
        x = layers.Activation("relu", name=f"conv_{index}_relu")(x)
        if pool:
            x = layers.MaxPooling1D(2, padding="same", name=f"conv_{index}_pool")(x)
    x = layers.Concatenate(name="pool_frames")(
        [layers.GlobalAveragePooling1D(name="average_frames")(x), layers.GlobalMaxPooling1D(name="max_frames")(x)]
    )
    return _head(x, n_classes, params)


@keras.saving.register_keras_serializable(package="signlang")
class PositionEmbedding(layers.Layer):
    """A learnt vector per frame position, added to the frame features."""

    def build(self, input_shape):
        self.positions = self.add_weight(
            shape=(input_shape[-2], input_shape[-1]), initializer="zeros", name="positions"
        )

    def call(self, x):
        return x + self.positions


def transformer(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """A 1D convolution front end, learnt positions and two small pre-norm transformer
    encoder blocks (4 heads of 16), averaged over frames. With `params.drop_path` > 0 each
    residual branch goes through `DropPath` (stochastic depth)."""

    def residual(x, y, name):
        if params.drop_path > 0:
            y = DropPath(params.drop_path, name=f"{name}_drop_path")(y)
        return layers.Add(name=name)([x, y])

    width = 64
    x = layers.Dense(width, name="embed")(inputs)
    x = layers.Conv1D(width, 3, padding="same", activation="relu", name="conv")(x)
    x = PositionEmbedding(name="positions")(x)
    for index in (1, 2):
        y = layers.LayerNormalization(name=f"block_{index}_norm_1")(x)
        y = layers.MultiHeadAttention(4, 16, dropout=params.dropout, name=f"block_{index}_attention")(y, y)
        x = residual(x, y, f"block_{index}_add_1")
        y = layers.LayerNormalization(name=f"block_{index}_norm_2")(x)
        y = layers.Dense(2 * width, activation="relu", name=f"block_{index}_ff_1")(y)
        y = layers.Dense(width, name=f"block_{index}_ff_2")(y)
        x = residual(x, y, f"block_{index}_add_2")
    x = layers.LayerNormalization(name="final_norm")(x)
    x = layers.GlobalAveragePooling1D(name="average_frames")(x)
    return _head(x, n_classes, params)


@keras.saving.register_keras_serializable(package="signlang")
class TemporalStatistics(layers.Layer):
    """Per feature, over the frames of a window: mean, standard deviation, minimum,
    maximum, and the means of `segments` equal stretches of the window in order (where in
    the window a hand is high or low). (batch, T, F) -> (batch, (4 + segments) * F)."""

    def __init__(self, segments: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.segments = segments

    def call(self, x):
        from keras import ops

        mean = ops.mean(x, axis=1)
        spread = ops.sqrt(ops.mean(ops.square(x - ops.expand_dims(mean, 1)), axis=1) + 1e-6)
        length = x.shape[1]
        bounds = [round(i * length / self.segments) for i in range(self.segments + 1)]
        stretches = [ops.mean(x[:, start:end], axis=1) for start, end in zip(bounds, bounds[1:])]
        return ops.concatenate([mean, spread, ops.min(x, axis=1), ops.max(x, axis=1), *stretches], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], (4 + self.segments) * input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "segments": self.segments}


def stats(inputs: keras.KerasTensor, n_classes: int, params: TrainParams) -> keras.KerasTensor:
    """Statistics of every feature over time (`TemporalStatistics`), standardised by batch
    normalisation, then dropout and a linear softmax classifier (kernel L2-penalised by
    `params.l2`): a regularised multinomial logistic regression on the window's summary.
    Few weights and no hidden layer, so it learns what the signs share across signers
    rather than each training signer's idiosyncrasies (docs/accuracy.md)."""
    x = TemporalStatistics(segments=5, name="frame_statistics")(inputs)
    x = layers.BatchNormalization(name="standardise")(x)
    x = layers.Dropout(params.dropout, name="dropout")(x)
    return layers.Dense(n_classes, activation="softmax", kernel_regularizer=_kernel_regulariser(params),
                        name="probabilities")(x)


PRESETS: dict[str, PresetBuilder] = {
    "tutorial": tutorial,
    "lstm": lstm,
    "gru": gru,
    "bigru": bigru,
    "conv_lstm": conv_lstm,
    "conv": conv,
    "transformer": transformer,
    "stats": stats,
}


def load_model(path: str | Path) -> keras.Model:
    """A saved `.keras` model, uncompiled (this module registers the custom layers it may use)."""
    return keras.saving.load_model(path, compile=False)


def build_model(
    params: TrainParams,
    sequence_length: int,
    feature_size: int,
    n_classes: int,
    batch_size: int | None = None,
) -> keras.Model:
    """The preset network `params.preset`, uncompiled.

    `batch_size=None` leaves the batch dimension free (training); export passes 1.
    """
    builder = PRESETS.get(params.preset)
    if builder is None:
        raise ParamsError(
            f"train.preset: unknown preset {params.preset!r}; allowed: {', '.join(sorted(PRESETS))}"
        )
    inputs = keras.Input((sequence_length, feature_size), batch_size=batch_size, name="keypoints")
    if params.ensemble == 1:
        return keras.Model(inputs, builder(inputs, n_classes, params), name=params.preset)
    members = []
    for index in range(1, params.ensemble + 1):
        member_inputs = keras.Input((sequence_length, feature_size), batch_size=batch_size, name=f"member_{index}_keypoints")
        members.append(keras.Model(member_inputs, builder(member_inputs, n_classes, params), name=f"member_{index}"))
    outputs = layers.Average(name="average_members")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name=f"{params.preset}_x{params.ensemble}")


def ensemble_of(members: list[keras.Model], params: TrainParams) -> keras.Model:
    """One model averaging the probabilities of `members` (trained separately, same preset
    and shapes): `build_model`'s ensemble form holding their weights, so export rebuilds and
    converts it like any other network (one TFLite graph)."""
    shape = members[0].input_shape
    combined = build_model(params, shape[1], shape[2], members[0].output_shape[-1])
    for target, member in zip(combined.layers[1:-1], members, strict=True):
        target.set_weights(member.get_weights())
    return combined


def learning_rate_schedule(
    params: TrainParams, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """`params.learning_rate` as a constant, a cosine decay to 0 over all epochs, or a
    step decay multiplying it by `step_factor` every `step_epochs` epochs."""
    if params.lr_schedule == "constant":
        return params.learning_rate
    if params.lr_schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            params.learning_rate, decay_steps=params.epochs * steps_per_epoch, alpha=0.0
        )
    if params.lr_schedule == "step":
        # The optimizer asks for the rate before counting the step, so epoch k (from 0)
        # starts at iteration k * steps_per_epoch; the value changes once the iteration
        # passes a boundary.
        drops = range(1, (params.epochs - 1) // params.step_epochs + 1)
        boundaries = [k * params.step_epochs * steps_per_epoch - 1 for k in drops]
        if not boundaries:
            return params.learning_rate
        values = [params.learning_rate * params.step_factor**k for k in range(len(boundaries) + 1)]
        return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    raise ParamsError(
        f"train.lr_schedule: unknown schedule {params.lr_schedule!r}; allowed: constant, cosine, step"
    )


def make_optimizer(params: TrainParams, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    rate = learning_rate_schedule(params, steps_per_epoch)
    averaging = {"use_ema": True, "ema_momentum": params.ema_momentum} if params.ema_momentum > 0 else {}
    if params.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=rate, **averaging)
    if params.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=rate, momentum=params.momentum, **averaging)
    raise ParamsError(f"train.optimizer: unknown optimizer {params.optimizer!r}; allowed: adam, sgd")


def compile_model(model: keras.Model, params: TrainParams, steps_per_epoch: int) -> keras.Model:
    """Compile for one-hot targets: categorical cross-entropy (with `params.label_smoothing`),
    accuracy named "accuracy"."""
    model.compile(
        optimizer=make_optimizer(params, max(1, steps_per_epoch)),
        loss=(keras.losses.CategoricalCrossentropy(label_smoothing=params.label_smoothing)
              if params.label_smoothing > 0 else "categorical_crossentropy"),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    return model


def _renumber_shared_objects(config: object, numbering: dict | None = None) -> object:
    """Replace Keras' `shared_object_id` values (Python id()s, new every process) by their
    order of first appearance; equal ids stay equal, so sharing is preserved on load."""
    numbering = {} if numbering is None else numbering
    if isinstance(config, dict):
        return {
            key: numbering.setdefault(value, len(numbering) + 1)
            if key == "shared_object_id"
            else _renumber_shared_objects(value, numbering)
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [_renumber_shared_objects(item, numbering) for item in config]
    return config


def save_model(model: keras.Model, path: str | Path) -> None:
    """Save a .keras file whose bytes depend only on the network and its weights.

    Keras stamps `date_saved` into metadata.json, the save time into the zip entries and
    Python object ids into config.json; all are made stable so the same training gives the
    same file (and DVC hash) in every process.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.saving.keras")
    model.save(staging)
    normalised = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(staging) as source, zipfile.ZipFile(normalised, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "metadata.json":
                metadata = json.loads(content)
                metadata.pop("date_saved", None)
                content = json.dumps(metadata, sort_keys=True).encode()
            elif entry.filename == "config.json":
                content = json.dumps(_renumber_shared_objects(json.loads(content))).encode()
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0)), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    staging.unlink()
    os.replace(normalised, path)
