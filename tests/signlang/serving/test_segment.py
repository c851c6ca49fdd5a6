"""The segmenter (signlang/serving/segment.py) on real keypoints: the multi-signer recordings (fast) and
real starter clips tracked by MediaPipe Holistic (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signlang.data.layout import HAND_PARTS, NO_FACE_SIZE
from signlang.features.keypoints import hand_seen, layout_of
from signlang.params import load_params
from signlang.serving.segment import Segmenter, SegmenterSpec, calibrate, hand_heights, segment_frames
from signlang.serving.settings import SegmentParams

SIGNER = Path("keypoints") / "multisigner-258" / "hirak214.npz"
PAUSE = 30


def sign(shared_data: Path, label: str) -> np.ndarray:
    """One real 30-frame window of `label` by one signer with a hand in every frame."""
    with np.load(shared_data / SIGNER) as data:
        windows = data["X"][data["label"] == label].astype(np.float32)
    full = [window for window in windows if hand_seen(window).all()]
    assert full, f"no {label} window with a hand in every frame"
    return full[0]


def without_hands(frames: np.ndarray) -> np.ndarray:
    """The same frames with both hands out of view (the body stays)."""
    out = frames.copy()
    for hand in HAND_PARTS:
        out[:, layout_of(out)[hand]] = 0.0
    return out


def test_two_real_signs_with_a_pause_are_two_segments_near_the_join(shared_data: Path) -> None:
    hello, thanks = sign(shared_data, "hello"), sign(shared_data, "thanks")
    rest = without_hands(np.repeat(hello[-1:], PAUSE, axis=0))
    stream = np.concatenate([hello, rest, thanks])
    segments = segment_frames(stream)
    assert len(segments) == 2
    first, second = segments
    assert first.start <= 2 and abs(first.end - (len(hello) - 1)) <= 2
    assert abs(second.start - (len(hello) + PAUSE)) <= 2 and second.end == len(stream) - 1
    assert not first.joined


def test_hands_out_of_view_give_no_segment(shared_data: Path) -> None:
    rest = without_hands(np.concatenate([sign(shared_data, "hello")] * 3))
    assert segment_frames(rest) == []
    assert np.isinf(hand_heights(rest)).all()


def test_streaming_and_whole_stream_agree(shared_data: Path) -> None:
    stream = np.concatenate([sign(shared_data, "thanks"), without_hands(sign(shared_data, "thanks")), sign(shared_data, "hello")])
    segmenter, found = Segmenter(), []
    for vector in stream:
        found += segmenter.push(vector)
    assert found + segmenter.finish() == segment_frames(stream)


def test_calibration_comes_from_the_training_windows(shared_data: Path) -> None:
    with np.load(shared_data / SIGNER) as data:
        windows = data["X"].astype(np.float32)
    spec = calibrate(windows, rest_quantile=0.99, change_quantile=0.9)
    heights = hand_heights(windows.reshape(-1, NO_FACE_SIZE))
    heights = heights[np.isfinite(heights)]
    assert np.mean(heights <= spec.rest_height) == pytest.approx(0.99, abs=0.01)
    assert 0 < spec.change_threshold < calibrate(windows, 0.99, 0.99).change_threshold
    with pytest.raises(ValueError, match="training windows"):
        calibrate(windows[0], 0.99, 0.9)


def test_spec_round_trip_and_bad_values(tmp_path: Path) -> None:
    spec = SegmenterSpec(rest_height=1.0, change_threshold=0.5)
    spec.save(tmp_path / "segmenter.json")
    assert SegmenterSpec.load(tmp_path / "segmenter.json") == spec
    with pytest.raises(ValueError, match="end_frames"):
        SegmenterSpec(end_frames=0)
    with pytest.raises(ValueError, match="unknown segmenter keys"):
        SegmenterSpec.from_dict({"rest": 1.0})


def test_params_yaml_and_the_spec_defaults_agree(project_root: Path) -> None:
    params = load_params(project_root / "params.yaml").segment
    assert params == SegmentParams()
    spec = SegmenterSpec()
    assert {key: getattr(spec, key) for key in ("change_frames", "start_frames", "end_frames", "min_frames", "max_frames")} == \
        params.model_dump(exclude={"rest_quantile", "change_quantile"})


def test_the_bundle_carries_its_segmenter_and_an_old_bundle_gets_the_defaults(small_bundle: Path, tmp_path: Path) -> None:
    import shutil

    from signlang.serving.bundle import Bundle

    exported = Bundle.load(small_bundle)
    assert (small_bundle / "segmenter.json").is_file()
    assert exported.segmenter == SegmenterSpec.load(small_bundle / "segmenter.json")
    old = tmp_path / "old"
    shutil.copytree(small_bundle, old)
    (old / "segmenter.json").unlink()
    assert Bundle.load(old).segmenter == SegmenterSpec()
    (old / "segmenter.json").write_text("[]", encoding="utf-8")
    with pytest.raises(Exception, match="segmenter"):
        Bundle.load(old)


@pytest.mark.slow
def test_two_tracked_clips_with_a_pause_are_two_segments(shared_data: Path) -> None:
    from realtime.core import track_clip
    from signlang.features.holistic import HolisticSettings

    clips = [shared_data / "videos" / "asl-starter" / name for name in ("hello/hello_02.mp4", "yes/yes_02.mp4")]
    hello, yes = (track_clip(clip, HolisticSettings()) for clip in clips)
    stream = np.concatenate([hello, without_hands(np.repeat(hello[-1:], PAUSE, axis=0)), yes])
    segments = segment_frames(stream)
    before = [s for s in segments if s.end < len(hello) + PAUSE // 2]
    after = [s for s in segments if s.start > len(hello) + PAUSE // 2]
    assert before and after and len(before) + len(after) == len(segments)  # none spans the pause
    assert abs(before[-1].end - (len(hello) - 1)) <= 4 and abs(after[0].start - (len(hello) + PAUSE)) <= 4
