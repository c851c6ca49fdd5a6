"""Model presets: shapes, parameter counts, the tutorial network layer by layer, compiling."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from signlang.errors import ParamsError
from signlang.models.networks import PRESETS, build_model, compile_model, learning_rate_schedule
from signlang.models.settings import TrainParams
from signlang.params import load_params

T, F = 30, 258
# LSTM 64-128-64 and Dense 64-32 on 258 features, without the output layer.
BODY_PARAMS_258 = 4 * 64 * (258 + 64 + 1) + 4 * 128 * (64 + 128 + 1) + 4 * 64 * (128 + 64 + 1) + (64 * 64 + 64) + (64 * 32 + 32)


@pytest.fixture(scope="module")
def train_params(project_root: Path) -> TrainParams:
    return load_params(project_root / "params.yaml").train


def with_(params: TrainParams, **changes) -> TrainParams:
    return TrainParams.model_validate({**params.model_dump(), **changes})


def test_tutorial_preset_is_the_source_projects_network(train_params: TrainParams) -> None:
    # dropout and layer_norm are set in params.yaml; the tutorial preset ignores them.
    params = with_(train_params, preset="tutorial", dropout=0.3, layer_norm=True)
    model = build_model(params, T, F, n_classes=5)
    body = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [
        (type(layer).__name__, layer.units, getattr(layer, "return_sequences", None), layer.activation.__name__)
        for layer in body
    ]
    assert described == [
        ("LSTM", 64, True, "relu"),
        ("LSTM", 128, True, "relu"),
        ("LSTM", 64, False, "relu"),
        ("Dense", 64, None, "relu"),
        ("Dense", 32, None, "relu"),
        ("Dense", 5, None, "softmax"),
    ]


def test_tutorial_parameter_count_matches_the_published_summary(train_params: TrainParams) -> None:
    # The tutorial's model.summary() on 1662 features and 3 actions: 596,675 parameters.
    model = build_model(with_(train_params, preset="tutorial"), 30, 1662, n_classes=3)
    assert model.count_params() == 596_675


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_builds_with_free_and_fixed_batch(train_params: TrainParams, preset: str) -> None:
    params = with_(train_params, preset=preset)
    model = build_model(params, T, F, n_classes=8)
    assert model.input_shape == (None, T, F)
    assert model.output_shape == (None, 8)
    assert model.name == preset

    single = build_model(params, T, F, n_classes=8, batch_size=1)
    assert single.input_shape == (1, T, F)
    single.set_weights(model.get_weights())  # what export does
    window = np.random.default_rng(0).random((1, T, F), dtype=np.float32)
    expected = model(window, training=False).numpy()
    probabilities = single(window, training=False).numpy()
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    assert probabilities.shape == (1, 8)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_parameter_counts(train_params: TrainParams) -> None:
    tutorial = build_model(with_(train_params, preset="tutorial"), T, F, n_classes=8)
    assert tutorial.count_params() == BODY_PARAMS_258 + 32 * 8 + 8
    # Layer normalisation adds a scale and an offset per unit of each recurrent layer.
    normed = build_model(with_(train_params, preset="lstm", layer_norm=True, dropout=0.2), T, F, n_classes=8)
    assert normed.count_params() == tutorial.count_params() + 2 * (64 + 128 + 64)
    plain = build_model(with_(train_params, preset="lstm", layer_norm=False, dropout=0.0), T, F, n_classes=8)
    assert plain.count_params() == tutorial.count_params()


def test_lstm_preset_applies_the_regularisation_knobs(train_params: TrainParams) -> None:
    model = build_model(with_(train_params, preset="lstm", layer_norm=True, dropout=0.25), T, F, n_classes=4)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == [
        "LSTM", "LayerNormalization", "Dropout",
        "LSTM", "LayerNormalization", "Dropout",
        "LSTM", "LayerNormalization", "Dropout",
        "Dense", "Dropout",
        "Dense", "Dropout",
        "Dense",
    ]  # fmt: skip
    assert {layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)} == {0.25}
    assert {layer.activation.__name__ for layer in model.layers if isinstance(layer, keras.layers.LSTM)} == {"tanh"}

    bare = build_model(with_(train_params, preset="lstm", layer_norm=False, dropout=0.0), T, F, n_classes=4)
    assert [type(layer).__name__ for layer in bare.layers[1:]] == ["LSTM"] * 3 + ["Dense"] * 3


def test_unknown_preset_names_the_key_and_the_choices(train_params: TrainParams) -> None:
    params = train_params.model_copy(update={"preset": "gru3"})  # skips validation on purpose
    with pytest.raises(ParamsError, match=r"train\.preset: unknown preset 'gru3'; allowed: bigru, conv, conv_lstm, "
                                          r"gru, lstm, stats, transformer, tutorial"):
        build_model(params, T, F, n_classes=3)


def test_temporal_statistics_match_numpy() -> None:
    from signlang.models.networks import TemporalStatistics

    x = np.random.default_rng(0).normal(size=(3, 30, 4)).astype(np.float32)
    out = keras.ops.convert_to_numpy(TemporalStatistics(segments=5)(x))
    stretches = [x[:, start:start + 6].mean(axis=1) for start in range(0, 30, 6)]
    expected = np.concatenate([x.mean(1), x.std(1), x.min(1), x.max(1), *stretches], axis=-1)
    assert out.shape == (3, 9 * 4)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_stats_preset_is_a_linear_classifier_on_the_statistics(train_params: TrainParams) -> None:
    model = build_model(with_(train_params, preset="stats", l2=0.01), T, F, n_classes=8)
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "TemporalStatistics", "BatchNormalization", "Dropout", "Dense"]
    assert model.get_layer("probabilities").kernel_regularizer.l2 == pytest.approx(0.01)
    assert model.count_params() == 4 * 9 * F + 9 * F * 8 + 8  # batch norm (4 per input) + dense


@pytest.mark.slow
def test_a_saved_stats_model_loads_in_a_fresh_evaluate_process(train_params: TrainParams, tmp_path: Path) -> None:
    """evaluate/export load model.keras without importing the presets first."""
    import subprocess
    import sys

    from signlang.models.networks import save_model

    save_model(build_model(with_(train_params, preset="stats"), T, F, n_classes=3), tmp_path / "m.keras")
    code = ("from signlang.metrics.evaluation import load_keras_model; from signlang.features.spec import FeatureParams; "
            f"m = load_keras_model({str(tmp_path / 'm.keras')!r}, FeatureParams.raw(('pose', 'left_hand', 'right_hand'), "
            f"sequence_length={T}), 3); print(m.layers[1].__class__.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("TemporalStatistics")


def test_learning_rate_schedules(train_params: TrainParams) -> None:
    steps = 7
    assert learning_rate_schedule(with_(train_params, lr_schedule="constant", learning_rate=0.01), steps) == 0.01

    cosine = learning_rate_schedule(with_(train_params, lr_schedule="cosine", learning_rate=0.01, epochs=10), steps)
    assert float(cosine(0)) == pytest.approx(0.01)
    assert float(cosine(10 * steps // 2)) == pytest.approx(0.005, rel=1e-3)
    assert float(cosine(10 * steps)) == pytest.approx(0.0, abs=1e-8)

    step = learning_rate_schedule(
        with_(train_params, lr_schedule="step", learning_rate=0.01, epochs=10, step_epochs=3, step_factor=0.5), steps
    )
    # The rate used by the first and last step of each epoch (iteration counted from 0).
    per_epoch = [(float(step(e * steps)), float(step(e * steps + steps - 1))) for e in range(10)]
    expected = [0.01] * 3 + [0.005] * 3 + [0.0025] * 3 + [0.00125]
    assert [first for first, _ in per_epoch] == pytest.approx(expected)
    assert [last for _, last in per_epoch] == pytest.approx(expected)

    # No drop within the run: a plain constant rate.
    short = with_(train_params, lr_schedule="step", learning_rate=0.01, epochs=3, step_epochs=3)
    assert learning_rate_schedule(short, steps) == 0.01


@pytest.mark.parametrize(("optimizer", "kind"), [("adam", keras.optimizers.Adam), ("sgd", keras.optimizers.SGD)])
def test_compile_model(train_params: TrainParams, optimizer: str, kind: type) -> None:
    params = with_(train_params, preset="tutorial", optimizer=optimizer, momentum=0.8, learning_rate=0.01)
    model = compile_model(build_model(params, 5, 12, n_classes=3), params, steps_per_epoch=2)
    assert isinstance(model.optimizer, kind)
    if optimizer == "sgd":
        assert model.optimizer.momentum == pytest.approx(0.8)
    x = np.random.default_rng(1).random((4, 5, 12), dtype=np.float32)
    y = keras.utils.to_categorical([0, 1, 2, 1], 3)
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(scores) == {"loss", "accuracy"}
    assert scores["loss"] == pytest.approx(float(keras.losses.categorical_crossentropy(y, model.predict(x, verbose=0)).numpy().mean()), rel=1e-4)


def test_saved_model_file_is_byte_identical_across_saves(tmp_path):
    import time

    from signlang.models.networks import save_model

    model = build_model(TrainParams(preset="tutorial", epochs=1, batch_size=8, learning_rate=1e-3), 5, 258, 3)
    save_model(model, tmp_path / "a.keras")
    time.sleep(1.1)
    save_model(model, tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    reloaded = keras.saving.load_model(tmp_path / "b.keras")
    assert [w.shape for w in reloaded.get_weights()] == [w.shape for w in model.get_weights()]


@pytest.mark.slow
def test_saved_model_file_is_byte_identical_across_processes(tmp_path):
    """Keras writes Python object ids into config.json; two processes must still agree."""
    import subprocess
    import sys

    script = (
        "import sys, keras; from signlang.models.networks import build_model, save_model; "
        "from signlang.models.settings import TrainParams; keras.utils.set_random_seed(1); "
        "save_model(build_model(TrainParams(preset='tutorial', epochs=1, batch_size=8, learning_rate=1e-3), 5, 258, 3), "
        "sys.argv[1])"
    )
    for name in ("a.keras", "b.keras"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True, capture_output=True)
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    keras.saving.load_model(tmp_path / "a.keras")


# --- the new presets: train on real windows, export to builtin-op TFLite ---------------------

NEW_PRESETS = ("gru", "bigru", "conv_lstm", "conv", "transformer", "stats")


@pytest.fixture(scope="module")
def tiny_real(shared_data: Path, project_root: Path):
    """48 real windows of two signers, normalised as params.yaml's features say, one-hot targets."""
    from signlang.features.keypoints import normalise

    params = load_params(project_root / "params.yaml")
    spec = params.features
    windows, labels = [], []
    for signer in ("hirak214", "AD-Codex"):
        with np.load(shared_data / "keypoints" / "multisigner-258" / f"{signer}.npz") as data:
            windows.append(data["X"][::4][:24].astype(np.float32))
            labels += [str(v) for v in data["label"][::4][:24]]
    classes = sorted(set(labels))
    x = normalise(np.concatenate(windows), spec)
    y = keras.utils.to_categorical([classes.index(v) for v in labels], len(classes)).astype(np.float32)
    return x, y


