"""signlang.models.train on a small slice of the real multi-signer keypoints: data loading aligned
by id (stale splits, other features and missing files refused), class and signer-balanced
weights, the ensemble's history, determinism, adversarial weight perturbation, weight averaging,
and training without a validation subset."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from signlang.errors import InputFileError, SignlangError
from signlang.features import keypoints
from signlang.features.spec import FeatureParams
from signlang.models import train as training
from tests.signlang.models.helpers import T, make_params, write_dataset


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory, shared_data: Path) -> tuple[Path, Path]:
    return write_dataset(shared_data, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def spec(project_root: Path) -> keypoints.FeatureParams:
    return make_params(project_root).features


def test_load_training_data_aligns_by_id(small_dataset, spec, tmp_path: Path) -> None:
    dataset, split = small_dataset
    # The split in another row order must give the same arrays.
    shuffled = tmp_path / "split.csv"
    pd.read_csv(split).sample(frac=1.0, random_state=0).to_csv(shuffled, index=False)
    data = training.load_training_data(dataset, shuffled, spec)

    with np.load(dataset) as raw:
        X, ids, labels, classes = raw["X"], list(raw["ids"]), raw["labels"], list(raw["classes"])
    assert data.classes == tuple(classes) == ("hello", "iloveyou", "thanks", "yes")
    assert len(data.x_train) == 60 + 90 + 120 and len(data.x_val) == 90
    # Windows are normalised as the features params say: the model's width is keypoints.output_size(spec).
    assert data.x_train.dtype == np.float32 and data.x_train.shape[1:] == (T, keypoints.output_size(spec))
    assert data.has_validation and (data.sequence_length, data.feature_size, data.n_classes) == (T, keypoints.output_size(spec), 4)
    assert data.raw_train is not None and data.raw_train.shape[1:] == (T, 258)
    assert all("hirak214" not in i for i in data.ids_train + data.ids_val)  # test subset left out
    for x, y, sample in zip(data.x_val, data.y_val, data.ids_val):
        row = ids.index(sample)
        assert np.array_equal(x, keypoints.normalise(X[row][None], spec)[0])
        assert y.tolist() == [1.0 if c == labels[row] else 0.0 for c in classes]
    assert data.y_train.sum(axis=1).tolist() == [1.0] * len(data.y_train)


def test_load_training_data_refuses_a_stale_split(small_dataset, spec, tmp_path: Path) -> None:
    dataset, split = small_dataset
    partial = tmp_path / "split.csv"
    pd.read_csv(split).iloc[5:].to_csv(partial, index=False)
    with pytest.raises(InputFileError, match=r"split\.csv: does not match .*5 dataset ids missing.*dvc repro split"):
        training.load_training_data(dataset, partial, spec)


def test_load_training_data_refuses_other_features(small_dataset, spec) -> None:
    dataset, split = small_dataset
    other = FeatureParams.raw(("pose", "face", "left_hand", "right_hand"), sequence_length=T)
    with pytest.raises(InputFileError, match=r"30 frames x 258 values .* 30 x 1662 .*dvc repro extract"):
        training.load_training_data(dataset, split, other)


def test_load_training_data_needs_training_samples_and_files(small_dataset, spec, tmp_path: Path) -> None:
    dataset, split = small_dataset
    no_train = tmp_path / "split.csv"
    table = pd.read_csv(split)
    table.assign(subset=table.subset.replace({"train": "test"})).to_csv(no_train, index=False)
    with pytest.raises(SignlangError, match="the train subset is empty"):
        training.load_training_data(dataset, no_train, spec)
    with pytest.raises(InputFileError, match=r"missing\.npz: not found \(run `dvc repro extract` first\)"):
        training.load_training_data(tmp_path / "missing.npz", split, spec)


def test_class_weights_are_balanced_over_present_classes() -> None:
    y = keras.utils.to_categorical([0, 0, 0, 1, 2, 2], 4)
    weights = training.class_weights(y)
    # n / (classes present * count): 6 / (3 * 3), 6 / (3 * 1), 6 / (3 * 2); class 3 absent.
    assert weights == pytest.approx({0: 2 / 3, 1: 2.0, 2: 1.0, 3: 1.0})


def test_signer_balanced_weights_give_every_signer_of_a_class_the_same_weight(small_dataset, spec) -> None:
    dataset, split = small_dataset
    data = training.load_training_data(dataset, split, spec)
    assert len(data.signers_train) == len(data.y_train) and set(data.signers_train) == {"AD-Codex", "AdrLfv", "F1zzy"}
    labels, signers = np.argmax(data.y_train, axis=1), np.array(data.signers_train)
    for by_class in (True, False):
        weights = training.signer_balanced_weights(data.y_train, data.signers_train, by_class)
        assert weights.shape == labels.shape and weights.mean() == pytest.approx(1.0)
        class_totals = []
        for label in np.unique(labels):
            in_class = labels == label
            totals = [weights[in_class & (signers == s)].sum() for s in np.unique(signers[in_class])]
            assert np.allclose(totals, totals[0])  # each signer of the class weighs the same
            class_totals.append(weights[in_class].sum())
        if by_class:
            assert np.allclose(class_totals, class_totals[0])
        else:  # classes keep their share of the data
            counts = [np.sum(labels == label) for label in np.unique(labels)]
            assert np.allclose(np.array(class_totals) / counts, class_totals[0] / counts[0])


def test_signer_balance_stops_at_the_class_median_block() -> None:
    """A person with one clip of a class weighs that window like a window of a typical block, not
    like another person's 30 windows; a person with 330 weighs like one with the median."""
    signers = ["big"] * 330 + ["a"] * 30 + ["b"] * 30 + ["c"] * 20 + ["one_clip"] + ["other"] * 60
    labels = [0] * 411 + [1] * 60
    y_train = np.eye(2, dtype=np.float32)[labels]
    weights = training.signer_balanced_weights(y_train, signers, by_class=False)
    names = np.array(signers)
    block = {name: weights[names == name].sum() for name in ("big", "a", "b", "c", "one_clip")}
    assert block["big"] == pytest.approx(block["a"]) == pytest.approx(block["b"])  # median block: 30 windows
    assert block["c"] == pytest.approx(block["a"] * 20 / 30)
    assert weights[names == "one_clip"][0] == pytest.approx(weights[names == "a"][0])
    assert weights[names == "big"][0] == pytest.approx(weights[names == "a"][0] * 30 / 330)
    assert weights[:411].sum() == pytest.approx(411 / 471 * len(weights))  # classes keep their share
    uncapped = training.signer_balanced_weights(y_train, signers, by_class=False, cap="none")
    assert uncapped[names == "one_clip"][0] == pytest.approx(uncapped[names == "a"][0] * 30)


