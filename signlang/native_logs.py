"""Keep MediaPipe's, TFLite's and TensorFlow's native log chatter out of the console.

Their C++ code writes straight to file descriptor 2 (absl/glog lines such as
`W0000 ... inference_feedback_manager.cc:114] Feedback manager requires ...`, TFLite's
`INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`), about nine lines per clip, which
no environment variable of mediapipe 0.10.21 silences. `quiet_native_logs()` points fd 2 at a
pipe read by a thread that drops those known informational lines and passes every other line
on; Python's own `sys.stderr` (progress bars, warnings, tracebacks) is moved to a copy of the
real stderr first, so it is never filtered. Child processes (extract's workers) inherit the
pipe, so their chatter is filtered too. `--verbose` or SIGNLANG_VERBOSE=1 leaves stderr alone.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

# Informational native lines: glog/absl INFO and WARNING records, absl's pre-init notice,
# TFLite's delegate notice, TensorFlow's CPU-feature notes, and one TensorFlow ERROR record
# that is a known harmless version mismatch in tf.data (training goes on unaffected).
NOISE = re.compile(
    r"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|INFO: Created TensorFlow Lite XNNPACK delegate"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] tensorflow/"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: E tensorflow/core/framework/node_def_util\.cc:\d+\] NodeDef mentions "
    r"attribute use_unbounded_threadpool)"
)
_installed: dict[str, object] = {}


def verbose_requested(argv: list[str] | None = None) -> bool:
    argv = sys.argv[1:] if argv is None else argv
    return "--verbose" in argv or os.environ.get("SIGNLANG_VERBOSE", "").lower() in ("1", "true", "yes")


def is_noise(line: str) -> bool:
    return NOISE.match(line) is not None


def _forward(read_fd: int, write_fd: int) -> None:
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = [line for line in lines if not is_noise(line.decode("utf-8", "replace"))]
            if kept:
                os.write(write_fd, b"\n".join(kept) + b"\n")
        if pending and not is_noise(pending.decode("utf-8", "replace")):
            os.write(write_fd, pending)


def quiet_native_logs(verbose: bool = False) -> None:
    """Filter native chatter from fd 2 for the rest of the process (once; no-op when verbose)."""
    if verbose or _installed:
        return
    sys.stderr.flush()
    real_stderr = os.dup(2)
    sys.stderr = os.fdopen(os.dup(real_stderr), "w", buffering=1, encoding="utf-8", errors="backslashreplace")
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    thread = threading.Thread(target=_forward, args=(read_fd, real_stderr), name="native-log-filter", daemon=True)
    thread.start()
    _installed.update(thread=thread, real_stderr=real_stderr)
    atexit.register(_restore)


def _restore() -> None:
    """Put the real stderr back on fd 2 (closing the pipe's last writer here) and let the
    filter thread pass on what is left."""
    real_stderr = _installed.get("real_stderr")
    if real_stderr is None:
        return
    os.dup2(real_stderr, 2)
    thread = _installed["thread"]
    thread.join(timeout=2.0)
