"""Native log chatter (MediaPipe's absl lines, TFLite's delegate notice) is kept off the
console by default and shown under SIGNLANG_VERBOSE=1; everything else on stderr passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import os, subprocess, sys
from signlang.native_logs import quiet_native_logs, verbose_requested
quiet_native_logs(verbose_requested())
from signlang.features.holistic import HolisticSettings, extract_video
extract_video(sys.argv[1], HolisticSettings())
print('progress from python', file=sys.stderr)
os.write(2, b'E0000 00:00:1.5   7 real.cc:1] a real native error\\n')
subprocess.run(['sh', '-c', 'echo "W0000 00:00:1796.5   9 child.cc:3] child noise" >&2; echo "child message" >&2'])
"""


def _stderr(clip: Path, verbose: bool) -> str:
    env = {key: value for key, value in os.environ.items() if key != "SIGNLANG_VERBOSE"}
    if verbose:
        env["SIGNLANG_VERBOSE"] = "1"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(clip)], capture_output=True, text=True,
                            env=env, timeout=300, check=True)
    return result.stderr


@pytest.mark.slow
def test_holistic_chatter_is_filtered_and_real_messages_pass(shared_data: Path) -> None:
    clip = shared_data / "videos" / "asl-starter" / "hello" / "hello_02.mp4"
    quiet = _stderr(clip, verbose=False).splitlines()
    assert quiet == ["progress from python", "E0000 00:00:1.5   7 real.cc:1] a real native error", "child message"]
    verbose = _stderr(clip, verbose=True)
    assert "inference_feedback_manager" in verbose and "child noise" in verbose
    assert "progress from python" in verbose


def test_noise_pattern_keeps_errors() -> None:
    from signlang.native_logs import is_noise

    assert is_noise("W0000 00:00:1796133486.751849   26714 inference_feedback_manager.cc:114] Feedback manager")
    assert is_noise("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.")
    assert is_noise("2026-12-01 13:56:40.729382: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow")
    assert not is_noise("E0000 00:00:1796133486.751849   26714 calculator_graph.cc:1] failed")
    assert not is_noise("error: data/x.mp4: cannot be decoded")
    assert not is_noise("2026-12-01 13:56:40.7: E tensorflow/core/kernels/x.cc:1] out of memory")