def test_ensemble_history_averages_the_members_that_ran_each_epoch() -> None:
    first = [{"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": None, "val_accuracy": None, "learning_rate": 0.001},
             {"epoch": 2, "loss": 0.5, "accuracy": 0.75, "val_loss": None, "val_accuracy": None, "learning_rate": 0.001}]
    second = [{"epoch": 1, "loss": 3.0, "accuracy": 0.25, "val_loss": None, "val_accuracy": None, "learning_rate": 0.001}]
    rows = training.mean_history([first, second])
    assert [row["epoch"] for row in rows] == [1, 2]
    assert (rows[0]["loss"], rows[0]["accuracy"]) == (2.0, 0.375) and rows[0]["val_loss"] is None
    assert (rows[1]["loss"], rows[1]["accuracy"]) == (0.5, 0.75)  # only the first ran epoch 2


@pytest.mark.slow
def test_same_data_and_params_give_the_same_weights(small_dataset, spec, project_root) -> None:
    params = make_params(project_root, preset="lstm", epochs=2, dropout=0.2, layer_norm=True, class_weights=True)
    data = training.load_training_data(*small_dataset, spec)

    first, first_rows = training.fit(params.train, data)
    second, second_rows = training.fit(params.train, data)
    assert first_rows == second_rows
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights(), strict=True))

    other_seed = make_params(project_root, preset="lstm", epochs=2, dropout=0.2, layer_norm=True, seed=7)
    third, _ = training.fit(other_seed.train, data)
    assert not all(np.array_equal(a, b) for a, b in zip(first.get_weights(), third.get_weights(), strict=True))


