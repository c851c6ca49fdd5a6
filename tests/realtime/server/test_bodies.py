"""/predict's bodies: JSON through the `PredictFrames` model (both keypoint layouts accepted, every
malformed or ill-shaped body refused with 400 or 422 and a message saying what is wrong), the
content types accepted. The request schema /openapi.json states: test_api.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from realtime.server.bodies import RequestError, content_kind, parse_frames_body
from signlang.data.layout import FULL_SIZE, NO_FACE_SIZE

SIGNER = Path("keypoints") / "multisigner-258" / "F1zzy.npz"


def test_both_keypoint_layouts_are_accepted(shared_data: Path) -> None:
    with np.load(shared_data / SIGNER) as data:
        sequence = data["X"][0].astype(np.float32)
    request = parse_frames_body(json.dumps({"frames": sequence.tolist(), "fps": 15}).encode())
    assert np.asarray(request.frames).shape == (len(sequence), NO_FACE_SIZE) and request.fps == 15
    full = parse_frames_body(json.dumps({"frames": np.zeros((4, FULL_SIZE)).tolist()}).encode())
    assert np.asarray(full.frames).shape == (4, FULL_SIZE) and full.fps is None


@pytest.mark.parametrize(("body", "status", "says"), [
    (b'{"frames": [[0.1, ', 400, "malformed JSON"),
    (b"[1, 2]", 422, "Input should be an object"),
    (b'{"other": 1}', 422, "frames: Field required"),
    (b'{"frames": []}', 422, "at least 1 item"),
    (b'{"frames": [1.0, 2.0]}', 422, "frames.0: Input should be a valid array"),
    (json.dumps({"frames": [[0.0] * 100]}).encode(), 422, "1662 or 258 values; got widths [100]"),
    (json.dumps({"frames": [[0.0] * 258, [0.0] * 1662]}).encode(), 422, "got widths [258, 1662]"),
    (json.dumps({"frames": [["a"] * 258]}).encode(), 422, "(and 255 more)"),
    (json.dumps({"frames": [[0.0] * 258], "fps": 0}).encode(), 422, "fps: Input should be greater than 0"),
    (json.dumps({"frames": [[0.0] * 258], "fps": math.inf}).encode(), 422, "fps: Input should be a finite number"),
    (json.dumps({"frames": [[0.0] * 258], "speed": 2}).encode(), 422, "speed: Extra inputs are not permitted"),
])
def test_bad_bodies_are_refused_saying_what_is_wrong(body: bytes, status: int, says: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_frames_body(body)
    assert caught.value.status == status
    assert says in caught.value.message


def test_only_json_and_multipart_are_accepted() -> None:
    assert content_kind("application/json; charset=utf-8") == "application/json"
    assert content_kind("multipart/form-data; boundary=x") == "multipart/form-data"
    for kind in ("text/plain", "", "application/x-www-form-urlencoded"):
        with pytest.raises(RequestError) as caught:
            content_kind(kind)
        assert caught.value.status == 415
