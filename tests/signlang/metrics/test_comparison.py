"""Two bundles on the same windows: real bundles (the session's small project's, and untrained
networks exported with other specs or classes) on the small project's real test windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang import paths
from signlang.features.keypoints import normalise, resample
from signlang.features.spec import FeatureParams
from signlang.metrics.comparison import NotComparable, bundle_inputs, compare_bundles, load_test_windows
from signlang.metrics.evaluation import classification_metrics, signer_scores
from signlang.metrics.settings import EvaluateParams
from signlang.serving.bundle import Bundle

pytestmark = pytest.mark.slow

EVALUATE = EvaluateParams(bootstrap_resamples=300)


@pytest.fixture(scope="module")
def windows(small_project):
    return load_test_windows(small_project.root / paths.DATASET, small_project.root / paths.SPLIT)


def _bundle(folder: Path, train, spec: FeatureParams, classes: list[str]) -> Path:
    """An untrained tutorial network as a bundle (what is compared here is plumbing, not skill)."""
    import keras

    from signlang.features.keypoints import output_size
    from signlang.models.networks import build_model
    from signlang.serving.bundle import write_bundle
    from signlang.serving.export import inference_model, to_tflite

    train = train.model_copy(update={"preset": "tutorial"})
    keras.utils.set_random_seed(5)
    network = build_model(train, spec.sequence_length, output_size(spec), len(classes))
    single = inference_model(network, train, spec.sequence_length, output_size(spec), len(classes))
    return write_bundle(folder, to_tflite(single), classes, {}, spec)


def test_a_bundle_against_itself_differs_by_nothing(small_project, windows) -> None:
    bundle = small_project.bundle
    comparison = compare_bundles(bundle, bundle, windows, EVALUATE)
    assert comparison.comparable and comparison.adapted == ()
    assert comparison.new == comparison.old
    assert comparison.difference == {"accuracy": 0.0, "macro_f1": 0.0, "worst_signer_accuracy": 0.0}
    assert comparison.difference_ci == {name: (0.0, 0.0) for name in comparison.difference}
    # The scores are the bundle's own, through its preprocessing and TFLite, on the test windows.
    loaded = Bundle.load(bundle)
    predicted = np.asarray(loaded.classes)[loaded.predict_proba(normalise(windows.X, loaded.spec)).argmax(1)]
    metrics = classification_metrics(windows.labels, predicted, windows.classes)
    assert comparison.new["accuracy"] == metrics["accuracy"] == small_project.metrics["accuracy"]
    assert comparison.new["macro_f1"] == metrics["macro_f1"]
    assert comparison.new["worst_signer_accuracy"] == signer_scores(windows.signers, windows.labels,
                                                                    predicted)["worst_signer_accuracy"]
    document = comparison.as_dict("candidate", "champion")
    assert document["test_windows"] == len(windows.labels) and document["test_signers"] == 1
    assert document["difference_ci"]["macro_f1"] == [0.0, 0.0]


def test_a_bundle_of_other_classes_is_not_comparable(small_project, windows, tmp_path: Path) -> None:
    spec = Bundle.load(small_project.bundle).spec
    other = _bundle(tmp_path / "psl", small_project.params.train, spec, ["adios", "buenos_dias", "hola"])
    comparison = compare_bundles(small_project.bundle, other, windows, EVALUATE)
    assert not comparison.comparable
    assert comparison.why.startswith("the classes differ (the candidate has 8 classes, the champion 3; only the "
                                     "candidate: hello, help, iloveyou, no, please, sorry, thanks, yes; only the "
                                     "champion: adios, buenos_dias, hola)")
    assert comparison.as_dict("candidate", "champion")["why"] == comparison.why


def test_a_bundle_of_other_parts_and_length_reads_the_same_windows(small_project, windows, tmp_path: Path) -> None:
    """A champion made for hands only and 8 frames gets those parts of the candidate's windows,
    resampled as its spec says: the same inputs it would have made from those frames."""
    spec = FeatureParams.raw(("left_hand", "right_hand"), sequence_length=8)
    classes = list(windows.classes)
    hands = Bundle.load(_bundle(tmp_path / "hands", small_project.params.train, spec, classes))
    window_spec = Bundle.load(small_project.bundle).spec
    inputs, adapted = bundle_inputs(hands, windows.X, window_spec)
    expected = np.stack([resample(window[:, 132:], 8, spec.resample) for window in windows.X])  # pose is 132 wide
    np.testing.assert_array_equal(inputs, normalise(expected, spec))
    assert adapted == ["parts left_hand, right_hand of pose, left_hand, right_hand",
                       "windows resampled from 30 to 8 frames"]
    comparison = compare_bundles(small_project.bundle, hands.source, windows, EVALUATE)
    assert comparison.comparable and comparison.adapted == tuple(adapted)

    with_face = FeatureParams.raw(("face", "left_hand", "right_hand"), sequence_length=8)
    face = Bundle.load(_bundle(tmp_path / "face", small_project.params.train, with_face, classes))
    with pytest.raises(NotComparable, match="the bundle reads face, left_hand, right_hand; the windows hold pose"):
        bundle_inputs(face, windows.X, window_spec)
    refused = compare_bundles(small_project.bundle, face.source, windows, EVALUATE)
    assert not refused.comparable and refused.why.startswith("the champion cannot read these windows")
