"""`--model` (signlang/cli/model_option.py): the same flag, with the same help, in every command
that runs a model."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.signlang.cli.helpers import COMMANDS, SIGNLANG


def test_the_model_flag_is_the_same_in_every_command(tmp_path: Path) -> None:
    for command in COMMANDS:
        completed = subprocess.run([SIGNLANG, command, "--help"], cwd=tmp_path, capture_output=True, text=True,
                                   timeout=60)
        assert completed.returncode == 0, completed.stderr
        assert "--model MODEL, --bundle MODEL" in completed.stdout, command
        assert "models:/NAME@ALIAS" in " ".join(completed.stdout.split()), command
        assert "--model-name" not in completed.stdout and "--alias" not in completed.stdout
