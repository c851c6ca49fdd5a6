"""The one entry-point wrapper every `python -m stages.<name>` uses.

A SignlangError (bad parameter, unreadable input) is one `error: ...` line on stderr and
exit status 1; `--debug` on the command line or SIGNLANG_DEBUG=1 shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Quiet the C++ INFO/WARNING chatter of TensorFlow and MLflow's download bars in stage logs;
# real errors still print. Set before any stage imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def quiet_console(argv: list[str] | None = None) -> None:
    """For `python -m stages.<name>` only (not for tests calling stage functions): keep native
    MediaPipe/TFLite/TensorFlow log chatter off the console unless --verbose or
    SIGNLANG_VERBOSE=1 asks for it (see signlang.native_logs)."""
    from signlang.native_logs import quiet_native_logs, verbose_requested

    quiet_native_logs(verbose_requested(argv))


def debug_requested(argv: list[str] | None = None) -> bool:
    """True when `--debug` is among the arguments or SIGNLANG_DEBUG is set to a true value."""
    argv = sys.argv[1:] if argv is None else argv
    return "--debug" in argv or os.environ.get("SIGNLANG_DEBUG", "").lower() in ("1", "true", "yes")


def clean_outputs() -> None:
    """Remove the temporary files a stage killed mid-write left in the output folders
    (see signlang.io), so DVC never hashes them into a folder output."""
    from signlang import paths
    from signlang.io import remove_stale_temps

    remove_stale_temps([paths.DATA_DIR, paths.MODELS_DIR, paths.REPORTS_DIR, paths.PLOTS_DIR, paths.FIGURES_DIR])


def run_stage(fn: Callable[[Any], T], load: Callable[[], Any], argv: list[str] | None = None) -> T:
    """`load()` the params.yaml sections the stage reads, clean stale temporary files, call
    `fn(params)` and return its result; on a SignlangError print `error: <message>` to stderr and
    exit 1 (re-raise with --debug / SIGNLANG_DEBUG=1). Each stage loads only its own sections, so
    a bad value elsewhere (say `capture.codec`) never stops it."""
    from signlang.errors import SignlangError

    try:
        params = load()
        clean_outputs()
        return fn(params)
    except SignlangError as exc:
        if debug_requested(argv):
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
