"""bench/serve_costs.py sends a clip's frames as the page sends them: every frame scaled to the
page's width (its aspect kept) and encoded as JPEG."""

from __future__ import annotations

from pathlib import Path

from bench.serve_costs import page_jpegs


def test_every_frame_of_a_real_clip_becomes_a_jpeg_at_the_page_width(shared_data: Path) -> None:
    import cv2
    import numpy as np

    clip = shared_data / "videos" / "asl-starter" / "hello" / "hello_06.mp4"  # 30 frames, 1280x720
    jpegs = page_jpegs(clip, 320, 0.7)
    assert len(jpegs) == 30 and all(jpeg.startswith(b"\xff\xd8\xff") for jpeg in jpegs)
    frame = cv2.imdecode(np.frombuffer(jpegs[0], np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (180, 320, 3)
