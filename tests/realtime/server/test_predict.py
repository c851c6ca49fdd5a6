"""What /predict computes, called directly on the session's small real bundle (tests/conftest.py):
a real keypoint sequence through the training preprocessing, a real clip through real Holistic,
no sign for frames with nobody in them, the frame limit, and the extract stage's damaged-clip rule
with the threshold from the params.yaml the server loaded."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from realtime.server.predict import ClipRefused, ClipRules, ClipTooLong, keypoint_frames, predict_frames, predict_video
from realtime.settings import SentenceParams
from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE
from tests.realtime.helpers import server_settings

CLIP = Path("videos") / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
DAMAGED = Path("videos") / "asl-starter" / "help" / "help_01.mp4"  # 70 frames
TITLE_CARD = Path("videos") / "asl-starter" / "hello" / "hello_04.mp4"  # its first 60 frames: text, nobody
SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"
NO_SIGN = {"top3": [], "label": None, "hand_visible": False, "sentence": [], "words": []}


def rules(max_frames: int = 120, min_decoded_fraction: float | None = None) -> ClipRules:
    settings = server_settings()
    return ClipRules(settings.holistic, max_frames, min_decoded_fraction or settings.min_decoded_fraction,
                     SentenceParams(window_frames=4, stride=1), settings.fallback_fps)


@pytest.fixture(scope="module")
def bundle(small_bundle: Path):
    from signlang.serving.bundle import Bundle

    return Bundle.load(small_bundle)


def real_sequence(shared_data: Path, index: int = 0) -> np.ndarray:
    with np.load(shared_data / SIGNER) as data:
        return data["X"][index].astype(np.float32)


def test_keypoint_frames_are_limited_and_finite() -> None:
    assert keypoint_frames([[0.5] * NO_FACE_SIZE] * 3, 3).shape == (3, NO_FACE_SIZE)
    assert keypoint_frames([[0.5] * FULL_SIZE] * 2, 3).dtype == np.float32
    with pytest.raises(ClipTooLong, match="4 frames is more than the limit of 3"):
        keypoint_frames([[0.0] * NO_FACE_SIZE] * 4, 3)
    with pytest.raises(ClipRefused, match="frames hold 3 NaN or infinite values"):
        keypoint_frames([[math.nan, math.inf, -math.inf] + [0.0] * (NO_FACE_SIZE - 3)], 3)


@pytest.mark.slow
def test_keypoint_frames_get_the_training_preprocessing(bundle, shared_data: Path) -> None:
    from signlang.features.keypoints import clip_to_window, normalise

    for index in (0, 40, 90):
        sequence = real_sequence(shared_data, index)
        answer = predict_frames(bundle, sequence.tolist(), None, rules())
        expected = bundle.predict_proba(normalise(clip_to_window(sequence, bundle.spec)[None], bundle.spec))[0]
        assert answer["label"] == bundle.classes[int(np.argmax(expected))] == answer["top3"][0]["label"]
        assert answer["top3"][0]["p"] == pytest.approx(float(expected.max()), abs=1e-4)
        assert answer["frames"] == len(sequence) and answer["hand_visible"] is True
        assert set(answer["sentence"]) <= set(bundle.classes)


@pytest.mark.slow
def test_word_times_use_the_loaded_fallback_rate_when_the_request_states_none(bundle, shared_data: Path) -> None:
    sequence = np.concatenate([real_sequence(shared_data, index) for index in (0, 1)])
    zero = rules()
    zero = ClipRules(zero.holistic, zero.max_frames, zero.min_decoded_fraction, SentenceParams(threshold=0.0), 10.0)
    at_ten = predict_frames(bundle, sequence.tolist(), None, zero)
    at_twenty = predict_frames(bundle, sequence.tolist(), 20.0, zero)
    assert at_ten["words"], "no word decoded from two real signs at threshold 0"
    for slow, fast in zip(at_ten["words"], at_twenty["words"], strict=True):
        assert slow["end_s"] == pytest.approx(2 * fast["end_s"], abs=1e-3)


@pytest.mark.slow
def test_a_real_clip_through_holistic(bundle, shared_data: Path) -> None:
    answer = predict_video(bundle, shared_data / CLIP, rules())
    assert answer["frames"] == 30 and answer["hand_visible"] is True
    assert len(answer["top3"]) == 3 and answer["label"] == answer["top3"][0]["label"] in bundle.classes
    assert [word["label"] for word in answer["words"]] == answer["sentence"]
    with pytest.raises(ClipTooLong, match="the clip has 30 frames, more than the limit of 29"):
        predict_video(bundle, shared_data / CLIP, rules(max_frames=29))


@pytest.mark.slow
def test_a_damaged_clip_is_refused_by_the_loaded_threshold(bundle, shared_data: Path, tmp_path: Path) -> None:
    """A real clip cut to 40 % of its bytes (a download that stopped part-way): the container
    still says 70 frames, 24 decode; under the threshold loaded it is refused, under a lower one read."""
    data = (shared_data / DAMAGED).read_bytes()
    cut = tmp_path / "help_01.mp4"
    cut.write_bytes(data[: int(len(data) * 0.4)])
    with pytest.raises(ClipRefused, match="damaged or cut short: only 24 of the 70 frames the file reports"):
        predict_video(bundle, cut, rules())
    assert predict_video(bundle, cut, rules(min_decoded_fraction=0.3))["frames"] == 24


@pytest.mark.slow
def test_no_sign_when_nobody_is_in_the_frames(bundle, shared_data: Path, tmp_path: Path) -> None:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / TITLE_CARD))
    frames = [capture.read()[1] for _ in range(60)]
    capture.release()
    clip = tmp_path / "title.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (frames[0].shape[1], frames[0].shape[0]))
    for frame in frames:
        writer.write(frame)
    writer.release()
    assert predict_video(bundle, clip, rules()) == {**NO_SIGN, "frames": 60}
    for width in (NO_FACE_SIZE, FULL_SIZE):  # keypoints of 30 frames in which Holistic saw nothing
        assert predict_frames(bundle, [[0.0] * width] * 30, None, rules()) == {**NO_SIGN, "frames": 30}


@pytest.mark.slow
def test_a_file_that_is_not_a_video_is_refused(small_bundle: Path, tmp_path: Path) -> None:
    from signlang.serving.bundle import Bundle

    notes = tmp_path / "notes.mp4"
    notes.write_bytes(b"this is not a video at all" * 100)
    with pytest.raises(ClipRefused, match="cannot be opened as a video"):
        predict_video(Bundle.load(small_bundle), notes, rules())
