"""The errors the pipeline reports to people (signlang/errors.py): a file that cannot be used is
named with what is wrong with it."""

from __future__ import annotations

from pathlib import Path

from signlang.errors import InputFileError, SignlangError


def test_an_input_file_error_names_the_file_and_the_problem() -> None:
    error = InputFileError(Path("data") / "raw" / "hirak214.npz", "holds NaN or infinite keypoint values")
    assert str(error) == "data/raw/hirak214.npz: holds NaN or infinite keypoint values"
    assert (error.path, error.problem) == ("data/raw/hirak214.npz", "holds NaN or infinite keypoint values")
    assert isinstance(error, SignlangError)  # shown as one line, without a traceback
