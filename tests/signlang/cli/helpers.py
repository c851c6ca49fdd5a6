"""Helpers for the CLI tests: the `signlang` command and the commands that run a model. Not a test
module."""

from __future__ import annotations

import sys
from pathlib import Path

SIGNLANG = str(Path(sys.executable).parent / "signlang")

# The commands that run a model, with arguments that take each as far as loading it.
COMMANDS = {
    "live": ["live", "--source", "{clip}"],  # the window too: the missing model is named first
    "serve": ["serve", "--port", "0"],
    "evaluate": ["evaluate", "--data", "{clip_folder}", "--out", "scores.json"],
}
