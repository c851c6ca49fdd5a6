"""Errors the pipeline reports to people: each names the file (or key) and what is wrong."""

from __future__ import annotations

from pathlib import Path


class SignlangError(Exception):
    """A problem with the user's input or parameters, shown without a traceback."""


class ParamsError(SignlangError):
    """A value in params.yaml (or on the command line) that cannot be used."""


class InputFileError(SignlangError):
    """A data file that cannot be read or holds unusable values."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
