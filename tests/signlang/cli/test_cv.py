"""`signlang cv` (signlang/cli/cv.py): an unknown preset and a bad --nested-folds refused in one
line."""

from __future__ import annotations

from signlang.cli import main


def test_cli_refuses_an_unknown_preset(capsys) -> None:
    assert main(["cv", "--presets", "tutorial,resnet"]) == 1
    assert "unknown preset 'resnet'" in capsys.readouterr().err
    assert main(["cv", "--nested-folds", "1"]) == 1
    assert "--nested-folds: needs 0 (off) or at least 2, got 1" in capsys.readouterr().err
