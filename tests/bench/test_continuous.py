"""Figure 9 (bench/continuous.py): word error rate on known cases, and the streams it builds
from the real clips (clips.csv signers, the real bundle's classes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.continuous import (
    PAUSE_SECONDS,
    Clip,
    align,
    collapse,
    join,
    score,
    stream_clips,
    word_error_rate,
)
from signlang.data.layout import NO_FACE_SIZE
from signlang.features.keypoints import hand_seen


def test_word_error_rate_on_known_cases() -> None:
    assert word_error_rate([(["hello", "no"], ["hello", "no"])]) == 0.0
    assert align(["hello", "no", "yes"], ["hello", "yes"])[:3] == (0, 1, 0)  # a deletion
    assert align(["hello", "no"], ["hello", "please", "no"])[:3] == (0, 0, 1)  # an insertion
    assert align(["hello", "no"], ["hello", "yes"])[:3] == (1, 0, 0)  # a substitution
    assert word_error_rate([(["a", "b"], ["a", "c", "b", "d"]), (["a", "b", "c"], [])]) == pytest.approx(5 / 5)
    assert align(["a", "b"], ["a", "b"])[3] == [(0, 0), (1, 1)]
    with pytest.raises(ValueError, match="reference"):
        word_error_rate([([], ["a"])])


def test_a_word_repeated_in_a_row_counts_once() -> None:
    assert collapse(["hello", "hello", "no", "hello"]) == ["hello", "no", "hello"]


def test_streams_join_real_tracks_with_rest_between(shared_data: Path) -> None:
    with np.load(shared_data / "keypoints" / "multisigner-258" / "hirak214.npz") as data:
        first, second = data["X"][0].astype(np.float32), data["X"][-1].astype(np.float32)
    clips = [Clip("a.mp4", "hello", "S", 30.0, "x"), Clip("b.mp4", "thanks", "S", 30.0, "y")]
    natural, paused = (join("S", clips, [first, second], mode) for mode in ("natural", "pauses"))
    assert len(natural.frames) == len(first) + len(second)
    pause = round(PAUSE_SECONDS * 30.0)
    assert len(paused.frames) == len(natural.frames) + pause
    assert not hand_seen(paused.frames[len(first) : len(first) + pause]).any()
    assert paused.spans[1] == (len(first) + pause, len(paused.frames) - 1) and paused.words == ("hello", "thanks")
    assert paused.frames.shape[1] == NO_FACE_SIZE
    result = score(paused, [("hello", paused.ends[0] + 3, paused.ends[0]), ("thanks", paused.ends[1] + 6, paused.ends[1])])
    assert result["delays_ms"] == [100.0, 200.0] and result["substitutions"] + result["insertions"] == 0


def test_stream_signers_have_two_known_words(shared_data: Path, small_bundle: Path) -> None:
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)  # the starter data's 8 classes, params.yaml's aliases
    signers = stream_clips(shared_data, bundle.classes, bundle.aliases)
    assert set(signers) == {"A", "B", "C", "G", "J", "Q", "R", "U"}
    assert all(len({clip.word for clip in clips}) == len(clips) >= 2 for clips in signers.values())
    assert {clip.word for clip in signers["R"]} == {"sorry", "thanks"}  # thank_you -> thanks