@pytest.mark.slow
def test_awp_changes_training_only_from_its_epoch_and_leaves_a_plain_network(small_dataset, spec, project_root,
                                                                          tmp_path) -> None:
    """Adversarial weight perturbation: before train.awp_epoch a step is exactly a plain step
    (same weights, same history); from it on the weights differ; what fit returns is the plain
    network, which saves and loads as any other."""
    from signlang.models.networks import load_model, save_model

    plain_params = make_params(project_root, preset="transformer", epochs=2, early_stopping_patience=0, awp=0.0,
                               ema_momentum=0.0)
    data = training.load_training_data(*small_dataset, spec)
    plain, plain_rows = training.fit(plain_params.train, data)
    later = make_params(project_root, preset="transformer", epochs=2, early_stopping_patience=0, awp=0.05, awp_epoch=3,
                        ema_momentum=0.0)
    not_yet, not_yet_rows = training.fit(later.train, data)
    assert not_yet_rows == plain_rows
    assert all(np.array_equal(a, b) for a, b in zip(plain.get_weights(), not_yet.get_weights(), strict=True))

    on = make_params(project_root, preset="transformer", epochs=2, early_stopping_patience=0, awp=0.05, awp_epoch=2,
                     ema_momentum=0.0)
    perturbed, perturbed_rows = training.fit(on.train, data)
    assert perturbed_rows[0] == plain_rows[0] and perturbed_rows[1] != plain_rows[1]
    assert not all(np.array_equal(a, b) for a, b in zip(plain.get_weights(), perturbed.get_weights(), strict=True))
    assert type(perturbed) is type(plain) and perturbed.name == plain.name
    save_model(perturbed, tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    window = data.x_val[:4] if len(data.x_val) else data.x_train[:4]
    np.testing.assert_allclose(loaded.predict(window, verbose=0), perturbed.predict(window, verbose=0), rtol=1e-5, atol=1e-6)


class TrainableWeightsPerStep(keras.callbacks.Callback):
    """The network's trainable weights after every optimizer step, and the step count at each epoch's end."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[list[np.ndarray]] = []
        self.epoch_ends: list[int] = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append([keras.ops.convert_to_numpy(w).copy() for w in self.model.trainable_weights])

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_ends.append(len(self.steps))


@pytest.mark.slow
def test_weight_averaging_returns_the_moving_average_of_the_best_epoch(small_dataset, spec, project_root) -> None:
    """train.ema_momentum: the network comes back with the exponential moving average of its
    weights over the optimizer steps (Polyak averaging), taken at the end of the epoch whose
    averaged weights scored the best validation loss (early stopping judges the averaged weights)."""
    momentum = 0.9
    params = make_params(project_root, preset="transformer", epochs=3, early_stopping_patience=1,
                         ema_momentum=momentum)
    data = training.load_training_data(*small_dataset, spec)
    recorder = TrainableWeightsPerStep()
    network, rows = training.fit(params.train, data, callbacks=[recorder])

    average = [w.copy() for w in recorder.steps[0]]
    averages_at_epoch_end = []
    for step, weights in enumerate(recorder.steps[1:], start=2):
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, weights, strict=True)]
        if step in recorder.epoch_ends:
            averages_at_epoch_end.append(average)
    best_epoch = int(np.argmin([row["val_loss"] for row in rows]))
    for got, expected in zip(network.trainable_weights, averages_at_epoch_end[best_epoch], strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(got), expected, rtol=1e-4, atol=1e-5)
    raw_last = recorder.steps[recorder.epoch_ends[best_epoch] - 1]
    assert not all(np.allclose(keras.ops.convert_to_numpy(got), raw, atol=1e-5)
                   for got, raw in zip(network.trainable_weights, raw_last, strict=True))
    with pytest.raises(SignlangError, match="ema_momentum and awp"):
        make_params(project_root, ema_momentum=momentum, awp=0.01)


@pytest.mark.slow
def test_no_validation_subset_with_sgd_and_step_schedule(shared_data, spec, project_root, tmp_path, capsys) -> None:
    dataset, split = write_dataset(shared_data, tmp_path, {"AdrLfv": "train", "hirak214": "test"})
    data = training.load_training_data(dataset, split, spec)
    assert not data.has_validation and data.n_classes == 3
    params = make_params(
        project_root,
        preset="tutorial",
        epochs=3,
        optimizer="sgd",
        learning_rate=0.01,
        lr_schedule="step",
        step_epochs=1,
        step_factor=0.5,
        early_stopping_patience=1,
        class_weights=False,
    )

    model, rows = training.fit(params.train, data)

    assert "the val subset is empty; training without validation (early stopping watches the training loss)" in (
        capsys.readouterr().out
    )
    assert 1 <= len(rows) <= 3
    assert [row["learning_rate"] for row in rows] == [0.01, 0.005, 0.0025][: len(rows)]
    assert all(row["val_loss"] is None and row["val_accuracy"] is None for row in rows)
    history = tmp_path / "plots" / "history.csv"
    training.write_history(rows, history)
    lines = history.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate"
    assert lines[1].startswith("1,") and lines[1].endswith(",,,0.01")
    report = training.summarise(params.train, data, model, rows)
    assert report["monitor"] == "loss" and report["best_val_loss"] is None and report["val_samples"] == 0
    assert report["best_loss"] == min(row["loss"] for row in rows)