@pytest.mark.slow
@pytest.mark.parametrize("preset", NEW_PRESETS)
def test_new_preset_trains_and_exports_to_builtin_tflite(train_params: TrainParams, tiny_real, preset: str) -> None:
    from signlang.serving.bundle import make_interpreter
    from signlang.serving.export import flex_ops, inference_model, to_tflite

    x, y = tiny_real
    params = with_(train_params, preset=preset, epochs=1, batch_size=16)
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(params, x.shape[1], x.shape[2], y.shape[1]), params, 3)
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    single = inference_model(model, params, x.shape[1], x.shape[2], y.shape[1])
    content = to_tflite(single)  # raises on Flex ops
    assert flex_ops(content) == []
    interpreter = make_interpreter(content)
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    assert tuple(source["shape"]) == (1, x.shape[1], x.shape[2])
    expected = model.predict(x[:6], verbose=0)
    for index in range(6):
        interpreter.set_tensor(source["index"], x[index : index + 1])
        interpreter.invoke()
        np.testing.assert_allclose(interpreter.get_tensor(target["index"])[0], expected[index], atol=1e-4)


def test_masking_presets_ignore_all_zero_frames(train_params: TrainParams) -> None:
    """gru and bigru mask frames that are all zeros: zero-padding in front changes nothing."""
    rng = np.random.default_rng(0)
    for preset in ("gru", "bigru"):
        keras.utils.set_random_seed(1)
        model = build_model(with_(train_params, preset=preset), T, 20, n_classes=4)
        window = rng.normal(size=(1, T, 20)).astype(np.float32)
        padded = window.copy()
        padded[0, :10] = 0.0
        shorter = model(padded, training=False).numpy()
        # The same frames without the empty prefix, shifted to the end of a shorter window.
        alone = build_model(with_(train_params, preset=preset), T - 10, 20, n_classes=4)
        alone.set_weights(model.get_weights())
        np.testing.assert_allclose(shorter, alone(window[:, 10:], training=False).numpy(), atol=1e-5)


