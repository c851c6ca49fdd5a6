"""The live core (realtime/core.py): one window policy, no-sign rule, top-3 and sentence for
`signlang live`, the WebSocket and POST /predict. Fast tests drive it with real keypoint
frames and a stand-in model that records what it was asked; the slow test sends one real
clip through `signlang live`, the WebSocket and /predict and compares what each says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from realtime.core import TOP_K, LiveCore, replay, top_classes, top_json
from realtime.settings import LiveParams, SentenceParams
from signlang.data.layout import NO_FACE_SIZE
from signlang.features.keypoints import hand_seen
from signlang.features.spec import FeatureParams
from tests.realtime.helpers import server_settings

SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"
CLASSES = ("hello", "thanks", "yes", "no")


class RecordingModel:
    """Stands in for a Bundle: fixed probabilities, and the windows it was asked about."""

    def __init__(self, probabilities: list[float], sequence_length: int = 30) -> None:
        self.classes = CLASSES
        self.spec = FeatureParams.raw(("pose", "left_hand", "right_hand"), sequence_length=sequence_length)
        self.probabilities = np.array(probabilities, dtype=np.float32)
        self.windows: list[np.ndarray] = []

    def predict_window(self, frames: np.ndarray) -> np.ndarray:
        self.windows.append(frames.copy())
        return self.probabilities


def signing_frames(shared_data: Path, count: int) -> np.ndarray:
    """Real 258-value frames with a hand seen in every one."""
    with np.load(shared_data / SIGNER) as data:
        frames = data["X"].reshape(-1, NO_FACE_SIZE).astype(np.float32)
    frames = frames[hand_seen(frames)]
    assert len(frames) >= count
    return frames[:count]


# --------------------------------------------------------------------------- fast


@pytest.mark.parametrize(("window_frames", "stride", "length"), [(0, 2, 30), (12, 3, 12), (30, 1, 30)])
def test_windows_follow_the_policy(shared_data: Path, window_frames: int, stride: int, length: int) -> None:
    frames = signing_frames(shared_data, 70)
    model = RecordingModel([0.1, 0.7, 0.15, 0.05])
    core = LiveCore(model, SentenceParams(window_frames=window_frames, stride=stride, decoder="windows"))
    steps = [core.push(frame) for frame in frames]
    classified = [step.index for step in steps if step.classified]
    assert classified == list(range(length - 1, 70, stride))
    assert [step.buffered for step in steps[: length + 1]] == list(range(1, length + 1)) + [length]
    for index, window in zip(classified, model.windows, strict=True):
        assert np.array_equal(window, frames[index - length + 1 : index + 1])  # the last `length` frames
    assert all(step.top == (("thanks", pytest.approx(0.7)), ("yes", pytest.approx(0.15)), ("hello", pytest.approx(0.1)))
               for step in steps if step.classified)
    assert all(step.top == () and step.probabilities is None for step in steps if not step.classified)


def test_no_hand_in_the_last_no_sign_frames_is_no_sign(shared_data: Path) -> None:
    signing = signing_frames(shared_data, 40)
    empty = np.zeros((20, NO_FACE_SIZE), dtype=np.float32)
    model = RecordingModel([0.05, 0.05, 0.85, 0.05])
    core = LiveCore(model, SentenceParams(stride=1, no_sign_frames=10, threshold=0.6, agreeing_windows=2, decoder="windows"))
    steps = [core.push(frame) for frame in np.concatenate([signing, empty])]
    assert core.words == ["yes"] and steps[30].new_word == "yes"
    # The last hand is in frame 39: frames 40..48 still see it among their last 10; 49.. do not.
    assert all(step.hand_visible for step in steps[:49]) and not any(step.hand_visible for step in steps[49:])
    for step in steps[49:]:
        assert step.classified and step.top == () and step.probabilities is None and step.new_word is None
    assert len(model.windows) == 49 - 29  # no-sign windows are not sent to the model
    assert core.latest == () and core.decoder.builder.streak == 0
    again = [core.push(frame) for frame in signing[:31]]  # after the pause, the same word again
    assert core.words == ["yes", "yes"] and [step.new_word for step in again].count("yes") == 1


def test_replay_is_pushing_frame_by_frame(shared_data: Path) -> None:
    frames = np.concatenate([signing_frames(shared_data, 45), np.zeros((15, NO_FACE_SIZE), np.float32)])
    params = SentenceParams(threshold=0.5, agreeing_windows=3, decoder="windows")
    core = LiveCore(RecordingModel([0.6, 0.2, 0.1, 0.1]), params)
    pushed = [core.push(frame) for frame in frames]
    steps, words = replay(frames, RecordingModel([0.6, 0.2, 0.1, 0.1]), params)
    assert words == core.words == ["hello"]
    assert [(s.index, s.classified, s.hand_visible, s.top, s.new_word) for s in steps] == [
        (s.index, s.classified, s.hand_visible, s.top, s.new_word) for s in pushed]


def test_clear_forgets_the_sentence_not_the_window(shared_data: Path) -> None:
    core = LiveCore(RecordingModel([0.9, 0.05, 0.03, 0.02]), SentenceParams(stride=1, agreeing_windows=1, decoder="windows"))
    for frame in signing_frames(shared_data, 31):
        core.push(frame)
    assert core.words == ["hello"]
    core.clear()
    assert core.words == [] and core.push(signing_frames(shared_data, 1)[0]).new_word == "hello"


def test_the_segments_decoder_gives_one_word_per_real_sign(shared_data: Path) -> None:
    from signlang.data.layout import HAND_PARTS
    from signlang.features.keypoints import layout_of

    signing = signing_frames(shared_data, 40)
    rest = signing[-20:].copy()
    for hand in HAND_PARTS:
        rest[:, layout_of(rest)[hand]] = 0.0
    frames = np.concatenate([signing, rest, signing])
    model = RecordingModel([0.05, 0.05, 0.85, 0.05])
    core = LiveCore(model, SentenceParams(stride=2, decoder="segments"))
    steps = [core.push(frame) for frame in frames]
    core.finish()
    assert core.words == ["yes", "yes"]  # a rest between: the same word twice
    first = core.decoded[0]
    assert first.start <= 2 and abs(first.end - 39) <= 2 and first.p == pytest.approx(0.85)
    shown = [step.index for step in steps if step.new_word]
    assert len(shown) == 1 and steps[shown[0]].classified and 0 < shown[0] - first.end <= 4 + 2
    assert first.to_json(30.0) == {"label": "yes", "p": 0.85, "start_s": round(first.start / 30, 4),
                                   "end_s": round((first.end + 1) / 30, 4)}
    _, words = replay(frames, RecordingModel([0.3, 0.3, 0.2, 0.2]), SentenceParams(decoder="segments", threshold=0.5))
    assert words == []  # a sign below the threshold gives no word


def test_top_k_and_its_json() -> None:
    probabilities = np.array([0.1, 0.3, 0.3, 0.3000004], dtype=np.float32)
    top = top_classes(probabilities, CLASSES)
    assert len(top) == TOP_K == 3 and [label for label, _ in top] == ["no", "thanks", "yes"]  # ties: lower index first
    assert top_json(top) == [{"label": "no", "p": 0.3}, {"label": "thanks", "p": 0.3}, {"label": "yes", "p": 0.3}]


# --------------------------------------------------------------------------- slow: one clip, three paths


CLIP = Path("videos") / "asl-starter" / "hello" / "hello_04.mp4"  # 640x320: a title card, then the sign
CLIP_FRAMES = 200
# Permissive enough that the 2-epoch test bundle adds words: the paths must agree on them.
SENTENCE = SentenceParams(threshold=0.0, agreeing_windows=2, stride=2, no_sign_frames=10)


def first_frames(path: Path, count: int) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        assert ok, f"{path} has fewer than {count} frames"
        frames.append(frame)
    capture.release()
    return frames


def write_clip(frames: list[np.ndarray], path: Path, fps: float = 25.0) -> Path:
    from realtime.writers import VideoOutput

    video = VideoOutput(path, fps)
    for frame in frames:
        video.write(frame)
    video.close()
    return path


def decoded_frames(path: Path) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def live_lines(bundle, clip: Path, out: Path) -> tuple[list[dict], list[str]]:
    from realtime.runner import LiveOptions, run_live

    summary = run_live(bundle, LiveOptions(source=str(clip), window=False, out_json=out), LiveParams(), sentence=SENTENCE)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], summary.sentence


def websocket_replies(bundle, clip: Path) -> list[dict]:
    """Every decoded frame of `clip` as a lossless PNG message (the same pixels live reads)."""
    import cv2
    from fastapi.testclient import TestClient

    from realtime.server.app import create_app

    replies = []
    app = create_app(bundle, server_settings(SENTENCE, max_words=100))
    with TestClient(app) as client, client.websocket_connect("/ws") as socket:
        for frame in decoded_frames(clip):
            socket.send_bytes(cv2.imencode(".png", frame)[1].tobytes())
            replies.append(socket.receive_json())
    return replies


def predict_upload(bundle, clip: Path) -> dict:
    from fastapi.testclient import TestClient

    from realtime.server.app import create_app

    with TestClient(create_app(bundle, server_settings(SENTENCE))) as client, open(clip, "rb") as handle:
        response = client.post("/predict", files={"file": (clip.name, handle, "video/mp4")})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_live_the_websocket_and_predict_translate_a_clip_the_same(small_bundle: Path, shared_data: Path,
                                                                   tmp_path: Path) -> None:
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)
    clip = write_clip(first_frames(shared_data / CLIP, CLIP_FRAMES), tmp_path / "clip.mp4")
    lines, live_sentence = live_lines(bundle, clip, tmp_path / "live.jsonl")
    replies = websocket_replies(bundle, clip)

    assert len(replies) == CLIP_FRAMES and [reply["frames"] for reply in replies] == list(range(1, CLIP_FRAMES + 1))
    served = [{"frame": reply["frames"] - 1, "top3": reply["top3"], "hand_visible": reply["hand_visible"],
               "new_word": reply["new_word"], "sentence": reply["sentence"]} for reply in replies if reply["classified"]]
    assert served == [{key: line[key] for key in ("frame", "top3", "hand_visible", "new_word", "sentence")}
                      for line in lines]
    assert replies[-1]["sentence"] == live_sentence == predict_upload(bundle, clip)["sentence"]
    # Not a comparison of nothing: the title card gives no-sign windows, the signing gives words.
    assert [line["frame"] for line in lines] == list(range(29, CLIP_FRAMES, 2))
    assert any(not line["hand_visible"] and line["top3"] == [] for line in lines)
    assert any(line["hand_visible"] and len(line["top3"]) == 3 for line in lines)
    assert live_sentence and all(word in bundle.classes for word in live_sentence)