def test_late_dropout_is_inert_until_switched_on(train_params: TrainParams) -> None:
    from signlang.models.networks import LateDropout, LateDropoutSwitch

    params = with_(train_params, preset="conv", late_dropout=0.9, late_dropout_epoch=2)
    model = build_model(params, T, F, 3)
    layer = model.get_layer("head_late_dropout")
    assert isinstance(layer, LateDropout)
    x = keras.ops.ones((4, 64))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=True)), np.ones((4, 64)))
    switch = LateDropoutSwitch(2)
    switch.set_model(model)
    switch.on_epoch_begin(0)
    assert float(layer.active.numpy()) == 0.0
    switch.on_epoch_begin(1)  # epoch 2
    dropped = keras.ops.convert_to_numpy(layer(x, training=True))
    assert 0.5 < np.mean(dropped == 0) < 1.0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), np.ones((4, 64)))


def test_drop_path_drops_whole_samples_in_training_only() -> None:
    from signlang.models.networks import DropPath

    layer = DropPath(0.5, seed=1)
    x = np.ones((64, 30, 8), np.float32)
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    per_sample = out.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert np.all(per_sample.min(axis=1) == per_sample.max(axis=1))  # all or nothing per sample
    assert 0 < np.sum(per_sample[:, 0] == 0) < 64
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x)


def test_ensemble_averages_its_members(train_params: TrainParams, tmp_path: Path) -> None:
    from signlang.models.networks import ensemble_of, load_model, save_model

    single = with_(train_params, preset="stats", ensemble=1)
    members = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        members.append(build_model(single, T, F, 4))
    combined = ensemble_of(members, with_(train_params, preset="stats", ensemble=3))
    x = np.random.default_rng(0).normal(size=(5, T, F)).astype(np.float32)
    expected = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(combined.predict(x, verbose=0), expected, atol=1e-6)
    save_model(combined, tmp_path / "ensemble.keras")
    np.testing.assert_allclose(load_model(tmp_path / "ensemble.keras").predict(x, verbose=0), expected, atol=1e-6)


@pytest.mark.slow
def test_regularised_transformer_ensemble_exports_to_builtin_tflite(train_params: TrainParams, tiny_real) -> None:
    """Drop path, late dropout and an ensemble of 2 train, and convert to one builtin-only TFLite
    graph whose probabilities match Keras's."""
    from signlang.serving.bundle import make_interpreter
    from signlang.serving.export import flex_ops, inference_model, to_tflite

    x, y = tiny_real
    params = with_(train_params, preset="transformer", epochs=1, batch_size=16, drop_path=0.1, late_dropout=0.5,
                   ensemble=2, label_smoothing=0.1)
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(params, x.shape[1], x.shape[2], y.shape[1]), params, 3)
    assert np.isfinite(model.fit(x, y, batch_size=16, epochs=1, verbose=0).history["loss"][0])
    content = to_tflite(inference_model(model, params, x.shape[1], x.shape[2], y.shape[1]))
    assert flex_ops(content) == []
    interpreter = make_interpreter(content)
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    expected = model.predict(x[:4], verbose=0)
    for index in range(4):
        interpreter.set_tensor(source["index"], x[index : index + 1])
        interpreter.invoke()
        np.testing.assert_allclose(interpreter.get_tensor(target["index"])[0], expected[index], atol=1e-4)
